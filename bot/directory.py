"""The contact directory: who can help, where, when, and how anonymously.

The facts live in ``bot/knowledge/contacts.yml``, which a partnership edits. :func:`load_directory`
checks it strictly, so a typo stops the assistant at start-up with an error that names the file, the
contact and the field, instead of sending a frightened person to a wrong number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

from bot.vocabulary import CATEGORIES, CONTACTS, ROLES, URGENCIES  # noqa: F401 - also used by routing and tests

DEFAULT_PATH = Path(__file__).resolve().parent / "knowledge" / "contacts.yml"

ANONYMITY_LEVELS = ("anonymous", "confidential", "may_share", "not_anonymous")

# Ids that routing resolves per area to the contact the area names.
ALIASES = ("front_door", "out_of_hours")
# Ids that outside checks and routing rely on (CONTRACT.md); `front_door` is an alias.
REQUIRED_CONTACTS = tuple(c for c in CONTACTS if c not in ALIASES)
# Routing promises never to leave a person with only closed lines; these are its last resort.
ALWAYS_OPEN = ("police_999", "police_101", "childline")
HELP_NOW = ("police_999", "police_101", "childline")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BANK_HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PHONE = re.compile(r"^[0-9][0-9 ]*[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_SEARCH_DAYS = 21  # longest closure to look past (Christmas plus bank holidays) with room to spare


class DirectoryError(ValueError):
    """The directory file is missing, unreadable or breaks the schema."""

    def __init__(self, file: Path | str, message: str, where: str = "", field: str = "") -> None:
        self.file = str(file)
        self.where = where
        self.field = field
        parts = [self.file]
        if where:
            parts.append(where)
        if field:
            parts.append(f"field {field!r}")
        super().__init__(": ".join([", ".join(parts), message]))


@dataclass(frozen=True)
class Hours:
    """Opening hours, as minutes after local midnight per weekday (Monday first)."""

    always: bool = False
    weekly: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    open_on_bank_holidays: bool = False
    bank_holiday_hours: tuple[tuple[int, int], ...] | None = None
    description: str | None = None
    verify_before_use: bool = False

    def ranges_on(self, weekday: int, bank_holiday: bool) -> tuple[tuple[int, int], ...]:
        """The open ranges on a day, bank holidays included."""
        if self.always:
            return ((0, 1440),)
        if bank_holiday:
            if self.bank_holiday_hours is not None:
                return self.bank_holiday_hours
            if not self.open_on_bank_holidays:
                return ()
        return self.weekly[weekday]


@dataclass(frozen=True)
class Anonymity:
    level: str
    note: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Contact:
    """One way to get help, with everything the person needs to choose it."""

    id: str
    name: str
    hours: Hours
    anonymity: Anonymity
    source: str
    verify_before_use: bool
    phone: str | None = None
    text: str | None = None
    email: str | None = None
    web: str | None = None
    links: tuple[Link, ...] = ()
    areas: tuple[str, ...] = ()  # empty: national
    roles: tuple[str, ...] = ROLES
    min_age: int | None = None
    max_age: int | None = None
    any_time: str | None = None
    professionals: tuple[str, ...] = ()
    timezone: str = "Europe/London"
    bank_holidays: str = "ENG"

    @property
    def national(self) -> bool:
        return not self.areas

    def serves(self, area_id: str) -> bool:
        return self.national or area_id in self.areas


@dataclass(frozen=True)
class Partnership:
    name: str
    source: str
    verify_before_use: bool
    phone: str | None = None
    email: str | None = None
    web: str | None = None


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    timezone: str
    front_door: str | None
    out_of_hours: str | None
    partnership: Partnership | None
    bank_holidays: str = "ENG"

    @property
    def local(self) -> bool:
        """True where a partnership runs this assistant and has its own front door."""
        return self.partnership is not None and self.front_door is not None


@dataclass(frozen=True)
class Directory:
    """Areas and contacts, read once and never changed."""

    path: Path
    fallback_area: str
    areas: Mapping[str, Area] = field(default_factory=dict)
    contacts: Mapping[str, Contact] = field(default_factory=dict)

    def area(self, area_id: str | None) -> Area:
        """The area by id; ``None`` (not said) is the fallback area."""
        key = self.fallback_area if area_id is None else area_id
        try:
            return self.areas[key]
        except KeyError:
            raise ValueError(f"unknown area {area_id!r}") from None

    def contact(self, contact_id: str, area: str | None = None) -> Contact:
        """A contact by id; ``front_door`` and ``out_of_hours`` resolve to the area's own."""
        if contact_id in ALIASES:
            place = self.area(area)
            target = getattr(place, contact_id)
            if target is None:
                raise ValueError(f"area {place.id!r} has no {contact_id}")
            contact_id = target
        try:
            return self.contacts[contact_id]
        except KeyError:
            raise ValueError(f"unknown contact {contact_id!r}") from None

    def help_now(self, area: str | None = None) -> list[Contact]:
        """What the help-now panel lists without the chat server: 999, 101, Childline, the front door."""
        found = [self.contacts[cid] for cid in HELP_NOW]
        place = self.area(area)
        if place.front_door:
            found.append(self.contacts[place.front_door])
        return found


