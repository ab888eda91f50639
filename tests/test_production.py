"""The production shape: two Rasa replicas sharing Redis, one action server, outcomes in PostgreSQL.

Production runs several Rasa replicas behind a load balancer, so any turn of a
conversation may reach any replica. They share the conversation in the
redacting Redis tracker store (``TRACKER_STORE=redis``) and take turns through
Rasa's Redis lock store (``LOCK_STORE_URL``), so two replicas never handle the
same conversation at once; the one action server writes the anonymous outcome
to PostgreSQL (``OUTCOMES_DATABASE_URL``).

This file starts exactly that on free ports on 127.0.0.1 with the model in
``models/hoth.tar.gz``: the action server and two ``python -m bot.serve_rasa``
processes, a Redis database of their own (flushed before and after) and a
fresh PostgreSQL schema in the ``test`` database (dropped afterwards). Then it
checks that:

- a conversation whose turns alternate between the replicas reaches the
  advice, and both replicas show the same conversation;
- questions for one person sent to both replicas at the same moment, while the
  action server is slow, are all answered and handled one after the other
  (none lost, none handled on a stale conversation), with the lock in Redis;
- the lock store the runtime endpoints file configures never gives the same
  ticket to two replicas that ask at once;
- the outcome reaches PostgreSQL exactly once, also when the assessment is
  given again on the other replica;
- what Redis keeps about the conversations expires and holds none of the
  words typed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from bot.net import find_free_port, http_ok
from bot.serve_rasa import REDIS_STORE
from bot.settings import ENV_KEYS, PROJECT_ROOT, child_env, load_settings
from tests.stack import postgres_or_skip

REDIS_DB = 13
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MODEL = PROJECT_ROOT / "models" / "hoth.tar.gz"
RECORD_EXP = 600
READY_TIMEOUT = 150.0
# Our own processes on 127.0.0.1: a proxy from the environment must never be asked.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Marked words in every message, so a copy of any message is found wherever it is kept.
MARK = f"wombat{secrets.token_hex(4)}"
OPENING = (
    f"I'm worried about my son, he's 15 and keeps coming home with cash and a second phone "
    f"and he goes missing overnight. {MARK}"
)
ANSWERS = {
    "user_role": f"I'm his mum {MARK}",
    "area": f"we live in Swindon {MARK}",
    "in_danger": f"no, he's at home with me right now {MARK}",
}
NOTHING_MORE = f"No, that's everything I know. {MARK}"
# Said after the advice, so the assessment is given again with this added.
AFTERWARDS = f"he was picked up by police in Bristol last month {MARK}"
MAX_TURNS = 8
# What a practitioner would conclude from OPENING and ANSWERS (tests/triage_cases.yml conventions).
EXPECTED_ROLE, EXPECTED_AREA = "parent_carer", "swindon"
EXPECTED_CATEGORY = "criminal_exploitation"
EXPECTED_URGENCIES = {"urgent", "concern"}
EXPECTED_CONTACT = "front_door"
# General questions (each answered by a custom action) sent to both replicas at the same
# moment for one person, a pair per round, while the action server is held still for PAUSE s.
AT_ONCE = (
    (f"what does cuckooing mean {MARK}", f"what is a trap house {MARK}"),
    (f"what is county lines {MARK}", f"what is a burner phone {MARK}"),
)
PAUSE = 1.0
TICKET_ATTEMPTS = 50


def needs_servers(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a test that talks to the servers: it needs the model, Redis and PostgreSQL."""
    return pytest.mark.e2e(pytest.mark.postgres(test))


# -- the running servers --------------------------------------------------------


@dataclass
class Server:
    """One process we started, and everything it printed."""

    name: str
    process: subprocess.Popen[str]
    url: str
    var_dir: Path
    lines: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "\n".join(list(self.lines))


@dataclass
class Production:
    """The running services, their token and the stores they share."""

    actions: Server
    replicas: tuple[Server, Server]
    token: str
    schema: str
    pg: Any
    conversations: dict[str, list[str]] = field(default_factory=dict)

    def logs(self) -> str:
        return "\n".join(f"[{s.name}] {s.log()}" for s in (self.actions, *self.replicas))


