"""No trace of what people typed: a canary and personal details, searched for everywhere afterwards.

A full conversation (opening, the form's questions, "that's everything") is
typed into the running servers with a unique canary string, a UK mobile
number, an email address, a postcode and a name in it, until the assistant
gives its assessment and the outcome is written. Then every place the
assistant keeps or writes anything is searched: the outcome database, every
file under ``var/``, every log line the servers printed, the tracker as Rasa's
HTTP API returns it (all events), the Redis database of the Redis tracker
store, and any file in the project written meanwhile. None may hold any of it
(SAFETY.md section 2).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.outcomes.model import today
from bot.settings import PROJECT_ROOT, load_settings
from tests.stack import postgres_or_skip

CANARY = f"quokka{secrets.token_hex(5)}canary"
PHONE, PHONE_DIGITS = "07700 900123", "07700900123"
EMAIL = f"jess.t{secrets.token_hex(3)}@example.com"
POSTCODE, POSTCODE_SQUASHED = "SN1 2AB", "SN12AB"
NAME = "Jessica Thompson"
TYPED = (CANARY, PHONE, EMAIL, POSTCODE, NAME)
# What is searched for: what was typed, and the forms a program might turn it into.
DETAILS = (*TYPED, PHONE_DIGITS, "900123", POSTCODE_SQUASHED, "Jessica", "Thompson")

OPENING = (
    f"I'm worried about my daughter {NAME}, she's 14. An older man keeps giving her gifts and lifts "
    f"and she won't say who he is. {CANARY}"
)
ANSWERS = {
    "user_role": f"I'm her mum, my number is {PHONE} and my email is {EMAIL}",
    "area": f"we live in Swindon, {POSTCODE}",
    "in_danger": f"no, she's at home with me. {CANARY}",
}
MORE = [f"he waits for her near {POSTCODE}, texts her on {PHONE} and emails {EMAIL}, {CANARY}"]
NOTHING_MORE = "No, that's everything I know."
MAX_TURNS = 8

# The outcome log's allow-list (CONTRACT.md "Outcome log", SAFETY.md section 2):
# the day, role, area, urgency, version, one flag per category and per contact,
# and a random row id. A contact added later comes with its own flag column.
BASE_COLUMNS = {"id", "day", "role", "area", "urgency", "version"}
CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "trafficking",
    "missing",
    "relationship_abuse",
    "harmful_sexual_behaviour",
    "radicalisation",
    "youth_violence",
)
CONTRACT_CONTACTS = (
    "police_999",
    "police_101",
    "childline",
    "nspcc",
    "ceop",
    "crimestoppers",
    "modern_slavery_helpline",
    "missing_people",
    "prevent",
    "front_door",
)
ID_SHAPE = re.compile(r"^[a-z][a-z0-9_]*$")
FORBIDDEN_COLUMN_WORDS = (
    "text",
    "message",
    "sender",
    "session",
    "conversation",
    "ip",
    "agent",
    "time",
    "name",
)
CANARY_REDIS_DB = 14
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


# -- talking to the servers ---------------------------------------------------


def _request(url: str, body: dict | None = None, timeout: float = 60) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 (loopback only)
        return resp.read()


def say_rest(rasa_url: str, sender: str, text: str) -> list[str]:
    replies = json.loads(_request(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text}))
    return [r.get("text") or "" for r in replies]


def say_web(web_url: str, sender: str, text: str) -> list[str]:
    """Through the chat page's API (NDJSON), so the web server's logs see the message too."""
    lines = _request(f"{web_url}/api/chat", {"sender": sender, "message": text}).decode().splitlines()
    return [json.loads(line).get("text") or "" for line in lines if line.strip()]


def tracker(stack: Any, sender: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"token": stack.token, "include_events": "ALL"})
    return json.loads(_request(f"{stack.rasa_url}/conversations/{sender}/tracker?{query}"))


def story(stack: Any, sender: str) -> str:
    query = urllib.parse.urlencode({"token": stack.token})
    return _request(f"{stack.rasa_url}/conversations/{sender}/story?{query}").decode()


@dataclass
class Conversation:
    """A finished conversation and where to look for what was typed in it."""

    stack: Any
    sender: str
    replies: list[str]
    triage: dict[str, Any]
    started: float
    outcome_columns: list[str] = field(default_factory=list)
    outcome_row: dict[str, Any] = field(default_factory=dict)
    redis_db: int | None = None


def converse(stack: Any) -> tuple[str, list[str], dict[str, Any]]:
    """Drive a conversation as CONTRACT.md's evaluation driver does, details in every answer."""
    sender = f"canary{secrets.token_hex(10)}"
    replies = say_web(stack.web_url, sender, OPENING)
    typed = [OPENING]
    more = list(MORE)
    state = tracker(stack, sender)
    for _ in range(MAX_TURNS):
        slots = state.get("slots") or {}
        active = (state.get("active_loop") or {}).get("name")
        if slots.get("triage") and not active:
            # Every detail was really typed, so finding none of them means something.
            untyped = [d for d in TYPED if d not in " ".join(typed)]
            assert not untyped, f"never typed {untyped}: {typed}"
            return sender, replies, slots["triage"]
        asked = slots.get("requested_slot") if active else None
        answer = ANSWERS.get(asked) or (more.pop(0) if more else NOTHING_MORE)
        typed.append(answer)
        replies += say_rest(stack.rasa_url, sender, answer)
        state = tracker(stack, sender)
    pytest.fail(f"no assessment after {MAX_TURNS} turns; the assistant last said: {replies[-3:]}")


