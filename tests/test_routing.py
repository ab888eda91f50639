"""Routing: every person, anywhere, at any hour, is given at least one line that answers now."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.directory import CATEGORIES, DEFAULT_PATH, ROLES, URGENCIES, Directory, load_directory
from bot.routing import Route, contact_ids, route

LONDON = ZoneInfo("Europe/London")
FIXTURES = Path(__file__).parent / "fixtures"

WEEKDAY = datetime(2025, 6, 4, 10, 0, tzinfo=LONDON)  # Wednesday morning
SATURDAY_NIGHT = datetime(2025, 6, 7, 2, 0, tzinfo=LONDON)
BANK_HOLIDAY = datetime(2025, 8, 25, 11, 0, tzinfo=LONDON)  # Summer bank holiday Monday
SWINDON_GAP = datetime(2025, 6, 5, 16, 50, tzinfo=LONDON)  # Contact Swindon closed, duty team not yet open
TIMES = {"weekday 10:00": WEEKDAY, "Saturday 02:00": SATURDAY_NIGHT, "bank holiday 11:00": BANK_HOLIDAY}

CATEGORY_SETS = [[c] for c in CATEGORIES] + [
    [],
    ["criminal_exploitation", "missing"],
    ["sexual_exploitation", "radicalisation"],
]
ROLE_OPTIONS = [*ROLES, None]
AREA_OPTIONS = ["durham", "swindon", "elsewhere", None]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def _ids(routes: list[Route]) -> list[str]:
    return contact_ids(routes)


@pytest.mark.parametrize("urgency", URGENCIES)
@pytest.mark.parametrize("area", AREA_OPTIONS)
@pytest.mark.parametrize("role", ROLE_OPTIONS)
def test_everyone_always_gets_an_open_line(
    directory: Directory, role: str | None, area: str | None, urgency: str
) -> None:
    for categories, (label, now) in itertools.product(CATEGORY_SETS, TIMES.items()):
        case = f"{role}/{area}/{categories}/{urgency}/{label}"
        routes = route(directory, role, area, categories, urgency, now)
        ids = _ids(routes)
        assert routes, case
        assert any(r.open_now for r in routes), case
        assert len(ids) == len(set(ids)), case
        if urgency == "emergency":
            assert ids[0] == "police_999", case
        assert ("police_999" in ids) == (urgency in ("emergency", "urgent")), case
        for r in routes:
            assert r.why.strip(), case
            assert r.open_now or r.opens, f"{case}: {r.id} is closed and does not say when it opens"
            assert r.contact.serves(area or "elsewhere"), case
        if role == "young_person":
            assert "childline" in ids and "front_door" not in ids, case
        if "front_door" in ids:
            assert area in ("durham", "swindon"), case
            if not routes[ids.index("front_door")].open_now:
                assert {"out_of_hours", "police_101"} <= set(ids), (
                    f"{case}: closed front door, no alternative"
                )


YP, PC, PR, CM = ROLES
CSE, CCE, TRAFFICKING, MISSING = "sexual_exploitation", "criminal_exploitation", "trafficking", "missing"
HSB, RADICALISATION, VIOLENCE = "harmful_sexual_behaviour", "radicalisation", "youth_violence"
ONLINE = True
MSH = "modern_slavery_helpline"


@pytest.mark.parametrize(
    ("role", "area", "categories", "urgency", "now", "online", "expected"),
    [
        # young people: Childline always; Fearless for CCE/violence/extremism; CEOP for online sexual harm
        (YP, "swindon", [CCE], "concern", WEEKDAY, False, "childline crimestoppers"),
        (YP, "durham", [CSE], "concern", WEEKDAY, ONLINE, "childline ceop report_remove"),
        (YP, "durham", [CSE], "concern", WEEKDAY, False, "childline"),
        (YP, "durham", [HSB], "concern", WEEKDAY, ONLINE, "childline ceop report_remove"),
        (YP, None, [VIOLENCE], "urgent", WEEKDAY, False, "childline crimestoppers police_999"),
        (YP, "elsewhere", [CCE], "emergency", SATURDAY_NIGHT, False, "police_999 childline crimestoppers"),
        # parents: the front door (out of hours too when it is closed), NSPCC; 101 without a partnership
        (PC, "swindon", [CCE], "concern", WEEKDAY, False, "front_door nspcc"),
        (PC, "swindon", [CCE], "concern", SATURDAY_NIGHT, False, "front_door out_of_hours police_101 nspcc"),
        (PC, "swindon", [CCE], "concern", SWINDON_GAP, False, "front_door out_of_hours police_101 nspcc"),
        (PC, "elsewhere", [CSE], "concern", WEEKDAY, False, "nspcc police_101"),
        (PC, None, [MISSING], "urgent", WEEKDAY, False, "nspcc police_101 missing_people police_999"),
        (PC, "swindon", [MISSING], "emergency", WEEKDAY, False, "police_999 front_door nspcc missing_people"),
        (PC, "swindon", [CCE], "information", WEEKDAY, False, "front_door nspcc"),
        # practitioners: the front door and 101 for intelligence; elsewhere 101 and the NSPCC
        (PR, "swindon", [CCE], "concern", WEEKDAY, False, "front_door police_101"),
        (PR, "durham", [CCE], "concern", BANK_HOLIDAY, False, "front_door out_of_hours police_101"),
        (PR, "elsewhere", [CCE], "concern", WEEKDAY, False, "police_101 nspcc"),
        (PR, "swindon", [RADICALISATION], "concern", WEEKDAY, False, "front_door police_101 prevent"),
        # community members: 101 and anonymous Crimestoppers, plus the front door where there is one
        (
            CM,
            "durham",
            [TRAFFICKING],
            "concern",
            WEEKDAY,
            False,
            "police_101 crimestoppers front_door " + MSH,
        ),
        (CM, "elsewhere", [CCE], "information", WEEKDAY, False, "police_101 crimestoppers"),
        # no HOTH category: Childline for young people, the NSPCC (and front door) for others
        (YP, "durham", [], "concern", WEEKDAY, False, "childline"),
        (PC, "durham", [], "concern", WEEKDAY, False, "front_door nspcc"),
        (CM, "elsewhere", [], "concern", SATURDAY_NIGHT, False, "nspcc police_101"),
        # nothing known yet
        (None, None, [], "emergency", SATURDAY_NIGHT, False, "police_999 childline nspcc police_101"),
        (
            None,
            "durham",
            [CCE],
            "concern",
            WEEKDAY,
            False,
            "childline front_door police_101 nspcc crimestoppers",
        ),
    ],
)
def test_routing_rules(
    directory: Directory,
    role: str | None,
    area: str | None,
    categories: list[str],
    urgency: str,
    now: datetime,
    online: bool,
    expected: str,
) -> None:
    assert _ids(route(directory, role, area, categories, urgency, now, online=online)) == expected.split()


@pytest.mark.parametrize(
    ("area", "now", "contact_id", "opens"),
    [
        ("swindon", SATURDAY_NIGHT, "front_door", "on Monday at 8.30am"),
        ("swindon", BANK_HOLIDAY, "front_door", "tomorrow at 8.30am"),
        ("durham", datetime(2025, 6, 6, 16, 45, tzinfo=LONDON), "front_door", "on Monday at 8.30am"),
        ("swindon", SWINDON_GAP, "out_of_hours", "today at 5pm"),
    ],
)
def test_closed_lines_say_when_they_open(
    directory: Directory, area: str, now: datetime, contact_id: str, opens: str
) -> None:
    routes = route(directory, "parent_carer", area, ["criminal_exploitation"], "concern", now)
    closed = next(r for r in routes if r.id == contact_id)
    assert not closed.open_now
    assert closed.opens == opens


@pytest.mark.parametrize(
    ("area", "contact_id", "name"),
    [("swindon", "swindon_front_door", "Contact Swindon"), ("durham", "durham_front_door", "First Contact")],
)
def test_front_door_is_logged_as_front_door_but_shows_the_areas_service(
    directory: Directory, area: str, contact_id: str, name: str
) -> None:
    first = route(directory, "practitioner", area, ["criminal_exploitation"], "concern", WEEKDAY)[0]
    assert first.id == "front_door"
    assert first.contact.id == contact_id
    assert first.contact.name.startswith(name)
    assert first.open_now and first.opens is None


def test_routing_is_deterministic(directory: Directory) -> None:
    one = route(directory, None, "swindon", ["missing", "criminal_exploitation"], "urgent", SATURDAY_NIGHT)
    two = route(
        directory, None, "swindon", ["criminal_exploitation", "missing", "missing"], "urgent", SATURDAY_NIGHT
    )
    assert one == two


@pytest.mark.parametrize(
    ("role", "area", "categories", "urgency", "now", "error"),
    [
        ("teacher", "durham", [], "concern", WEEKDAY, "unknown role"),
        ("practitioner", "london", [], "concern", WEEKDAY, "unknown area"),
        ("practitioner", "durham", ["bullying"], "concern", WEEKDAY, "unknown categories"),
        ("practitioner", "durham", [], "high", WEEKDAY, "unknown urgency"),
        ("practitioner", "durham", [], "concern", datetime(2025, 6, 4, 10, 0), "timezone-aware"),
    ],
)
def test_bad_input_is_refused(
    directory: Directory,
    role: str,
    area: str,
    categories: list[str],
    urgency: str,
    now: datetime,
    error: str,
) -> None:
    with pytest.raises(ValueError, match=error):
        route(directory, role, area, categories, urgency, now)


# --- a third area is a data change only ------------------------------------------------------------


@pytest.fixture(scope="module")
def three_areas(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    base = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    extra = yaml.safe_load((FIXTURES / "third_area.yml").read_text(encoding="utf-8"))
    base["areas"].update(extra["areas"])
    base["contacts"].extend(extra["contacts"])
    path = tmp_path_factory.mktemp("directory") / "contacts.yml"
    path.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    return load_directory(path)


def test_third_area_loads_with_its_own_front_door(three_areas: Directory) -> None:
    assert three_areas.contact("front_door", "exampleshire").id == "exampleshire_front_door"
    assert [c.id for c in three_areas.help_now("exampleshire")][-1] == "exampleshire_front_door"


@pytest.mark.parametrize("urgency", URGENCIES)
@pytest.mark.parametrize("role", ROLE_OPTIONS)
def test_third_area_routes_like_the_others(three_areas: Directory, role: str | None, urgency: str) -> None:
    for categories, now in itertools.product(CATEGORY_SETS, TIMES.values()):
        routes = route(three_areas, role, "exampleshire", categories, urgency, now)
        ids = _ids(routes)
        assert any(r.open_now for r in routes)
        if role in ("parent_carer", "practitioner", "community_member") and categories:
            front = next(r for r in routes if r.id == "front_door")
            assert front.contact.id == "exampleshire_front_door"
            if not front.open_now:
                assert "out_of_hours" in ids and "police_101" in ids
        if urgency == "emergency":
            assert ids[0] == "police_999"
