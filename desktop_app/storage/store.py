"""The history: every event of every conversation, in one SQLite file that survives crashes.

Durability: the file is in WAL mode with ``synchronous=NORMAL``. A transaction that
has committed survives the process being killed (``kill -9``, a crash), because
its pages are already in the WAL file when ``COMMIT`` returns. A power cut or OS
crash may lose the last few commits, never the file's consistency; that is the
trade SQLite documents for NORMAL under WAL, and it keeps token-rate writes cheap.

Concurrency: several processes may open one profile. SQLite's own file locks
(which die with the process, so nothing stale is left behind) serialise writers;
a writer waits up to ``busy_timeout`` seconds, then :class:`HistoryLockedError`.

:class:`HistoryDB` methods block; call them from a worker thread (``asyncio.to_thread``,
:class:`~desktop_app.storage.aio.AsyncHistory`) or use the batched
:class:`~desktop_app.storage.writer.EventWriter`, never on the event loop itself.
Open the user's history with :func:`~desktop_app.storage.recovery.open_history`,
which also recovers from a damaged file.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..core.errors import BackstageError
from ..core.events import Event, TurnStarted, from_json, to_json
from .migrations import migrate
from .text import fts_query, searchable, title_from


class HistoryError(BackstageError):
    """Raised when the history file cannot be read or written."""

    kind = "history"
    default_message = "Backstage could not read or save the chat history."


class HistoryLockedError(HistoryError):
    """Raised when another process holds the history's write lock for longer than the busy timeout."""

    kind = "history_locked"
    default_message = (
        "The chat history is busy in another Backstage window or command. "
        "Wait a moment or close the other one, then try again."
    )


class HistoryCorruptError(HistoryError):
    """Raised when the file is not an SQLite database or fails its integrity check."""

    kind = "history_corrupt"
    default_message = "The chat history file is damaged and cannot be read."


@dataclass(frozen=True)
class ConversationRow:
    """One conversation as the history lists it. Times are ISO 8601 UTC."""

    id: str
    title: str
    created_at: str
    updated_at: str
    model: str = ""
    provider: str = ""
    title_edited: bool = False
    deleted_at: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """A search match. ``role`` is "user", "answer" or "tool"; ``snippet`` marks matches."""

    conversation_id: str
    title: str
    turn_id: str
    role: str
    snippet: str


SEARCH_MARKS = ("«", "»")  # around each match in a SearchHit's snippet, unless the caller picks others

_COLUMNS = "id, title, created_at, updated_at, model, provider, title_edited, deleted_at"
_EVENTS_BY_TURN = "events_by_turn"  # indexes made by migrations.m004_turn_indexes
_TURN_STARTS = "turn_starts"
_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters


def _now() -> str:
    # Microseconds so that "newest first" is stable between writes in the same second.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _classify(exc: sqlite3.Error) -> HistoryError:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # primary code of an extended one
    detail = f"{type(exc).__name__}: {exc}"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return HistoryLockedError(detail=detail)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return HistoryCorruptError(detail=detail)
    return HistoryError(detail=detail)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise _classify(exc) from exc


