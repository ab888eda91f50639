"""The contact directory: its facts, its opening hours, and the checks a partnership's edit must pass."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.directory import (
    CATEGORIES,
    DEFAULT_PATH,
    REQUIRED_CONTACTS,
    Directory,
    DirectoryError,
    describe_hours,
    describe_when,
    is_open,
    load_directory,
    next_opening,
)

LONDON = ZoneInfo("Europe/London")

# Numbers SAFETY.md section 5 and the seed pages give; any other must be flagged verify_before_use.
KNOWN_NUMBERS = {
    "999",
    "101",
    "0800 1111",
    "0808 800 5000",
    "0800 555 111",
    "08000 121 700",
    "116 000",
    "0800 011 3764",
    "01793 464646",
    "03000 265 770",
}


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def test_every_contract_contact_exists(directory: Directory) -> None:
    for cid in REQUIRED_CONTACTS:
        assert directory.contact(cid).name
    assert set(directory.areas) == {"durham", "swindon", "elsewhere"}


@pytest.mark.parametrize(
    ("area", "contact_id", "phone"),
    [
        ("swindon", "swindon_front_door", "01793 464646"),
        ("durham", "durham_front_door", "03000 267 979"),
        ("elsewhere", "local_council", None),
        (None, "local_council", None),
    ],
)
def test_front_door_resolves_to_the_areas_own(
    directory: Directory, area: str | None, contact_id: str, phone: str | None
) -> None:
    contact = directory.contact("front_door", area)
    assert contact.id == contact_id
    assert contact.phone == phone


def test_swindon_front_door_carries_the_seed_facts(directory: Directory) -> None:
    contact = directory.contact("front_door", "swindon")
    assert contact.email == "contactswindon@swindon.gov.uk"
    assert describe_hours(contact) == (
        "Monday to Thursday 8.30am to 4.40pm; Friday 8.30am to 4pm; closed on bank holidays"
    )
    assert any("Request for help and support" in line for line in contact.professionals)


def test_durham_front_door_is_flagged_for_checking(directory: Directory) -> None:
    # Not on the seed pages: a partnership must confirm it before going live.
    assert directory.contact("front_door", "durham").verify_before_use
    assert directory.contact("out_of_hours", "durham").verify_before_use
    partnership = directory.area("durham").partnership
    assert partnership is not None and partnership.phone == "03000 265 770"


def test_numbers_from_outside_safety_md_are_flagged(directory: Directory) -> None:
    for contact in directory.contacts.values():
        assert contact.source, contact.id
        numbers = {n for n in (contact.phone, contact.text) if n}
        if numbers - KNOWN_NUMBERS:
            assert contact.verify_before_use, (
                f"{contact.id}: {numbers - KNOWN_NUMBERS} needs verify_before_use"
            )


@pytest.mark.parametrize(
    ("contact_id", "level"),
    [
        ("crimestoppers", "anonymous"),
        ("ceop", "not_anonymous"),
        ("childline", "confidential"),
        ("nspcc", "confidential"),
        ("police_999", "not_anonymous"),
        ("police_101", "not_anonymous"),
    ],
)
def test_anonymity_is_stated_plainly(directory: Directory, contact_id: str, level: str) -> None:
    contact = directory.contact(contact_id)
    assert contact.anonymity.level == level
    assert contact.anonymity.note.endswith(".")


@pytest.mark.parametrize(
    ("contact_id", "area", "when", "expected"),
    [
        ("front_door", "swindon", at(2025, 6, 2, 8, 29), False),  # Monday, before opening
        ("front_door", "swindon", at(2025, 6, 2, 8, 30), True),
        ("front_door", "swindon", at(2025, 6, 5, 16, 39), True),  # Thursday
        ("front_door", "swindon", at(2025, 6, 5, 16, 40), False),
        ("front_door", "swindon", at(2025, 6, 6, 15, 59), True),  # Friday closes at 4pm
        ("front_door", "swindon", at(2025, 6, 6, 16, 0), False),
        ("front_door", "swindon", at(2025, 6, 7, 11, 0), False),  # Saturday
        ("front_door", "swindon", at(2025, 8, 25, 11, 0), False),  # bank holiday Monday
        ("front_door", "swindon", at(2025, 12, 25, 10, 0), False),  # Christmas Day, a Thursday
        ("out_of_hours", "swindon", at(2025, 6, 7, 2, 0), True),
        ("out_of_hours", "swindon", at(2025, 6, 4, 12, 0), False),
        ("out_of_hours", "swindon", at(2025, 6, 5, 16, 50), False),  # the gap before 5pm
        ("out_of_hours", "swindon", at(2025, 8, 25, 11, 0), True),
        ("front_door", "durham", at(2025, 6, 5, 16, 45), True),  # Durham stays open until 5pm
        ("front_door", "durham", at(2025, 6, 6, 16, 45), False),  # but 4.30pm on Friday
        ("out_of_hours", "durham", at(2025, 6, 6, 16, 45), True),
        ("nspcc", None, at(2025, 6, 7, 10, 0), True),
        ("nspcc", None, at(2025, 6, 7, 18, 0), False),
        ("nspcc", None, at(2025, 6, 4, 21, 59), True),
        ("nspcc", None, at(2025, 6, 4, 22, 0), False),
        ("childline", None, at(2025, 12, 25, 3, 0), True),
        ("police_101", None, at(2025, 8, 25, 11, 0), True),
    ],
)
def test_is_open(
    directory: Directory, contact_id: str, area: str | None, when: datetime, expected: bool
) -> None:
    assert is_open(directory.contact(contact_id, area), when) is expected


def test_is_open_reads_the_clock_in_london() -> None:
    contact = load_directory().contact("front_door", "swindon")
    # 07:45 UTC is 08:45 in London in June (open), and 07:45 in January (closed).
    assert is_open(contact, datetime(2025, 6, 2, 7, 45, tzinfo=timezone.utc))
    assert not is_open(contact, datetime(2025, 1, 6, 7, 45, tzinfo=timezone.utc))


def test_naive_times_are_refused(directory: Directory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(directory.contact("nspcc"), datetime(2025, 6, 2, 10, 0))


@pytest.mark.parametrize(
    ("contact_id", "area", "when", "expected"),
    [
        ("front_door", "swindon", at(2025, 6, 2, 10, 0), at(2025, 6, 2, 10, 0)),  # open: now
        ("front_door", "swindon", at(2025, 6, 2, 7, 0), at(2025, 6, 2, 8, 30)),
        ("front_door", "swindon", at(2025, 6, 6, 17, 0), at(2025, 6, 9, 8, 30)),  # Friday evening
        ("front_door", "swindon", at(2025, 4, 17, 17, 0), at(2025, 4, 22, 8, 30)),  # Easter weekend
        ("front_door", "swindon", at(2025, 12, 24, 17, 0), at(2025, 12, 29, 8, 30)),  # Christmas
        ("out_of_hours", "swindon", at(2025, 6, 5, 16, 50), at(2025, 6, 5, 17, 0)),
        ("front_door", "durham", at(2025, 3, 29, 12, 0), at(2025, 3, 31, 8, 30)),  # over the clock change
        ("nspcc", None, at(2025, 6, 7, 2, 0), at(2025, 6, 7, 9, 0)),
    ],
)
def test_next_opening(
    directory: Directory, contact_id: str, area: str | None, when: datetime, expected: datetime
) -> None:
    opening = next_opening(directory.contact(contact_id, area), when)
    assert opening == expected
    assert opening is not None and opening.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2025, 6, 2, 7, 0), "today at 8.30am"),
        (at(2025, 6, 4, 17, 0), "tomorrow at 8.30am"),
        (at(2025, 6, 6, 17, 0), "on Monday at 8.30am"),
        (at(2025, 8, 25, 11, 0), "tomorrow at 8.30am"),
        (at(2025, 12, 24, 17, 0), "on Monday at 8.30am"),
    ],
)
def test_describe_when(directory: Directory, when: datetime, expected: str) -> None:
    contact = directory.contact("front_door", "swindon")
    opening = next_opening(contact, when)
    assert opening is not None
    assert describe_when(contact, opening, when) == expected


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("durham", ["police_999", "police_101", "childline", "durham_front_door"]),
        ("swindon", ["police_999", "police_101", "childline", "swindon_front_door"]),
        ("elsewhere", ["police_999", "police_101", "childline", "local_council"]),
        (None, ["police_999", "police_101", "childline", "local_council"]),
    ],
)
def test_help_now_panel(directory: Directory, area: str | None, expected: list[str]) -> None:
    assert [c.id for c in directory.help_now(area)] == expected


def test_unknown_ids_are_refused(directory: Directory) -> None:
    with pytest.raises(ValueError, match="unknown area"):
        directory.area("narnia")
    with pytest.raises(ValueError, match="unknown contact"):
        directory.contact("samaritans")
    with pytest.raises(ValueError, match="no out_of_hours"):
        directory.contact("out_of_hours", "elsewhere")


def test_categories_vocabulary_matches_the_contract() -> None:
    assert len(CATEGORIES) == 8 and "criminal_exploitation" in CATEGORIES


# --- schema errors ---------------------------------------------------------------------------------

Raw = dict[str, Any]


def _contact(raw: Raw, cid: str) -> dict[str, Any]:
    return next(c for c in raw["contacts"] if c["id"] == cid)


def _set(cid: str, key: str, value: Any) -> Callable[[Raw], None]:
    return lambda raw: _contact(raw, cid).__setitem__(key, value)


def _hours(cid: str, weekly: Any) -> Callable[[Raw], None]:
    return lambda raw: _contact(raw, cid)["hours"].__setitem__("weekly", weekly)


def _drop(cid: str, key: str) -> Callable[[Raw], None]:
    return lambda raw: _contact(raw, cid).pop(key)


def _area(area: str, key: str, value: Any) -> Callable[[Raw], None]:
    return lambda raw: raw["areas"][area].__setitem__(key, value)


def _remove(cid: str) -> Callable[[Raw], None]:
    return lambda raw: raw["contacts"].remove(_contact(raw, cid))


def _duplicate(cid: str) -> Callable[[Raw], None]:
    return lambda raw: raw["contacts"].append(copy.deepcopy(_contact(raw, cid)))


SCHEMA_ERRORS = [
    ("missing field", _drop("nspcc", "name"), "contact 'nspcc'", "field 'name'", "missing"),
    ("missing source", _drop("ceop", "source"), "contact 'ceop'", "field 'source'", "missing"),
    ("bad id", _set("nspcc", "id", "NSPCC Helpline"), "contact 'NSPCC Helpline'", "field 'id'", "bad id"),
    (
        "alias as id",
        _set("local_council", "id", "front_door"),
        "contact 'front_door'",
        "field 'id'",
        "per area",
    ),
    ("duplicate id", _duplicate("childline"), "contact 'childline'", "field 'id'", "duplicate"),
    (
        "unknown role",
        _set("childline", "roles", ["child"]),
        "contact 'childline'",
        "field 'roles'",
        "'child'",
    ),
    (
        "unknown area",
        _set("durham_front_door", "areas", ["durhm"]),
        "durham_front_door",
        "'areas'",
        "'durhm'",
    ),
    (
        "typo in a field",
        _set("nspcc", "verfy_before_use", True),
        "contact 'nspcc'",
        "verfy_before_use",
        "unknown",
    ),
    (
        "flag not bool",
        _set("nspcc", "verify_before_use", "yes"),
        "contact 'nspcc'",
        "verify_before_use",
        "true",
    ),
    ("phone not quoted", _set("police_999", "phone", 999), "contact 'police_999'", "field 'phone'", "quotes"),
    (
        "phone with letters",
        _set("nspcc", "phone", "0808 NSPCC"),
        "contact 'nspcc'",
        "field 'phone'",
        "bad phone",
    ),
    ("plain http", _set("childline", "web", "http://www.childline.org.uk"), "childline", "'web'", "https://"),
    ("no way to reach", _drop("ceop", "web"), "contact 'ceop'", "field 'phone'", "at least one"),
    (
        "bad anonymity",
        _set("nspcc", "anonymity", {"level": "secret", "note": "x"}),
        "contact 'nspcc'",
        "anonymity.level",
        "'secret'",
    ),
    (
        "bad time",
        _hours("swindon_front_door", {"mon-thu": "8.30-16:40"}),
        "swindon_front_door",
        "mon-thu",
        "bad time",
    ),
    (
        "hour 25",
        _hours("swindon_front_door", {"mon": "08:30-25:00"}),
        "swindon_front_door",
        "weekly.mon",
        "bad time",
    ),
    (
        "overnight",
        _hours("swindon_front_door", {"mon": "17:00-08:45"}),
        "swindon_front_door",
        "weekly.mon",
        "24:00",
    ),
    (
        "overlap",
        _hours("nspcc", {"mon": ["08:00-12:00", "11:00-13:00"]}),
        "contact 'nspcc'",
        "weekly.mon",
        "overlap",
    ),
    ("bad day", _hours("nspcc", {"monday": "08:00-12:00"}), "contact 'nspcc'", "weekly.monday", "bad day"),
    (
        "day twice",
        _hours("nspcc", {"mon-fri": "08:00-12:00", "fri": "13:00-14:00"}),
        "nspcc",
        "weekly.fri",
        "twice",
    ),
    ("unquoted time", _hours("nspcc", {"mon": 510}), "contact 'nspcc'", "weekly.mon", "bad time"),
    (
        "childline with hours",
        _set("childline", "hours", {"weekly": {"mon-fri": "09:00-17:00"}}),
        "contact 'childline'",
        "field 'hours'",
        "open at all times",
    ),
    ("required contact", _remove("prevent"), "contacts.yml", "field 'contacts'", "'prevent'"),
    (
        "unknown front door",
        _area("swindon", "front_door", "contact_swindon"),
        "area 'swindon'",
        "front_door",
        "unknown",
    ),
    (
        "front door of another area",
        _area("durham", "front_door", "swindon_front_door"),
        "area 'durham'",
        "front_door",
        "does not serve",
    ),
    (
        "bad timezone",
        _area("durham", "timezone", "Europe/Londn"),
        "area 'durham'",
        "timezone",
        "unknown timezone",
    ),
    (
        "partnership without door",
        _area("swindon", "front_door", None),
        "area 'swindon'",
        "front_door",
        "front door",
    ),
    ("bad version", lambda raw: raw.__setitem__("version", 2), "contacts.yml", "field 'version'", "version"),
    (
        "bad fallback",
        lambda raw: raw.__setitem__("fallback_area", "x"),
        "contacts.yml",
        "fallback_area",
        "'x'",
    ),
]


@pytest.fixture(scope="module")
def raw_directory() -> Raw:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "where", "field", "message"),
    [case[1:] for case in SCHEMA_ERRORS],
    ids=[case[0] for case in SCHEMA_ERRORS],
)
def test_schema_errors_name_the_file_contact_and_field(
    tmp_path: Path, raw_directory: Raw, mutate: Callable[[Raw], None], where: str, field: str, message: str
) -> None:
    raw = copy.deepcopy(raw_directory)
    mutate(raw)
    path = tmp_path / "contacts.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    text = str(caught.value)
    assert str(path) in text
    for expected in (where, field, message):
        assert expected in text, f"{expected!r} not in {text!r}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("areas: [unclosed", "not valid YAML at line"),
        ("- just a list", "must be a mapping"),
    ],
)
def test_unreadable_files_are_reported(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "contacts.yml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DirectoryError, match=message):
        load_directory(path)
