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


DANGER_DEV = Path(__file__).parent / "danger_cases_dev.yml"
# Floors under what `python -m bot danger tests/danger_cases_dev.yml` measured (README).
DANGER_RECALL_FLOOR = 0.8
DANGER_FALSE_CEILING = MAX_FALSE_EMERGENCY_RATE


@pytest.mark.e2e
def test_danger_now_in_words_no_pattern_lists(stack):
    from bot.danger_check import hear_all, load_items
    from bot.danger_check import score as danger_score

    items = load_items(DANGER_DEV)
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(
            asyncio.run, hear_all(items, stack.rasa_url, stack.token, 4, 30, progress=False)
        ).result()
    figures = danger_score(results)
    assert figures["errors"] == 0
    assert figures["danger_recall"] >= DANGER_RECALL_FLOOR, figures
    assert figures["first_sentence_999_rate"] >= DANGER_RECALL_FLOOR, figures
    assert figures["false_emergency_rate"] <= DANGER_FALSE_CEILING, figures
