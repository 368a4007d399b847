"""The window's link to the history file: opened off the Qt thread, fed every event, closed on quit.

The window records exactly what the CLI records: every core event, in order,
through the batched :class:`~desktop_app.storage.writer.EventWriter`, so a
conversation begun in the terminal opens here and vice versa. :meth:`record`
only queues (it runs on the per-token path); every other call to the database
runs in a worker thread, so the Qt thread never waits on SQLite.

Events that arrive before the file is open (a ``--prompt`` sent at start) are
kept and written once it is. If the file cannot be opened (locked by another
process), :attr:`problem` carries the plain-language reason and the window
works on, unsaved, until :meth:`open` succeeds.

It is built with the window, before the first paint; asyncio, the writer and the
replay helpers are imported where they are first used, once the event loop runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ...core import events as ev
from ...core.errors import BackstageError
from ...storage.recovery import open_history
from ...storage.store import ConversationRow, HistoryDB, SearchHit
from ..qt import QObject, Signal

if TYPE_CHECKING:
    import asyncio

    from ...core.conversation import Conversation
    from ...storage.writer import EventWriter

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Search matches are marked with private-use characters: a user's own « or » in a
# message must not be taken for a mark (the store's default marks).
MARK_START, MARK_END = "\ue000", "\ue001"
_MAX_UNSAVED = 200_000  # events kept while the file is not open; beyond that memory matters more


@dataclass(frozen=True)
class ConversationHead:
    """The start of reopening a conversation: enough to show its newest turns, nothing older."""

    row: ConversationRow
    turns: list[list[ev.Event]]  # the newest turns' events, by turn, oldest turn first
    older: list[str]  # the ids of the turns before those, oldest first (read on demand)
    # What the model is sent next, when the conversation was short enough to be read whole.
    conversation: Conversation | None = None

    @property
    def turn_ids(self) -> list[str]:
        """Every turn's id, oldest first."""
        return [*self.older, *(turn[0].turn_id for turn in self.turns)]


def split_turns(events: Sequence[ev.Event]) -> list[list[ev.Event]]:
    """The events grouped by turn, turns in the order they started (stored order within each)."""
    turns: dict[str, list[ev.Event]] = {}
    for event in events:
        turns.setdefault(event.turn_id, []).append(event)
    return [group for group in turns.values() if isinstance(group[0], ev.TurnStarted)]


def _head(db: HistoryDB, conversation_id: str, newest: int) -> ConversationHead | None:
    row = db.get_conversation(conversation_id)
    if row is None:
        return None
    ids = db.turn_ids(conversation_id)
    if len(ids) <= newest:  # short: every event now, and the model-facing history with them
        events = list(_of_turns(db.iter_events(conversation_id), ids))
        return ConversationHead(row, split_turns(events), [], _conversation(conversation_id, events))
    cut = len(ids) - newest
    return ConversationHead(row, split_turns(db.get_turn_events(conversation_id, ids[cut:])), ids[:cut])


def _turns(db: HistoryDB, conversation_id: str, turn_ids: Sequence[str]) -> list[list[ev.Event]]:
    return split_turns(db.get_turn_events(conversation_id, turn_ids))


def _model_history(db: HistoryDB, conversation_id: str, turn_ids: Sequence[str]) -> Conversation:
    # Only the turns asked for: one sent since they were listed is in the conversation already.
    # One pass over events parsed as they are reached: tens of thousands alive at once would be
    # promoted to the collector's oldest generation and make a full collection likely, which
    # holds the GIL, and so the Qt thread, for 30-45 ms (benchmarks/history.py).
    return _conversation(conversation_id, _of_turns(db.iter_events(conversation_id), turn_ids))


def _of_turns(events: Iterable[ev.Event], turn_ids: Sequence[str]) -> Iterator[ev.Event]:
    """The events of these turns only: the model is sent the turns the window shows, nothing else."""
    wanted = set(turn_ids)
    return (e for e in events if e.turn_id in wanted)


def _conversation(conversation_id: str, events: Iterable[ev.Event]) -> Conversation:
    from ...core.conversation import Conversation
    from ...storage.replay import messages_from_events, next_source_id, sources_by_call

    finished: list[ev.ToolFinished] = []  # the few events the sources are numbered from

    def noted() -> Iterator[ev.Event]:
        for event in events:
            if isinstance(event, ev.ToolFinished):
                finished.append(event)
            yield event

    messages = messages_from_events(noted())
    return Conversation(
        id=conversation_id,
        messages=messages,
        next_source_id=next_source_id(finished),
        sources=sources_by_call(finished),
    )


