"""The dev evaluation set against the real running assistant (`python -m bot evaluate`).

The dev split must meet the understanding targets (bot.evaluate.TARGETS):
role, area and urgency accuracy, category macro and lowest F1, every
emergency recognised with 999 in the first reply, few false emergencies.
The README quotes the full figures, the holdout split's included.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.evaluate import MAX_FALSE_EMERGENCY_RATE, TARGETS, evaluate, load_cases, score

CASES = Path(__file__).parent / "triage_cases.yml"
# The targets, plus a regression floor for the contacts given.
FLOORS = {**TARGETS, "contacts_include_rate": 0.9}


@pytest.fixture(scope="module")
def dev_metrics(stack):
    cases = [c for c in load_cases(CASES) if c.split == "dev"]
    # Its own thread and event loop: the test session may already run one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(
            asyncio.run,
            evaluate(cases, stack.rasa_url, stack.token, concurrency=4, timeout=30, progress=False),
        ).result()
    return score(results, cases)


@pytest.mark.e2e
def test_every_case_ran(dev_metrics):
    assert dev_metrics["errors"] == 0
    assert dev_metrics["cases"] >= 150


@pytest.mark.e2e
@pytest.mark.parametrize("metric, floor", sorted(FLOORS.items()))
def test_quality_floor(dev_metrics, metric, floor):
    assert dev_metrics[metric] >= floor, f"{metric} {dev_metrics[metric]} fell below {floor}"


@pytest.mark.e2e
def test_emergencies(dev_metrics):
    assert dev_metrics["emergency_recall"] == 1.0
    assert dev_metrics["false_emergency_rate"] <= MAX_FALSE_EMERGENCY_RATE
