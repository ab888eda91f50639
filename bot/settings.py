"""The one place that reads the environment.

`.env` is loaded once (python-dotenv, ``override=False`` so the real
environment wins); everything else receives a :class:`Settings` instance.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Environment that every process we start must carry (RASA_NOTES.md).
PROCESS_ENV_DEFAULTS = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "SANIC_HOST": "127.0.0.1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONUNBUFFERED": "1",
}


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


def _port(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a port number, got {raw!r}") from None
    if not 0 < value < 65536:
        raise SettingsError(f"{key} must be between 1 and 65535, got {value}")
    return value


def _flag(env: dict[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{key} must be true or false, got {raw!r}")


def _seconds(env: dict[str, str], key: str, default: float) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"{key} must be more than 0 seconds, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Configuration of every service, read from the environment."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8080
    rasa_auth_token: str = ""
    actions_token: str = ""
    outcomes_database_url: str = ""
    stats_token: str = ""
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
    action_timeout: float = 3.0
    tracker_store: str = "memory"
    tracker_store_url: str = "redis://127.0.0.1:6379/0"
    tracker_record_exp: float = 1800.0
    lock_store_url: str = ""
    default_area: str = ""
    model_dir: Path = field(default=PROJECT_ROOT / "models")
    var_dir: Path = field(default=PROJECT_ROOT / "var")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def outcomes_url(self) -> str:
        """Outcome database URL; a SQLite file under ``var/`` unless set."""
        if self.outcomes_database_url:
            return self.outcomes_database_url
        return f"sqlite:///{self.var_dir / 'outcomes.sqlite3'}"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Origins allowed to call Rasa from a browser: the web page's own."""
        own = (f"http://127.0.0.1:{self.web_port}", f"http://localhost:{self.web_port}")
        return tuple(dict.fromkeys(own + self.cors_origins))

    def with_ports(self, rasa: int, actions: int, web: int) -> Settings:
        return replace(self, rasa_port=rasa, actions_port=actions, web_port=web)

    def to_env(self) -> dict[str, str]:
        """The environment from which :func:`load_settings` rebuilds these settings."""
        env = {}
        for name, key in ENV_KEYS.items():
            value = getattr(self, name)
            env[key] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env


# Settings field -> environment key. Child processes receive every key, so they
# run with exactly the supervisor's settings whatever their own `.env` says.
ENV_KEYS = {
    "host": "BIND_HOST",
    "rasa_port": "RASA_PORT",
    "actions_port": "ACTIONS_PORT",
    "web_port": "WEB_PORT",
    "rasa_auth_token": "RASA_AUTH_TOKEN",
    "actions_token": "ACTIONS_TOKEN",
    "outcomes_database_url": "OUTCOMES_DATABASE_URL",
    "stats_token": "STATS_TOKEN",
    "log_level": "LOG_LEVEL",
    "cors_origins": "CORS_ORIGINS",
    "action_timeout": "ACTION_TIMEOUT",
    "tracker_store": "TRACKER_STORE",
    "tracker_store_url": "TRACKER_STORE_URL",
    "tracker_record_exp": "TRACKER_RECORD_EXP",
    "lock_store_url": "LOCK_STORE_URL",
    "default_area": "DEFAULT_AREA",
    "model_dir": "MODEL_DIR",
    "var_dir": "VAR_DIR",
}


def child_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a process we start: ours, the process defaults, then ``settings``."""
    env = dict(os.environ)
    env.update(PROCESS_ENV_DEFAULTS)
    env["SANIC_HOST"] = settings.host
    env.update(settings.to_env())
    env.update(extra or {})
    return env


def load_settings(env: dict[str, str] | None = None, dotenv_path: Path | None = None) -> Settings:
    """Build settings from ``env`` (default: ``os.environ`` after loading ``.env``)."""
    if env is None:
        path = dotenv_path or PROJECT_ROOT / ".env"
        if path.exists():
            load_dotenv(path, override=False)
        env = dict(os.environ)
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    tracker_store = env.get("TRACKER_STORE", "memory").strip().lower() or "memory"
    if tracker_store not in {"memory", "redis"}:
        raise SettingsError(f"TRACKER_STORE must be memory or redis, got {tracker_store!r}")
    default_area = env.get("DEFAULT_AREA", "").strip().lower()
    if default_area and default_area not in {"durham", "swindon", "elsewhere"}:
        raise SettingsError(f"DEFAULT_AREA must be durham, swindon or elsewhere, got {default_area!r}")
    action_timeout = _seconds(env, "ACTION_TIMEOUT", 3.0)
    tracker_record_exp = _seconds(env, "TRACKER_RECORD_EXP", 1800.0)
    origins = tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        host=env.get("BIND_HOST", "127.0.0.1").strip() or "127.0.0.1",
        rasa_port=_port(env, "RASA_PORT", 5005),
        actions_port=_port(env, "ACTIONS_PORT", 5055),
        web_port=_port(env, "WEB_PORT", 8080),
        rasa_auth_token=env.get("RASA_AUTH_TOKEN", "").strip(),
        actions_token=env.get("ACTIONS_TOKEN", "").strip(),
        outcomes_database_url=env.get("OUTCOMES_DATABASE_URL", "").strip(),
        stats_token=env.get("STATS_TOKEN", "").strip(),
        log_level=level,
        cors_origins=origins,
        action_timeout=action_timeout,
        tracker_store=tracker_store,
        tracker_store_url=env.get("TRACKER_STORE_URL", "").strip() or "redis://127.0.0.1:6379/0",
        tracker_record_exp=tracker_record_exp,
        lock_store_url=env.get("LOCK_STORE_URL", "").strip(),
        default_area=default_area,
        model_dir=Path(env.get("MODEL_DIR", "") or PROJECT_ROOT / "models"),
        var_dir=Path(env.get("VAR_DIR", "") or PROJECT_ROOT / "var"),
    )


def ensure_env_file(path: Path) -> list[str]:
    """Create or complete ``.env`` with generated secrets; return the keys added.

    Only secrets that are unset (in the file and in the environment) are
    generated, so an operator's values are never replaced.
    """
    existing: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                existing[key.strip()] = value.strip()
    added = []
    lines = []
    for key in ("RASA_AUTH_TOKEN", "ACTIONS_TOKEN", "STATS_TOKEN"):
        if not existing.get(key) and not os.environ.get(key):
            lines.append(f"{key}={secrets.token_urlsafe(24)}")
            added.append(key)
    if lines:
        with path.open("a") as handle:
            if path.stat().st_size and not path.read_text().endswith("\n"):
                handle.write("\n")
            handle.write("\n".join(lines) + "\n")
    return added
