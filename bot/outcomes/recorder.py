"""Write outcomes in the background so the conversation never waits for a database.

``submit`` puts the outcome on a bounded queue and returns at once; a writer
thread empties the queue. When the database is down or slow the outcomes stay
queued and the writer retries with back-off; when the queue is full the oldest
outcome is dropped and only the number of drops is logged.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.outcomes.model import Outcome, OutcomeError
from bot.outcomes.schema import describe_error
from bot.outcomes.store import Entry, OutcomeStore, create_store, is_key, new_key

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

StoreFactory = Callable[[], OutcomeStore]


@dataclass(frozen=True)
class RecorderStats:
    """Counts only: the recorder never reports what an outcome held."""

    queued: int
    written: int
    dropped: int
    rejected: int
    failed_attempts: int


@dataclass(frozen=True)
class _Item:
    seq: int
    entry: Entry


class OutcomeRecorder:
    """A bounded queue of outcomes and one writer thread.

    ``store`` is a store or a factory that opens one; a factory is retried
    until it succeeds, so the recorder can start before the database does.
    """

    def __init__(
        self,
        store: OutcomeStore | StoreFactory,
        max_queue: int = 1000,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 60.0,
        batch_size: int = 100,
        drop_log_seconds: float = 60.0,
    ) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        if callable(store) and not hasattr(store, "write"):
            self._factory: StoreFactory | None = store
            self._store: OutcomeStore | None = None
        else:
            self._factory = None
            self._store = store  # type: ignore[assignment]
        self.max_queue = max_queue
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.batch_size = batch_size
        self.drop_log_seconds = drop_log_seconds
        self._queue: deque[_Item] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._seq = 0
        self._written = 0
        self._dropped = 0
        self._rejected = 0
        self._failed = 0
        self._closing = False
        self._stopped = False
        self._last_drop_log = float("-inf")

    # -- the conversation side: never blocks, never raises -------------------

    def submit(self, outcome: Outcome, replaces: str | None = None) -> str | None:
        """Queue ``outcome``; return its row key, or ``None`` if it was not accepted.

        Pass a key returned earlier as ``replaces`` when the assessment of the
        same conversation changes, so it stays one row. The key is random and
        says nothing about the conversation.
        """
        try:
            outcome.validate()
        except OutcomeError as exc:
            self._reject(str(exc))
            return None
        except Exception:  # noqa: BLE001 - a malformed outcome must not break a conversation
            self._reject("the outcome is malformed")
            return None
        if replaces is not None and not is_key(replaces):
            # Recording it as a new row beats losing it; the count may then be one too high.
            logger.warning("outcome recorded as new: replaces= takes a key returned by submit()")
            replaces = None
        try:
            key = new_key()
            dropped = 0
            with self._cond:
                if self._stopped:
                    self._dropped += 1
                    return None
                if len(self._queue) >= self.max_queue:
                    self._queue.popleft()
                    self._dropped += 1
                    dropped = self._dropped
                self._seq += 1
                self._queue.append(_Item(self._seq, Entry(key, outcome, replaces)))
                self._ensure_thread()
                self._cond.notify_all()
            if dropped:
                self._log_drops(dropped)
            return key
        except Exception:  # noqa: BLE001 - recording is best effort, the reply is not
            logger.exception("outcome recorder failed to queue an outcome")
            return None

    def submit_triage(self, triage: Mapping[str, Any], replaces: str | None = None) -> str | None:
        """Queue the outcome of a ``triage`` slot value (CONTRACT.md); like :meth:`submit`, never raises."""
        try:
            outcome = Outcome.from_triage(triage)
        except Exception:  # noqa: BLE001 - e.g. a slot that is not an object
            self._reject("the triage value is malformed")
            return None
        return self.submit(outcome, replaces)

    def _reject(self, reason: str) -> None:
        with self._cond:
            self._rejected += 1
        # The reason names the field and the allowed ids, never the value.
        logger.warning("outcome not recorded: %s", reason)

    def _log_drops(self, dropped: int) -> None:
        now = time.monotonic()
        if now - self._last_drop_log >= self.drop_log_seconds:
            self._last_drop_log = now
            logger.warning("outcome queue full: %d outcomes dropped so far", dropped)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="outcome-writer", daemon=True)
            self._thread.start()

    # -- the writer thread ----------------------------------------------------

    def _open_store(self) -> OutcomeStore:
        if self._store is None:
            assert self._factory is not None
            self._store = self._factory()
        return self._store

    def _run(self) -> None:
        delay = self.retry_seconds
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if self._stopped or (self._closing and not self._queue):
                    return
                batch = list(itertools.islice(self._queue, self.batch_size))
            try:
                self._write(batch)
            except Exception as exc:  # noqa: BLE001 - any failure means: keep and retry
                with self._cond:
                    self._failed += 1
                    queued = len(self._queue)
                logger.warning(
                    "%s; %d outcomes queued, retrying in %.1f s", describe_error(exc), queued, delay
                )
                with self._cond:
                    if self._stopped:
                        return
                    self._cond.wait(timeout=delay)
                    if self._stopped:
                        return
                delay = min(delay * 2, self.max_retry_seconds)
                continue
            delay = self.retry_seconds
            with self._cond:
                last = batch[-1].seq
                while self._queue and self._queue[0].seq <= last:
                    self._queue.popleft()
                self._cond.notify_all()

    def _write(self, batch: list[_Item]) -> None:
        store = self._open_store()
        try:
            store.write([item.entry for item in batch])
        except Exception:
            if not store.ping():
                raise
            # The database answers, so one of these rows is the problem (for
            # example a contact id whose migration has not run): write them
            # one by one and set aside only the ones it refuses.
            written = 0
            for item in batch:
                try:
                    store.write([item.entry])
                    written += 1
                except Exception as exc:  # noqa: BLE001
                    if not store.ping():
                        raise
                    self._reject(f"the database refused it ({type(exc).__name__})")
            with self._cond:
                self._written += written
            return
        with self._cond:
            self._written += len(batch)

    # -- lifecycle ------------------------------------------------------------

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._seq
            if self._queue:
                self._ensure_thread()
                self._cond.notify_all()
            while self._queue and self._queue[0].seq <= target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=remaining)
            return True

    def close(self, timeout: float = 5.0) -> bool:
        """Write what is queued (waiting at most ``timeout``) and stop; True if nothing was lost."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        flushed = self.flush(timeout=max(0.0, deadline - time.monotonic()))
        with self._cond:
            self._stopped = True
            lost = len(self._queue)
            self._cond.notify_all()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if lost:
            logger.warning("outcome recorder closed with %d outcomes not written", lost)
        if self._dropped:
            logger.warning("outcome recorder dropped %d outcomes in all", self._dropped)
        # Release the connection only if the writer has let go of it.
        if self._store is not None and (thread is None or not thread.is_alive()):
            try:
                self._store.close()
            except Exception:  # noqa: BLE001 - shutting down
                logger.debug("error closing the outcome store", exc_info=True)
        return flushed and not lost

    @property
    def stats(self) -> RecorderStats:
        with self._cond:
            return RecorderStats(
                queued=len(self._queue),
                written=self._written,
                dropped=self._dropped,
                rejected=self._rejected,
                failed_attempts=self._failed,
            )


_recorders: dict[str, OutcomeRecorder] = {}
_recorders_pid: int | None = None
_recorders_lock = threading.Lock()


def get_recorder(settings: Settings) -> OutcomeRecorder:
    """This process's recorder for ``settings.outcomes_url``, built on first use.

    It is flushed (for a few seconds at most) when the process exits. A forked
    child gets its own, since a thread does not survive a fork.
    """
    global _recorders_pid
    url = settings.outcomes_url
    with _recorders_lock:
        if _recorders_pid != os.getpid():
            _recorders.clear()
            _recorders_pid = os.getpid()
        recorder = _recorders.get(url)
        if recorder is None:
            recorder = OutcomeRecorder(lambda: create_store(url))
            _recorders[url] = recorder
            atexit.register(recorder.close, 3.0)
        return recorder
