"""The Rasa server: ``python -m bot.serve_rasa [--model PATH]``.

A thin wrapper around ``rasa run`` that starts Rasa in this process so that,
before it starts, it can:

- lower Rasa's action-server request timeout (5 minutes by default) to
  ``settings.action_timeout``, so a hanging action server cannot hold back
  the reply to a person for long;
- keep message text out of the logs (structlog at WARNING, known text fields
  redacted even in error events);
- write the runtime ``endpoints.yml`` / ``credentials.yml`` under
  ``var/run/`` (action server URL and token, the redacting tracker store,
  the lock store) and check that the tracker store really is the redacting
  one, because Rasa silently falls back to its in-memory store when a custom
  store cannot be imported.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from bot.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from bot.supervisor import EX_CONFIG  # exit code: the supervisor does not retry

MEMORY_STORE = "bot.tracker_store.RedactingInMemoryTrackerStore"
REDIS_STORE = "bot.tracker_store.RedactingRedisTrackerStore"
ACTIONS_TOKEN_HEADER = "X-Actions-Token"

SOCKETIO_DEFAULTS = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
}

# Modules that copy rasa.core.constants.DEFAULT_REQUEST_TIMEOUT at import
# (`from ... import DEFAULT_REQUEST_TIMEOUT`); imported here so none is missed.
_TIMEOUT_COPIES = (
    "rasa.utils.endpoints",
    "rasa.core.actions.action",
    "rasa.core.agent",
    "rasa.core.nlg.callback",
    "rasa.core.channels.rasa_chat",
)

# Event fields that carry what a person typed (Rasa's own anonymisation list
# plus its REST channel's); structlog events keep their names, not the text.
_TEXT_FIELDS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "tracker",
        "events",
    }
)


class StartupError(RuntimeError):
    """Rasa cannot start with this setup; the message says what to do."""


def latest_model(model_dir: Path) -> Path | None:
    """The most recently written ``*.tar.gz`` in ``model_dir`` (as ``rasa run`` picks it)."""
    if not model_dir.is_dir():
        return None
    models = [path for path in model_dir.glob("*.tar.gz") if path.is_file()]
    return max(models, key=lambda path: path.stat().st_mtime) if models else None


def describe_dir(path: Path, root: Path = PROJECT_ROOT) -> str:
    """``models/`` for a folder inside the project, else the full path."""
    try:
        return f"{path.resolve().relative_to(root.resolve())}/"
    except ValueError:
        return f"{path}/"


def no_model_message(model_dir: Path) -> str:
    return f"no trained model in {describe_dir(model_dir)}: run `make train`"


def lower_request_timeout(seconds: float) -> list[str]:
    """Make every Rasa request to the action server give up after ``seconds``.

    Returns the names of the modules changed.
    """
    import rasa.core.constants as constants

    constants.DEFAULT_REQUEST_TIMEOUT = seconds
    for name in _TIMEOUT_COPIES:
        importlib.import_module(name)
    patched = []
    for name, module in list(sys.modules.items()):
        if (name == "rasa" or name.startswith("rasa.")) and hasattr(module, "DEFAULT_REQUEST_TIMEOUT"):
            module.DEFAULT_REQUEST_TIMEOUT = seconds
            patched.append(name)
    return sorted(patched)


def redact_event_dict(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: replace anything a person typed with a marker."""
    for key in _TEXT_FIELDS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def _quiet_warnings() -> None:
    """Hide the deprecation warnings Rasa's dependencies print on import.

    Nobody running the assistant can act on them. Sanic and Rasa insert their
    own filters in front when they load, so this runs again after them.
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*SQLAlchemy 2.0.*")
    warnings.filterwarnings("ignore", module="matplotlib")  # pyparsing renames


def configure_logging(level: str) -> None:
    """Log at ``level``; Rasa's structured logs (which carry message text) at WARNING only."""
    numeric = logging.getLevelName(level)
    import sanic  # noqa: F401 - installs its warnings filter, which ours must follow

    _quiet_warnings()
    logging.basicConfig(
        level=numeric, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    import structlog
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(numeric, warn_only_once=True, filter_repeated_logs=True)
    _quiet_warnings()
    configure_structlog(logging.WARNING)
    structlog.configure(processors=[redact_event_dict, *structlog.get_config()["processors"]])
    if numeric <= logging.DEBUG:
        logging.getLogger("bot.serve_rasa").warning(
            "LOG_LEVEL=DEBUG writes what people type into the log: never use it with real conversations"
        )


ATOMIC_LOCK_STORE = "bot.lock_store.AtomicRedisLockStore"


def _redis_endpoint(url: str, key: str) -> dict[str, Any]:
    """Rasa's redis store settings (``url`` is the host there) from a ``redis://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise StartupError(f"{key} must look like redis://host:6379/0, got {url!r}")
    try:
        db = int(parts.path.strip("/") or 0)
        port = parts.port or 6379
    except ValueError:
        raise StartupError(f"{key} must look like redis://host:6379/0, got {url!r}") from None
    config: dict[str, Any] = {"url": parts.hostname, "port": port, "db": db}
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    # Plain YAML on purpose: `${VAR}` stays unexpanded and Rasa expands it
    # when it reads the runtime copy.
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise StartupError(f"{path.name} must be a mapping")
    return data


def runtime_endpoints(settings: Settings, source: Path) -> dict[str, Any]:
    """``source`` (the root endpoints.yml) with the parts these settings decide."""
    data = {key: value for key, value in _read_yaml(source).items() if key != "version"}
    action = dict(data.get("action_endpoint") or {})
    action["url"] = f"{settings.actions_url}/webhook"
    headers = {k: v for k, v in (action.get("headers") or {}).items() if k != ACTIONS_TOKEN_HEADER}
    if settings.actions_token:
        headers[ACTIONS_TOKEN_HEADER] = settings.actions_token
    if headers:
        action["headers"] = headers
    else:
        action.pop("headers", None)
    data["action_endpoint"] = action

    if settings.tracker_store == "redis":
        store = {"type": REDIS_STORE, **_redis_endpoint(settings.tracker_store_url, "TRACKER_STORE_URL")}
        # redis-py sends `ex` as given and Redis rejects a float.
        store["record_exp"] = max(1, round(settings.tracker_record_exp))
        data["tracker_store"] = store
    else:
        data["tracker_store"] = {"type": MEMORY_STORE}

    if settings.lock_store_url:
        # Rasa's own Redis lock store lets two replicas take the same ticket.
        data["lock_store"] = {
            "type": ATOMIC_LOCK_STORE,
            **_redis_endpoint(settings.lock_store_url, "LOCK_STORE_URL"),
        }
    else:
        data.pop("lock_store", None)
    return {"version": "3.1", **data}


def runtime_credentials(source: Path) -> dict[str, Any]:
    """``source`` (the root credentials.yml) with the REST and Socket.IO channels enabled."""
    # Every top-level key is a channel to Rasa, so `version` must not be there.
    data = {key: value for key, value in _read_yaml(source).items() if key != "version"}
    data.setdefault("rest", None)
    data["socketio"] = {**SOCKETIO_DEFAULTS, **(data.get("socketio") or {})}
    return data


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write YAML readable by this user only (the endpoints carry a token)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False, default_flow_style=False)
    os.replace(tmp, path)


def write_runtime_files(settings: Settings, root: Path = PROJECT_ROOT) -> tuple[Path, Path]:
    """Write ``var/run/endpoints.yml`` and ``var/run/credentials.yml``; return their paths."""
    run_dir = settings.var_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    endpoints = run_dir / "endpoints.yml"
    credentials = run_dir / "credentials.yml"
    _write_private(endpoints, runtime_endpoints(settings, root / "endpoints.yml"))
    _write_private(credentials, runtime_credentials(root / "credentials.yml"))
    return endpoints, credentials


def check_tracker_store(endpoints: Path) -> type:
    """The tracker store class Rasa will really use; StartupError unless it redacts."""
    try:
        from bot.tracker_store import check_tracker_store as check
    except ImportError as error:
        raise StartupError(f"the redacting tracker store cannot be imported ({error})") from None
    try:
        return check(str(endpoints))
    except Exception as error:  # noqa: BLE001 - any failure means: do not start
        raise StartupError(f"tracker store check failed: {error}") from None


def _require_redacting_store(store_class: type, failures: list[str]) -> Any:
    """A listener that stops the server unless the model loaded and the store is ``store_class``."""

    async def check_agent(app: Any, _loop: Any) -> None:
        agent = getattr(app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        # Rasa wraps stores without async methods; the wrapped one is what counts.
        store = getattr(store, "_tracker_store", store)
        if agent is None or not agent.is_ready():
            failures.append("the model could not be loaded (see the error above): retrain with `make train`")
        elif not isinstance(store, store_class):
            failures.append(f"Rasa loaded {type(store).__name__} instead of {store_class.__name__}")
        if failures:
            print(f"cannot serve: {failures[-1]}", file=sys.stderr, flush=True)
            app.stop()

    return check_agent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.serve_rasa", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: the latest in MODEL_DIR)")
    return parser


def main(argv: list[str] | None = None, command: str = "serve_rasa") -> int:
    """Start Rasa; return EX_CONFIG with one clear line when the setup is not usable."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"cannot start Rasa: {error}", file=sys.stderr)
        return EX_CONFIG
    model = args.model or latest_model(settings.model_dir)
    if model is None:
        print(no_model_message(settings.model_dir), file=sys.stderr)
        return EX_CONFIG
    if not model.is_file():
        print(f"model file not found: {model}", file=sys.stderr)
        return EX_CONFIG
    if not settings.rasa_auth_token:
        print("RASA_AUTH_TOKEN is not set: the HTTP API would be open; set it in .env", file=sys.stderr)
        return EX_CONFIG
    # Custom components and the tracker store are imported by dotted path.
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    try:
        endpoints_path, credentials_path = write_runtime_files(settings)
        configure_logging(settings.log_level)
        lower_request_timeout(settings.action_timeout)
        store_class = check_tracker_store(endpoints_path)
    except StartupError as error:
        print(f"cannot start Rasa: {error}", file=sys.stderr)
        return EX_CONFIG

    import rasa.core.run
    from rasa.core.utils import AvailableEndpoints

    failures: list[str] = []
    rasa.core.run.serve_application(
        model_path=str(model),
        interface=settings.host,
        port=settings.rasa_port,
        credentials=str(credentials_path),
        cors=list(settings.allowed_origins),
        auth_token=settings.rasa_auth_token,
        enable_api=True,
        endpoints=AvailableEndpoints.read_endpoints(str(endpoints_path)),
        server_listeners=[(_require_redacting_store(store_class, failures), "after_server_start")],
    )
    return EX_CONFIG if failures else 0


if __name__ == "__main__":
    sys.exit(main())