# --- opening hours -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _bank_holidays(region: str) -> holidays.HolidayBase:
    # Built on first use, not at import; years are added lazily by the package.
    return holidays.country_holidays("GB", subdiv=region)


def is_bank_holiday(day: date, region: str = "ENG") -> bool:
    return day in _bank_holidays(region)


def _local(contact: Contact, now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(contact.timezone))


def _ranges(contact: Contact, day: date) -> tuple[tuple[int, int], ...]:
    return contact.hours.ranges_on(day.weekday(), is_bank_holiday(day, contact.bank_holidays))


def is_open(contact: Contact, now: datetime) -> bool:
    """Whether the contact answers at ``now`` (aware), in its own timezone and bank holidays."""
    local = _local(contact, now)
    if contact.hours.always:
        return True
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _ranges(contact, local.date()))


def next_opening(contact: Contact, now: datetime) -> datetime | None:
    """When the contact next answers: ``now`` if open, ``None`` if not within three weeks."""
    local = _local(contact, now)
    if contact.hours.always:
        return now
    minute = local.hour * 60 + local.minute
    zone = ZoneInfo(contact.timezone)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for start, end in _ranges(contact, day):
            if offset == 0 and end <= minute:
                continue
            if offset == 0 and start <= minute:
                return now
            return datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
    return None


def format_time(minute: int) -> str:
    """Minutes after midnight as people say them: 8.30am, 4pm, midday, midnight."""
    if minute in (0, 1440):
        return "midnight"
    if minute == 720:
        return "midday"
    hour, mins = divmod(minute, 60)
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if mins == 0 else f"{hour}.{mins:02d}{suffix}"


def describe_when(contact: Contact, when: datetime, now: datetime) -> str:
    """A time relative to now, in the contact's timezone: 'today at 4pm', 'on Tuesday at 8.30am'."""
    local_when = _local(contact, when)
    days = (local_when.date() - _local(contact, now).date()).days
    clock = format_time(local_when.hour * 60 + local_when.minute)
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    weekday = DAY_NAMES[local_when.weekday()]
    if days < 7:
        return f"on {weekday} at {clock}"
    return f"on {weekday} {local_when.day} {MONTH_NAMES[local_when.month - 1]} at {clock}"


def _describe_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    parts = []
    for start, end in ranges:
        if (start, end) == (0, 1440):
            parts.append("all day")
        else:
            parts.append(f"{format_time(start)} to {format_time(end)}")
    return " and ".join(parts)


