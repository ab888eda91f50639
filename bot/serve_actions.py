"""The action server: ``python -m bot.serve_actions``.

rasa-sdk's own server for the ``actions`` package, with three changes that
matter here: it binds ``settings.host`` (rasa-sdk binds 0.0.0.0 by default),
it refuses ``/webhook`` calls without the shared ``X-Actions-Token`` when one
is set, and a failing action is answered without echoing the tracker back
(rasa-sdk's default error answer carries the whole conversation, which Rasa
then writes to its error log).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
import warnings
from typing import Any

from bot.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from bot.supervisor import EX_CONFIG  # exit code: the supervisor does not retry

TOKEN_HEADER = "X-Actions-Token"
# Paths that run or reveal actions; /health stays open for the supervisor.
PROTECTED_PATHS = frozenset({"/webhook", "/actions"})

# A fixed name: run with -m, __name__ would be "__main__".
logger = logging.getLogger("bot.serve_actions")


def _authorised(header: str | None, token: str) -> bool:
    # compare_digest: the time taken must not reveal how much of the token matched.
    return header is not None and hmac.compare_digest(header.encode(), token.encode())


def create_app(settings: Settings, package: str = "actions") -> Any:
    """rasa-sdk's Sanic app for ``package``, guarded by ``settings.actions_token``."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response

    # Only Rasa calls this server, never a browser: no CORS origins at all.
    app = create_sdk_app(package, cors_origins="")
    token = settings.actions_token
    verbose = settings.log_level == "DEBUG"

    @app.on_request
    async def require_token(request: Any) -> Any:
        if token and request.path in PROTECTED_PATHS:
            if not _authorised(request.headers.get(TOKEN_HEADER), token):
                return response.json({"error": "missing or wrong action server token"}, status=401)
        return None

    async def action_failed(request: Any, exception: Exception) -> Any:
        status = getattr(exception, "status_code", 500)
        if isinstance(status, int) and 400 <= status < 500:
            # Sanic's own answers (404, 405, bad JSON): nothing of the body in them.
            return response.json({"error": type(exception).__name__}, status=status)
        # The exception text may quote what a person typed: name the type only,
        # unless a developer asked for DEBUG logs.
        logger.error("action call failed on %s: %s", request.path, type(exception).__name__, exc_info=verbose)
        return response.json({"error": "the action failed"}, status=500)

    # Replaces rasa-sdk's handler, which answers with the request body.
    app.error_handler.add(Exception, action_failed)
    return app


def configure_logging(level: str) -> None:
    """Log at ``level``; no access log (it would name every call)."""
    logging.basicConfig(
        level=level, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.getLogger("rasa_sdk").setLevel(level)
    for name in ("sanic.root", "sanic.error"):
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.getLogger("sanic.access").disabled = True
    # alembic announces each of its plugins at INFO when the outcome store loads.
    logging.getLogger("alembic").setLevel(max(logging.getLevelName(level), logging.WARNING))


def main(argv: list[str] | None = None, command: str = "serve_actions") -> int:
    """Serve the actions on ``settings.host:settings.actions_port`` until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bot.serve_actions", description="the action server")
    parser.add_argument("--package", default="actions", help="package to load actions from")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"cannot start the action server: {error}", file=sys.stderr)
        return EX_CONFIG
    configure_logging(settings.log_level)
    # sanic-cors warns about distutils on import: noise in every start-up log.
    # Sanic installs its own warnings filter when imported, so ours goes after.
    import sanic  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    if not settings.actions_token:
        logger.warning("ACTIONS_TOKEN is not set: any local process can call the action server")
    app = create_app(settings, args.package)

    from rasa_sdk.plugin import plugin_manager

    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("action server on %s", settings.actions_url)
    app.run(settings.host, settings.actions_port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