# -- the outcome database -------------------------------------------------------


def matches(row: dict[str, Any], triage: dict[str, Any]) -> bool:
    """Whether an outcome row holds exactly this assessment (flags as 0/1 or booleans)."""
    flags = {k: bool(v) for k, v in row.items() if k.startswith(("category_", "contact_"))}
    wanted = {f"category_{c}" for c in triage["categories"]} | {f"contact_{c}" for c in triage["contacts"]}
    return (row["role"], row["area"], row["urgency"]) == (
        triage["role"],
        triage["area"],
        triage["urgency"],
    ) and {k for k, v in flags.items() if v} == wanted


def wait_for_row(
    read: Callable[[], tuple[list[str], list[dict[str, Any]]]], triage: dict, before: int, timeout: float = 20
) -> tuple[list[str], dict[str, Any]]:
    """Poll until the recorder has flushed this conversation's outcome; return the columns and the row."""
    deadline = time.monotonic() + timeout
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        columns, rows = read()
        found = [row for row in rows if matches(row, triage)]
        if len(rows) > before and found:
            return columns, found[-1]
        time.sleep(0.25)
    pytest.fail(f"the outcome was not written within {timeout:g} s ({len(rows)} rows, {before} before)")


def sqlite_reader(path: Path) -> Callable[[], tuple[list[str], list[dict[str, Any]]]]:
    def read() -> tuple[list[str], list[dict[str, Any]]]:
        if not path.exists():
            return [], []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            conn.row_factory = sqlite3.Row
            try:
                rows = conn.execute("SELECT * FROM outcomes").fetchall()
                columns = [info[1] for info in conn.execute("PRAGMA table_info(outcomes)")]
            except sqlite3.OperationalError:  # not created yet
                return [], []
        return columns, [dict(row) for row in rows]

    return read


def run_conversation(stack: Any, read: Callable[[], tuple[list[str], list[dict[str, Any]]]]) -> Conversation:
    started = time.time()
    before = len(read()[1])
    try:
        sender, replies, triage = converse(stack)
    except urllib.error.URLError as err:
        tail = "\n".join(stack.log_lines[-40:])
        pytest.fail(f"the servers did not answer ({err}); their last lines:\n{tail}")
    columns, row = wait_for_row(read, triage, before)
    return Conversation(stack, sender, replies, triage, started, columns, row)


# -- where to look ------------------------------------------------------------


def _files(root: Path, since: float | None = None) -> Iterator[Path]:
    skip = {".git", ".venv", "node_modules", "__pycache__"}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:  # removed meanwhile by another process
                continue
            if stat.st_size < 50_000_000 and (since is None or stat.st_mtime >= since - 1):
                yield path


def var_files(conv: Conversation) -> dict[str, bytes]:
    """Every file under the stack's var/: the outcome database (and any journal), runtime files."""
    return {str(p): p.read_bytes() for p in _files(conv.stack.var_dir)}


def server_logs(conv: Conversation) -> dict[str, bytes]:
    assert conv.stack.settings.log_level == "INFO"  # the production level
    return {"log lines of the action server, Rasa and the web server": conv.stack.log_text().encode()}


