"""The supervisor (`python -m bot run`) and the service entry points.

Fast tests run the real supervisor in a subprocess over fake services: tiny
http.server processes that can be told to crash or to ignore SIGTERM. Tests
marked e2e use the real stack (a trained model is needed).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from bot.net import find_free_port, http_ok, port_is_free
from bot.serve_rasa import (
    EX_CONFIG,
    MEMORY_STORE,
    REDIS_STORE,
    StartupError,
    no_model_message,
    runtime_credentials,
    runtime_endpoints,
)
from bot.settings import PROJECT_ROOT, load_settings

PY = sys.executable

FAKE_SERVICE = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    port, mode = int(sys.argv[1]), sys.argv[2]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    if mode.startswith("fail:"):
        print("fake cannot start", flush=True)
        sys.exit(int(mode.split(":")[1]))
    if mode == "silent":  # runs, never answers
        print("thinking", flush=True)
        time.sleep(60)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if mode.startswith("crash-once:"):
        marker = mode.split(":", 1)[1]
        if not os.path.exists(marker):
            open(marker, "w").close()
            threading.Timer(2.0, lambda: os._exit(3)).start()
    print(f"fake listening on {port}", flush=True)
    server.serve_forever()
    """
)

DRIVER = textwrap.dedent(
    """
    import json, sys
    from bot.supervisor import Options, Service, run_services

    spec = json.loads(sys.argv[1])
    services = [Service(**service) for service in spec["services"]]
    sys.exit(run_services(services, Options(**spec["options"])))
    """
)

FAST = {"poll_interval": 0.1, "progress_every": 1.0, "stop_grace": 3.0, "health_timeout": 20.0}


