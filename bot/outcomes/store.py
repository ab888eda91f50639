"""Outcome stores: SQL (SQLite, PostgreSQL) and in-memory, chosen by URL.

The table's columns are an allow-list (see ``migrations/versions``): a random
row id, the day, role, area, urgency, the assistant's version and one boolean
per category and per contact. There is nowhere to put free text, a sender id
or a time of day, and CHECK constraints hold every column to its ids.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.outcomes.model import Outcome
from bot.outcomes.vocabulary import CATEGORIES, CONTACTS

logger = logging.getLogger(__name__)

MEMORY_URL = "memory://"
# psycopg2 otherwise waits for the operating system's TCP timeout (minutes).
POSTGRES_CONNECT_TIMEOUT = 5


class StoreConfigError(ValueError):
    """The outcome database URL cannot be used."""


class StoreUnavailable(RuntimeError):
    """The outcome database did not answer."""


def new_key() -> str:
    """A random row id: unrelated to any conversation, and unordered, so rows keep no sequence."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Entry:
    """One write: a new row ``key`` holding ``outcome``, replacing row ``replaces`` if given."""

    key: str
    outcome: Outcome
    replaces: str | None = None


class OutcomeStore(Protocol):
    """What every outcome store offers."""

    def add(self, outcome: Outcome, replaces: str | None = None) -> str: ...

    def write(self, entries: Sequence[Entry]) -> None: ...

    def query(self, start: date | None = None, end: date | None = None) -> list[Outcome]: ...

    def purge(self, before: date) -> int: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


def category_column(category: str) -> str:
    return f"category_{category}"


def contact_column(contact: str) -> str:
    return f"contact_{contact}"


def outcomes_table(metadata: sa.MetaData | None = None) -> sa.Table:
    """The ``outcomes`` table as the code reads and writes it (the migrations own the DDL)."""
    return sa.Table(
        "outcomes",
        metadata or sa.MetaData(),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("area", sa.String(32)),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        *(sa.Column(category_column(c), sa.Boolean, nullable=False) for c in CATEGORIES),
        *(sa.Column(contact_column(c), sa.Boolean, nullable=False) for c in CONTACTS),
    )


def _sort_key(outcome: Outcome) -> tuple:
    # Rows come back ordered by their content, never by when they were written.
    return (
        outcome.day,
        outcome.role or "",
        outcome.area or "",
        outcome.urgency,
        outcome.categories,
        outcome.contacts,
        outcome.version,
    )


def is_key(value: object) -> bool:
    """True for a row key as :func:`new_key` makes them."""
    return isinstance(value, str) and len(value) == 32 and all(ch in "0123456789abcdef" for ch in value)


def _check_key(key: str) -> None:
    if not is_key(key):
        raise ValueError("an outcome key is 32 lowercase hex characters made by new_key()")


