"""Settings: defaults, bad values, `.env` loading and generated secrets."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from dotenv import dotenv_values

from bot.settings import (
    ENV_KEYS,
    PROCESS_ENV_DEFAULTS,
    PROJECT_ROOT,
    Settings,
    SettingsError,
    child_env,
    ensure_env_file,
    load_settings,
)

SECRETS = ("RASA_AUTH_TOKEN", "ACTIONS_TOKEN", "STATS_TOKEN")


@pytest.fixture
def environ() -> Iterator[None]:
    """Restore os.environ afterwards: load_dotenv writes into it."""
    with mock.patch.dict(os.environ):
        for key in [*ENV_KEYS.values(), *SECRETS]:
            os.environ.pop(key, None)
        yield


def test_defaults_listen_on_localhost_on_the_documented_ports() -> None:
    settings = load_settings({})
    assert (settings.host, settings.rasa_port, settings.actions_port, settings.web_port) == (
        "127.0.0.1",
        5005,
        5055,
        8080,
    )
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.outcomes_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'outcomes.sqlite3'}"
    assert settings.tracker_store == "memory"
    assert settings.model_dir == PROJECT_ROOT / "models"
    assert "http://127.0.0.1:8080" in settings.allowed_origins


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"RASA_PORT": " 6005 "}, {"rasa_port": 6005}),
        ({"LOG_LEVEL": "warning"}, {"log_level": "WARNING"}),
        ({"DEFAULT_AREA": "Swindon"}, {"default_area": "swindon"}),
        ({"ACTION_TIMEOUT": "1.5"}, {"action_timeout": 1.5}),
        ({"TRACKER_STORE": "Redis"}, {"tracker_store": "redis"}),
        ({"TRACKER_RECORD_EXP": "600"}, {"tracker_record_exp": 600.0}),
        (
            {"CORS_ORIGINS": "https://a.example, ,https://b.example"},
            {"cors_origins": ("https://a.example", "https://b.example")},
        ),
        ({"VAR_DIR": "/tmp/hoth-var"}, {"var_dir": Path("/tmp/hoth-var")}),
        ({"OUTCOMES_DATABASE_URL": "postgresql://u@h/db"}, {"outcomes_url": "postgresql://u@h/db"}),
    ],
)
def test_values_are_parsed(env: dict[str, str], expected: dict[str, object]) -> None:
    settings = load_settings(env)
    for name, value in expected.items():
        assert getattr(settings, name) == value


def test_the_page_origin_is_always_allowed_besides_configured_ones() -> None:
    settings = load_settings({"WEB_PORT": "9090", "CORS_ORIGINS": "https://www.swindonscp.example"})
    assert settings.allowed_origins[:2] == ("http://127.0.0.1:9090", "http://localhost:9090")
    assert "https://www.swindonscp.example" in settings.allowed_origins


@pytest.mark.parametrize(
    "key, value",
    [
        ("RASA_PORT", "abc"),
        ("RASA_PORT", "0"),
        ("ACTIONS_PORT", "70000"),
        ("WEB_PORT", "80.5"),
        ("LOG_LEVEL", "LOUD"),
        ("TRACKER_STORE", "sql"),
        ("DEFAULT_AREA", "london"),
        ("ACTION_TIMEOUT", "soon"),
        ("ACTION_TIMEOUT", "0"),
        ("TRACKER_RECORD_EXP", "-5"),
    ],
)
def test_a_bad_value_names_its_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        load_settings({key: value})


def test_dotenv_fills_gaps_but_the_real_environment_wins(environ: None, tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("RASA_PORT=6000\nWEB_PORT=9000\nRASA_AUTH_TOKEN=from-file\n")
    os.environ["RASA_PORT"] = "7000"
    settings = load_settings(dotenv_path=dotenv)
    assert settings.rasa_port == 7000
    assert settings.web_port == 9000
    assert settings.rasa_auth_token == "from-file"


def test_a_missing_dotenv_means_defaults(environ: None, tmp_path: Path) -> None:
    settings = load_settings(dotenv_path=tmp_path / "absent.env")
    assert settings == Settings()


def test_every_setting_travels_to_child_processes() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert fields == set(ENV_KEYS), "add the new setting to ENV_KEYS so services receive it"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "RASA_PORT": "6001",
            "CORS_ORIGINS": "https://a.example,https://b.example",
            "ACTION_TIMEOUT": "2.5",
            "TRACKER_STORE": "redis",
            "TRACKER_STORE_URL": "redis://:pw@10.1.1.1:6380/2",
            "DEFAULT_AREA": "durham",
            "RASA_AUTH_TOKEN": "tok",
            "VAR_DIR": "/tmp/x",
        },
    ],
    ids=["defaults", "everything set"],
)
def test_to_env_rebuilds_the_same_settings(env: dict[str, str]) -> None:
    settings = load_settings(env)
    assert load_settings(settings.to_env()) == settings


def test_child_env_carries_process_defaults_settings_and_extras() -> None:
    settings = load_settings({"RASA_PORT": "6123", "BIND_HOST": "127.0.0.2"})
    env = child_env(settings, {"EXTRA": "1", "RASA_PORT": "9"})
    assert env["RASA_TELEMETRY_ENABLED"] == PROCESS_ENV_DEFAULTS["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["SANIC_HOST"] == "127.0.0.2", "rasa-sdk binds SANIC_HOST"
    assert env["EXTRA"] == "1"
    assert env["RASA_PORT"] == "9", "extras win"
    assert "PATH" in env


@pytest.mark.parametrize(
    "before, environment, added",
    [
        (None, {}, list(SECRETS)),
        ("RASA_AUTH_TOKEN=keep-me\n", {}, ["ACTIONS_TOKEN", "STATS_TOKEN"]),
        ("# copied from .env.example\nRASA_AUTH_TOKEN=\nWEB_PORT=8081", {}, list(SECRETS)),
        ("", {"STATS_TOKEN": "from-the-environment"}, ["RASA_AUTH_TOKEN", "ACTIONS_TOKEN"]),
    ],
    ids=["no file", "one set", "empty key, no final newline", "set in environment"],
)
def test_ensure_env_file_generates_only_missing_secrets(
    environ: None, tmp_path: Path, before: str | None, environment: dict[str, str], added: list[str]
) -> None:
    path = tmp_path / ".env"
    if before is not None:
        path.write_text(before)
    os.environ.update(environment)
    assert ensure_env_file(path) == added
    values = dotenv_values(path)
    for key in added:
        assert len(values[key] or "") >= 24, f"{key} is not a usable secret"
    assert len({values[key] for key in added}) == len(added), "each secret is different"
    if before and "keep-me" in before:
        assert values["RASA_AUTH_TOKEN"] == "keep-me"
    if before and "WEB_PORT" in before:
        assert values["WEB_PORT"] == "8081", "existing lines stay intact"
    assert ensure_env_file(path) == [], "a second run changes nothing"
    assert path.read_text().endswith("\n")
