"""The recorder: the conversation never waits for the outcome database, and outcomes survive an outage."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.outcomes import MemoryOutcomeStore, Outcome, OutcomeRecorder, create_store, get_recorder
from bot.outcomes.store import Entry
from bot.settings import load_settings
from tests.test_outcomes_store import postgres_url  # noqa: F401 - a fixture

FAST = 0.010  # seconds: a submit must not be noticeable in a reply


def outcome(day: int = 1, **changes) -> Outcome:
    fields = {
        "day": date(2024, 6, day),
        "role": "community_member",
        "area": "durham",
        "categories": ("trafficking",),
        "urgency": "concern",
        "contacts": ("modern_slavery_helpline", "police_101"),
    }
    fields.update(changes)
    return Outcome(**fields)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def timed_submits(recorder: OutcomeRecorder, outcomes: Sequence[Outcome]) -> list[float]:
    durations = []
    for item in outcomes:
        started = time.perf_counter()
        recorder.submit(item)
        durations.append(time.perf_counter() - started)
    return durations


class BlockedSqlite:
    """A SQLite path that cannot be opened until ``restore()``.

    The folder that should hold the file is a plain file, which stops even
    root (for whom a read-only folder is no obstacle).
    """

    def __init__(self, root: Path) -> None:
        self.folder = root / "var"
        self.folder.write_text("not a folder")
        self.url = f"sqlite:///{self.folder / 'outcomes.sqlite3'}"

    def restore(self) -> None:
        self.folder.unlink()
        # The writer, retrying, may create the folder first: either way it is back.
        self.folder.mkdir(exist_ok=True)


class Proxy:
    """A TCP port in front of PostgreSQL: closed, forwarding, or swallowing bytes (a hung server)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.mode = "down"
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def start(self, mode: str = "forward") -> None:
        self.mode = mode
        if self._server is None:
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", self.port))
            server.listen(16)
            self._server = server
            threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        self.mode = "down"
        if self._server is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            try:
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self.mode == "hang":
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self._sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[tuple[Proxy, str]]:  # noqa: F811
    real = make_url(postgres_url)
    through = Proxy((real.host, real.port))
    url = real.set(port=through.port).update_query_dict({"connect_timeout": "1"})
    yield through, url.render_as_string(hide_password=False)
    through.stop()


def quick_recorder(target, **options) -> OutcomeRecorder:
    return OutcomeRecorder(target, retry_seconds=0.05, max_retry_seconds=0.2, **options)


# -- an unreachable database ------------------------------------------------


def test_sqlite_unreachable_then_restored(tmp_path: Path) -> None:
    blocked = BlockedSqlite(tmp_path)
    recorder = quick_recorder(lambda: create_store(blocked.url))
    durations = timed_submits(recorder, [outcome(day) for day in range(1, 21)])
    assert max(durations) < FAST, f"slowest submit took {max(durations) * 1000:.1f} ms"
    assert wait_for(lambda: recorder.stats.failed_attempts >= 2)
    assert recorder.stats.queued == 20 and recorder.stats.written == 0

    blocked.restore()
    assert recorder.flush(timeout=10)
    assert recorder.close()
    store = create_store(blocked.url)
    assert [o.day.day for o in store.query()] == list(range(1, 21))
    store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("outage", ["closed port", "hung server"])
def test_postgres_unreachable_then_restored(proxy: tuple[Proxy, str], postgres_url: str, outage: str) -> None:  # noqa: F811
    through, url = proxy
    if outage == "hung server":
        through.start("hang")
    recorder = quick_recorder(lambda: create_store(url))
    durations = timed_submits(recorder, [outcome(day) for day in range(1, 11)])
    assert max(durations) < FAST, f"slowest submit took {max(durations) * 1000:.1f} ms"
    assert wait_for(lambda: recorder.stats.failed_attempts >= 1)
    assert recorder.stats.written == 0

    through.start("forward")
    assert recorder.flush(timeout=15)
    recorder.close()
    store = create_store(postgres_url)
    assert len(store.query()) == 10
    store.close()


@pytest.mark.postgres
def test_postgres_lost_after_start_then_back(proxy: tuple[Proxy, str], postgres_url: str) -> None:  # noqa: F811
    through, url = proxy
    through.start("forward")
    recorder = quick_recorder(lambda: create_store(url))
    recorder.submit(outcome(1))
    assert recorder.flush(timeout=10)

    through.stop()
    durations = timed_submits(recorder, [outcome(day) for day in range(2, 8)])
    assert max(durations) < FAST
    assert wait_for(lambda: recorder.stats.failed_attempts >= 1)
    through.start("forward")
    assert recorder.flush(timeout=15)
    recorder.close()
    store = create_store(postgres_url)
    assert [o.day.day for o in store.query()] == list(range(1, 8))
    store.close()


# -- a full queue -----------------------------------------------------------


