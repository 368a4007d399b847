"""The batched history writer: the loop hands events over without waiting for the disk.

Events arrive at token rate; one SQLite transaction per token would be slow and
would make the event loop wait. Instead :meth:`EventWriter.submit` drops the event
in a queue and a background thread commits what has gathered every ``interval``
seconds (100 ms by default), at once for ``turn_finished`` and ``error``. A
``kill -9`` therefore loses at most the last ``interval`` of events.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..core.errors import BackstageError, describe
from ..core.events import Event
from .store import HistoryDB, HistoryLockedError

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Events after which the user may close the app at once: write them without waiting.
URGENT_TYPES = frozenset({"turn_finished", "error"})


@dataclass
class _Barrier:
    done: threading.Event = field(default_factory=threading.Event)
    error: BackstageError | None = None


_STOP = object()


class EventWriter:
    """Writes submitted events to a :class:`HistoryDB` from one background thread.

    Promises:
    - :meth:`submit` never blocks on I/O and may be called from any thread, with or
      without a running event loop (the per-token path costs one queue put);
    - events of a conversation are stored in submit order, each batch in one transaction;
    - an event is committed at most ``interval`` s after it was submitted (plus the
      write itself), immediately if it is ``turn_finished`` or ``error``;
    - :meth:`flush` / :meth:`aflush` return once everything submitted before them is
      committed; :meth:`close` / :meth:`aclose` do the same and stop the thread.
    ``on_flushed`` (called on the writer thread after each commit) receives the last
    seq per conversation. If the history stays locked, the batch is kept and retried;
    any other failure is passed to ``on_error`` and that batch is dropped.
    Close the writer before the :class:`HistoryDB` it writes to.
    """

    def __init__(
        self,
        db: HistoryDB,
        *,
        interval: float = 0.1,
        on_flushed: Callable[[dict[str, int]], None] | None = None,
        on_error: Callable[[BackstageError], None] | None = None,
    ) -> None:
        self._db = db
        self._interval = interval
        self._on_flushed = on_flushed
        self._on_error = on_error
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self.batches_written = 0
        self.events_written = 0
        self.last_error: BackstageError | None = None
        # A daemon thread cannot keep the app from exiting; close() is what guarantees the flush.
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    def submit(self, conversation_id: str, event: Event) -> None:
        """Queue ``event`` for ``conversation_id``; returns at once. Raises RuntimeError after close."""
        if self._closed:
            raise RuntimeError("EventWriter is closed")
        self._queue.put((conversation_id, event))

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything submitted so far is committed (or ``timeout`` passes).

        Raises the write's failure, e.g. :class:`HistoryLockedError` (the events are then
        kept and retried). Never call it on the event loop; await :meth:`aflush` there.
        """
        barrier = _Barrier()
        self._queue.put(barrier)
        barrier.done.wait(timeout)
        if barrier.error is not None:
            raise barrier.error

    async def aflush(self) -> None:
        await asyncio.to_thread(self.flush)

    def close(self) -> None:
        """Commit everything submitted, then stop the thread. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    def _run(self) -> None:
        pending: list[tuple[str, Event]] = []
        barriers: list[_Barrier] = []
        deadline = 0.0
        stop = False
        while not stop:
            write_now = False
            try:
                # Idle: sleep until something arrives. Gathering: only until the deadline.
                wait = None if not pending else max(0.0, deadline - time.monotonic())
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
                write_now = True
            if item is _STOP:
                stop = write_now = True
                self._drain_into(pending, barriers)
            elif isinstance(item, _Barrier):
                barriers.append(item)
                write_now = True
            elif isinstance(item, tuple):
                if not pending:
                    deadline = time.monotonic() + self._interval
                pending.append(item)
                write_now = item[1].type in URGENT_TYPES
            if not write_now:
                continue
            error = self._write(pending, final=stop)
            if pending:  # still locked: try again after another interval
                deadline = time.monotonic() + self._interval
            for barrier in barriers:
                barrier.error = error
                barrier.done.set()
            barriers.clear()

    def _drain_into(self, pending: list[tuple[str, Event]], barriers: list[_Barrier]) -> None:
        # A submit racing with close() can land behind the stop marker; keep it anyway.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Barrier):
                barriers.append(item)
            elif isinstance(item, tuple):
                pending.append(item)

    def _write(self, pending: list[tuple[str, Event]], *, final: bool) -> BackstageError | None:
        """Commit ``pending`` and clear it; on a lock, keep it unless this is the last chance."""
        if not pending:
            return None
        try:
            last = self._db.append_batch(pending)
        except Exception as raw:  # the thread must survive anything, or flush() would wait forever
            exc = describe(raw)
            self.last_error = exc
            if isinstance(exc, HistoryLockedError) and not final:
                log.warning("history locked; keeping %d events to retry", len(pending))
                return exc
            log.error("history write failed; %d events lost: %s", len(pending), exc.detail or exc)
            pending.clear()
            _call(self._on_error, exc)
            return exc
        self.batches_written += 1
        self.events_written += len(pending)
        pending.clear()
        _call(self._on_flushed, last)
        return None


def _call(callback: Callable[[_T], None] | None, value: _T) -> None:
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        log.exception("history writer callback failed")