def tracker_api(conv: Conversation) -> dict[str, bytes]:
    found = tracker(conv.stack, conv.sender)
    users = [e for e in found["events"] if e["event"] == "user"]
    # Searched for real: the conversation is there, only without its words.
    assert len(users) >= 3 and all(e["parse_data"]["intent"].get("name") for e in users)
    assert found["slots"]["triage"] == conv.triage
    return {
        "tracker (include_events=ALL)": json.dumps(found).encode(),
        "story": story(conv.stack, conv.sender).encode(),
    }


def files_written_meanwhile(conv: Conversation) -> dict[str, bytes]:
    """Anything in the project or the stack's folder written since the conversation began."""
    found = {}
    for root in (PROJECT_ROOT, conv.stack.var_dir.parent):
        for path in _files(root, since=conv.started):
            try:
                found[str(path)] = path.read_bytes()
            except OSError:
                continue
    return found


def redis_values(conv: Conversation) -> dict[str, bytes]:
    """Every key's value in the Redis database the tracker store uses."""
    assert conv.redis_db is not None
    client = redis.Redis(host="127.0.0.1", port=6379, db=conv.redis_db)
    try:
        found: dict[str, bytes] = {}
        for key in client.scan_iter():
            kind = client.type(key).decode()
            if kind == "string":
                value: Any = client.get(key)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind in {"set", "zset"}:
                value = client.zrange(key, 0, -1) if kind == "zset" else client.smembers(key)
            else:
                value = b""
            found[f"redis db {conv.redis_db} key {key!r}"] = key + b" " + repr(value).encode()
        return found
    finally:
        client.close()


def replies(conv: Conversation) -> dict[str, bytes]:
    """The assistant never repeats such details back (SAFETY.md section 2)."""
    return {"the assistant's replies": "\n".join(conv.replies).encode()}


PLACES = {
    "outcome database and var files": var_files,
    "server logs": server_logs,
    "tracker through the HTTP API": tracker_api,
    "tracker store in Redis": redis_values,
    "files written meanwhile": files_written_meanwhile,
    "replies": replies,
}


def hits(blobs: dict[str, bytes], needles: tuple[str, ...]) -> list[str]:
    found = []
    for where, blob in blobs.items():
        lowered = blob.lower()
        for needle in needles:
            if needle.lower().encode() in lowered:
                found.append(f"{needle!r} in {where}")
    return found


def redis_reachable() -> None:
    client = redis.Redis(host="127.0.0.1", port=6379, db=CANARY_REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis server answered on 127.0.0.1:6379 ({type(exc).__name__})")
    finally:
        client.close()


@pytest.mark.parametrize(
    ("blob", "found"),
    [
        (f'{{"text": "my friend {CANARY}"}}'.encode(), [CANARY]),
        (b"call JESSICA thompson on 07700900123", [NAME, "Jessica", "Thompson", PHONE_DIGITS, "900123"]),
        (b"near sn12ab", [POSTCODE_SQUASHED]),
        (b'{"intent": {"name": "describe_concern"}, "text": null}', []),
    ],
)
def test_the_search_finds_details_in_the_forms_they_could_take(blob: bytes, found: list[str]) -> None:
    assert sorted(hits({"here": blob}, DETAILS)) == sorted(f"{needle!r} in here" for needle in found)


# -- the Redis tracker store as the servers build it (no servers needed) ------------


def _turn_with_text(sender: str) -> Any:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(OPENING, {"name": "describe_concern", "confidence": 0.9}, [], input_channel="rest"),
        SlotSet("area", "swindon"),
        BotUttered("Who is asking?"),
        ActionExecuted("action_listen"),
    ]
    return DialogueStateTracker.from_events(sender, events)


