"""The dev evaluation set against the real running assistant (`python -m bot evaluate`).

Safety floors are absolute: every emergency opening gets 999 in the first
reply and is recognised as an emergency. The quality floors guard against
regressions; the README quotes the latest full figures and the targets.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.evaluate import MAX_FALSE_EMERGENCY_RATE, evaluate, load_cases, score

CASES = Path(__file__).parent / "triage_cases.yml"
# Measured floors (README "Measured quality"); raise them as the figures rise.
FLOORS = {
    "role_accuracy": 0.93,
    "area_accuracy": 0.93,
    "urgency_accuracy": 0.70,
    "category_macro_f1": 0.75,
    "contacts_include_rate": 0.75,
    "first_reply_999_rate": 1.0,
}
EMERGENCY_RECALL_FLOOR = 0.95


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
    assert dev_metrics["emergency_recall"] >= EMERGENCY_RECALL_FLOOR
    assert dev_metrics["false_emergency_rate"] <= MAX_FALSE_EMERGENCY_RATE
