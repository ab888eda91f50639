"""The outcome store: allow-listed columns, CHECKed ids, migrations, purge (SQLite, PostgreSQL, memory)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import date, datetime
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError

from bot.outcomes import (
    MemoryOutcomeStore,
    Outcome,
    OutcomeError,
    SqlOutcomeStore,
    StoreConfigError,
    StoreUnavailable,
    create_store,
)
from bot.outcomes.migrations.helpers import add_flag_column, drop_flag_column
from bot.outcomes.schema import VERSION_TABLE, current_revision, downgrade, head_revision, migrate
from bot.outcomes.store import make_engine, new_key, parse_url
from bot.outcomes.vocabulary import AREAS, CATEGORIES, CONTACTS, ROLES, URGENCIES

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def outcome(day: date = date(2024, 3, 4), **changes) -> Outcome:
    fields = {
        "day": day,
        "role": "parent_carer",
        "area": "swindon",
        "categories": ("criminal_exploitation", "missing"),
        "urgency": "urgent",
        "contacts": ("front_door", "missing_people", "nspcc"),
        "version": "0.1.0",
    }
    fields.update(changes)
    return Outcome(**fields)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose tables all land in a schema made for this test and dropped after it."""
    schema = f"hoth_test_{secrets.token_hex(6)}"
    engine = sa.create_engine(POSTGRES_SERVER, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answered on 127.0.0.1:5432 ({type(exc.orig).__name__})")
    try:
        yield f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'outcomes.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator:
    url = "memory://" if request.param == "memory" else request.getfixturevalue(f"{request.param}_url")
    opened = create_store(url)
    yield opened
    opened.close()


# -- the Outcome value ------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "teacher"}, "role"),
        ({"area": "bristol"}, "area"),
        ({"urgency": "very"}, "urgency"),
        ({"urgency": None}, "urgency"),
        ({"categories": ("county_lines",)}, "categories"),
        ({"contacts": ("my_aunt",)}, "contacts"),
        ({"version": "release candidate two"}, "version"),
        ({"day": datetime(2024, 3, 4, 10, 30)}, "day"),
        ({"day": "2024-03-04"}, "day"),
    ],
)
def test_outcome_rejects_values_outside_the_allow_list(changes: dict, field: str) -> None:
    with pytest.raises(OutcomeError, match=field):
        outcome(**changes).validate()


def test_outcome_error_never_repeats_the_rejected_value() -> None:
    canary = "Jessica lives at 4 Elm Road"
    for field in ("role", "area", "urgency", "version"):
        with pytest.raises(OutcomeError) as caught:
            outcome(**{field: canary}).validate()
        assert canary not in str(caught.value)


def test_outcome_from_triage_slot() -> None:
    triage = {
        "role": None,
        "area": "durham",
        "categories": ["missing", "sexual_exploitation", "missing"],
        "urgency": "emergency",
        "contacts": ["police_999", "childline"],
    }
    made = Outcome.from_triage(triage, day=date(2024, 5, 6)).validate()
    assert made == Outcome(
        date(2024, 5, 6),
        None,
        "durham",
        ("missing", "sexual_exploitation"),
        "emergency",
        ("childline", "police_999"),
    )


def test_every_contact_routing_can_give_is_recordable() -> None:
    """A contact id routing gives but the outcome log cannot hold would lose the whole outcome."""
    from bot.directory import load_directory
    from bot.routing import contact_ids, route

    directory = load_directory()
    london = ZoneInfo("Europe/London")
    given: set[str] = set()
    for role, area, category, urgency, online, now in product(
        (*ROLES, None),
        (*AREAS, None),
        (*CATEGORIES, None),
        URGENCIES,
        (False, True),
        (datetime(2024, 1, 6, 3, tzinfo=london), datetime(2024, 1, 8, 12, tzinfo=london)),
    ):
        given |= set(
            contact_ids(route(directory, role, area, [category] if category else [], urgency, now, online))
        )
    assert given <= set(CONTACTS), f"add {sorted(given - set(CONTACTS))} to the vocabulary with a migration"


