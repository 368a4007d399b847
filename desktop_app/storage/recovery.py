"""Opening the history safely: a damaged file is kept aside and a fresh one started."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .paths import database_path
from .store import HistoryCorruptError, HistoryDB


def move_aside(path: Path) -> Path:
    """Rename ``path`` (and its WAL) to ``<stem>-corrupt-YYYYmmdd-HHMMSS<suffix>``; return the new path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}-corrupt-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}-corrupt-{stamp}-{n}{path.suffix}")
    os.replace(path, target)
    # The WAL may hold the newest pages; keep it beside the copy. The -shm index is rebuilt.
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if wal.exists():
        os.replace(wal, f"{target}-wal")
    shm.unlink(missing_ok=True)
    return target


def open_history(
    path: str | Path | None = None, *, busy_timeout: float = 5.0
) -> tuple[HistoryDB, str | None]:
    """Open the history (default: the profile's), recovering from a damaged file.

    Returns the database and a plain-language notice for the user, or ``None`` when
    all was well. A file that is not a database or fails ``quick_check`` is moved to
    ``history-corrupt-YYYYmmdd-HHMMSS.db`` next to it and a fresh history starts.
    Raises :class:`HistoryLockedError` if another process keeps the file locked.
    """
    path = Path(path) if path is not None else database_path()
    try:
        return HistoryDB(path, busy_timeout=busy_timeout, check=True), None
    except HistoryCorruptError:
        backup = move_aside(path)
    db = HistoryDB(path, busy_timeout=busy_timeout)
    notice = (
        "Your chat history file was damaged and could not be read, so Backstage started a new, "
        f"empty history. The old file was kept as {backup.name} in {backup.parent}."
    )
    return db, notice
