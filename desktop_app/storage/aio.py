"""The history for asyncio code: the same calls as :class:`HistoryDB`, run in a worker thread.

Each method awaits ``asyncio.to_thread``, so the event loop never waits on SQLite.
For the event stream itself use :class:`~desktop_app.storage.writer.EventWriter`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..core.events import Event
from .store import SEARCH_MARKS, ConversationRow, HistoryDB, SearchHit


class AsyncHistory:
    """Awaitable wrappers over one :class:`HistoryDB` (which serialises the calls itself)."""

    def __init__(self, db: HistoryDB) -> None:
        self.db = db

    async def create_conversation(
        self, id: str, title: str = "", model: str = "", provider: str = ""
    ) -> None:
        await asyncio.to_thread(self.db.create_conversation, id, title, model, provider)

    async def append_events(self, conversation_id: str, events: Sequence[Event]) -> int:
        return await asyncio.to_thread(self.db.append_events, conversation_id, events)

    async def get_conversation(self, conversation_id: str) -> ConversationRow | None:
        return await asyncio.to_thread(self.db.get_conversation, conversation_id)

    async def list_conversations(
        self, limit: int = 100, offset: int = 0, include_deleted: bool = False
    ) -> list[ConversationRow]:
        return await asyncio.to_thread(self.db.list_conversations, limit, offset, include_deleted)

    async def get_events(self, conversation_id: str) -> list[Event]:
        return await asyncio.to_thread(self.db.get_events, conversation_id)

    async def turn_ids(self, conversation_id: str) -> list[str]:
        return await asyncio.to_thread(self.db.turn_ids, conversation_id)

    async def get_turn_events(self, conversation_id: str, turn_ids: Sequence[str]) -> list[Event]:
        return await asyncio.to_thread(self.db.get_turn_events, conversation_id, turn_ids)

    async def search(
        self, text: str, limit: int = 50, marks: tuple[str, str] = SEARCH_MARKS
    ) -> list[SearchHit]:
        return await asyncio.to_thread(self.db.search, text, limit, marks)

    async def rename(self, conversation_id: str, title: str) -> None:
        await asyncio.to_thread(self.db.rename, conversation_id, title)

    async def soft_delete(self, conversation_id: str) -> None:
        await asyncio.to_thread(self.db.soft_delete, conversation_id)

    async def restore(self, conversation_id: str) -> None:
        await asyncio.to_thread(self.db.restore, conversation_id)

    async def purge(self, conversation_id: str) -> None:
        await asyncio.to_thread(self.db.purge, conversation_id)

    async def close(self) -> None:
        await asyncio.to_thread(self.db.close)
