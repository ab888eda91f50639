"""The web server's wiring: routes, the stats hook and the command line (bot/web/server.py)."""

from __future__ import annotations

import json
import socket
import sys
import types
import urllib.error
import urllib.request

import pytest

from bot.settings import Settings
from bot.web import server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OneAreaDirectory:
    def help_now(self, area):
        return [
            {"id": "police_999", "name": "Police", "phone": "999"},
            {"id": "front_door", "name": f"Front door {area}", "phone": "01234 567890"},
        ]


@pytest.fixture(scope="module")
def running():
    """The server with Rasa nowhere to be found."""
    settings = Settings(rasa_port=free_port(), web_port=free_port(), default_area="swindon")
    app = server.create_app(settings, OneAreaDirectory(), reply_timeout=1.0)
    with server.ThreadedServer(app, "127.0.0.1", settings.web_port) as threaded:
        yield threaded


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 (loopback only)
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize(
    ("path", "status", "contains"),
    [
        ("/health", 200, b'"ok"'),
        ("/", 200, b'data-testid="help-now"'),
        ("/?area=durham", 200, b"Front door durham"),
        ("/?area=nowhere", 200, b"Front door swindon"),  # unknown area: the configured default
        ("/browsing-safely", 200, b"private"),
        ("/static/widget.js", 200, b"getRandomValues"),
        ("/static/../server.py", 404, b""),
        ("/stats-that-does-not-exist", 404, b""),
    ],
)
def test_routes(running, path: str, status: int, contains: bytes) -> None:
    got, body = fetch(running.url + path)
    assert got == status
    assert contains in body


def test_with_rasa_down_the_page_still_renders_and_the_chat_answers_502(running) -> None:
    status, body = fetch(
        running.url + "/api/chat",
        json.dumps({"sender": "s" * 16, "message": "hello"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 502
    assert "999" in json.loads(body)["message"]
    status, page = fetch(running.url + "/")
    assert status == 200 and b"tel:999" in page


def test_stats_hook_skips_quietly_when_the_outcomes_web_module_is_missing(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.outcomes.web", None)  # import raises ModuleNotFoundError
    app = server.create_app(Settings(), OneAreaDirectory())
    assert "/stats" not in {route.path.rstrip("/") or "/" for route in app.router.routes}


def test_stats_hook_mounts_the_outcomes_routes_when_present(monkeypatch) -> None:
    calls = []
    fake = types.ModuleType("bot.outcomes.web")
    fake.register_stats = lambda app, settings: calls.append(settings)
    monkeypatch.setitem(sys.modules, "bot.outcomes.web", fake)
    settings = Settings(stats_token="t")
    server.create_app(settings, OneAreaDirectory())
    assert calls == [settings]


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "70000"], ["--port", "eighty"], ["--nope"]])
def test_bad_command_lines_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        server.main(argv, "web")
    assert stopped.value.code == 2