def _request(url: str, body: dict | None = None, timeout: float = 60) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    with OPENER.open(urllib.request.Request(url, data=data, headers=headers), timeout=timeout) as resp:
        return json.loads(resp.read())


def say(prod: Production, replica: Server, sender: str, text: str) -> list[str]:
    """Send ``text`` over REST to one replica; return the bot's texts (noting what was typed)."""
    prod.conversations.setdefault(sender, []).append(text)
    try:
        replies = _request(f"{replica.url}/webhooks/rest/webhook", {"sender": sender, "message": text})
    except urllib.error.URLError as err:
        pytest.fail(f"{replica.name} did not answer ({err}); the servers' last lines:\n{_tail(prod)}")
    return [r.get("text") or "" for r in replies]


def tracker(prod: Production, replica: Server, sender: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"token": prod.token})
    return _request(f"{replica.url}/conversations/{sender}/tracker?{query}")


def _tail(prod: Production, lines: int = 25) -> str:
    return "\n".join(
        f"[{s.name}] {line}" for s in (prod.actions, *prod.replicas) for line in s.lines[-lines:]
    )


def _start(name: str, argv: list[str], env: dict[str, str], url: str, var_dir: Path) -> Server:
    process = subprocess.Popen(
        argv,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        start_new_session=True,  # its own process group, so stopping it stops its children too
    )
    server = Server(name, process, url, var_dir)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line.rstrip("\n"))

    threading.Thread(target=read, name=f"{name}-output", daemon=True).start()
    return server


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        try:
            os.killpg(server.process.pid, signal.SIGTERM)
            os.killpg(server.process.pid, signal.SIGCONT)  # in case it was held still
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def _wait_ready(servers: list[tuple[Server, str]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(servers)
    while waiting:
        for server, health in list(waiting):
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited with code {server.process.returncode}:\n"
                    + "\n".join(server.lines[-40:])
                )
            if http_ok(health):
                waiting.remove((server, health))
        if time.monotonic() > deadline:
            names = ", ".join(server.name for server, _ in waiting)
            tails = "\n".join(f"[{s.name}] {line}" for s, _ in waiting for line in s.lines[-20:])
            raise RuntimeError(f"{names} did not answer within {timeout:g} s:\n{tails}")
        time.sleep(0.5)


def _redis_client() -> redis.Redis:
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        client.close()
        pytest.skip(f"no Redis server answered on 127.0.0.1:6379 ({type(exc).__name__})")
    return client


def _postgres() -> Any:
    return postgres_or_skip(POSTGRES_URL)


@pytest.fixture(scope="module")
def redis_db() -> Iterator[redis.Redis]:
    """This file's own Redis database, empty before and after."""
    client = _redis_client()
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def production(redis_db: redis.Redis) -> Iterator[Production]:
    """One action server and two Rasa replicas on Redis and PostgreSQL, always stopped afterwards."""
    from psycopg2 import sql

    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    conn = _postgres()
    schema = f"hoth_replicas_{secrets.token_hex(4)}"
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    tmp = Path(tempfile.mkdtemp(prefix="hoth-replicas-"))
    servers: list[Server] = []
    ports: list[int] = []
    while len(ports) < 4:
        port = find_free_port()
        if port not in ports:
            ports.append(port)
    actions_port, rasa_a, rasa_b, web_port = ports
    shared = {
        "ACTIONS_PORT": str(actions_port),
        "WEB_PORT": str(web_port),  # not started; keeps the CORS origin off any real page
        "RASA_AUTH_TOKEN": secrets.token_urlsafe(16),
        "ACTIONS_TOKEN": secrets.token_urlsafe(16),
        "STATS_TOKEN": secrets.token_urlsafe(16),
        "LOG_LEVEL": "INFO",
        "MODEL_DIR": str(MODEL.parent),
        "TRACKER_STORE": "redis",
        "TRACKER_STORE_URL": REDIS_URL,
        "TRACKER_RECORD_EXP": str(RECORD_EXP),
        "LOCK_STORE_URL": REDIS_URL,
        # libpq's `options` puts the outcome table (and its schema version) in the fresh schema.
        "OUTCOMES_DATABASE_URL": f"{POSTGRES_URL}?options=" + urllib.parse.quote(f"-csearch_path={schema}"),
    }

    def env_for(rasa_port: int, var_dir: Path) -> dict[str, str]:
        settings_env = {**shared, "RASA_PORT": str(rasa_port), "VAR_DIR": str(var_dir)}
        settings = load_settings(settings_env)
        return child_env(settings, {k: v for k, v in settings_env.items() if k not in ENV_KEYS.values()})

    try:
        actions_env = env_for(rasa_a, tmp / "actions")
        actions = _start(
            "actions",
            [sys.executable, "-m", "bot.serve_actions"],
            actions_env,
            f"http://127.0.0.1:{actions_port}",
            tmp / "actions",
        )
        servers.append(actions)
        replicas = []
        for name, port in (("rasa-a", rasa_a), ("rasa-b", rasa_b)):
            var_dir = tmp / name
            argv = [sys.executable, "-m", "bot.serve_rasa", "--model", str(MODEL)]
            replica = _start(name, argv, env_for(port, var_dir), f"http://127.0.0.1:{port}", var_dir)
            servers.append(replica)
            replicas.append(replica)
        _wait_ready(
            [(actions, f"{actions.url}/health")] + [(r, f"{r.url}/") for r in replicas], READY_TIMEOUT
        )
        yield Production(
            actions=actions,
            replicas=(replicas[0], replicas[1]),
            token=shared["RASA_AUTH_TOKEN"],
            schema=schema,
            pg=conn,
        )
    finally:
        for server in reversed(servers):
            _stop(server)
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.close()
        shutil.rmtree(tmp, ignore_errors=True)


# -- a conversation that hops between the replicas ------------------------------------


@dataclass
class Hopping:
    """A conversation whose turns went to replica A, B, A, ... and what each replica then showed."""

    sender: str
    replies: list[str]
    answered_by: list[str]
    triage: dict[str, Any]
    trackers: dict[str, dict[str, Any]]


def _asked(state: dict[str, Any]) -> str | None:
    active = (state.get("active_loop") or {}).get("name")
    return (state.get("slots") or {}).get("requested_slot") if active else None


@pytest.fixture(scope="module")
def hopping(production: Production) -> Hopping:
    """Answer whatever is asked until the advice, each turn on the other replica.

    The next answer is chosen from the tracker as the *other* replica shows
    it, so each replica has to see what the previous one stored.
    """
    prod = production
    sender = f"hop{secrets.token_hex(8)}"
    replies: list[str] = []
    answered_by: list[str] = []
    text = OPENING
    for turn in range(MAX_TURNS):
        replica, other = prod.replicas[turn % 2], prod.replicas[(turn + 1) % 2]
        replies += say(prod, replica, sender, text)
        answered_by.append(replica.name)
        state = tracker(prod, other, sender)
        slots = state.get("slots") or {}
        if slots.get("triage") and not _asked(state):
            trackers = {r.name: tracker(prod, r, sender) for r in prod.replicas}
            return Hopping(sender, replies, answered_by, slots["triage"], trackers)
        text = ANSWERS.get(_asked(state) or "", NOTHING_MORE)
    pytest.fail(f"no assessment after {MAX_TURNS} turns; the assistant last said: {replies[-3:]}")


@needs_servers
def test_turns_alternating_between_replicas_reach_the_advice(hopping: Hopping) -> None:
    assert len(set(hopping.answered_by)) == 2, hopping.answered_by
    assert hopping.triage["role"] == EXPECTED_ROLE
    assert hopping.triage["area"] == EXPECTED_AREA
    assert EXPECTED_CATEGORY in hopping.triage["categories"]
    assert hopping.triage["urgency"] in EXPECTED_URGENCIES
    assert EXPECTED_CONTACT in hopping.triage["contacts"]
    assert any("Contact Swindon" in reply or "01793 464646" in reply for reply in hopping.replies)


@needs_servers
@pytest.mark.parametrize("part", ["slots", "events", "latest_action_name", "active_loop"])
def test_both_replicas_show_the_same_conversation(hopping: Hopping, part: str) -> None:
    a, b = hopping.trackers.values()
    assert a[part] == b[part]
    assert a["slots"]["user_role"] == EXPECTED_ROLE and a["slots"]["area"] == EXPECTED_AREA


# -- two messages for one person, at the same moment, on both replicas ----------------


def _watch_redis(commands: list[str], stop: threading.Event, ready: threading.Event) -> None:
    """Record every command Redis runs on this file's database until ``stop`` is set."""
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        with client.monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                if command.get("db") == REDIS_DB:
                    where = f"{command.get('client_address')}:{command.get('client_port')}"
                    commands.append(f"{where} {command.get('command')}")
                if stop.is_set():
                    return
    finally:
        ready.set()
        client.close()


@contextmanager
def action_server_paused(prod: Production, seconds: float) -> Iterator[None]:
    """Hold the action server still for ``seconds`` after the block starts, as a slow one would be.

    A turn that calls a custom action then keeps its conversation for that
    long, so a second message for the same person certainly arrives while the
    first is being handled.
    """
    pid = prod.actions.process.pid
    os.kill(pid, signal.SIGSTOP)
    resumed = threading.Timer(seconds, os.kill, (pid, signal.SIGCONT))
    resumed.start()
    try:
        yield
    finally:
        resumed.cancel()
        os.kill(pid, signal.SIGCONT)


@dataclass
class AtOnce:
    """Rounds of two questions sent to both replicas at once for one person, and what followed."""

    sender: str
    replies: list[dict[str, list[str]]]
    trackers: dict[str, dict[str, Any]]
    redis_commands: list[str]


@pytest.fixture(scope="module")
def at_once(production: Production, redis_db: redis.Redis) -> AtOnce:
    """After an opening on replica A, each pair of AT_ONCE sent to A and B at the same moment.

    Redis's MONITOR records meanwhile which connections touched the conversation's lock.
    """
    prod = production
    a, b = prod.replicas
    sender = f"atonce{secrets.token_hex(8)}"
    say(prod, a, sender, OPENING)
    commands: list[str] = []
    stop, watching = threading.Event(), threading.Event()
    watcher = threading.Thread(target=_watch_redis, args=(commands, stop, watching), daemon=True)
    watcher.start()
    watching.wait(5)
    gate = threading.Barrier(2)

    def send(replica: Server, text: str) -> list[str]:
        gate.wait(10)
        return say(prod, replica, sender, text)

    rounds: list[dict[str, list[str]]] = []
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for questions in AT_ONCE:
                with action_server_paused(prod, PAUSE):
                    futures = {
                        r.name: pool.submit(send, r, q) for r, q in zip((a, b), questions, strict=True)
                    }
                    rounds.append({name: future.result(timeout=60) for name, future in futures.items()})
    finally:
        stop.set()
        redis_db.ping()  # one more command, so the watcher wakes up and sees `stop`
        watcher.join(5)
    trackers = {r.name: tracker(prod, r, sender) for r in prod.replicas}
    return AtOnce(sender, rounds, trackers, commands)


@needs_servers
def test_messages_at_once_on_both_replicas_are_all_answered(at_once: AtOnce) -> None:
    assert len(at_once.replies) == len(AT_ONCE)
    for replies in at_once.replies:
        assert set(replies) == {"rasa-a", "rasa-b"}
        for name, texts in replies.items():
            said = " ".join(texts)
            assert said.strip(), f"{name} gave no reply"
            assert "didn't understand" not in said, f"{name} answered a general question with: {said}"


def _turns(events: list[dict[str, Any]]) -> list[list[str]]:
    """Each user message with the actions that answered it, in the order stored."""
    turns: list[list[str]] = []
    for event in events:
        if event["event"] == "user":
            turns.append(["user"])
        elif event["event"] == "action" and turns:
            turns[-1].append(event["name"])
    return turns


@needs_servers
def test_messages_at_once_are_handled_one_after_the_other(at_once: AtOnce) -> None:
    """No message handled on a stale conversation: the lock made one replica wait for the other."""
    a, b = at_once.trackers.values()
    assert a["events"] == b["events"] and a["slots"] == b["slots"]
    turns = _turns(a["events"])
    sent = 1 + 2 * len(AT_ONCE)
    assert len(turns) == sent, f"{sent} messages sent, {len(turns)} kept in the conversation: {turns}"
    for turn in turns:
        assert turn[-1] == "action_listen" and turn.count("action_listen") == 1, turns
    for turn in turns[1:]:
        assert "action_answer_information" in turn, turns
    # Handled at the same time, each replica's turn would start before the other's
    # ended (both wait for the paused action server); Rasa's Redis tracker store
    # then appends the later save's events after the earlier one's.
    overlaps = [
        (before["timestamp"], after["event"], after.get("name"), after["timestamp"])
        for before, after in zip(a["events"], a["events"][1:], strict=False)
        if after["timestamp"] < before["timestamp"]
    ]
    assert not overlaps, f"turns of one conversation overlapped in time: {overlaps}"


@needs_servers
def test_the_replicas_lock_the_conversation_in_redis(production: Production, at_once: AtOnce) -> None:
    from rasa.core.lock_store import RedisLockStore
    from rasa.shared.utils.common import class_from_module_path

    for replica in production.replicas:
        endpoints = yaml.safe_load((replica.var_dir / "run" / "endpoints.yml").read_text())
        lock_store = endpoints["lock_store"]
        kind = lock_store["type"]
        assert kind == "redis" or issubclass(class_from_module_path(kind), RedisLockStore), kind
        assert (lock_store["url"], lock_store["port"], lock_store["db"]) == ("127.0.0.1", 6379, REDIS_DB)
        assert (endpoints["tracker_store"]["type"], endpoints["tracker_store"]["db"]) == (
            REDIS_STORE,
            REDIS_DB,
        )
    lock_key = f"lock:{at_once.sender}"
    lockers = {line.split(" ", 1)[0] for line in at_once.redis_commands if lock_key in line}
    lockers.discard("lua:")  # commands a script ran; the client that called it is listed too
    assert len(lockers) >= 2, f"the lock was not taken in Redis by both replicas: {at_once.redis_commands}"


def test_two_replicas_never_hold_the_same_ticket(redis_db: redis.Redis, tmp_path: Path) -> None:
    """The lock store as the runtime endpoints file builds it, one per replica, asked at the same moment.

    Each conversation's ticket must go to one replica only; a store that reads
    the lock, adds a ticket and writes it back in separate steps hands both
    replicas the first ticket when they ask together, and both then handle the
    conversation at once.
    """
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.utils import read_endpoint_config

    from bot.serve_rasa import runtime_endpoints

    settings = load_settings(
        {"TRACKER_STORE": "redis", "TRACKER_STORE_URL": REDIS_URL, "LOCK_STORE_URL": REDIS_URL}
    )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(runtime_endpoints(settings, PROJECT_ROOT / "endpoints.yml")))
    config = read_endpoint_config(str(endpoints), endpoint_type="lock_store")
    replicas = [LockStore.create(config) for _ in range(2)]
    assert all(isinstance(store, RedisLockStore) for store in replicas), replicas
    gate = threading.Barrier(2)

    def take(store: LockStore, conversation: str) -> int:
        gate.wait(5)
        return store.issue_ticket(conversation)

    shared = []
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for _ in range(TICKET_ATTEMPTS):
                conversation = f"tickets{secrets.token_hex(6)}"
                tickets = sorted(f.result(10) for f in [pool.submit(take, s, conversation) for s in replicas])
                if tickets != [0, 1]:
                    shared.append(tickets)
    finally:
        for key in redis_db.scan_iter("*tickets*"):
            redis_db.delete(key)
        for store in replicas:
            store.red.close()
    assert not shared, (
        f"{len(shared)} of {TICKET_ATTEMPTS} times the two replicas were handed tickets {shared[:3]} ..."
    )