class MemoryOutcomeStore:
    """Outcomes in a dict: for unit tests and for running without a database."""

    url = MEMORY_URL

    def __init__(self) -> None:
        self._rows: dict[str, Outcome] = {}
        self._lock = threading.Lock()

    def add(self, outcome: Outcome, replaces: str | None = None) -> str:
        key = new_key()
        self.write([Entry(key, outcome, replaces)])
        return key

    def write(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            _check_key(entry.key)
            entry.outcome.validate()
        with self._lock:
            for entry in entries:
                if entry.replaces is not None:
                    self._rows.pop(entry.replaces, None)
                self._rows[entry.key] = entry.outcome

    def query(self, start: date | None = None, end: date | None = None) -> list[Outcome]:
        with self._lock:
            rows = list(self._rows.values())
        return sorted(
            (o for o in rows if (start is None or o.day >= start) and (end is None or o.day <= end)),
            key=_sort_key,
        )

    def purge(self, before: date) -> int:
        with self._lock:
            old = [key for key, outcome in self._rows.items() if outcome.day < before]
            for key in old:
                del self._rows[key]
        return len(old)

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to release."""


class SqlOutcomeStore:
    """Outcomes in SQLite or PostgreSQL through a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = outcomes_table()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _row(self, entry: Entry) -> dict:
        outcome = entry.outcome
        row = {
            "id": entry.key,
            "day": outcome.day,
            "role": outcome.role,
            "area": outcome.area,
            "urgency": outcome.urgency,
            "version": outcome.version,
        }
        row.update({category_column(c): c in outcome.categories for c in CATEGORIES})
        row.update({contact_column(c): c in outcome.contacts for c in CONTACTS})
        return row

    def _outcome(self, row: sa.engine.Row) -> Outcome:
        mapping = row._mapping
        return Outcome(
            day=mapping["day"],
            role=mapping["role"],
            area=mapping["area"],
            categories=tuple(c for c in CATEGORIES if mapping[category_column(c)]),
            urgency=mapping["urgency"],
            contacts=tuple(c for c in CONTACTS if mapping[contact_column(c)]),
            version=mapping["version"],
        )

    def add(self, outcome: Outcome, replaces: str | None = None) -> str:
        key = new_key()
        self.write([Entry(key, outcome, replaces)])
        return key

    def write(self, entries: Sequence[Entry]) -> None:
        """Write all entries in one transaction (all or none)."""
        if not entries:
            return
        for entry in entries:
            _check_key(entry.key)
            entry.outcome.validate()
        replaced = [e.replaces for e in entries if e.replaces is not None]
        with self.engine.begin() as conn:
            if replaced:
                conn.execute(sa.delete(self.table).where(self.table.c.id.in_(replaced)))
            conn.execute(sa.insert(self.table), [self._row(e) for e in entries])

    def query(self, start: date | None = None, end: date | None = None) -> list[Outcome]:
        statement = sa.select(self.table)
        if start is not None:
            statement = statement.where(self.table.c.day >= start)
        if end is not None:
            statement = statement.where(self.table.c.day <= end)
        with self.engine.connect() as conn:
            rows = conn.execute(statement).all()
        return sorted((self._outcome(row) for row in rows), key=_sort_key)

    def purge(self, before: date) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(sa.delete(self.table).where(self.table.c.day < before))
        return int(result.rowcount or 0)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


def parse_url(url: str) -> URL:
    """Parse and check an outcome database URL; raise :class:`StoreConfigError` if unusable."""
    text = (url or "").strip()
    if text.startswith("postgres://"):  # the spelling Heroku and others hand out
        text = "postgresql://" + text[len("postgres://") :]
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StoreConfigError(
            f"cannot read outcome database URL {text!r}: use sqlite:///path/to/file.sqlite3, "
            "postgresql://user@host:5432/db or memory://"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreConfigError(
                "a SQLite outcome database needs a file: sqlite:///var/outcomes.sqlite3 "
                "(use memory:// for a store that lives in memory)"
            )
    elif backend != "postgresql":
        raise StoreConfigError(
            f"unsupported outcome database {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///path, postgresql://... or memory://"
        )
    return parsed


def make_engine(url: str | URL) -> Engine:
    """An engine for a SQL outcome database; a SQLite file's folder is created if missing."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Waits for a writer in another process instead of failing at once.
        return sa.create_engine(parsed, future=True, connect_args={"timeout": 10})
    connect_args = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT
    return sa.create_engine(parsed, future=True, pool_pre_ping=True, connect_args=connect_args)


def create_store(url: str, *, migrate_schema: bool = True) -> OutcomeStore:
    """Open the outcome store named by ``url`` (``sqlite:///…``, ``postgresql://…``, ``memory://``).

    SQL databases are brought to the newest schema first (``migrate_schema``).
    Raises :class:`StoreConfigError` for a URL that cannot work and
    :class:`StoreUnavailable` when the database does not answer.
    """
    if (url or "").strip().rstrip("/") == MEMORY_URL.rstrip("/"):
        return MemoryOutcomeStore()
    parsed = parse_url(url)
    if migrate_schema:
        from bot.outcomes.schema import migrate

        migrate(parsed)
    try:
        engine = make_engine(parsed)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the folder for {parsed.database}: {exc.strerror}") from None
    return SqlOutcomeStore(engine)
