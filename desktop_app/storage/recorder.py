"""Recording a conversation as it happens: the history reader of the event stream.

Both the CLI and the window start or continue a conversation through
:class:`HistoryRecorder`; its :meth:`record` is the ``emit`` callback they add to
the loop's readers, so what is stored is exactly what was shown.
"""

from __future__ import annotations

from pathlib import Path

from ..core.conversation import Conversation
from ..core.errors import BackstageError
from ..core.events import Event
from .recovery import open_history
from .replay import messages_from_events, next_source_id, sources_by_call
from .store import HistoryDB
from .writer import EventWriter


class ConversationNotFound(BackstageError):
    """Raised when a conversation id names nothing in the history."""

    kind = "not_found"
    default_message = "There is no such conversation in the history."


def load_conversation(db: HistoryDB, conversation_id: str) -> Conversation:
    """The model-facing history of a stored conversation, ready for its next message.

    Accepts a unique prefix of the id, as people copy short ids from listings.
    """
    full_id = resolve_id(db, conversation_id)
    events = db.get_events(full_id)
    return Conversation(
        id=full_id,
        messages=messages_from_events(events),
        next_source_id=next_source_id(events),
        sources=sources_by_call(events),
    )


def resolve_id(db: HistoryDB, conversation_id: str) -> str:
    """The full id for ``conversation_id`` or a unique prefix of it."""
    if db.get_conversation(conversation_id) is not None:
        return conversation_id
    matches = [row.id for row in db.list_conversations(limit=100_000) if row.id.startswith(conversation_id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConversationNotFound(
            f"{conversation_id!r} matches {len(matches)} conversations; give more of the id."
        )
    raise ConversationNotFound(f"There is no conversation {conversation_id!r} in the history.")


class HistoryRecorder:
    """Owns the history database and its writer for one process.

    ``notice`` is a plain-language message to show once when the history file
    had to be recovered. :meth:`record` may be called on the event loop's thread
    on the per-token path: it only queues. :meth:`close` flushes everything.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.db, self.notice = open_history(path)
        self.writer = EventWriter(self.db)
        self._conversation_id: str | None = None

    def start(self, conversation: Conversation, *, model: str = "", provider: str = "") -> None:
        """Record events for ``conversation`` from now on, creating its row if it is new."""
        if self.db.get_conversation(conversation.id) is None:
            self.db.create_conversation(conversation.id, model=model, provider=provider)
        self._conversation_id = conversation.id

    def record(self, event: Event) -> None:
        if self._conversation_id is not None:
            self.writer.submit(self._conversation_id, event)

    def close(self) -> None:
        try:
            self.writer.close()
        finally:
            self.db.close()
