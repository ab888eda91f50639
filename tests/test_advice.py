"""The words of the reply: 999 first, the signs heard, usable contacts, and nothing that blames a child."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.advice import compose_advice, format_contact
from bot.directory import CATEGORIES, ROLES, URGENCIES, Directory, load_directory
from bot.routing import Route, route

LONDON = ZoneInfo("Europe/London")
WEEKDAY = datetime(2025, 6, 4, 10, 0, tzinfo=LONDON)
SATURDAY_NIGHT = datetime(2025, 6, 7, 2, 0, tzinfo=LONDON)
NAMES = {c: c.replace("_", " ") for c in CATEGORIES} | {"missing": "going missing"}
SIGNS = ["a second phone", "cash he can't explain"]
SWINDON_CLOSED = "Closed now: opens on Monday at 8.30am. Hours: Monday to Thursday 8.30am to 4.40pm"
NSPCC_CLOSED = "Closed now: opens today at 9am."

# SAFETY.md section 4: words the assistant itself never uses.
BLAMING = [
    "prostitut",
    "putting themselves at risk",
    "put themselves at risk",
    "sexually active",
    "in a relationship with",
    "consent",
    "agreed to",
    "recruited",
    "working for",
    "drug dealer",
    "involved in",
    "keeps going missing",
    "abscond",
    "money mule",
    "boyfriend",
    "girlfriend",
    "lifestyle",
    "making choices",
    "plugging",
]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def advise(
    directory: Directory,
    role: str | None,
    area: str | None,
    categories: list[str],
    urgency: str,
    now: datetime = WEEKDAY,
    signs: list[str] | None = None,
) -> tuple[list[str], list[Route]]:
    routes = route(directory, role, area, categories, urgency, now)
    messages = compose_advice(role, categories, SIGNS if signs is None else signs, urgency, routes, NAMES)
    return messages, routes


@pytest.mark.parametrize("role", [*ROLES, None])
def test_emergency_reply_starts_with_999(directory: Directory, role: str | None) -> None:
    messages, _ = advise(directory, role, None, ["criminal_exploitation"], "emergency", SATURDAY_NIGHT)
    assert messages[0].startswith("999")


@pytest.mark.parametrize("urgency", ["concern", "information"])
@pytest.mark.parametrize("role", [*ROLES, None])
def test_no_999_unless_urgent(directory: Directory, role: str | None, urgency: str) -> None:
    messages, _ = advise(directory, role, "swindon", ["criminal_exploitation"], urgency)
    assert not any("999" in m for m in messages)


@pytest.mark.parametrize(
    ("signs", "expected"),
    [
        (
            ["a second phone", "cash he can't explain"],
            "You mentioned a second phone and cash he can't explain: "
            "these can be signs of criminal exploitation.",
        ),
        (["a second phone"], "You mentioned a second phone: this can be a sign of criminal exploitation."),
        ([], "What you've described can be a sign of criminal exploitation."),
    ],
)
def test_signs_are_named_as_possible_signs(directory: Directory, signs: list[str], expected: str) -> None:
    messages, _ = advise(
        directory, "parent_carer", "swindon", ["criminal_exploitation"], "concern", signs=signs
    )
    assert any(m.startswith(expected) for m in messages), messages


def test_no_signs_message_without_a_category(directory: Directory) -> None:
    messages, _ = advise(directory, "parent_carer", "swindon", [], "concern", signs=[])
    assert not any("sign" in m for m in messages)


def test_two_categories_are_both_named(directory: Directory) -> None:
    messages, _ = advise(directory, "parent_carer", "durham", ["criminal_exploitation", "missing"], "urgent")
    assert any("signs of criminal exploitation or going missing" in m for m in messages)


@pytest.mark.parametrize(
    ("role", "area", "categories", "phrases"),
    [
        ("young_person", "durham", ["sexual_exploitation"], ["not your fault", "talk to Childline any time"]),
        ("young_person", None, [], ["not your fault", "talk to Childline any time"]),
        (
            "parent_carer",
            "durham",
            ["criminal_exploitation"],
            ["not in trouble", "Write down what you notice"],
        ),
        ("parent_carer", "elsewhere", ["missing"], ["don't have to wait 24 hours"]),
        (
            "practitioner",
            "swindon",
            ["criminal_exploitation"],
            [
                "Request for help and support",
                "contactswindon@swindon.gov.uk",
                "MACE",
                "CERAF",
                "(DSL)",
                "intelligence",
            ],
        ),
        (
            "practitioner",
            "durham",
            ["sexual_exploitation"],
            ["First Contact", "Durham Safeguarding Children Partnership", "(DSL)", "intelligence"],
        ),
        (
            "practitioner",
            "elsewhere",
            ["criminal_exploitation"],
            ["local authority", "https://www.gov.uk/report-child-abuse-to-local-council", "(DSL)"],
        ),
        (
            "community_member",
            "swindon",
            ["trafficking"],
            ["What to report", "anonymous", "Crimestoppers", "don't confront"],
        ),
    ],
)
def test_reply_is_adapted_to_the_person(
    directory: Directory, role: str, area: str | None, categories: list[str], phrases: list[str]
) -> None:
    text = " ".join(advise(directory, role, area, categories, "concern")[0])
    for phrase in phrases:
        assert phrase in text, phrase


def test_practitioner_gets_the_procedure_before_the_contacts(directory: Directory) -> None:
    messages, _ = advise(directory, "practitioner", "swindon", ["criminal_exploitation"], "urgent")
    procedure = next(i for i, m in enumerate(messages) if "Request for help and support" in m)
    contacts = next(i for i, m in enumerate(messages) if m.startswith("Contact Swindon"))
    assert procedure < contacts
    assert any("(DSL) today" in m for m in messages)


@pytest.mark.parametrize("now", [WEEKDAY, SATURDAY_NIGHT])
@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_contact_says_how_when_and_how_anonymous(
    directory: Directory, role: str | None, now: datetime
) -> None:
    messages, routes = advise(
        directory, role, "swindon", ["criminal_exploitation", "trafficking"], "urgent", now
    )
    for r in routes:
        shown = next(m for m in messages if m.startswith(f"{r.contact.name}:"))
        reach = r.contact.phone or r.contact.web
        assert reach and reach in shown
        assert ("Open now" in shown) if r.open_now else (f"Closed now: opens {r.opens}." in shown)
        assert r.contact.anonymity.note in shown


@pytest.mark.parametrize(
    ("role", "area", "category", "now", "contact_id", "phrases"),
    [
        (
            "young_person",
            None,
            "missing",
            WEEKDAY,
            "childline",
            ["call 0800 1111", "Open now, 24 hours a day."],
        ),
        ("young_person", None, "missing", WEEKDAY, "missing_people", ["call or text 116 000"]),
        (
            "young_person",
            None,
            "criminal_exploitation",
            WEEKDAY,
            "crimestoppers",
            ["https://www.fearless.org"],
        ),
        ("community_member", None, "criminal_exploitation", WEEKDAY, "crimestoppers", ["fully anonymous"]),
        (
            "parent_carer",
            "swindon",
            "missing",
            SATURDAY_NIGHT,
            "front_door",
            ["01793 464646", SWINDON_CLOSED],
        ),
        (
            "parent_carer",
            "swindon",
            "missing",
            SATURDAY_NIGHT,
            "nspcc",
            [NSPCC_CLOSED, "email help@nspcc.org.uk"],
        ),
        ("parent_carer", "durham", "missing", WEEKDAY, "front_door", ["Open now. Hours: Monday to Thursday"]),
    ],
)
def test_format_contact(
    directory: Directory,
    role: str,
    area: str | None,
    category: str,
    now: datetime,
    contact_id: str,
    phrases: list[str],
) -> None:
    routes = route(directory, role, area, [category], "concern", now)
    shown = format_contact(next(r for r in routes if r.id == contact_id))
    for phrase in phrases:
        assert phrase in shown, (phrase, shown)


def test_online_reporting_says_it_is_not_anonymous(directory: Directory) -> None:
    routes = route(
        directory, "young_person", "durham", ["sexual_exploitation"], "concern", WEEKDAY, online=True
    )
    shown = format_contact(next(r for r in routes if r.id == "ceop"))
    assert "https://www.ceop.police.uk" in shown and "not anonymous" in shown


def test_nothing_the_assistant_says_blames_a_child(directory: Directory) -> None:
    texts: set[str] = set()
    category_sets = [[c] for c in CATEGORIES] + [[], ["criminal_exploitation", "missing"]]
    for role, area, categories, urgency, now in itertools.product(
        [*ROLES, None],
        ["durham", "swindon", "elsewhere"],
        category_sets,
        URGENCIES,
        [WEEKDAY, SATURDAY_NIGHT],
    ):
        texts.update(advise(directory, role, area, categories, urgency, now)[0])
    for contact in directory.contacts.values():
        texts.update([contact.anonymity.note, contact.name, *contact.professionals])
    for text in texts:
        lowered = text.lower()
        for term in BLAMING:
            assert term not in lowered, (term, text)


def test_messages_only_use_what_they_were_given(directory: Directory) -> None:
    # Only plain sign phrases and ids go in; no message carries anything else from the conversation.
    canary = "a zebra-canary-7731"
    messages, _ = advise(
        directory, "young_person", "durham", ["criminal_exploitation"], "urgent", signs=[canary]
    )
    assert sum(canary in m for m in messages) == 1
    assert not any(re.search(r"\{|\}|None", m) for m in messages)
