"""Showing a stored conversation: its events go to the chat and the timeline, the newest turns first.

A 500-turn conversation would take seconds to lay out at once, so turns are
rebuilt newest first, a few per frame (at most :data:`FRAME_BUDGET` of work
each), and only while less than a screen of older turns sits above what the
reader sees; scrolling up asks for more. Each turn's events go through the
same ``apply`` path the live events take, so a reopened chat looks exactly as
it did live. Turns that never finished are marked interrupted; the newest of
them, if it is the last turn, offers Continue.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ...core import events as ev
from ..chat.chat_view import ChatView
from ..qt import QObject, QTimer
from ..timeline.panel import TimelinePanel

FRAME_BUDGET = 0.006  # s of rebuilding per frame: the rest of a 16 ms frame is layout and paint


class ConversationReplay(QObject):
    """Rebuilds one stored conversation into ``chat`` and ``timeline``, lazily; :meth:`stop` ends it."""

    def __init__(
        self,
        chat: ChatView,
        timeline: TimelinePanel,
        turns: Sequence[Sequence[ev.Event]],
        interrupted: Sequence[str] = (),
        reveal_turn: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.chat = chat
        self.timeline = timeline
        self._pending = [list(t) for t in turns if t]  # oldest first; rebuilt from the end
        self._last_turn = self._pending[-1][0].turn_id if self._pending else ""
        self._interrupted = frozenset(interrupted)
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
        """Turns not rebuilt yet."""
        return len(self._pending)

    def start(self) -> None:
        self._step()  # the newest turn is on screen in the same frame as the click

    def reveal(self, turn_id: str) -> None:
        """Rebuild down to ``turn_id`` (a search hit in a turn not shown yet), then scroll to it."""
        self._reveal = turn_id
        if not self._timer.isActive():
            self._timer.start()

    def stop(self) -> None:
        self._pending = []
        self._timer.stop()
        self.chat.verticalScrollBar().valueChanged.disconnect(self._scrolled)

    def _wants_more(self) -> bool:
        if not self._pending:
            return False
        if self._reveal and self._reveal not in self._shown():
            return True
        bar = self.chat.verticalScrollBar()
        return bar.value() < self.chat.viewport().height()  # under a screen of older turns above the view

    def _shown(self) -> set[str]:
        return {turn.turn_id for turn in self.chat.turns()}

    def _scrolled(self, _value: int) -> None:
        if self._wants_more() and not self._timer.isActive():
            self._timer.start()

    def _step(self) -> None:
        if not self._wants_more():
            return  # the screen is full; scrolling up asks again
        started = time.perf_counter()
        # The first frame shows the newest turn alone, so the click is answered at once.
        budget = FRAME_BUDGET if self.frames else 0.0
        batch: list[list[ev.Event]] = []
        while self._pending and (not batch or time.perf_counter() - started < budget):
            if batch and not self._wants_more():
                break
            events = self._pending.pop()
            turn = self.chat.prepend(events)
            turn_id = events[0].turn_id
            if turn is not None and turn_id in self._interrupted:
                turn.mark_interrupted(can_continue=turn_id == self._last_turn)
            batch.append(events)
        if batch:
            older_first = [event for events in reversed(batch) for event in events]
            self.timeline.prepend(older_first, self._interrupted & {b[0].turn_id for b in batch})
        self.frames += 1
        self.longest_batch = max(self.longest_batch, time.perf_counter() - started)
        if self._reveal and self._reveal in self._shown():
            target, self._reveal = self._reveal, ""
            QTimer.singleShot(1, lambda: self.chat.reveal(target))  # once the layout knows where it is
        if self._pending:
            self._timer.start()  # checks again after layout whether the screen is full yet