class WindowHistory(QObject):
    """Owns the history database and its writer for the window's process.

    ``opened`` fires once the file is open (the sidebar lists conversations then).
    ``problem`` carries a plain-language message for a banner: a damaged file
    that was set aside, a locked file, a write that failed.
    """

    opened = Signal()
    problem = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db: HistoryDB | None = None
        self.path: Path | None = None
        self._writer: EventWriter | None = None
        self._unsaved: list[tuple[str, ev.Event]] = []
        self._turns: dict[str, str] = {}  # turn id → conversation id, for the events after turn_started
        self._opening: asyncio.Task[None] | None = None
        self._closed = False
        self._write_error_shown = False

    @property
    def ready(self) -> bool:
        return self.db is not None

    # -- life -------------------------------------------------------------------------------

    def start_opening(self, path: str | Path | None = None) -> asyncio.Task[None]:
        """Open the file in the background (the handle is kept: :meth:`aclose` waits for it)."""
        import asyncio  # after the first paint (see the module docstring)

        if self._opening is None or self._opening.done():
            self._opening = asyncio.get_running_loop().create_task(self.open(path), name="open-history")
        return self._opening

    async def open(self, path: str | Path | None = None) -> None:
        """Open (or retry opening) the history; a failure becomes :attr:`problem`, never an exception."""
        import asyncio  # after the first paint (see the module docstring)

        from ...storage.writer import EventWriter

        if self.db is not None or self._closed:
            return
        try:
            db, notice = await asyncio.to_thread(open_history, path)
        except BackstageError as exc:
            log.warning("history not opened: %s", exc.detail or exc.message)
            self.problem.emit(f"{exc.message} Until then, this window's chats are not saved.")
            return
        if self._closed:  # the window closed while the file was opening
            await asyncio.to_thread(db.close)
            return
        loop = asyncio.get_running_loop()
        self.db, self.path = db, db.path
        self._writer = EventWriter(
            db, on_error=lambda exc: loop.call_soon_threadsafe(self._write_failed, exc)
        )
        if self._unsaved:
            for conversation_id, event in self._unsaved:
                self._writer.submit(conversation_id, event)
            self._unsaved.clear()
            await self.flush()  # so the chats list, read next, includes them
        if notice:
            self.problem.emit(notice)
        self.opened.emit()

    async def aclose(self) -> None:
        """Write everything recorded, then close the file. Safe to call twice."""
        import asyncio  # after the first paint (see the module docstring)

        self._closed = True
        if self._opening is not None and not self._opening.done():
            await asyncio.shield(self._opening)  # a thread cannot be cancelled: let it finish
        writer, db = self._writer, self.db
        self._writer = self.db = None
        if writer is not None:
            await asyncio.to_thread(writer.close)
        if db is not None:
            await asyncio.to_thread(db.close)

    # -- recording (the per-token path) ------------------------------------------------------

    def record(self, event: ev.Event) -> None:
        """Queue ``event`` for its conversation; never blocks."""
        if isinstance(event, ev.TurnStarted):
            self._turns[event.turn_id] = event.conversation_id
        conversation_id = self._turns.get(event.turn_id)
        if conversation_id is None:
            return
        if isinstance(event, ev.TurnFinished):
            del self._turns[event.turn_id]  # nothing of a turn comes after its end
        if self._writer is not None:
            self._writer.submit(conversation_id, event)
        elif not self._closed and len(self._unsaved) < _MAX_UNSAVED:
            self._unsaved.append((conversation_id, event))

    async def flush(self) -> None:
        """Until everything recorded so far is committed (tests, export of the open chat)."""
        if self._writer is not None:
            await self._writer.aflush()

    def _write_failed(self, exc: BackstageError) -> None:
        if not self._write_error_shown:  # one banner is enough; the log has every failure
            self._write_error_shown = True
            self.problem.emit(f"Part of this chat could not be saved. {exc.message}")

    # -- reading and changing, each in a worker thread ----------------------------------------

    async def call(self, method: Callable[..., _T], *args: object) -> _T | None:
        """Run a :class:`HistoryDB` method off the Qt thread; a failure is reported and gives None."""
        import asyncio  # after the first paint (see the module docstring)

        if self.db is None:
            return None
        try:
            return await asyncio.to_thread(method, *args)
        except BackstageError as exc:
            log.warning("history call %s failed: %s", getattr(method, "__name__", method), exc.detail)
            self.problem.emit(exc.message)
            return None

    async def list_page(self, offset: int, limit: int) -> list[ConversationRow] | None:
        db = self.db
        return None if db is None else await self.call(db.list_conversations, limit, offset)

    async def search(self, text: str, limit: int = 50) -> list[SearchHit] | None:
        db = self.db
        return None if db is None else await self.call(db.search, text, limit, (MARK_START, MARK_END))

    async def load_head(self, conversation_id: str, newest: int) -> ConversationHead | None:
        """A stored conversation's row, its ``newest`` turns' events and the ids of the older turns.

        Reads only those turns, however long the conversation: the first thing shown on reopening.
        A conversation of no more turns than that is read whole, its model-facing history too.
        """
        db = self.db
        return None if db is None else await self.call(_head, db, conversation_id, newest)

    async def load_turns(self, conversation_id: str, turn_ids: Sequence[str]) -> list[list[ev.Event]] | None:
        """The events of the given turns, by turn, in the order the turns started."""
        db = self.db
        return None if db is None else await self.call(_turns, db, conversation_id, turn_ids)

    async def load_model_history(self, conversation_id: str, turn_ids: Sequence[str]) -> Conversation | None:
        """What the model is sent of these turns of a stored conversation: their every event read
        and rebuilt, off the Qt thread."""
        db = self.db
        return None if db is None else await self.call(_model_history, db, conversation_id, turn_ids)
