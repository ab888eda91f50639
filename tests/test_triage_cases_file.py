"""Checks on the dev evaluation set (tests/triage_cases.yml), without a running assistant.

The set is only useful if every case can be scored: the ids are unique, the labels use the
vocabulary of CONTRACT.md, each category has enough cases to give a meaningful F1, the
expected contacts are ones the routing rules always give, and the holdout split is spread
across the strata rather than bunched in one corner.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

CASES_FILE = Path(__file__).with_name("triage_cases.yml")

ROLES = ("young_person", "parent_carer", "practitioner", "community_member")
AREAS = ("durham", "swindon", "elsewhere")
CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "trafficking",
    "missing",
    "relationship_abuse",
    "harmful_sexual_behaviour",
    "radicalisation",
    "youth_violence",
)
URGENCIES = ("emergency", "urgent", "concern", "information")
CONTACTS = (
    "police_999",
    "police_101",
    "childline",
    "nspcc",
    "ceop",
    "crimestoppers",
    "modern_slavery_helpline",
    "missing_people",
    "prevent",
    "front_door",
)

ROLE_PREFIX = {"yp": "young_person", "pc": "parent_carer", "pr": "practitioner", "cm": "community_member"}
CATEGORY_SHORTHAND = {
    "cse": "sexual_exploitation",
    "cce": "criminal_exploitation",
    "traf": "trafficking",
    "miss": "missing",
    "rel": "relationship_abuse",
    "hsb": "harmful_sexual_behaviour",
    "rad": "radicalisation",
    "yv": "youth_violence",
    "none": None,
}
ID_PATTERN = re.compile(r"^(yp|pc|pr|cm)-(cse|cce|traf|miss|rel|hsb|rad|yv|none)-(\d{3,4})$")

CASE_KEYS = {"id", "split", "opening", "role_answer", "area_answer", "danger_answer", "more", "expect"}
EXPECT_KEYS = {"role", "area", "categories", "urgency", "contacts_include"}
LOCAL_AREAS = {"durham", "swindon"}

MIN_CASES = 180
MIN_PER_CATEGORY = 12
MIN_HARD_CASES = 40
HARD_KINDS = (
    "bbc",
    "negation",
    "look-alike",
    "mixed",
    "hidden",
    "emergency-in-answer",
    "stated-in-opening",
    "non-hoth",
    "language",
    "area",
    "role",
)
# The holdout was renewed nine times (see the file header). Each is a fresh batch of 100
# unseen conversations, so its share falls as dev grows: at least 100 cases, at most a third.
HOLDOUT_MIN_CASES = 100
HOLDOUT_MAX_SHARE = 0.35
# Every stratum has enough unseen cases for its holdout score to mean something, and no
# stratum is mostly holdout (its dev score would then mean little).
STRATUM_MIN_HOLDOUT = 5
STRATUM_MAX_HOLDOUT_SHARE = 0.45


@pytest.fixture(scope="module")
def raw_text() -> str:
    return CASES_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cases(raw_text: str) -> list[dict[str, Any]]:
    data = yaml.safe_load(raw_text)
    assert isinstance(data, list), "the file must be a YAML list of cases"
    return data


def always_given(case: dict[str, Any]) -> set[str]:
    """Contacts the routing rules give for a case whatever the time of day.

    Deliberately generous where the rules leave room (ceop depends on whether the harm was
    online, which a label cannot say), so the check catches contacts that can never be given.
    """
    expect = case["expect"]
    role, area, urgency = expect["role"], expect["area"], expect["urgency"]
    categories = set(expect["categories"])
    local = area in LOCAL_AREAS
    given: set[str] = set()
    if urgency in {"emergency", "urgent"}:
        given.add("police_999")
    if role == "young_person":
        given.add("childline")
        if categories & {"criminal_exploitation", "youth_violence", "radicalisation"}:
            given.add("crimestoppers")
        if categories & {"sexual_exploitation", "harmful_sexual_behaviour"}:
            given.add("ceop")
    elif not categories:
        # Rule 8: with no HOTH category (abuse at home, bullying) adults get advice and the front door.
        given.add("nspcc")
        if local:
            given.add("front_door")
    elif role == "parent_carer":
        given.add("nspcc")
        given.add("front_door" if local else "police_101")
    elif role == "practitioner":
        given.add("police_101")
        given.add("front_door" if local else "nspcc")
    elif role == "community_member":
        given |= {"police_101", "crimestoppers"}
        if local:
            given.add("front_door")
    if "radicalisation" in categories:
        given.add("prevent")
    if "trafficking" in categories:
        given.add("modern_slavery_helpline")
    if "missing" in categories:
        given.add("missing_people")
    return given


def offenders(cases: list[dict[str, Any]], bad) -> list[str]:
    return [str(case.get("id")) for case in cases if bad(case)]


def test_file_has_enough_cases(cases: list[dict[str, Any]]) -> None:
    assert len(cases) >= MIN_CASES


def test_ids_are_unique(cases: list[dict[str, Any]]) -> None:
    counts = Counter(case.get("id") for case in cases)
    assert [case_id for case_id, n in counts.items() if n > 1] == []


def test_cases_have_exactly_the_case_keys(cases: list[dict[str, Any]]) -> None:
    assert offenders(cases, lambda c: set(c) != CASE_KEYS) == []
    assert offenders(cases, lambda c: set(c["expect"]) != EXPECT_KEYS) == []


@pytest.mark.parametrize("key", ["opening", "role_answer", "area_answer", "danger_answer"])
def test_messages_are_non_empty_text(cases: list[dict[str, Any]], key: str) -> None:
    assert offenders(cases, lambda c: not isinstance(c[key], str) or not c[key].strip()) == []


def test_more_is_zero_to_two_messages(cases: list[dict[str, Any]]) -> None:
    def bad(case: dict[str, Any]) -> bool:
        more = case["more"]
        return (
            not isinstance(more, list)
            or len(more) > 2
            or any(not isinstance(m, str) or not m.strip() for m in more)
        )

    assert offenders(cases, bad) == []


@pytest.mark.parametrize(
    ("field", "vocabulary"),
    [("role", ROLES), ("area", AREAS), ("urgency", URGENCIES)],
)
def test_single_labels_use_the_vocabulary(cases: list[dict[str, Any]], field: str, vocabulary) -> None:
    assert offenders(cases, lambda c: c["expect"][field] not in vocabulary) == []


@pytest.mark.parametrize(
    ("field", "vocabulary"),
    [("categories", CATEGORIES), ("contacts_include", CONTACTS)],
)
def test_list_labels_use_the_vocabulary(cases: list[dict[str, Any]], field: str, vocabulary) -> None:
    def bad(case: dict[str, Any]) -> bool:
        values = case["expect"][field]
        if not isinstance(values, list):
            return True
        return len(set(values)) != len(values) or not set(values) <= set(vocabulary)

    assert offenders(cases, bad) == []


def test_split_is_dev_or_holdout(cases: list[dict[str, Any]]) -> None:
    assert offenders(cases, lambda c: c["split"] not in {"dev", "holdout"}) == []


def test_id_names_the_role_and_a_labelled_category(cases: list[dict[str, Any]]) -> None:
    def bad(case: dict[str, Any]) -> bool:
        match = ID_PATTERN.match(str(case["id"]))
        if not match:
            return True
        prefix, shorthand, _ = match.groups()
        categories = case["expect"]["categories"]
        category = CATEGORY_SHORTHAND[shorthand]
        if ROLE_PREFIX[prefix] != case["expect"]["role"]:
            return True
        return category not in categories if category else bool(categories)

    assert offenders(cases, bad) == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_has_enough_cases(cases: list[dict[str, Any]], category: str) -> None:
    count = sum(category in case["expect"]["categories"] for case in cases)
    assert count >= MIN_PER_CATEGORY, f"{category}: {count} cases"


def test_contacts_are_one_or_two(cases: list[dict[str, Any]]) -> None:
    assert offenders(cases, lambda c: not 1 <= len(c["expect"]["contacts_include"]) <= 2) == []


def test_every_emergency_expects_999(cases: list[dict[str, Any]]) -> None:
    def bad(case: dict[str, Any]) -> bool:
        expect = case["expect"]
        return expect["urgency"] == "emergency" and "police_999" not in expect["contacts_include"]

    assert offenders(cases, bad) == []


def test_expected_contacts_are_always_given_by_the_routing_rules(cases: list[dict[str, Any]]) -> None:
    assert offenders(cases, lambda c: not set(c["expect"]["contacts_include"]) <= always_given(c)) == []


def _case(role: str, area: str, categories: list[str], urgency: str) -> dict[str, Any]:
    return {"expect": {"role": role, "area": area, "categories": categories, "urgency": urgency}}


@pytest.mark.parametrize(
    ("case", "contact", "given"),
    [
        (_case("young_person", "elsewhere", [], "concern"), "childline", True),
        (_case("young_person", "durham", [], "concern"), "police_999", False),
        (_case("young_person", "swindon", ["criminal_exploitation"], "concern"), "crimestoppers", True),
        (_case("parent_carer", "swindon", [], "information"), "front_door", True),
        (_case("parent_carer", "elsewhere", ["missing"], "concern"), "front_door", False),
        (_case("parent_carer", "elsewhere", ["missing"], "concern"), "missing_people", True),
        (_case("practitioner", "elsewhere", ["trafficking"], "urgent"), "modern_slavery_helpline", True),
        (_case("practitioner", "durham", ["trafficking"], "urgent"), "police_999", True),
        (_case("community_member", "durham", ["radicalisation"], "concern"), "prevent", True),
        (_case("community_member", "durham", [], "concern"), "crimestoppers", False),
        (_case("community_member", "swindon", [], "urgent"), "front_door", True),
        (_case("community_member", "durham", ["youth_violence"], "information"), "police_999", False),
        (_case("parent_carer", "durham", ["youth_violence"], "emergency"), "police_999", True),
    ],
)
def test_routing_rule_reading(case: dict[str, Any], contact: str, given: bool) -> None:
    assert (contact in always_given(case)) is given


def test_holdout_size(cases: list[dict[str, Any]]) -> None:
    held = sum(case["split"] == "holdout" for case in cases)
    assert held >= HOLDOUT_MIN_CASES, f"only {held} holdout cases"
    assert held / len(cases) <= HOLDOUT_MAX_SHARE, f"holdout share {held / len(cases):.2f}"


@pytest.mark.parametrize(
    ("field", "value"),
    [("role", role) for role in ROLES]
    + [("area", area) for area in AREAS]
    + [("urgency", urgency) for urgency in URGENCIES]
    + [("categories", category) for category in CATEGORIES],
)
def test_holdout_is_spread_across_strata(cases: list[dict[str, Any]], field: str, value: str) -> None:
    def in_stratum(case: dict[str, Any]) -> bool:
        label = case["expect"][field]
        return value in label if isinstance(label, list) else label == value

    stratum = [case for case in cases if in_stratum(case)]
    held = sum(case["split"] == "holdout" for case in stratum)
    assert held >= STRATUM_MIN_HOLDOUT, f"{field}={value}: only {held} holdout cases of {len(stratum)}"
    assert held / len(stratum) <= STRATUM_MAX_HOLDOUT_SHARE, (
        f"{field}={value}: {held} of {len(stratum)} held out"
    )


@pytest.mark.parametrize(
    ("field", "value", "low", "high"),
    [
        ("role", "young_person", 0.25, 0.35),
        ("area", "durham", 0.35, 0.45),
        ("area", "swindon", 0.30, 0.40),
        ("area", "elsewhere", 0.20, 0.30),
        ("urgency", "emergency", 0.10, 0.18),
        ("urgency", "urgent", 0.20, 0.35),
        ("urgency", "concern", 0.38, 0.52),
        ("urgency", "information", 0.08, 0.18),
    ],
)
def test_spread_of_labels(
    cases: list[dict[str, Any]], field: str, value: str, low: float, high: float
) -> None:
    share = sum(case["expect"][field] == value for case in cases) / len(cases)
    assert low <= share <= high, f"{field}={value}: {share:.2f}"


def test_every_role_has_cases_in_every_area(cases: list[dict[str, Any]]) -> None:
    seen = {(case["expect"]["role"], case["expect"]["area"]) for case in cases}
    assert {(role, area) for role in ROLES for area in AREAS} - seen == set()


def hard_markers(raw_text: str) -> dict[str, list[str]]:
    """Case id -> kinds, from the "# hard: kind, kind -- note" comment directly above a case."""
    markers = re.findall(r"^# hard: ([^\n]+?)(?: -- [^\n]*)?\n- id: (\S+)$", raw_text, flags=re.MULTILINE)
    return {case_id: [kind.strip() for kind in kinds.split(",")] for kinds, case_id in markers}


def test_enough_hard_cases_are_marked(raw_text: str, cases: list[dict[str, Any]]) -> None:
    marked = hard_markers(raw_text)
    assert set(marked) <= {case["id"] for case in cases}
    assert len(marked) >= MIN_HARD_CASES
    # Every "# hard:" line must sit on a case, or the count above would silently drop it.
    assert len(marked) == len(re.findall(r"^# hard:", raw_text, flags=re.MULTILINE))


@pytest.mark.parametrize("kind", HARD_KINDS)
def test_hard_cases_use_known_kinds_and_cover_each(raw_text: str, kind: str) -> None:
    marked = hard_markers(raw_text)
    unknown = {k for kinds in marked.values() for k in kinds} - set(HARD_KINDS)
    assert unknown == set()
    assert any(kind in kinds for kinds in marked.values())


@pytest.mark.parametrize(
    ("kind", "label_fits"),
    [
        ("emergency-in-answer", lambda e: e["urgency"] == "emergency"),
        ("non-hoth", lambda e: e["categories"] == []),
        ("look-alike", lambda e: e["categories"] == [] and e["urgency"] in {"concern", "information"}),
        ("mixed", lambda e: len(e["categories"]) >= 2),
        ("bbc", lambda e: e["urgency"] in {"emergency", "urgent"} and "childline" in e["contacts_include"]),
    ],
)
def test_hard_kinds_agree_with_the_labels(
    raw_text: str, cases: list[dict[str, Any]], kind: str, label_fits
) -> None:
    marked = hard_markers(raw_text)
    tagged = [case for case in cases if kind in marked.get(case["id"], [])]
    assert tagged
    assert offenders(tagged, lambda c: not label_fits(c["expect"])) == []


def test_the_2018_bbc_case_is_in_the_set(cases: list[dict[str, Any]]) -> None:
    bbc = [case for case in cases if case["opening"] == "I'm being forced to have sex and I'm only 12"]
    assert len(bbc) == 1
    assert {"childline", "police_999"} <= set(bbc[0]["expect"]["contacts_include"])


def test_rasa_does_not_mistake_the_file_for_test_stories(raw_text: str) -> None:
    # `rasa test --stories tests` reads any YAML file with a top-level-looking
    # "stories:" or "rules:" line (rasa.shared.utils.io.is_key_in_yaml).
    lines = [line.lstrip() for line in raw_text.splitlines()]
    assert [line for line in lines if line.startswith(("stories:", "rules:"))] == []
