"""Showing a stored conversation: its events go to the chat and the timeline, the newest turns first.

Reopening reads only the newest turns (:data:`FIRST_TURNS`) before showing them; the
turns before those are read from the file a page at a time (``fetch``, in a worker
thread) when the reader is about to need them, or in the background once the screen
is full. A 500-turn conversation would take seconds to lay out at once, so turns are
rebuilt newest first, a few per frame (at most :data:`FRAME_BUDGET` of work each),
and only while less than a screen of older turns sits above what the reader sees;
scrolling up asks for more. Each turn's events go through the same ``apply`` path
the live events take, so a reopened chat looks exactly as it did live. Turns that
never finished are marked interrupted; the newest of them, if it is the last turn,
offers Continue.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from ...core import events as ev
from ..chat.chat_view import ChatView
from ..qt import QObject, QTimer, Signal
from ..timeline.panel import TimelinePanel

if TYPE_CHECKING:
    import asyncio

FRAME = 0.016  # s: 60 frames a second
FRAME_BUDGET = 0.006  # s of rebuilding per frame: the rest of a 16 ms frame is layout and paint
FIRST_TURNS = 12  # read before anything is shown: about a screenful of short turns
PAGE_TURNS = 24  # read at a time after that: a screen or two, ~10 ms of parsing in the worker

# Reads the given turns (ids oldest first): their events by turn, oldest first; None if it failed.
Fetch = Callable[[Sequence[str]], Awaitable[list[list[ev.Event]] | None]]


class ConversationReplay(QObject):
    """Rebuilds one stored conversation into ``chat`` and ``timeline``, lazily; :meth:`stop` ends it.

    ``turns`` are the newest turns' events, ready to show (oldest turn first); ``older``
    the ids of the turns before them (oldest first), read with ``fetch`` when wanted.
    ``settled`` fires each time the screen is full (or every turn is shown, or a read
    failed) and nothing more is rebuilt until the reader scrolls up.
    """

    settled = Signal()

    def __init__(
        self,
        chat: ChatView,
        timeline: TimelinePanel,
        turns: Sequence[Sequence[ev.Event]],
        older: Sequence[str] = (),
        fetch: Fetch | None = None,
        reveal_turn: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.chat = chat
        self.timeline = timeline
        self._pending = [list(t) for t in turns if t]  # read, not rebuilt; oldest first, rebuilt from the end
        self._older = list(older) if fetch is not None else []  # not read yet, oldest first
        self._reading: list[str] = []  # being read now
        self._fetch = fetch
        self._task: asyncio.Task[None] | None = None
        self._starved = False  # the screen wants turns that are still being read
        self._settled_once = False  # the first screen is built: reading ahead no longer delays it
        self._batch_end: float | None = None  # when the last batch ended, if the next follows at once
        newest = self._pending[-1][0].turn_id if self._pending else ""
        self._last_turn = newest or (self._older[-1] if self._older else "")
        self._reveal = reveal_turn
        self.frames = 0  # batches rendered (the benchmark reads it)
        self.longest_batch = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1)  # after Qt has laid out and painted the previous batch
        self._timer.timeout.connect(self._step)
        chat.verticalScrollBar().valueChanged.connect(self._scrolled)

    @property
    def remaining(self) -> int:
        """Turns not rebuilt yet, read or not."""
        return len(self._pending) + len(self._reading) + len(self._older)

    @property
    def filling(self) -> bool:
        """True while the screen is being filled: turns it wants are rebuilt or read."""
        return self._timer.isActive() or self._starved

    def start(self) -> None:
        self._step()  # the newest turn is on screen in the same frame as the click

    def reveal(self, turn_id: str) -> None:
        """Rebuild down to ``turn_id`` (a search hit in a turn not shown yet), then scroll to it."""
        self._reveal = turn_id
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        self._pending, self._older, self._reading = [], [], []
        self._starved = False
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()  # the read in the worker thread finishes; its turns are dropped
        self.chat.verticalScrollBar().valueChanged.disconnect(self._scrolled)

    def _wants_more(self) -> bool:
        if not self.remaining:
            return False
        if self._reveal and self._to_rebuild(self._reveal):
            return True
        bar = self.chat.verticalScrollBar()
        return bar.value() < self.chat.viewport().height()  # under a screen of older turns above the view

    def _to_rebuild(self, turn_id: str) -> bool:
        return (
            turn_id in self._older
            or turn_id in self._reading
            or any(t[0].turn_id == turn_id for t in self._pending)
        )

    def _scrolled(self, _value: int) -> None:
        if self._wants_more() and not self._timer.isActive():
            self._timer.start()

    def _step(self) -> None:
        if not self._wants_more():
            self._starved = False
            self._settled_once = True
            self._batch_end = None
            if len(self._pending) < PAGE_TURNS // 2:
                self._read()  # while the reader reads, so scrolling up finds the turns ready
            self.settled.emit()
            return
        if not self._pending:
            self._starved = True
            self._batch_end = None
            self._read()  # its turns step again when they arrive
            return
        self._starved = False
        started = time.perf_counter()
        # The first frame shows the newest turn alone, so the click is answered at once.
        budget = FRAME_BUDGET if self.frames else 0.0
        # A turn is not started if it would likely overrun the budget, unless laying out and painting
        # the last batch (the time since it ended) took longer than a frame already, as with hundreds
        # of turns shown: then a turn more per frame halves the time to the top at little cost.
        strict = self._batch_end is None or started - self._batch_end < FRAME
        batch: list[list[ev.Event]] = []
        cut: set[str] = set()
        cost = 0.0  # of the last turn rebuilt: the next one likely costs about as much
        while self._pending:
            now = time.perf_counter()
            if batch and (now - started + (cost if strict else 0.0) > budget or not self._wants_more()):
                break
            events = self._pending.pop()
            turn = self.chat.prepend(events)
            turn_id = events[0].turn_id
            if not any(isinstance(e, ev.TurnFinished) for e in events):  # the app was killed mid-turn
                cut.add(turn_id)
                if turn is not None:
                    turn.mark_interrupted(can_continue=turn_id == self._last_turn)
            batch.append(events)
            cost = time.perf_counter() - now
        older_first = [event for events in reversed(batch) for event in events]
        self.timeline.prepend(older_first, frozenset(cut))
        self.frames += 1
        self._batch_end = time.perf_counter()
        self.longest_batch = max(self.longest_batch, self._batch_end - started)
        if self._settled_once and len(self._pending) < PAGE_TURNS // 2:
            self._read()  # the reader is scrolling up: read on while rebuilding
        if self._reveal and self._reveal in {turn.turn_id for turn in self.chat.turns()}:
            target, self._reveal = self._reveal, ""
            QTimer.singleShot(1, lambda: self.chat.reveal(target))  # once the layout knows where it is
        self._timer.start()  # checks again after layout whether the screen is full yet

    def _read(self) -> None:
        """Start reading the next page of older turns (down to a turn to reveal), unless one is read."""
        if self._task is not None or not self._older or self._fetch is None:
            return
        import asyncio  # the replay module is loaded before the first paint; asyncio after it

        start = max(0, len(self._older) - PAGE_TURNS)
        if self._reveal in self._older:
            start = min(start, self._older.index(self._reveal))
        self._reading, self._older = self._older[start:], self._older[:start]
        self._task = asyncio.get_running_loop().create_task(self._receive(self._fetch), name="replay-read")

    async def _receive(self, fetch: Fetch) -> None:
        try:
            turns = await fetch(self._reading)
        finally:
            self._task = None
        ids, self._reading = self._reading, []
        if turns is None:  # the history said why (a banner); scrolling up tries again
            self._older += ids
            if self._starved:
                self._starved = False
                self.settled.emit()
            return
        self._pending[:0] = [list(t) for t in turns if t]
        if self._starved and not self._timer.isActive():
            self._timer.start()