class Run:
    """A supervisor subprocess whose output is collected line by line."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.proc.poll() is not None:
                self._reader.join(timeout=2)
                for line in self.lines:
                    if match := re.search(pattern, line):
                        return match
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; output:\n{self.text}")

    def finish(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=2)
        return code

    def pids(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for line in self.lines:
            if match := re.match(r"\[supervisor\] started (\S+) \(pid (\d+)\)", line):
                found.setdefault(match.group(1), []).append(int(match.group(2)))
        return found

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pids in self.pids().values():
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie awaiting its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator:
    """Start the supervisor over fake services: ``supervise({name: mode}, **options)``."""
    fake = tmp_path / "fake_service.py"
    fake.write_text(FAKE_SERVICE)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    runs: list[Run] = []

    def start(
        modes: dict[str, str], ports: dict[str, int] | None = None, **options: float
    ) -> tuple[Run, dict[str, int]]:
        ports = dict(ports or {})
        services = []
        for name, mode in modes.items():
            port = ports.setdefault(name, find_free_port())
            services.append(
                {
                    "name": name,
                    "argv": [PY, str(fake), str(port), mode.replace("MARKER", str(tmp_path / f"{name}.ran"))],
                    "health_url": f"http://127.0.0.1:{port}/health",
                    "port_key": f"{name.upper()}_PORT",
                }
            )
        spec = {"services": services, "options": {**FAST, **options}}
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        run = Run([PY, str(driver), json.dumps(spec)], env=env)
        runs.append(run)
        return run, ports

    yield start
    for run in runs:
        run.kill()


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/health"


# -- port checks ------------------------------------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_free_and_taken_ports_are_told_apart(taken_port: int) -> None:
    assert not port_is_free("127.0.0.1", taken_port)
    assert port_is_free("127.0.0.1", find_free_port())


def test_taken_port_stops_the_supervisor_with_one_clear_line(supervise, taken_port: int) -> None:
    run, _ = supervise({"alpha": "serve", "beta": "serve"}, ports={"beta": taken_port})
    assert run.finish() == 1
    # That line and nothing else: no service was started.
    assert run.lines == [
        f"port {taken_port} (BETA_PORT) is already in use: stop the other process or set BETA_PORT in .env"
    ]


@pytest.mark.parametrize("key", ["RASA_PORT", "ACTIONS_PORT", "WEB_PORT"])
def test_bot_run_names_the_taken_port_and_its_setting(tmp_path: Path, taken_port: int, key: str) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "hoth.tar.gz").write_bytes(b"not opened before the ports are checked")
    ports = {name: str(find_free_port()) for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT")}
    ports[key] = str(taken_port)
    env = {**os.environ, **ports, "MODEL_DIR": str(models), "VAR_DIR": str(tmp_path / "var")}
    run = Run([PY, "-m", "bot", "run", "--env-file", str(tmp_path / ".env")], env=env)
    assert run.finish() == 1
    expected = f"port {taken_port} ({key}) is already in use: stop the other process or set {key} in .env"
    assert expected in run.lines
    assert "started" not in run.text
    # Without a .env it says so, once, and carries on with the defaults.
    assert run.lines.count("[supervisor] no .env found: using defaults") == 1


def test_bot_run_completes_an_existing_env_file_with_secrets(tmp_path: Path, taken_port: int) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"RASA_PORT={taken_port}\nRASA_AUTH_TOKEN=\n")
    models = tmp_path / "models"
    models.mkdir()
    (models / "hoth.tar.gz").write_bytes(b"x")
    unset = ("RASA_PORT", "RASA_AUTH_TOKEN", "ACTIONS_TOKEN", "STATS_TOKEN")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(MODEL_DIR=str(models), ACTIONS_PORT=str(find_free_port()), WEB_PORT=str(find_free_port()))
    run = Run([PY, "-m", "bot", "run", "--env-file", str(dotenv)], env=env)
    assert run.finish() == 1  # the port from the file is taken: it was read
    assert "[supervisor] generated RASA_AUTH_TOKEN, ACTIONS_TOKEN, STATS_TOKEN into .env" in run.lines
    assert "no .env found" not in run.text
    assert len(dotenv_values(dotenv)["RASA_AUTH_TOKEN"] or "") >= 24


# -- start, restart, stop ---------------------------------------------------------


def test_services_start_with_prefixed_output_and_a_ready_banner(supervise) -> None:
    run, ports = supervise({"alpha": "serve", "beta": "serve"})
    run.wait_for(r"^\[supervisor\] ready in \d+\.\d s")
    assert f"[alpha] fake listening on {ports['alpha']}" in run.lines
    assert f"[beta] fake listening on {ports['beta']}" in run.lines
    for name, port in ports.items():
        assert any(line.endswith(f"http://127.0.0.1:{port}") and name in line for line in run.lines)
        assert http_ok(url(port))


def test_a_service_that_dies_is_restarted_while_the_others_keep_answering(supervise) -> None:
    run, ports = supervise({"steady": "serve", "flaky": "crash-once:MARKER"})
    run.wait_for(r"ready in")
    answers = []
    deadline = time.monotonic() + 15
    # Ask the steady service all through flaky's crash, back-off and restart.
    while "[supervisor] flaky is up again" not in run.lines and time.monotonic() < deadline:
        answers.append(http_ok(url(ports["steady"]), timeout=1.0))
        time.sleep(0.1)
    run.wait_for(r"^\[supervisor\] flaky exited with code 3; restarting in 1 s$")
    run.wait_for(r"^\[supervisor\] flaky is up again$", timeout=1)
    assert all(answers), "the steady service stopped answering while flaky restarted"
    assert http_ok(url(ports["flaky"]))
    assert len(run.pids()["flaky"]) == 2
    assert len(run.pids()["steady"]) == 1
    assert run.proc.poll() is None


def test_gives_up_after_quick_failures_with_growing_back_off(supervise) -> None:
    run, ports = supervise({"steady": "serve", "broken": "fail:2"}, backoff_base=0.05, max_quick_failures=4)
    assert run.finish() == 1
    restarts = re.findall(r"broken exited with code 2; restarting in (\S+) s", run.text)
    assert restarts == ["0.05", "0.1", "0.2"]
    assert "broken exited with code 2; it failed 4 times in a row: giving up" in run.text
    assert "ready in" not in run.text
    # Giving up stops everything, the healthy service included.
    assert wait_until(lambda: not any(alive(pid) for pid in run.pids()["steady"]))
    assert wait_until(lambda: port_is_free("127.0.0.1", ports["steady"]))


def test_a_service_that_cannot_be_configured_is_not_restarted(supervise) -> None:
    run, _ = supervise({"steady": "serve", "misconfigured": f"fail:{EX_CONFIG}"})
    assert run.finish() == 1
    assert "[misconfigured] fake cannot start" in run.lines
    assert "misconfigured cannot start (exit code 78): see its message above" in run.text
    assert len(run.pids()["misconfigured"]) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_every_service_and_exits_0(supervise, signum: signal.Signals) -> None:
    run, ports = supervise({"alpha": "serve", "beta": "serve"})
    run.wait_for(r"ready in")
    pids = [pid for found in run.pids().values() for pid in found]
    run.proc.send_signal(signum)
    assert run.finish() == 0
    assert f"{signum.name} received: stopping all services" in run.text
    assert not any(alive(pid) for pid in pids)
    assert all(port_is_free("127.0.0.1", port) for port in ports.values())


def test_a_service_that_ignores_sigterm_is_killed_after_the_grace_period(supervise) -> None:
    run, _ = supervise({"polite": "serve", "stubborn": "stubborn"}, stop_grace=1.0)
    run.wait_for(r"ready in")
    stubborn = run.pids()["stubborn"][0]
    started = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    assert run.finish() == 0
    assert time.monotonic() - started < 8
    assert "stubborn did not stop within 1 s: killing it" in run.text
    assert "polite did not stop" not in run.text
    assert not alive(stubborn)


def test_children_stop_when_the_supervisor_is_killed_outright(supervise) -> None:
    run, ports = supervise({"alpha": "serve", "beta": "serve"})
    run.wait_for(r"ready in")
    pids = [found[0] for found in run.pids().values()]
    run.proc.kill()
    run.finish()
    assert wait_until(lambda: not any(alive(pid) for pid in pids), timeout=5), "orphans keep the ports"
    assert wait_until(lambda: all(port_is_free("127.0.0.1", port) for port in ports.values()))


def test_health_timeout_stops_with_the_names_of_the_silent_services(supervise) -> None:
    run, _ = supervise({"alpha": "serve", "quiet": "silent"}, health_timeout=1.5)
    assert run.finish() == 1
    assert "[quiet] thinking" in run.lines
    assert "[supervisor] quiet did not answer within 1.5 s: stopping" in run.lines
    assert not any(alive(pids[0]) for pids in run.pids().values())


# -- the Rasa entry point ---------------------------------------------------------


def test_the_default_model_folder_is_named_as_in_the_readme() -> None:
    assert no_model_message(PROJECT_ROOT / "models") == "no trained model in models/: run `make train`"


@pytest.mark.parametrize(
    "argv, code",
    [
        ([PY, "-m", "bot.serve_rasa"], EX_CONFIG),
        ([PY, "-m", "bot", "run"], 1),
    ],
    ids=["serve_rasa", "bot run"],
)
def test_no_trained_model_is_one_clear_line(tmp_path: Path, argv: list[str], code: int) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    env = {
        **os.environ,
        "MODEL_DIR": str(empty),
        "VAR_DIR": str(tmp_path / "var"),
        "RASA_AUTH_TOKEN": "t",
        "RASA_PORT": str(find_free_port()),
        "ACTIONS_PORT": str(find_free_port()),
        "WEB_PORT": str(find_free_port()),
    }
    argv = [*argv, "--env-file", str(tmp_path / ".env")] if argv[-1] == "run" else argv
    result = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == code
    assert f"no trained model in {empty}/: run `make train`" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def settings_for(**env: str):
    return load_settings({"ACTIONS_PORT": "5077", **env})


@pytest.mark.parametrize(
    "env, store",
    [
        ({}, {"type": MEMORY_STORE}),
        (
            {"TRACKER_STORE": "redis", "TRACKER_STORE_URL": "redis://:p%40ss@10.0.0.5:6380/3"},
            {
                "type": REDIS_STORE,
                "url": "10.0.0.5",
                "port": 6380,
                "db": 3,
                "password": "p@ss",
                "record_exp": 1800,
            },
        ),
        (
            {"TRACKER_STORE": "redis", "TRACKER_RECORD_EXP": "90.4"},
            {"type": REDIS_STORE, "url": "127.0.0.1", "port": 6379, "db": 0, "record_exp": 90},
        ),
    ],
    ids=["memory", "redis-url", "redis-default"],
)
def test_runtime_endpoints_use_the_redacting_tracker_store(tmp_path: Path, env: dict, store: dict) -> None:
    data = runtime_endpoints(settings_for(**env), tmp_path / "absent.yml")
    assert data["tracker_store"] == store
    assert list(data)[0] == "version" and data["version"] == "3.1"


def test_runtime_endpoints_point_at_the_action_server_with_its_token(tmp_path: Path) -> None:
    source = tmp_path / "endpoints.yml"
    source.write_text(
        'version: "3.1"\naction_endpoint:\n  url: http://localhost:5055/webhook\n'
        "tracker_store:\n  type: sql\nnlg:\n  url: ${NLG_URL}\n"
    )
    data = runtime_endpoints(settings_for(ACTIONS_TOKEN="s3cret"), source)
    assert data["action_endpoint"] == {
        "url": "http://127.0.0.1:5077/webhook",
        "headers": {"X-Actions-Token": "s3cret"},
    }
    assert data["tracker_store"] == {"type": MEMORY_STORE}, "a store that keeps text must never survive"
    assert "${NLG_URL}" in yaml.safe_dump(data), "left for Rasa to expand"
    assert "lock_store" not in data
    without = runtime_endpoints(settings_for(), source)
    assert "headers" not in without["action_endpoint"]


def test_a_lock_store_url_gives_the_redis_lock_store(tmp_path: Path) -> None:
    data = runtime_endpoints(settings_for(LOCK_STORE_URL="redis://127.0.0.1:6379/2"), tmp_path / "x.yml")
    assert data["lock_store"] == {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": "127.0.0.1",
        "port": 6379,
        "db": 2,
    }


@pytest.mark.parametrize("bad", ["http://127.0.0.1:6379/0", "redis://", "redis://host:6379/zero"])
def test_a_bad_redis_url_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(StartupError, match="TRACKER_STORE_URL"):
        runtime_endpoints(settings_for(TRACKER_STORE="redis", TRACKER_STORE_URL=bad), tmp_path / "x.yml")


@pytest.mark.parametrize(
    "source, socketio",
    [
        (
            None,
            {
                "user_message_evt": "user_uttered",
                "bot_message_evt": "bot_uttered",
                "session_persistence": True,
            },
        ),
        (
            'version: "3.1"\nrest:\nsocketio:\n  session_persistence: false\n',
            {
                "user_message_evt": "user_uttered",
                "bot_message_evt": "bot_uttered",
                "session_persistence": False,
            },
        ),
    ],
    ids=["no file", "root file"],
)
def test_runtime_credentials_enable_rest_and_socketio(
    tmp_path: Path, source: str | None, socketio: dict
) -> None:
    path = tmp_path / "credentials.yml"
    if source is not None:
        path.write_text(source)
    data = runtime_credentials(path)
    assert "rest" in data
    assert data["socketio"] == socketio
    assert "version" not in data, "Rasa would take it for a channel"


def test_a_hanging_action_server_delays_rasa_no_longer_than_the_action_timeout(tmp_path: Path) -> None:
    # Rasa is imported in a child process: the timeout change is process-wide.
    script = textwrap.dedent(
        """
        import asyncio, socket, sys, time
        from bot.serve_rasa import lower_request_timeout

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections and never answers
        patched = lower_request_timeout(0.5)

        from rasa.core.actions.action import RemoteAction
        from rasa.core.channels.channel import CollectingOutputChannel
        from rasa.core.nlg import TemplatedNaturalLanguageGenerator
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.utils.endpoints import EndpointConfig

        url = "http://127.0.0.1:%d/webhook" % listener.getsockname()[1]
        action = RemoteAction("action_slow", EndpointConfig(url))
        started = time.monotonic()
        try:
            asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
                                   DialogueStateTracker("t", []), Domain.empty()))
        except Exception as error:
            print("gave up:", type(error).__name__)
        print("elapsed %.2f" % (time.monotonic() - started))
        print("patched", " ".join(patched))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [PY, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert "gave up:" in result.stdout, result.stderr[-2000:]
    elapsed = float(re.search(r"elapsed (\S+)", result.stdout).group(1))
    assert 0.4 < elapsed < 3.0
    patched = re.search(r"patched (.*)", result.stdout).group(1).split()
    assert {"rasa.core.constants", "rasa.utils.endpoints", "rasa.core.actions.action"} <= set(patched)


# -- the action server entry point ----------------------------------------------------

ACTIONS_PACKAGE = textwrap.dedent(
    """
    from rasa_sdk import Action

    class ActionEcho(Action):
        def name(self):
            return "action_echo"

        def run(self, dispatcher, tracker, domain):
            dispatcher.utter_message(text="echo")
            return []

    class ActionBreak(Action):
        def name(self):
            return "action_break"

        def run(self, dispatcher, tracker, domain):
            raise ValueError("failed on " + tracker.latest_message["text"])
    """
)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Run]]:
    root = tmp_path_factory.mktemp("actions")
    (root / "fake_actions").mkdir()
    (root / "fake_actions" / "__init__.py").write_text(ACTIONS_PACKAGE)
    port, token = find_free_port(), "action-token-123"
    env = {
        **os.environ,
        "PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{root}",
        "ACTIONS_PORT": str(port),
        "ACTIONS_TOKEN": token,
        "LOG_LEVEL": "INFO",
        "SANIC_HOST": "127.0.0.1",
    }
    run = Run([PY, "-m", "bot.serve_actions", "--package", "fake_actions"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until(lambda: http_ok(f"{base}/health"), timeout=60):
            pytest.fail(f"action server did not start:\n{run.text}")
        yield base, token, run
    finally:
        run.proc.send_signal(signal.SIGTERM)
        run.finish()


def call(base: str, action: str, text: str, headers: dict[str, str]) -> tuple[int, str]:
    tracker = {
        "sender_id": "s",
        "slots": {},
        "latest_message": {"text": text, "intent": {}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    }
    body = json.dumps({"next_action": action, "tracker": tracker, "domain": {}, "version": "3.6.21"})
    request = urllib.request.Request(
        f"{base}/webhook",
        data=body.encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"X-Actions-Token": "wrong"}, 401),
        ({"X-Actions-Token": "action-token-123"}, 200),
    ],
    ids=["no token", "wrong token", "right token"],
)
def test_the_action_server_runs_actions_only_for_callers_with_the_token(
    action_server, headers, status
) -> None:
    base, _, _ = action_server
    code, body = call(base, "action_echo", "hello", headers)
    assert code == status
    assert ("echo" in body) == (status == 200)