def test_full_queue_drops_the_oldest_and_logs_only_the_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = BlockedSqlite(tmp_path)
    recorder = quick_recorder(lambda: create_store(blocked.url), max_queue=5, drop_log_seconds=0)
    with caplog.at_level(logging.WARNING, logger="bot.outcomes"):
        durations = timed_submits(recorder, [outcome(day) for day in range(1, 13)])
        assert max(durations) < FAST
        assert recorder.stats.dropped == 7 and recorder.stats.queued == 5
        blocked.restore()
        assert recorder.flush(timeout=10)
    recorder.close()
    store = create_store(blocked.url)
    assert [o.day.day for o in store.query()] == [8, 9, 10, 11, 12]
    store.close()

    drops = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert drops and drops[-1] == "outcome queue full: 7 outcomes dropped so far"
    logged = " ".join(r.getMessage() for r in caplog.records)
    for content in ("community_member", "durham", "trafficking", "modern_slavery_helpline", "2024-06"):
        assert content not in logged


# -- never raising, never losing the rest -----------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        outcome(role="a teacher at St Mary's"),
        outcome(contacts=("my_aunt",)),
        {"role": "young_person"},
        None,
    ],
    ids=["free-text-role", "unknown-contact", "not-an-outcome", "none"],
)
def test_submit_never_raises(bad, caplog: pytest.LogCaptureFixture) -> None:
    recorder = quick_recorder(MemoryOutcomeStore())
    with caplog.at_level(logging.WARNING, logger="bot.outcomes"):
        assert recorder.submit(bad) is None  # type: ignore[arg-type]
    assert recorder.stats.rejected == 1 and recorder.stats.queued == 0
    assert "St Mary" not in caplog.text and "my_aunt" not in caplog.text
    recorder.close()


@pytest.mark.parametrize(
    ("triage", "recorded"),
    [
        (
            {
                "role": None,
                "area": None,
                "categories": [],
                "urgency": "emergency",
                "contacts": ["police_999"],
            },
            True,
        ),
        ({"role": "young_person", "area": "swindon", "categories": ["missing"], "urgency": "urgent"}, True),
        ({"role": "young_person", "urgency": "whenever"}, False),
        ({"role": "young_person"}, False),
        (None, False),
        ("emergency", False),
    ],
)
def test_submit_triage_slot(triage, recorded: bool) -> None:
    store = MemoryOutcomeStore()
    recorder = quick_recorder(store)
    key = recorder.submit_triage(triage)  # type: ignore[arg-type]
    assert recorder.close()
    assert (key is not None) is recorded and len(store.query()) == int(recorded)


class PickyStore(MemoryOutcomeStore):
    """Answers, but refuses any outcome for 'elsewhere' (like a contact whose migration has not run)."""

    def write(self, entries: Sequence[Entry]) -> None:
        if any(e.outcome.area == "elsewhere" for e in entries):
            raise ValueError("refused")
        super().write(entries)


def test_a_refused_outcome_does_not_hold_up_the_others() -> None:
    store = PickyStore()
    recorder = quick_recorder(store)
    for day, area in [(1, "durham"), (2, "elsewhere"), (3, "swindon")]:
        recorder.submit(outcome(day, area=area))
    assert recorder.close()
    assert [o.area for o in store.query()] == ["durham", "swindon"]
    assert recorder.stats.rejected == 1 and recorder.stats.written == 2


def test_factory_that_raises_anything_is_retried() -> None:
    calls = []

    def flaky() -> MemoryOutcomeStore:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("not yet")
        return store

    store = MemoryOutcomeStore()
    recorder = quick_recorder(flaky)
    recorder.submit(outcome())
    assert recorder.flush(timeout=5)
    assert len(calls) == 3 and len(store.query()) == 1
    recorder.close()


def test_replacing_through_the_recorder_keeps_one_row() -> None:
    store = MemoryOutcomeStore()
    recorder = quick_recorder(store)
    key = recorder.submit(outcome(urgency="concern"))
    key = recorder.submit(outcome(urgency="urgent"), replaces=key)
    assert key is not None
    assert recorder.submit(outcome(urgency="emergency"), replaces={"not": "a key"}) is not None  # type: ignore
    assert recorder.close()
    assert sorted(o.urgency for o in store.query()) == ["emergency", "urgent"]


# -- closing ----------------------------------------------------------------


def test_close_writes_what_is_queued() -> None:
    store = MemoryOutcomeStore()
    recorder = quick_recorder(store)
    for day in range(1, 6):
        recorder.submit(outcome(day))
    assert recorder.close(timeout=5) is True
    assert len(store.query()) == 5


def test_close_gives_up_after_its_timeout(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = quick_recorder(lambda: create_store(BlockedSqlite(tmp_path).url))
    recorder.submit(outcome())
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bot.outcomes"):
        assert recorder.close(timeout=0.3) is False
    assert time.monotonic() - started < 1.5
    assert "closed with 1 outcomes not written" in caplog.text
    assert recorder.submit(outcome()) is None  # closed: accepted nowhere, still no exception


def test_get_recorder_is_one_per_process_and_database() -> None:
    memory = load_settings(env={"OUTCOMES_DATABASE_URL": "memory://"})
    other = load_settings(env={"OUTCOMES_DATABASE_URL": "memory:///"})
    first = get_recorder(memory)
    assert get_recorder(memory) is first
    assert get_recorder(other) is not first
    assert first.submit(outcome()) is not None
    assert first.flush(timeout=5)
