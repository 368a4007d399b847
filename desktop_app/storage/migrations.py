"""Schema migrations: small functions applied in order, each recorded once in ``_migrations``.

Add a migration by appending a decorated function at the end of this file; never
edit or reorder one that has shipped, because existing databases have already
recorded it by name. Each migration runs inside the caller's write transaction, so
it must use ``conn.execute`` only (``executescript`` would commit halfway).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

MigrationFn = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[tuple[str, MigrationFn]] = []


def migration(fn: MigrationFn) -> MigrationFn:
    """Register ``fn`` as the next migration, named after the function."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def applied_migrations(conn: sqlite3.Connection) -> set[str]:
    """Names of the migrations this database has recorded (empty for a new file)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not exists:
        return set()
    return {row[0] for row in conn.execute("SELECT name FROM _migrations")}


def migrate(
    conn: sqlite3.Connection, migrations: Sequence[tuple[str, MigrationFn]] | None = None
) -> list[str]:
    """Apply the pending ``migrations`` (default: all) in order; return the names applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``). The work runs in
    one ``BEGIN IMMEDIATE`` transaction, and the pending set is re-read inside it, so
    two processes opening the same new file apply each migration exactly once.
    A database with nothing pending is only read, never locked for writing.
    """
    todo = list(MIGRATIONS if migrations is None else migrations)
    if all(name in applied_migrations(conn) for name, _ in todo):
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = applied_migrations(conn)
        applied: list[str] = []
        for name, fn in todo:
            if name in done:
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            applied.append(name)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return applied


@migration
def m001_conversations_and_events(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            provider TEXT NOT NULL DEFAULT ''
        )"""
    )
    # WITHOUT ROWID keeps a conversation's events together on disk, in seq order.
    conn.execute(
        """CREATE TABLE events (
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            seq INTEGER NOT NULL,
            turn_id TEXT NOT NULL,
            type TEXT NOT NULL,
            t REAL NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        ) WITHOUT ROWID"""
    )
    # The log is append-only: what happened stays as it happened. Purge may still delete.
    conn.execute(
        """CREATE TRIGGER events_append_only BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"""
    )


@migration
def m002_titles_and_trash(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE conversations ADD COLUMN title_edited INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE conversations ADD COLUMN deleted_at TEXT")
    conn.execute("CREATE INDEX conversations_by_update ON conversations (updated_at)")


@migration
def m003_search_index(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE VIRTUAL TABLE search_index USING fts5(
            text,
            conversation_id UNINDEXED,
            turn_id UNINDEXED,
            role UNINDEXED,
            seq UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        )"""
    )
    # Index what older databases already hold; the roles match store.SEARCHABLE.
    for event_type, field, role in (
        ("turn_started", "user_text", "user"),
        ("turn_finished", "text", "answer"),
        ("tool_finished", "result_preview", "tool"),
    ):
        conn.execute(
            f"""INSERT INTO search_index (text, conversation_id, turn_id, role, seq)
                SELECT json_extract(data, '$.{field}'), conversation_id, turn_id, ?, seq
                FROM events WHERE type = ? AND coalesce(json_extract(data, '$.{field}'), '') != ''""",
            (role, event_type),
        )


@migration
def m004_turn_indexes(conn: sqlite3.Connection) -> None:
    # A long conversation is reopened a few turns at a time, newest first (store.turn_ids,
    # store.get_turn_events): these find a turn's events, and the turns' order, without
    # reading the rest of the conversation.
    conn.execute("CREATE INDEX events_by_turn ON events (conversation_id, turn_id)")
    conn.execute(
        "CREATE INDEX turn_starts ON events (conversation_id, seq, turn_id) WHERE type = 'turn_started'"
    )
