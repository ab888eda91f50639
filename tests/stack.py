"""End-to-end helper: the whole assistant (``python -m bot run``) on free ports.

Used by the session fixture ``stack`` in conftest.py::

    with running_stack({"LOG_LEVEL": "INFO"}, model_dir) as stack:
        requests go to stack.rasa_url, stack.web_url ...
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.net import find_free_port
from bot.settings import ENV_KEYS, PROJECT_ROOT, Settings, child_env, load_settings

READY = re.compile(r"^\[supervisor\] ready\b")
STARTED = re.compile(r"^\[supervisor\] started (\S+) \(pid (\d+)\)")


@dataclass
class Stack:
    """A running assistant: its settings, URLs and everything it printed so far."""

    settings: Settings
    process: subprocess.Popen[str]
    var_dir: Path
    log_lines: list[str] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def actions_url(self) -> str:
        return self.settings.actions_url

    @property
    def web_url(self) -> str:
        return self.settings.web_url

    @property
    def token(self) -> str:
        """The Rasa HTTP API token (``?token=``)."""
        return self.settings.rasa_auth_token

    def log_text(self) -> str:
        return "\n".join(list(self.log_lines))

    def child_pids(self) -> dict[str, int]:
        """Service name -> pid of its latest process."""
        pids = {}
        for line in list(self.log_lines):
            if match := STARTED.match(line):
                pids[match.group(1)] = int(match.group(2))
        return pids


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = find_free_port()
        if port not in ports:
            ports.append(port)
    return ports


def stack_env(env_overrides: Mapping[str, str], model_dir: Path, var_dir: Path) -> dict[str, str]:
    """Settings environment of a test stack: free ports, fresh tokens, ``var_dir``."""
    rasa, actions, web = _free_ports(3)
    env = {
        "RASA_PORT": str(rasa),
        "ACTIONS_PORT": str(actions),
        "WEB_PORT": str(web),
        "RASA_AUTH_TOKEN": secrets.token_urlsafe(16),
        "ACTIONS_TOKEN": secrets.token_urlsafe(16),
        "STATS_TOKEN": secrets.token_urlsafe(16),
        "LOG_LEVEL": "INFO",
        "MODEL_DIR": str(model_dir),
        "VAR_DIR": str(var_dir),
    }
    env.update(env_overrides)
    return env


def _stop(process: subprocess.Popen[str], stack: Stack | None, timeout: float = 30.0) -> None:
    """SIGTERM the supervisor (it stops its children); kill whatever is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for pid in (stack.child_pids() if stack else {}).values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def running_stack(
    env_overrides: Mapping[str, str] | None = None,
    model_dir: Path | None = None,
    ready_timeout: float = 240.0,
) -> Iterator[Stack]:
    """Start ``python -m bot run`` on free ports; yield a :class:`Stack` once it prints "ready".

    ``VAR_DIR`` (outcome database, runtime files) is a temporary folder, and no
    ``.env`` is read: the stack runs on exactly ``env_overrides`` plus fresh
    ports and tokens. The stack is always stopped, even when it never got ready.
    """
    tmp = Path(tempfile.mkdtemp(prefix="hoth-stack-"))
    settings_env = stack_env(env_overrides or {}, model_dir or PROJECT_ROOT / "models", tmp / "var")
    settings = load_settings(settings_env)
    # Keys that are not settings (SANIC_WORKERS, ...) still reach the services.
    extra = {key: value for key, value in settings_env.items() if key not in ENV_KEYS.values()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--env-file",
            str(tmp / ".env"),
            "--health-timeout",
            str(max(10.0, ready_timeout - 10)),
        ],
        cwd=PROJECT_ROOT,
        env=child_env(settings, extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )
    stack = Stack(settings=settings, process=process, var_dir=tmp / "var")
    ready = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            stack.log_lines.append(line)
            if READY.match(line):
                ready.set()

    reader = threading.Thread(target=read_output, name="stack-output", daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + ready_timeout
        while not ready.wait(0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                reason = (
                    f"exited with code {process.returncode}"
                    if process.poll() is not None
                    else f"did not print 'ready' within {ready_timeout:g} s"
                )
                tail = "\n".join(stack.log_lines[-60:])
                raise RuntimeError(f"`python -m bot run` {reason}; its last lines:\n{tail}")
        yield stack
    finally:
        _stop(process, stack)
        reader.join(timeout=5)
        shutil.rmtree(tmp, ignore_errors=True)


def rest_say(rasa_url: str, sender: str, text: str, timeout: float = 30.0) -> list[str]:
    """Send ``text`` over Rasa's REST channel; return the bot's texts, whitespace folded."""
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        replies = json.loads(response.read())
    return [" ".join(str(reply.get("text", "")).split()) for reply in replies]


def get_tracker(rasa_url: str, sender: str, token: str, timeout: float = 10.0) -> dict:
    """The conversation's tracker from Rasa's HTTP API."""
    url = f"{rasa_url}/conversations/{sender}/tracker?token={token}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_or_skip(url: str = POSTGRES_URL):
    """An autocommit connection to the local PostgreSQL, or skip the test saying why."""
    import pytest

    psycopg2 = pytest.importorskip("psycopg2")
    try:
        conn = psycopg2.connect(url, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {url}: {str(exc).strip().splitlines()[0]}")
    conn.autocommit = True
    return conn