# -- what is kept ---------------------------------------------------------------


def _outcome_rows(prod: Production) -> list[dict[str, Any]]:
    from psycopg2 import sql

    with prod.pg.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (f"{prod.schema}.outcomes",))
        if cur.fetchone()[0] is None:
            return []
        cur.execute(sql.SQL("SELECT * FROM {}.outcomes").format(sql.Identifier(prod.schema)))
        names = [d.name for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]


def _matches(row: dict[str, Any], triage: dict[str, Any]) -> bool:
    flags = {k for k, v in row.items() if k.startswith(("category_", "contact_")) and v}
    wanted = {f"category_{c}" for c in triage["categories"]} | {f"contact_{c}" for c in triage["contacts"]}
    return (row["role"], row["area"], row["urgency"]) == (
        triage["role"],
        triage["area"],
        triage["urgency"],
    ) and flags == wanted


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


@needs_servers
def test_the_outcome_reaches_postgresql_exactly_once(
    production: Production, hopping: Hopping, at_once: AtOnce
) -> None:
    prod = production
    # One more turn after the advice, on the replica that did not give it: the
    # assessment given again must update the conversation's row, not add one.
    last = prod.replicas[len(hopping.answered_by) % 2]
    say(prod, last, hopping.sender, AFTERWARDS)
    state = tracker(prod, prod.replicas[0], hopping.sender)
    assert "action_give_advice" in _turns(state["events"])[-1], "the advice was not given again"
    final = state["slots"]["triage"]
    assessed = [s for s in (hopping.sender, at_once.sender) if tracker(prod, last, s)["slots"].get("triage")]
    assert _wait_for(lambda: any(_matches(row, final) for row in _outcome_rows(prod)), 20), (
        f"the outcome was not written within 20 s; rows: {_outcome_rows(prod)}"
    )
    time.sleep(1.5)  # room for a late duplicate to arrive
    rows = _outcome_rows(prod)
    assert len([row for row in rows if _matches(row, final)]) == 1, rows
    assert len(rows) == len(assessed), rows
    assert hopping.sender not in json.dumps(rows, default=str)


