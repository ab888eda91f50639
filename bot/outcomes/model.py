"""One anonymised assessment: the only thing the outcome log keeps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import __version__
from bot.outcomes.vocabulary import (
    AREAS,
    CATEGORIES,
    CONTACTS,
    ROLES,
    URGENCIES,
    VERSION_PATTERN,
)


class OutcomeError(ValueError):
    """An outcome holds something outside the allow-list.

    Messages name the field and the allowed ids but never repeat the rejected
    value: if a bug ever put message text there, it must not reach a log.
    """


def today() -> date:
    """The current day in England, where the partnerships count their cases."""
    try:
        return datetime.now(ZoneInfo("Europe/London")).date()
    except ZoneInfoNotFoundError:  # a machine without time zone data
        return date.today()


def _ids(values: Iterable[Any] | None) -> tuple[str, ...]:
    """Sorted, de-duplicated ids, so equal assessments compare equal."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    values = tuple(values)
    try:
        return tuple(sorted(set(values)))
    except TypeError:  # unhashable or mixed values: keep them for validate() to reject
        return values


@dataclass(frozen=True)
class Outcome:
    """The day, who asked, where, what about, how urgent, which routes were given."""

    day: date
    role: str | None
    area: str | None
    categories: tuple[str, ...]
    urgency: str
    contacts: tuple[str, ...] = ()
    version: str = field(default=__version__)

    def __post_init__(self) -> None:
        # Normalise here so that lists from a slot and tuples from the
        # database give equal outcomes; validate() checks the values.
        object.__setattr__(self, "categories", _ids(self.categories))
        object.__setattr__(self, "contacts", _ids(self.contacts))

    def validate(self) -> Outcome:
        """Raise :class:`OutcomeError` unless every field is an allowed id; return self."""
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise OutcomeError("day must be a date (no time of day is kept)")
        if self.role is not None and self.role not in ROLES:
            raise OutcomeError(f"role must be one of {', '.join(ROLES)} or empty")
        if self.area is not None and self.area not in AREAS:
            raise OutcomeError(f"area must be one of {', '.join(AREAS)} or empty")
        if self.urgency not in URGENCIES:
            raise OutcomeError(f"urgency must be one of {', '.join(URGENCIES)}")
        if any(c not in CATEGORIES for c in self.categories):
            raise OutcomeError(f"categories may only hold {', '.join(CATEGORIES)}")
        if any(c not in CONTACTS for c in self.contacts):
            raise OutcomeError(
                f"contacts may only hold {', '.join(CONTACTS)}; a new contact id needs a migration"
            )
        if not isinstance(self.version, str) or not VERSION_PATTERN.match(self.version):
            raise OutcomeError("version must be a short version string such as 0.1.0")
        return self

    @classmethod
    def from_triage(
        cls, triage: Mapping[str, Any], day: date | None = None, version: str = __version__
    ) -> Outcome:
        """Build an outcome from the ``triage`` slot (CONTRACT.md); call validate() to check it."""
        return cls(
            day=day or today(),
            role=triage.get("role"),
            area=triage.get("area"),
            categories=_ids(triage.get("categories")),
            urgency=triage.get("urgency"),  # type: ignore[arg-type]  # validate() rejects None
            contacts=_ids(triage.get("contacts")),
            version=version,
        )