def test_a_failing_action_echoes_nothing_of_the_conversation(action_server) -> None:
    base, token, run = action_server
    canary = "CANARY-7f3a9 my secret words"
    code, body = call(base, "action_break", canary, {"X-Actions-Token": token})
    assert code == 500
    assert "CANARY" not in body
    time.sleep(0.3)
    assert "action call failed on /webhook: ValueError" in run.text
    assert "CANARY" not in run.text


def test_the_action_server_health_needs_no_token(action_server) -> None:
    base, _, _ = action_server
    assert http_ok(f"{base}/health")


# -- end to end (the real stack) ------------------------------------------------------


@pytest.mark.e2e
def test_the_stack_serves_all_three_and_prints_their_urls(stack) -> None:
    assert http_ok(f"{stack.rasa_url}/")
    assert http_ok(f"{stack.actions_url}/health")
    assert http_ok(f"{stack.web_url}/health")
    text = stack.log_text()
    for service_url in (stack.rasa_url, stack.actions_url, stack.web_url):
        assert service_url in text
    assert re.search(r"^\[supervisor\] ready in \d+\.\d s", text, re.M)


@pytest.mark.e2e
def test_the_rasa_http_api_needs_the_token(stack) -> None:
    tracker = f"{stack.rasa_url}/conversations/e2e-token-check/tracker"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tracker, timeout=10)
    assert refused.value.code in (401, 403)
    with urllib.request.urlopen(f"{tracker}?token={stack.token}", timeout=10) as response:
        assert response.status == 200


