"""The web server: the partnership chat page, the widget's files and the chat API.

``python -m bot web [--port N]`` serves it on ``settings.host:settings.web_port``.

Routes:
  GET  /                 the "Harm Outside the Home" page (``?area=durham|swindon|elsewhere``)
  GET  /browsing-safely  advice on covering tracks, linked from the quick-exit note
  GET  /health           200 when the page server is up (it does not ask Rasa)
  GET  /api/help-now     the help-now contacts as JSON, for the widget on other sites
  POST /api/chat         {sender, message[, area]} -> Rasa's replies as NDJSON
  GET  /static/...       widget.js, widget.css, page.css
  /stats                 outcome reports, when ``bot.outcomes.web`` is installed
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import json
import logging
import threading
from dataclasses import replace
from typing import Any

from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from bot.settings import Settings, load_settings
from bot.web import page
from bot.web.chat import (
    REPLY_TIMEOUT,
    RESTART,
    SAFE_ERROR,
    ChatRequestError,
    RasaClient,
    RasaUnavailable,
    SeenSenders,
    parse_chat_request,
)
from bot.web.security import cors_headers, security_headers

logger = logging.getLogger(__name__)

STATIC_DIR = page.WEB_DIR / "static"
NDJSON = "application/x-ndjson; charset=utf-8"
# A message is at most 1000 characters; JSON escaping can make each one 6 bytes.
REQUEST_MAX_SIZE = 16 * 1024

_app_numbers = itertools.count(1)


def _load_directory() -> page.HelpDirectory | None:
    """The contact directory, or ``None`` (national numbers only) if it cannot load."""
    try:
        directory_module = importlib.import_module("bot.directory")
        return directory_module.load_directory()
    except Exception:
        logger.exception("contact directory could not be loaded; help now shows national numbers only")
        return None


def _json_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def create_app(
    settings: Settings,
    directory: page.HelpDirectory | None = None,
    *,
    reply_timeout: float = REPLY_TIMEOUT,
) -> Sanic:
    """Build the web app; ``directory`` defaults to ``bot.directory.load_directory()``."""
    # Sanic keeps a registry of app names; a fresh name lets tests build several.
    app = Sanic(f"hoth_web_{next(_app_numbers)}", env_prefix=None)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.MOTD = False
    app.ctx.settings = settings
    app.ctx.directory = directory if directory is not None else _load_directory()
    app.ctx.sites = page.load_sites()
    app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token, timeout=reply_timeout)
    app.ctx.area_set = SeenSenders()

    @app.before_server_start
    async def _open_client(app: Sanic, _loop: Any) -> None:
        await app.ctx.rasa.start()

    @app.after_server_stop
    async def _close_client(app: Sanic, _loop: Any) -> None:
        await app.ctx.rasa.close()

    @app.on_response
    async def _headers(request: Request, resp: HTTPResponse) -> None:
        resp.headers.update(security_headers(request.path))
        allowed = request.app.ctx.settings.allowed_origins
        resp.headers.update(cors_headers(request.path, request.headers.get("origin"), allowed))

    app.static("/static", str(STATIC_DIR), name="static")
    app.add_route(index, "/", methods=["GET"])
    app.add_route(browsing_safely, "/browsing-safely", methods=["GET"])
    app.add_route(health, "/health", methods=["GET"])
    app.add_route(help_now, "/api/help-now", methods=["GET"])
    app.add_route(chat, "/api/chat", methods=["POST"])
    app.add_route(chat_preflight, "/api/chat", methods=["OPTIONS"], name="chat_preflight")

    # ---- outcome reports (another module's routes) ----------------------------
    register_stats(app, settings)
    # -----------------------------------------------------------------------------
    return app


def register_stats(app: Sanic, settings: Settings) -> bool:
    """Mount ``/stats`` from ``bot.outcomes.web`` if that module is installed."""
    try:
        module = importlib.import_module("bot.outcomes.web")
    except ModuleNotFoundError as err:
        if err.name in {"bot.outcomes", "bot.outcomes.web"}:
            logger.debug("bot.outcomes.web is not installed; /stats is not served")
            return False
        raise
    register = getattr(module, "register_stats", None) or getattr(module, "register", None)
    if register is None:
        logger.warning("bot.outcomes.web has no register_stats(app, settings); /stats is not served")
        return False
    register(app, settings)
    return True


def _area_of(request: Request) -> str:
    return page.clean_area(request.args.get("area")) or request.app.ctx.settings.default_area


async def index(request: Request) -> HTTPResponse:
    area = _area_of(request)
    site = page.site_for(request.app.ctx.sites, request.app.ctx.directory, area)
    contacts = page.help_contacts(request.app.ctx.directory, area)
    return response.html(page.render_index(site, contacts, area))


async def browsing_safely(request: Request) -> HTTPResponse:
    site = page.site_for(request.app.ctx.sites, request.app.ctx.directory, _area_of(request))
    return response.html(page.render_browsing_safely(site))


async def health(_request: Request) -> HTTPResponse:
    return response.json({"status": "ok"})


async def help_now(request: Request) -> HTTPResponse:
    area = _area_of(request)
    contacts = page.help_contacts(request.app.ctx.directory, area)
    return response.json({"area": area or None, "contacts": [c.as_json() for c in contacts]})


async def chat_preflight(_request: Request) -> HTTPResponse:
    # CORS headers (for allowed origins only) are added by the response middleware.
    return response.empty(status=204)


async def chat(request: Request) -> HTTPResponse | None:
    """Forward one message to Rasa and stream its replies back as NDJSON."""
    try:
        chat_request = parse_chat_request(request.headers.get("content-type"), request.body)
    except ChatRequestError as err:
        return response.json(err.body(), status=err.status)
    rasa: RasaClient = request.app.ctx.rasa
    seen: SeenSenders = request.app.ctx.area_set
    sender = chat_request.sender
    if chat_request.message == RESTART:
        seen.discard(sender)  # a restart clears the slot; the next message may set it again
    try:
        if chat_request.area and sender not in seen:
            await rasa.set_slot(sender, "area", chat_request.area)
            seen.add(sender)
        async with rasa.messages(sender, chat_request.message) as stream:
            first = await stream.next()
            resp = await request.respond(content_type=NDJSON, headers={"X-Accel-Buffering": "no"})
            message = first
            try:
                while message is not None:
                    await resp.send(json.dumps(message) + "\n")
                    message = await stream.next()
            except RasaUnavailable as err:
                # Replies already sent stay; the person is told the rest did not come.
                logger.warning("chat: Rasa stopped replying mid-answer (%s)", err)
                await resp.send(json.dumps({"error": "rasa_unavailable", "message": SAFE_ERROR}) + "\n")
            await resp.eof()
            return None
    except RasaUnavailable as err:
        logger.warning("chat: Rasa is unavailable (%s)", err)
        return _json_error(502, "rasa_unavailable", SAFE_ERROR)


class ThreadedServer:
    """Run the app on a background thread (tests, or embedding in another process)."""

    def __init__(self, app: Sanic, host: str, port: int) -> None:
        # Sanic rewrites its protocol classes when a server starts; in test mode
        # (a class-wide switch) it keeps the originals, so several apps can start
        # in one process.
        Sanic.test_mode = True
        self.app = app
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"{app.name}-server", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                self.app.create_server(
                    host=self.host, port=self.port, return_asyncio_server=True, access_log=False
                )
            )
            self._loop.run_until_complete(self._server.startup())
            self._loop.run_until_complete(self._server.before_start())
            self._loop.run_until_complete(self._server.after_start())
        except BaseException as err:  # reported to the starting thread
            self._error = err
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("web server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"web server failed to start: {self._error!r}") from self._error
        return self

    def stop(self) -> None:
        async def _shutdown() -> None:
            await self._server.before_stop()
            self._server.close()
            await self._server.wait_closed()
            await self._server.after_stop()

        if self._server is not None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_shutdown(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str], command: str = "web") -> int:
    """``python -m bot web [--port N] [--host H]``: serve the chat page until Ctrl-C."""
    parser = argparse.ArgumentParser(prog=f"python -m bot {command}", description="Serve the chat page.")
    parser.add_argument("--port", type=int, help="port to listen on (default: WEB_PORT, 8080)")
    parser.add_argument("--host", help="address to bind (default: 127.0.0.1)")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.port is not None:
        if not 0 < args.port < 65536:
            parser.error("--port must be between 1 and 65535")
        settings = replace(settings, web_port=args.port)
    host = args.host or settings.host  # binding only: Rasa is still reached at settings.host
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    print(f"Chat page: http://{host}:{settings.web_port}/  (Rasa at {settings.rasa_url})", flush=True)
    # access_log off: request lines carry addresses, and the page keeps none.
    app.run(host=host, port=settings.web_port, access_log=False, workers=1)
    return 0