# -- store behaviour on every backend ---------------------------------------


def test_add_then_query_gives_the_same_outcomes(store) -> None:
    written = [
        outcome(date(2024, 3, 1)),
        outcome(date(2024, 3, 2), role=None, area=None, categories=(), urgency="information", contacts=()),
        outcome(date(2024, 3, 3), categories=CATEGORIES, contacts=CONTACTS, urgency="emergency"),
    ]
    keys = [store.add(o) for o in written]
    assert len(set(keys)) == 3 and all(len(k) == 32 for k in keys)
    assert store.query() == written


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (None, None, [1, 2, 3, 4]),
        (date(2024, 3, 2), None, [2, 3, 4]),
        (None, date(2024, 3, 3), [1, 2, 3]),
        (date(2024, 3, 2), date(2024, 3, 3), [2, 3]),
        (date(2024, 3, 3), date(2024, 3, 3), [3]),
        (date(2024, 4, 1), None, []),
    ],
)
def test_query_includes_both_ends(store, start, end, days) -> None:
    for day in (4, 2, 3, 1):
        store.add(outcome(date(2024, 3, day)))
    assert [o.day.day for o in store.query(start, end)] == days


def test_replacing_keeps_one_row_per_assessment(store) -> None:
    first = store.add(outcome(urgency="concern"))
    second = store.add(outcome(urgency="urgent"), replaces=first)
    store.add(outcome(urgency="emergency", contacts=("police_999",)), replaces=second)
    assert [o.urgency for o in store.query()] == ["emergency"]


def test_purge_deletes_only_older_days(store) -> None:
    for day in (1, 2, 3, 4, 5):
        store.add(outcome(date(2024, 3, day)))
    assert store.purge(date(2024, 3, 3)) == 2
    assert [o.day.day for o in store.query()] == [3, 4, 5]
    assert store.purge(date(2024, 3, 3)) == 0


def test_store_refuses_invalid_outcomes(store) -> None:
    with pytest.raises(OutcomeError):
        store.add(outcome(role="uncle"))
    assert store.query() == []


def test_ping(store) -> None:
    assert store.ping() is True


# -- the database itself ----------------------------------------------------

ALLOWED_COLUMNS = (
    {"id", "day", "role", "area", "urgency", "version"}
    | {f"category_{c}" for c in CATEGORIES}
    | {f"contact_{c}" for c in CONTACTS}
)


def test_table_holds_only_allow_listed_columns(sql_url: str) -> None:
    migrate(sql_url)
    engine = make_engine(sql_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("outcomes")}
        day_type = next(c["type"] for c in inspector.get_columns("outcomes") if c["name"] == "day")
    engine.dispose()
    assert tables == {"outcomes", VERSION_TABLE}
    assert columns == ALLOWED_COLUMNS
    assert isinstance(day_type, sa.Date)


def _raw_insert(conn, **changes) -> None:
    row = {
        "id": new_key(),
        "day": "2024-03-04",
        "role": "practitioner",
        "area": "durham",
        "urgency": "concern",
    }
    row["version"] = "0.1.0"
    row.update(changes)
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    conn.execute(sa.text(f"INSERT INTO outcomes ({names}) VALUES ({marks})"), row)


BAD_ROWS = [
    ("role", {"role": "teacher"}),
    ("area", {"area": "bristol"}),
    ("urgency", {"urgency": "later"}),
    ("urgency", {"urgency": None}),
    ("version", {"version": "I'm 12 and scared"}),
    ("version", {"version": ""}),
    ("id", {"id": "a session id, not a random key"}),
    ("day", {"day": None}),
    ("category", {"category_missing": 2}),
    ("contact", {"contact_childline": 7}),
]