@pytest.mark.parametrize(
    ("record_exp", "timeout", "ttl_at_most"),
    [
        ("1800.0", None, 1800),  # what TRACKER_RECORD_EXP's float becomes on its way to Rasa
        ("90.7", None, 91),  # rounded to whole seconds
        ("600", 45.5, 45),  # a caller passing its own float timeout
        ("600", 30, 30),
    ],
)
async def test_redis_store_built_from_the_runtime_endpoints_keeps_the_conversation(
    tmp_path: Path, record_exp: str, timeout: float | None, ttl_at_most: int
) -> None:
    """Saved in Redis (not a memory fall-back), with an expiry, retrievable, and without its text."""
    import yaml
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoint_config
    from rasa.shared.core.domain import Domain

    from bot.serve_rasa import runtime_endpoints
    from bot.tracker_store import RedactingRedisTrackerStore

    redis_reachable()
    settings = load_settings(
        {
            "TRACKER_STORE": "redis",
            "TRACKER_STORE_URL": f"redis://127.0.0.1:6379/{CANARY_REDIS_DB}",
            "TRACKER_RECORD_EXP": record_exp,
        }
    )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(runtime_endpoints(settings, PROJECT_ROOT / "endpoints.yml")))
    domain = Domain.from_yaml(
        'version: "3.1"\nintents: [describe_concern]\n'
        "slots:\n  area:\n    type: text\n    mappings: [{type: custom}]\n"
    )
    config = read_endpoint_config(str(endpoints), endpoint_type="tracker_store")
    store = TrackerStore.create(config, domain=domain)
    assert isinstance(store, RedactingRedisTrackerStore)
    sender = f"canary{secrets.token_hex(8)}"
    client = redis.Redis(host="127.0.0.1", port=6379, db=CANARY_REDIS_DB)
    try:
        await store.save(_turn_with_text(sender), timeout)
        kept = client.get(f"tracker:{sender}")
        ttl = client.ttl(f"tracker:{sender}")
        back = await store.retrieve(sender)
    finally:
        client.delete(f"tracker:{sender}")
        client.close()
    assert not store._fallback.store, "Redis refused the conversation and it was kept in memory"
    assert kept is not None and 0 < ttl <= ttl_at_most
    assert hits({"redis": kept}, DETAILS) == []
    assert back is not None and back.get_slot("area") == "swindon"
    assert back.latest_message.intent["name"] == "describe_concern" and not back.latest_message.text


# -- the end-to-end checks ------------------------------------------------------


@pytest.fixture(scope="module")
def memory_conversation(stack: Any) -> Conversation:
    """A conversation on the session's stack: in-memory tracker store, SQLite outcomes."""
    return run_conversation(stack, sqlite_reader(stack.settings.var_dir / "outcomes.sqlite3"))


@pytest.fixture(scope="module")
def redis_conversation() -> Iterator[Conversation]:
    """A conversation on a stack of its own whose tracker store is the running Redis."""
    redis_reachable()
    from tests.stack import running_stack

    env = {
        "TRACKER_STORE": "redis",
        "TRACKER_STORE_URL": f"redis://127.0.0.1:6379/{CANARY_REDIS_DB}",
        "TRACKER_RECORD_EXP": "600",
    }
    client = redis.Redis(host="127.0.0.1", port=6379, db=CANARY_REDIS_DB)
    with ExitStack() as cleanup:
        cleanup.callback(client.close)

        @cleanup.callback
        def forget() -> None:  # this test's conversations, even from a run that failed half-way
            for key in client.scan_iter("tracker:canary*"):
                client.delete(key)

        stack = cleanup.enter_context(running_stack(env, PROJECT_ROOT / "models"))
        conv = run_conversation(stack, sqlite_reader(stack.settings.var_dir / "outcomes.sqlite3"))
        conv.redis_db = CANARY_REDIS_DB
        yield conv


STORES = ("memory_conversation", "redis_conversation")
SEARCHES = [
    pytest.param(store, place, id=f"{store.split('_')[0]}-{place}")
    for store in STORES
    for place in PLACES
    # The in-memory store lives inside Rasa: it is searched through the HTTP API.
    if not (store == "memory_conversation" and place == "tracker store in Redis")
]


@pytest.mark.e2e
@pytest.mark.parametrize(("store", "place"), SEARCHES)
def test_nothing_typed_is_kept(request: pytest.FixtureRequest, store: str, place: str) -> None:
    conversation = request.getfixturevalue(store)
    blobs = PLACES[place](conversation)
    assert blobs, f"nothing found to search in {place}"
    assert hits(blobs, DETAILS) == []


@pytest.mark.e2e
@pytest.mark.parametrize("store", STORES)
def test_the_outcome_row_is_allow_listed_and_unlinkable(request: pytest.FixtureRequest, store: str) -> None:
    conversation: Conversation = request.getfixturevalue(store)
    columns, row = conversation.outcome_columns, conversation.outcome_row
    check_columns(columns)
    assert row["day"] in {today().isoformat(), date.today().isoformat()}  # the day, no time of day
    sender = conversation.sender.encode()
    linked = {
        conversation.sender,
        *(getattr(hashlib, name)(sender).hexdigest()[:32] for name in ("md5", "sha1", "sha256", "blake2b")),
    }
    assert re.fullmatch(r"[0-9a-f]{32}", row["id"]) and row["id"] not in linked
    database = conversation.stack.settings.var_dir / "outcomes.sqlite3"
    assert hits({"outcome database": database.read_bytes()}, tuple(linked)) == []


