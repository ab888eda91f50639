"""Fixtures for tests that serve the chat page for real on 127.0.0.1 and drive Chromium.

Chromium is Debian's (/usr/bin/chromium). Every request the page makes to
anywhere but 127.0.0.1 is refused and recorded, so a test can assert the page
makes no third-party requests; the quick-exit site is answered by a route.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from bot.settings import Settings
from bot.web.server import ThreadedServer, create_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
EXIT_URL = "https://www.bbc.co.uk/weather"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 360, "height": 740},
    # 1280 px at 200% zoom lays out like a 640 px wide window.
    "zoom200": {"width": 640, "height": 450},
}

_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- a fake Rasa: the REST channel (streaming) and the tracker events API ----


@dataclass
class Reply:
    """What the fake says to one message: messages, with pauses before each."""

    messages: list[dict[str, Any]]
    pauses: list[float] = field(default_factory=list)


@dataclass
class FakeRasa:
    """Scripted replies by message text; everything else gets ``default``."""

    token: str = "test-token"
    port: int = 0
    replies: dict[str, Reply] = field(default_factory=dict)
    default: Reply = field(default_factory=lambda: Reply([{"text": "Thank you for telling me."}]))
    received: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def say(self, message: str, *messages: dict[str, Any], pauses: list[float] | None = None) -> None:
        self.replies[message] = Reply(list(messages), pauses or [])

    def app(self) -> Sanic:
        app = Sanic(f"fake_rasa_{next(_numbers)}", env_prefix=None)
        app.config.MOTD = False

        @app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> HTTPResponse | None:
            body = request.json
            self.received.append(body)
            reply = self.replies.get(body["message"], self.default)
            out = [{"recipient_id": body["sender"], **m} for m in reply.messages]
            if request.args.get("stream") != "true":
                return response.json(out)
            resp = await request.respond(content_type="text/event-stream")
            for index, message in enumerate(out):
                pause = reply.pauses[index] if index < len(reply.pauses) else 0.0
                if pause:
                    await asyncio.sleep(pause)
                await resp.send(json.dumps(message) + "\n")
            await resp.eof()
            return None

        @app.post("/conversations/<sender>/tracker/events")
        async def events(request: Request, sender: str) -> HTTPResponse:
            if request.args.get("token") != self.token:
                return response.json({"status": "failure", "reason": "NotAuthenticated"}, status=401)
            self.events.append({"sender": sender, "events": request.json})
            return response.json({"sender_id": sender})

        return app


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    server = ThreadedServer(fake.app(), "127.0.0.1", free_port()).start()
    fake.port = server.port
    yield fake
    server.stop()


@pytest.fixture
def make_web(fake_rasa: FakeRasa) -> Iterator[Callable[..., ThreadedServer]]:
    """Start the real web server against the fake Rasa (or ``rasa_port=`` a dead one)."""
    started: list[ThreadedServer] = []

    def start(reply_timeout: float = 10.0, directory: Any = None, **overrides: Any) -> ThreadedServer:
        values = {
            "rasa_port": fake_rasa.port,
            "web_port": free_port(),
            "rasa_auth_token": fake_rasa.token,
            **overrides,
        }
        settings = Settings(**values)
        app = create_app(settings, directory, reply_timeout=reply_timeout)
        server = ThreadedServer(app, "127.0.0.1", settings.web_port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def web(make_web: Callable[..., ThreadedServer]) -> ThreadedServer:
    return make_web()


@pytest.fixture
def free_port_factory() -> Callable[[], int]:
    return free_port


@pytest.fixture
def dead_rasa_port() -> int:
    """A port where nothing listens: Rasa stopped."""
    return free_port()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (test-artifacts/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def exit_url() -> str:
    return EXIT_URL


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `npm ci --no-audit --no-fund` in the project root")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that a person would not see: outside requests and dialogs."""

    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    exit_visits: list[str] = field(default_factory=list)


def _open_page(
    browser: Browser, viewport: dict[str, int], intercept: bool = True, **context_options: Any
) -> tuple[Page, Watch]:
    context = browser.new_context(viewport=viewport, **context_options)
    watch = Watch()

    def route(route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if host == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        elif url.startswith("https://www.bbc.co.uk/"):
            watch.exit_visits.append(url)
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<!doctype html><title>Weather</title><h1>Weather forecast</h1>",
            )
        else:
            watch.outside_requests.append(url)
            route.abort()

    if intercept:  # off only where Chromium's own CORS checks must run (routing answers preflights)
        context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(10_000)
    return page, watch


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    """Open a fresh browser context (own storage) with outside requests watched."""
    pages: list[Page] = []

    def make(viewport: str = "desktop", intercept: bool = True, **options: Any) -> tuple[Page, Watch]:
        page, watch = _open_page(browser, VIEWPORTS[viewport], intercept, **options)
        pages.append(page)
        return page, watch

    yield make
    for page in pages:
        page.context.close()


class Chat:
    """Typing into the chat the way a person does."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def send(self, text: str) -> None:
        self.page.get_by_test_id("chat-input").fill(text)
        self.page.get_by_test_id("chat-send").click()
        self.wait_idle()

    def wait_idle(self) -> None:
        """Until the reply has finished streaming (the typing indicator is hidden)."""
        self.page.wait_for_function("() => document.querySelector('.hoth-typing')?.hidden === true")

    def log_text(self) -> str:
        return self.page.get_by_test_id("chat-log").inner_text()


@pytest.fixture
def chat() -> Callable[[Page], Chat]:
    return Chat