def describe_hours(contact: Contact) -> str:
    """Opening hours in plain words, e.g. 'Monday to Thursday 8.30am to 4.40pm; Friday ...'."""
    hours = contact.hours
    if hours.description:
        return hours.description
    if hours.always:
        return "24 hours a day, every day"
    groups: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    for index, ranges in enumerate(hours.weekly):
        if groups and groups[-1][2] == ranges and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, ranges)
        else:
            groups.append((index, index, ranges))
    parts = []
    for first, last, ranges in groups:
        if not ranges:
            continue
        if first == last:
            days = DAY_NAMES[first]
        else:
            joiner = "and" if last == first + 1 else "to"
            days = f"{DAY_NAMES[first]} {joiner} {DAY_NAMES[last]}"
        parts.append(f"{days} {_describe_ranges(ranges)}")
    if hours.bank_holiday_hours is not None:
        parts.append(f"bank holidays {_describe_ranges(hours.bank_holiday_hours)}")
    elif not hours.open_on_bank_holidays:
        parts.append("closed on bank holidays")
    return "; ".join(parts)


# --- loading and checking ------------------------------------------------------------------------

_TOP_KEYS = {"version", "fallback_area", "areas", "contacts"}
_AREA_KEYS = {"name", "timezone", "front_door", "out_of_hours", "partnership", "bank_holidays"}
_AREA_REQUIRED = {"name", "timezone", "front_door", "out_of_hours", "partnership"}
_PARTNERSHIP_KEYS = {"name", "phone", "email", "web", "source", "verify_before_use"}
_CONTACT_KEYS = {
    "id", "name", "phone", "text", "email", "web", "links", "areas", "roles", "ages", "hours",
    "anonymity", "any_time", "professionals", "source", "verify_before_use",
}  # fmt: skip
_CONTACT_REQUIRED = {
    "id",
    "name",
    "areas",
    "roles",
    "ages",
    "hours",
    "anonymity",
    "source",
    "verify_before_use",
}
_HOURS_KEYS = {
    "always", "weekly", "open_on_bank_holidays", "bank_holiday_hours", "description", "verify_before_use",
}  # fmt: skip