@pytest.mark.e2e
def test_a_conversation_on_redis_is_kept_there_briefly_and_comes_back(
    redis_conversation: Conversation,
) -> None:
    conversation = redis_conversation
    assert conversation.redis_db is not None
    client = redis.Redis(host="127.0.0.1", port=6379, db=conversation.redis_db)
    try:
        key = f"tracker:{conversation.sender}"
        kept = client.get(key)
        ttl = client.ttl(key)
    finally:
        client.close()
    assert kept is not None, "the conversation never reached Redis"
    assert 0 < ttl <= 600
    users = [e for e in json.loads(kept)["events"] if e["event"] == "user"]
    assert len(users) >= 3 and not any(e.get("text") for e in users)
    assert "Redis tracker store unavailable" not in conversation.stack.log_text()
    assert tracker(conversation.stack, conversation.sender)["slots"]["triage"] == conversation.triage


def check_columns(columns: list[str]) -> None:
    """Exactly the allow-list: the base columns plus one flag per category and per contact id."""
    flags = {c for c in columns if c.startswith(("category_", "contact_"))}
    assert set(columns) - flags == BASE_COLUMNS
    assert {f"category_{c}" for c in CATEGORIES} == {c for c in flags if c.startswith("category_")}
    contacts = {c.removeprefix("contact_") for c in flags if c.startswith("contact_")}
    assert set(CONTRACT_CONTACTS) <= contacts
    for column in columns:
        assert ID_SHAPE.match(column), column
        words = column.split("_")
        assert not any(word in FORBIDDEN_COLUMN_WORDS for word in words), column
    assert len(columns) == len(set(columns))


# -- PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def postgres_schema() -> Iterator[tuple[Any, str]]:
    """A fresh schema in the ``test`` database, dropped afterwards."""
    conn = postgres_or_skip(POSTGRES_URL)
    from psycopg2 import sql

    schema = f"hoth_canary_{secrets.token_hex(4)}"
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield conn, schema
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        conn.close()


def postgres_reader(conn: Any, schema: str) -> Callable[[], tuple[list[str], list[dict[str, Any]]]]:
    from psycopg2 import sql

    def read() -> tuple[list[str], list[dict[str, Any]]]:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'outcomes' ORDER BY ordinal_position",
                (schema,),
            )
            columns = [name for (name,) in cur.fetchall()]
            if not columns:
                return [], []
            cur.execute(sql.SQL("SELECT * FROM {}.outcomes").format(sql.Identifier(schema)))
            names = [d.name for d in cur.description]
            rows = [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
        return columns, rows

    return read


@pytest.mark.e2e
@pytest.mark.postgres
def test_outcomes_reach_postgresql_and_nothing_typed_does(postgres_schema: tuple[Any, str]) -> None:
    from tests.stack import running_stack

    conn, schema = postgres_schema
    # libpq's `options` puts the store's tables (and its schema version) in the fresh schema.
    url = f"{POSTGRES_URL}?options=" + urllib.parse.quote(f"-csearch_path={schema}")
    assert load_settings({"OUTCOMES_DATABASE_URL": url}).outcomes_url == url
    read = postgres_reader(conn, schema)
    with running_stack({"OUTCOMES_DATABASE_URL": url}, PROJECT_ROOT / "models") as stack:
        conv = run_conversation(stack, read)
        status, page = stats_page(stack)
        logs = stack.log_text()
        assert not (stack.var_dir / "outcomes.sqlite3").exists(), "outcomes went to SQLite, not PostgreSQL"
    columns, rows = read()
    check_columns(columns)
    assert len(rows) == 1 and rows[0]["day"] in {today(), date.today()}
    assert matches(rows[0], conv.triage)
    dumped = json.dumps(rows, default=str)
    assert hits({"PostgreSQL outcomes": dumped.encode(), "logs": logs.encode()}, DETAILS) == []
    assert conv.sender not in dumped
    # The statistics page reads the same database: one assessment, shown suppressed.
    assert status == 200 and "[c] assessments" in page


def stats_page(stack: Any) -> tuple[int, str]:
    query = urllib.parse.urlencode({"token": stack.settings.stats_token})
    try:
        with urllib.request.urlopen(f"{stack.web_url}/stats?{query}", timeout=30) as resp:  # noqa: S310
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
