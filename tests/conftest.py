"""Shared fixtures: ``stack``, the whole assistant running on free ports (marker ``e2e``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `pytest` (not `python -m pytest`) does not put the project on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: starts the real servers (needs a trained model)")


@pytest.fixture(scope="session")
def stack() -> Iterator[object]:
    """``python -m bot run`` with the model in models/, on free ports, for the whole session.

    Yields a ``tests.stack.Stack``: ``.settings``, ``.rasa_url``, ``.web_url``,
    ``.actions_url``, ``.token`` and ``.log_lines`` (everything printed so far).
    """
    from bot.serve_rasa import latest_model
    from tests.stack import running_stack

    model_dir = ROOT / "models"
    if latest_model(model_dir) is None:
        pytest.fail("no trained model: run `make train`")
    with running_stack({}, model_dir) as running:
        yield running