class _Checker:
    """Turns the parsed YAML into a :class:`Directory`, or raises a :class:`DirectoryError`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, where: str = "", field: str = "") -> DirectoryError:
        return DirectoryError(self.path, message, where, field)

    # small typed readers ------------------------------------------------------------------------

    def keys(self, data: Mapping[str, Any], allowed: set[str], required: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(f"unknown field (allowed: {', '.join(sorted(allowed))})", where, str(key))
        for key in sorted(required):
            if key not in data:
                raise self.fail("missing", where, key)

    def text(self, data: Mapping[str, Any], key: str, where: str, optional: bool = False) -> str | None:
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            hint = " (put phone numbers in quotes)" if isinstance(value, int) else ""
            raise self.fail(f"must be non-empty text, got {value!r}{hint}", where, key)
        return value.strip()

    def flag(self, data: Mapping[str, Any], key: str, where: str, default: bool | None = None) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"must be true or false, got {value!r}", where, key)
        return value

    def ident(self, value: Any, where: str, key: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(f"bad id {value!r} (use lower_case_with_underscores)", where, key)
        return value

    def phone(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.text(data, key, where, optional=True)
        if value is not None and not _PHONE.match(value):
            raise self.fail(f"bad phone number {value!r} (digits and spaces only)", where, key)
        return value

    def email(self, data: Mapping[str, Any], where: str) -> str | None:
        value = self.text(data, "email", where, optional=True)
        if value is not None and not _EMAIL.match(value):
            raise self.fail(f"bad email address {value!r}", where, "email")
        return value

    def url(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.text(data, key, where, optional=True)
        if value is not None and (not value.startswith("https://") or " " in value):
            raise self.fail(f"bad web address {value!r} (must start with https://)", where, key)
        return value

    # sections ---------------------------------------------------------------------------------------

    def check(self, raw: Any) -> Directory:
        if not isinstance(raw, dict):
            raise self.fail("must be a mapping with version, fallback_area, areas and contacts")
        self.keys(raw, _TOP_KEYS, _TOP_KEYS, "")
        if raw["version"] != 1:
            raise self.fail(f"unsupported version {raw['version']!r} (expected 1)", "", "version")
        if not isinstance(raw["areas"], dict) or not raw["areas"]:
            raise self.fail("must map area ids to areas", "", "areas")
        if not isinstance(raw["contacts"], list) or not raw["contacts"]:
            raise self.fail("must be a list of contacts", "", "contacts")
        area_ids = [self.ident(key, f"area {key!r}", "id") for key in raw["areas"]]
        raw_areas = {key: value for key, value in raw["areas"].items()}
        zones = {key: self.area_zone(raw_areas[key], f"area {key!r}") for key in area_ids}
        regions = {key: self.region(raw_areas[key], f"area {key!r}") for key in area_ids}
        fallback = raw["fallback_area"]
        if fallback not in area_ids:
            raise self.fail(f"unknown area {fallback!r}", "", "fallback_area")

        contacts: dict[str, Contact] = {}
        for index, item in enumerate(raw["contacts"]):
            contact = self.contact(item, index, area_ids, zones, regions, fallback)
            if contact.id in contacts:
                raise self.fail("duplicate id", f"contact {contact.id!r}", "id")
            contacts[contact.id] = contact
        for cid in REQUIRED_CONTACTS:
            if cid not in contacts:
                raise self.fail(f"required contact {cid!r} is missing", "", "contacts")
        for cid in ALWAYS_OPEN:
            if not contacts[cid].hours.always:
                raise self.fail("must be open at all times (always: true)", f"contact {cid!r}", "hours")

        areas = {key: self.area(key, raw_areas[key], contacts, zones[key], regions[key]) for key in area_ids}
        return Directory(
            path=self.path,
            fallback_area=fallback,
            areas=MappingProxyType(areas),
            contacts=MappingProxyType(contacts),
        )

    def area_zone(self, data: Any, where: str) -> str:
        if not isinstance(data, dict):
            raise self.fail("must be a mapping", where)
        self.keys(data, _AREA_KEYS, _AREA_REQUIRED, where)
        name = self.text(data, "timezone", where)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(f"unknown timezone {name!r}", where, "timezone") from None
        return name

    def region(self, data: Mapping[str, Any], where: str) -> str:
        value = data.get("bank_holidays", "ENG")
        if value not in BANK_HOLIDAY_REGIONS:
            raise self.fail(
                f"must be one of {', '.join(BANK_HOLIDAY_REGIONS)}, got {value!r}", where, "bank_holidays"
            )
        return value

    def area(
        self, key: str, data: Mapping[str, Any], contacts: Mapping[str, Contact], zone: str, region: str
    ) -> Area:
        where = f"area {key!r}"
        links: dict[str, str | None] = {}
        for alias in ALIASES:
            target = data[alias]
            if target is None:
                links[alias] = None
                continue
            self.ident(target, where, alias)
            if target not in contacts:
                raise self.fail(f"unknown contact {target!r}", where, alias)
            if not contacts[target].serves(key):
                raise self.fail(f"contact {target!r} does not serve this area", where, alias)
            links[alias] = target
        partnership = None
        if data["partnership"] is not None:
            raw = data["partnership"]
            pwhere = f"{where} partnership"
            if not isinstance(raw, dict):
                raise self.fail("must be a mapping or null", where, "partnership")
            self.keys(raw, _PARTNERSHIP_KEYS, {"name", "source", "verify_before_use"}, pwhere)
            partnership = Partnership(
                name=self.text(raw, "name", pwhere),
                source=self.text(raw, "source", pwhere),
                verify_before_use=self.flag(raw, "verify_before_use", pwhere),
                phone=self.phone(raw, "phone", pwhere),
                email=self.email(raw, pwhere),
                web=self.url(raw, "web", pwhere),
            )
            if links["front_door"] is None:
                raise self.fail("an area with a partnership needs its front door", where, "front_door")
        return Area(
            id=key,
            name=self.text(data, "name", where),
            timezone=zone,
            front_door=links["front_door"],
            out_of_hours=links["out_of_hours"],
            partnership=partnership,
            bank_holidays=region,
        )

    def contact(
        self,
        data: Any,
        index: int,
        area_ids: list[str],
        zones: Mapping[str, str],
        regions: Mapping[str, str],
        fallback: str,
    ) -> Contact:
        if not isinstance(data, dict):
            raise self.fail("must be a mapping", f"contact #{index + 1}")
        cid = data.get("id")
        where = f"contact {cid!r}" if isinstance(cid, str) else f"contact #{index + 1}"
        self.keys(data, _CONTACT_KEYS, _CONTACT_REQUIRED, where)
        self.ident(cid, where, "id")
        if cid in ALIASES:
            raise self.fail(f"{cid!r} is resolved per area; name the area's contact in 'areas'", where, "id")

        areas = self.members(data["areas"], area_ids, "national", where, "areas")
        roles = self.members(data["roles"], list(ROLES), "all", where, "roles")
        min_age, max_age = self.ages(data["ages"], where)
        links = self.links(data.get("links"), where)
        phone = self.phone(data, "phone", where)
        text = self.phone(data, "text", where)
        email = self.email(data, where)
        web = self.url(data, "web", where)
        if not any((phone, text, email, web, links)):
            raise self.fail("needs at least one of phone, text, email, web or links", where, "phone")
        anonymity = data["anonymity"]
        if not isinstance(anonymity, dict):
            raise self.fail("must be a mapping with level and note", where, "anonymity")
        self.keys(anonymity, {"level", "note"}, {"level", "note"}, f"{where} anonymity")
        if anonymity["level"] not in ANONYMITY_LEVELS:
            raise self.fail(
                f"must be one of {', '.join(ANONYMITY_LEVELS)}, got {anonymity['level']!r}",
                where,
                "anonymity.level",
            )
        professionals = data.get("professionals", [])
        if not isinstance(professionals, list) or not all(
            isinstance(p, str) and p.strip() for p in professionals
        ):
            raise self.fail("must be a list of sentences", where, "professionals")
        home = areas[0] if areas else fallback
        return Contact(
            id=cid,
            name=self.text(data, "name", where),
            hours=self.hours(data["hours"], where),
            anonymity=Anonymity(anonymity["level"], self.text(anonymity, "note", where)),
            source=self.text(data, "source", where),
            verify_before_use=self.flag(data, "verify_before_use", where),
            phone=phone,
            text=text,
            email=email,
            web=web,
            links=links,
            areas=areas,
            roles=roles if roles else ROLES,
            min_age=min_age,
            max_age=max_age,
            any_time=self.text(data, "any_time", where, optional=True),
            professionals=tuple(p.strip() for p in professionals),
            timezone=zones[home],
            bank_holidays=regions[home],
        )

    def members(
        self, value: Any, allowed: list[str], everything: str, where: str, key: str
    ) -> tuple[str, ...]:
        """A list of known ids, or the word meaning all of them (returned as an empty tuple)."""
        if value == everything:
            return ()
        if not isinstance(value, list) or not value:
            raise self.fail(f"must be {everything!r} or a list of ids", where, key)
        for item in value:
            if item not in allowed:
                raise self.fail(f"unknown id {item!r} (known: {', '.join(allowed)})", where, key)
        if len(set(value)) != len(value):
            raise self.fail("lists an id twice", where, key)
        return tuple(value)

    def ages(self, value: Any, where: str) -> tuple[int | None, int | None]:
        if value == "any":
            return None, None
        if not isinstance(value, dict) or not value or set(value) - {"min", "max"}:
            raise self.fail("must be 'any' or {min: N, max: N}", where, "ages")
        low, high = value.get("min"), value.get("max")
        for bound in (low, high):
            if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool) or bound < 0):
                raise self.fail(f"bad age {bound!r}", where, "ages")
        if low is not None and high is not None and low > high:
            raise self.fail("min is above max", where, "ages")
        return low, high

    def links(self, value: Any, where: str) -> tuple[Link, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail("must be a list of {label, url}", where, "links")
        found = []
        for item in value:
            if not isinstance(item, dict):
                raise self.fail("must be a list of {label, url}", where, "links")
            self.keys(item, {"label", "url"}, {"label", "url"}, f"{where} links")
            found.append(Link(self.text(item, "label", where), self.url(item, "url", where)))
        return tuple(found)

    def hours(self, value: Any, where: str) -> Hours:
        if not isinstance(value, dict):
            raise self.fail("must be {always: true} or a weekly schedule", where, "hours")
        self.keys(value, _HOURS_KEYS, set(), f"{where} hours")
        always = self.flag(value, "always", where, default=False)
        description = self.text(value, "description", where, optional=True)
        verify = self.flag(value, "verify_before_use", where, default=False)
        if always:
            if "weekly" in value or "bank_holiday_hours" in value:
                raise self.fail("give either always: true or a weekly schedule, not both", where, "hours")
            return Hours(always=True, description=description, verify_before_use=verify)
        weekly_raw = value.get("weekly")
        if not isinstance(weekly_raw, dict) or not weekly_raw:
            raise self.fail("needs always: true or a weekly schedule", where, "hours.weekly")
        weekly: list[tuple[tuple[int, int], ...] | None] = [None] * 7
        for key, ranges in weekly_raw.items():
            for day in self.day_span(key, where):
                if weekly[day] is not None:
                    raise self.fail(f"{DAY_NAMES[day]} is given twice", where, f"hours.weekly.{key}")
                weekly[day] = self.ranges(ranges, where, f"hours.weekly.{key}")
        schedule = tuple(day or () for day in weekly)
        bank_raw = value.get("bank_holiday_hours")
        bank = None if bank_raw is None else self.ranges(bank_raw, where, "hours.bank_holiday_hours")
        if not any(schedule) and not bank:
            raise self.fail("is never open", where, "hours.weekly")
        return Hours(
            always=False,
            weekly=schedule,
            open_on_bank_holidays=self.flag(value, "open_on_bank_holidays", where, default=False),
            bank_holiday_hours=bank,
            description=description,
            verify_before_use=verify,
        )

    def day_span(self, key: Any, where: str) -> range:
        parts = str(key).split("-")
        if len(parts) not in (1, 2) or any(part not in DAYS for part in parts):
            raise self.fail(
                f"bad day {key!r} (use mon..sun or a span like mon-fri)", where, f"hours.weekly.{key}"
            )
        first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
        if last < first:
            raise self.fail(f"bad day span {key!r}", where, f"hours.weekly.{key}")
        return range(first, last + 1)

    def ranges(self, value: Any, where: str, key: str) -> tuple[tuple[int, int], ...]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.fail("must give at least one time range", where, key)
        found = []
        for item in items:
            match = _RANGE.match(item) if isinstance(item, str) else None
            if not match:
                raise self.fail(f'bad time {item!r} (use "HH:MM-HH:MM" in quotes)', where, key)
            sh, sm, eh, em = (int(group) for group in match.groups())
            if sm > 59 or em > 59 or sh > 23 or eh > 24 or (eh == 24 and em != 0):
                raise self.fail(f"bad time {item!r}", where, key)
            start, end = sh * 60 + sm, eh * 60 + em
            if start >= end:
                raise self.fail(
                    f"bad time {item!r}: must end after it starts (split overnight hours at 24:00)",
                    where,
                    key,
                )
            found.append((start, end))
        found.sort()
        for (_, end), (start, _) in zip(found, found[1:], strict=False):
            if start < end:
                raise self.fail(f"time ranges overlap in {value!r}", where, key)
        return tuple(found)


def load_directory(path: Path | str | None = None) -> Directory:
    """Read and check the directory file (default ``bot/knowledge/contacts.yml``)."""
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DirectoryError(file, f"cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise DirectoryError(file, f"is not valid YAML{line}") from None
    return _Checker(file).check(raw)