class HistoryDB:
    """The event store over one SQLite file.

    Thread-safe: one connection, used by any thread, serialised by an internal lock.
    Every method blocks until SQLite is done. Events of a conversation get ``seq``
    1, 2, 3… in the order they were appended, across processes.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0, check: bool = False) -> None:
        """Open (creating if needed) and migrate. ``check`` runs ``PRAGMA quick_check`` first.

        Raises :class:`HistoryCorruptError`, :class:`HistoryLockedError` or :class:`HistoryError`.
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        with _translated():
            self._conn = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with _translated():
                self._use_wal(busy_timeout)
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._conn.execute("PRAGMA foreign_keys = ON")
                if check:
                    problems = [row[0] for row in self._conn.execute("PRAGMA quick_check")]
                    if problems != ["ok"]:
                        raise HistoryCorruptError(detail="; ".join(problems[:5]))
                migrate(self._conn)
        except BaseException:
            self._conn.close()
            raise

    def _use_wal(self, busy_timeout: float) -> None:
        # Switching a new file to WAL needs an exclusive lock and SQLite does not wait
        # for it (no busy handler), so two processes opening a new profile at once would
        # fail; wait here instead. Once in WAL mode the switch is a no-op.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL").fetchall()
                return
            except sqlite3.OperationalError as exc:
                if _classify(exc).kind != HistoryLockedError.kind or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so "read max(seq), insert" cannot
        # interleave with another process doing the same.
        with self._lock, _translated():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock, _translated():
            return self._conn.execute(sql, params).fetchall()

    def create_conversation(self, id: str, title: str = "", model: str = "", provider: str = "") -> None:
        """Record a new conversation; does nothing if ``id`` already exists."""
        now = _now()
        with self._write() as c:
            c.execute(
                "INSERT OR IGNORE INTO conversations (id, title, created_at, updated_at, model, provider)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (id, title, now, now, model, provider),
            )

    def append_events(self, conversation_id: str, events: Sequence[Event]) -> int:
        """Append ``events`` in one transaction; return the last ``seq`` (0 if none yet)."""
        return self.append_batch([(conversation_id, e) for e in events]).get(conversation_id, 0)

    def append_batch(self, items: Sequence[tuple[str, Event]]) -> dict[str, int]:
        """Append events of any conversations in one transaction; return the last seq of each.

        A conversation that does not exist yet is created. Its title comes from its first
        user message unless the user renamed it; model and provider follow the latest turn.
        """
        with self._write() as c:
            return self._append(c, items, _now())

    def _append(
        self, c: sqlite3.Connection, items: Sequence[tuple[str, Event]], now: str, *, touch: bool = True
    ) -> dict[str, int]:
        last: dict[str, int] = {}
        for cid, event in items:
            if cid not in last:
                c.execute(
                    "INSERT OR IGNORE INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?)",
                    (cid, now, now),
                )
                row = c.execute("SELECT max(seq) FROM events WHERE conversation_id = ?", (cid,)).fetchone()
                last[cid] = row[0] or 0
            if touch and isinstance(event, TurnStarted):
                self._note_turn(c, cid, event)
            seq = last[cid] = last[cid] + 1
            c.execute(
                "INSERT INTO events (conversation_id, seq, turn_id, type, t, data) VALUES (?, ?, ?, ?, ?, ?)",
                (cid, seq, event.turn_id, event.type, event.t, to_json(event)),
            )
            found = searchable(event)
            if found and found[0]:
                c.execute(
                    "INSERT INTO search_index (text, conversation_id, turn_id, role, seq) VALUES (?, ?, ?, ?, ?)",
                    (found[0], cid, event.turn_id, found[1], seq),
                )
        if touch:
            c.executemany(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", [(now, cid) for cid in last]
            )
        return last

    @staticmethod
    def _note_turn(c: sqlite3.Connection, cid: str, event: TurnStarted) -> None:
        if event.model or event.provider:
            c.execute(
                "UPDATE conversations SET model = ?, provider = ? WHERE id = ?",
                (event.model, event.provider, cid),
            )
        first = not c.execute(
            "SELECT 1 FROM events WHERE conversation_id = ? AND type = 'turn_started' LIMIT 1", (cid,)
        ).fetchone()
        if first and event.user_text.strip():
            c.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND title_edited = 0",
                (title_from(event.user_text), cid),
            )

    def import_conversation(self, row: ConversationRow, events: Sequence[Event]) -> None:
        """Store a whole conversation exactly as given (metadata and events) in one transaction."""
        with self._write() as c:
            c.execute(
                f"INSERT INTO conversations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (row.id, row.title, row.created_at, row.updated_at, row.model, row.provider,
                 int(row.title_edited), row.deleted_at),
            )  # fmt: skip
            self._append(c, [(row.id, e) for e in events], row.updated_at, touch=False)

    def get_conversation(self, conversation_id: str) -> ConversationRow | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,))
        return _row(rows[0]) if rows else None

    def list_conversations(
        self, limit: int = 100, offset: int = 0, include_deleted: bool = False
    ) -> list[ConversationRow]:
        """Conversations, most recently updated first."""
        where = "" if include_deleted else "WHERE deleted_at IS NULL"
        rows = self._read(
            f"SELECT {_COLUMNS} FROM conversations {where} ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_row(r) for r in rows]

    def get_events(self, conversation_id: str) -> list[Event]:
        """Every stored event of a conversation, in seq order."""
        return list(self.iter_events(conversation_id))

    def iter_events(self, conversation_id: str) -> Iterator[Event]:
        """Every stored event of a conversation, in seq order, each parsed only when reached.

        The rows are read at once, so iterating holds no lock; for one pass over a long
        conversation that need not keep every parsed event alive at the same time.
        """
        rows = self._read(
            "SELECT data FROM events WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
        )
        return (from_json(r[0]) for r in rows)

    def turn_ids(self, conversation_id: str) -> list[str]:
        """The ids of the conversation's turns, in the order they started (by their ``turn_started``).

        Cheap however long the conversation is: pair it with :meth:`get_turn_events` to read
        a long conversation a few turns at a time, newest first.
        """
        rows = self._read(
            f"SELECT turn_id FROM events INDEXED BY {_TURN_STARTS}"
            " WHERE conversation_id = ? AND type = 'turn_started' ORDER BY seq",
            (conversation_id,),
        )
        return [r[0] for r in rows]

    def get_turn_events(self, conversation_id: str, turn_ids: Sequence[str]) -> list[Event]:
        """Every stored event of the given turns of a conversation, in seq order.

        A turn comes back whole (every event with its id, wherever it was stored), and only
        the rows asked for are read. Unknown ids are ignored; the order of ``turn_ids`` does not matter.
        """
        wanted = list(dict.fromkeys(turn_ids))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            # INDEXED BY: without statistics SQLite prefers the primary key's conversation_id
            # prefix, which scans the whole conversation (ms per call for a 500-turn chat).
            rows += self._read(
                f"SELECT seq, data FROM events INDEXED BY {_EVENTS_BY_TURN}"
                f" WHERE conversation_id = ? AND turn_id IN ({', '.join('?' * len(chunk))}) ORDER BY seq",
                (conversation_id, *chunk),
            )
        if len(wanted) > _IDS_PER_QUERY:
            rows.sort()
        return [from_json(r[1]) for r in rows]

    def last_seq(self, conversation_id: str) -> int:
        return (
            self._read("SELECT max(seq) FROM events WHERE conversation_id = ?", (conversation_id,))[0][0] or 0
        )

    def search(self, text: str, limit: int = 50, marks: tuple[str, str] = SEARCH_MARKS) -> list[SearchHit]:
        """Best matches first, in conversations not deleted. Any input is safe (see :func:`fts_query`)."""
        query = fts_query(text)
        if not query:
            return []
        rows = self._read(
            """SELECT s.conversation_id, c.title, s.turn_id, s.role,
                      snippet(search_index, 0, ?, ?, '…', 12)
               FROM search_index AS s JOIN conversations AS c ON c.id = s.conversation_id
               WHERE search_index MATCH ? AND c.deleted_at IS NULL
               ORDER BY s.rank LIMIT ?""",
            (marks[0], marks[1], query, limit),
        )
        return [SearchHit(*r) for r in rows]

    def rename(self, conversation_id: str, title: str) -> None:
        """Set the title; it is then never replaced automatically."""
        with self._write() as c:
            c.execute(
                "UPDATE conversations SET title = ?, title_edited = 1 WHERE id = ?",
                (" ".join(title.split()), conversation_id),
            )

    def soft_delete(self, conversation_id: str) -> None:
        """Hide a conversation from lists and search; :meth:`restore` undoes it."""
        with self._write() as c:
            c.execute(
                "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (_now(), conversation_id),
            )

    def restore(self, conversation_id: str) -> None:
        with self._write() as c:
            c.execute("UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,))

    def purge(self, conversation_id: str) -> None:
        """Remove a conversation and its events for good."""
        with self._write() as c:
            c.execute("DELETE FROM search_index WHERE conversation_id = ?", (conversation_id,))
            c.execute("DELETE FROM events WHERE conversation_id = ?", (conversation_id,))
            c.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def integrity_ok(self) -> bool:
        """True if ``PRAGMA integrity_check`` finds nothing wrong."""
        return [r[0] for r in self._read("PRAGMA integrity_check")] == ["ok"]


def _row(r: tuple) -> ConversationRow:
    return ConversationRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7])
