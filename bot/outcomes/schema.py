"""Schema migrations of the outcome database (Alembic, configured in code).

The scripts live in ``bot/outcomes/migrations``; no ``alembic.ini`` is needed.
``migrate(url)`` is safe to call at every start: it takes a lock so that two
processes starting together do not both create the table.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.outcomes.store import MEMORY_URL, StoreUnavailable, make_engine, parse_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Its own name, so the outcome log can share a database with other Alembic users.
VERSION_TABLE = "outcomes_schema_version"
# Any fixed number: PostgreSQL advisory locks are keyed by a bigint.
_PG_LOCK_KEY = 7_243_001


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at this package's migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the outcome migrations have no head"
    return head


@contextlib.contextmanager
def _sqlite_lock(url: URL) -> Iterator[None]:
    # SQLite runs DDL outside transactions, so the lock is an flock on the
    # database file itself (independent of SQLite's own fcntl range locks).
    path = Path(url.database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _run(url: str | URL, action: str, revision: str) -> str | None:
    """Run an Alembic ``upgrade``/``downgrade`` under a lock; return the revision reached."""
    if isinstance(url, str) and url.strip().rstrip("/") == MEMORY_URL.rstrip("/"):
        return None
    parsed = url if isinstance(url, URL) else parse_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    try:
        lock = _sqlite_lock(parsed) if is_sqlite else contextlib.nullcontext()
        with lock:
            engine = make_engine(parsed)
            try:
                with engine.begin() as conn:
                    if not is_sqlite:
                        # Released when this transaction ends.
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                    config = alembic_config(conn)
                    getattr(command, action)(config, revision)
                    return _current(conn)
            finally:
                engine.dispose()
    except OSError as exc:
        raise StoreUnavailable(f"cannot open {parsed.database}: {exc.strerror}") from None
    except SQLAlchemyError as exc:
        raise StoreUnavailable(describe_error(exc, parsed)) from None


def migrate(url: str | URL, revision: str = "head") -> str | None:
    """Bring the outcome database up to ``revision`` (default: newest); return the revision."""
    return _run(url, "upgrade", revision)


def downgrade(url: str | URL, revision: str = "base") -> str | None:
    """Take the outcome database back to ``revision`` (``base`` drops the tables)."""
    return _run(url, "downgrade", revision)


def _current(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def current_revision(url: str | URL) -> str | None:
    """The revision the database is at, or ``None`` before the first migration."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    engine = make_engine(parsed)
    try:
        with engine.connect() as conn:
            return _current(conn)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(describe_error(exc, parsed)) from None
    finally:
        engine.dispose()


def describe_error(exc: BaseException, url: URL | None = None) -> str:
    """A one-line account of a database error without SQL parameters or passwords."""
    if isinstance(exc, StoreUnavailable):
        return str(exc)
    where = f" ({url.render_as_string(hide_password=True)})" if url is not None else ""
    original = getattr(exc, "orig", None)
    detail = str(original if original is not None else exc).strip().splitlines()
    first = detail[0] if detail else ""
    return f"outcome database unavailable{where}: {type(original or exc).__name__}: {first}"