@pytest.mark.parametrize(("what", "changes"), BAD_ROWS, ids=[f"{w}-{i}" for i, (w, _) in enumerate(BAD_ROWS)])
def test_database_checks_reject_bad_values_from_raw_sql(sql_url: str, what: str, changes: dict) -> None:
    migrate(sql_url)
    engine = make_engine(sql_url)
    try:
        with engine.begin() as conn:
            _raw_insert(conn)  # the same row with good values goes in
        with pytest.raises(DBAPIError), engine.begin() as conn:
            _raw_insert(conn, **changes)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM outcomes")).scalar_one() == 1
    finally:
        engine.dispose()


def test_sqlite_keeps_no_time_of_day(sqlite_url: str) -> None:
    """SQLite has no DATE type of its own: the CHECK keeps a time of day out."""
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        for bad in ("2024-03-04 22:15:00", "2024-03-04T22:15", "yesterday"):
            with pytest.raises(DBAPIError), engine.begin() as conn:
                _raw_insert(conn, day=bad)
    finally:
        engine.dispose()


def test_migrations_go_up_and_down(sql_url: str) -> None:
    assert migrate(sql_url) == head_revision()
    assert migrate(sql_url) == head_revision()  # a second start changes nothing
    store = create_store(sql_url)
    store.add(outcome())
    store.close()
    assert downgrade(sql_url, "base") is None
    engine = make_engine(sql_url)
    with engine.connect() as conn:
        assert "outcomes" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    assert current_revision(sql_url) is None
    assert migrate(sql_url) == head_revision()
    store = create_store(sql_url)
    assert store.query() == []
    store.close()


def test_a_new_contact_can_be_added_by_a_migration(sql_url: str) -> None:
    migrate(sql_url)
    engine = make_engine(sql_url)
    try:
        with engine.begin() as conn:
            _raw_insert(conn)  # an old row: it must survive and read as "not given"
            with Operations.context(MigrationContext.configure(conn)):
                add_flag_column("contact", "new_helpline")
        with engine.begin() as conn:
            _raw_insert(conn, contact_new_helpline=True)
        with engine.connect() as conn:
            values = conn.execute(sa.text("SELECT contact_new_helpline FROM outcomes ORDER BY 1")).scalars()
            assert [bool(v) for v in values] == [False, True]
        with pytest.raises(DBAPIError), engine.begin() as conn:
            _raw_insert(conn, contact_new_helpline=5 if engine.dialect.name == "sqlite" else "maybe")
        with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            drop_flag_column("contact", "new_helpline")
        with engine.connect() as conn:
            assert "contact_new_helpline" not in {c["name"] for c in sa.inspect(conn).get_columns("outcomes")}
            assert conn.execute(sa.text("SELECT count(*) FROM outcomes")).scalar_one() == 2
    finally:
        engine.dispose()


def test_two_processes_starting_together_both_migrate(sqlite_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            migrate(sqlite_url)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(sqlite_url) == head_revision()


# -- choosing a store by URL ------------------------------------------------


def test_sqlite_store_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "var" / "outcomes.sqlite3"
    store = create_store(f"sqlite:///{path}")
    assert isinstance(store, SqlOutcomeStore) and path.exists()
    store.close()


@pytest.mark.parametrize("url", ["memory://", "memory:///", " memory:// "])
def test_memory_url(url: str) -> None:
    assert isinstance(create_store(url), MemoryOutcomeStore)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@host/db", "unsupported"),
        ("not a url", "cannot read"),
        ("", "cannot read"),
        ("sqlite://", "needs a file"),
        ("sqlite:///:memory:", "needs a file"),
    ],
)
def test_unusable_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(StoreConfigError, match=message):
        create_store(url)


def test_postgres_spelling_is_accepted_and_passwords_are_not_shown() -> None:
    assert parse_url("postgres://u:secret@db.example/x").get_backend_name() == "postgresql"
    with pytest.raises(StoreConfigError) as caught:
        parse_url("mysql://u:secret@db.example/x")
    assert "secret" not in str(caught.value)


def test_unreachable_database_is_reported_without_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        create_store("postgresql://u:secret@127.0.0.1:9/x?connect_timeout=2")
    assert "secret" not in str(caught.value) and "127.0.0.1" in str(caught.value)