def _redis_values(client: redis.Redis) -> dict[str, tuple[bytes, int]]:
    """Every key's value (strings only are expected) and its time to live."""
    found: dict[str, tuple[bytes, int]] = {}
    for key in client.scan_iter():
        value = client.get(key) if client.type(key) == b"string" else repr(client.dump(key)).encode()
        found[key.decode()] = (value or b"", client.ttl(key))
    return found


@needs_servers
def test_redis_keeps_the_conversations_briefly_and_without_their_words(
    production: Production, hopping: Hopping, at_once: AtOnce, redis_db: redis.Redis
) -> None:
    everything = _redis_values(redis_db)
    senders = (hopping.sender, at_once.sender)
    for sender in senders:
        assert f"tracker:{sender}" in everything, f"{sender} never reached Redis: {sorted(everything)}"
    kept = {key: found for key, found in everything.items() if any(s in key for s in senders)}
    for key, (value, ttl) in kept.items():
        # -1 would be a key kept for ever, such as a lock left behind.
        assert 0 < ttl <= RECORD_EXP, f"{key} expires in {ttl} s"
        assert MARK.encode() not in value, f"{key} holds what was typed"
        for text in (t for texts in production.conversations.values() for t in texts):
            words = text.removesuffix(MARK).strip()
            assert words.encode() not in value, f"{key} holds {words!r}"
    users = [e for e in json.loads(kept[f"tracker:{hopping.sender}"][0])["events"] if e["event"] == "user"]
    assert len(users) >= 3 and not any(e.get("text") for e in users)
    assert "Redis tracker store unavailable" not in production.logs()
    assert MARK not in production.logs()
