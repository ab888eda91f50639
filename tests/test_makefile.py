"""The set-up commands say clearly what is wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("python", ["python3.11", "/nonexistent/python3.10", ""])
def test_no_python_310_gives_one_clear_line(python):
    # python3.11 is the machine's default and cannot install Rasa 3.6.
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "check-python", f"PYTHON310={python}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "Python 3.10 not found" in errors[0] and "PYTHON310" in errors[0]


def test_the_current_interpreter_passes_the_check():
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "check-python", f"PYTHON310={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