@pytest.mark.e2e
def test_a_canary_message_leaves_no_trace_in_logs_tracker_or_files(stack) -> None:
    canary = "zebra-canary-4411 I'm worried about my friend"
    sender = "e2ecanary0000000001"
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": canary}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert json.loads(response.read()), "the bot answered nothing"
    tracker_url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.token}"
    with urllib.request.urlopen(tracker_url, timeout=10) as response:
        tracker = response.read().decode()
    time.sleep(0.5)
    assert "zebra-canary" not in stack.log_text()
    assert "zebra-canary" not in tracker
    for path in stack.var_dir.rglob("*"):
        if path.is_file():
            assert b"zebra-canary" not in path.read_bytes(), path


@pytest.mark.e2e
def test_the_runtime_endpoints_file_is_private_and_uses_the_redacting_store(stack) -> None:
    endpoints = stack.var_dir / "run" / "endpoints.yml"
    assert endpoints.stat().st_mode & 0o077 == 0
    data = yaml.safe_load(endpoints.read_text())
    assert data["tracker_store"]["type"] == MEMORY_STORE
    assert data["action_endpoint"]["url"] == f"{stack.actions_url}/webhook"


def _allowed_origin(url: str, origin: str) -> str | None:
    request = urllib.request.Request(url, headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("Access-Control-Allow-Origin")


@pytest.mark.e2e
def test_socketio_answers_a_widget_on_the_page_origin(stack) -> None:
    import socketio

    polling = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert _allowed_origin(polling, stack.web_url) == stack.web_url
    assert _allowed_origin(polling, "https://elsewhere.example") is None

    replies: list[dict] = []
    answered = threading.Event()
    client = socketio.Client()

    @client.on("bot_uttered")
    def on_bot_uttered(data: dict) -> None:
        replies.append(data)
        answered.set()

    session = "e2esocketio00000001"
    client.connect(stack.rasa_url, headers={"Origin": stack.web_url}, transports=["polling"])
    try:
        client.emit("session_request", {"session_id": session})
        time.sleep(0.5)
        client.emit("user_uttered", {"message": "hello", "session_id": session})
        assert answered.wait(15), "no bot_uttered event: replies would be lost in a widget"
    finally:
        client.disconnect()
    assert replies[0].get("text")
    assert "never awaited" not in stack.log_text()
