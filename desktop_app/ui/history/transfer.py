"""Export and import from the window: a file dialog, then the reading and writing in worker threads."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from ...core.errors import BackstageError
from ...storage.export import export_json, export_markdown, import_json
from ...storage.store import HistoryDB
from ..qt import QtWidgets
from .window_history import WindowHistory

FORMATS = {"md": ("Markdown", "Markdown (*.md)"), "json": ("JSON", "Backstage conversation (*.json)")}


class TransferError(BackstageError):
    """Raised when an export or import file cannot be written or read."""

    kind = "transfer"
    default_message = "The file could not be written or read."


def file_name(title: str, suffix: str) -> str:
    """A file name from a conversation title: letters, digits, spaces and dashes, not too long."""
    stem = " ".join(re.sub(r"[^\w\- ]+", " ", title).split())[:60].strip() or "conversation"
    return f"{stem}.{suffix}"


def _export_text(db: HistoryDB, conversation_id: str, fmt: str) -> tuple[str, str]:
    row = db.get_conversation(conversation_id)
    if row is None:
        raise TransferError("That conversation is no longer in the history.")
    events = db.get_events(conversation_id)
    text = export_markdown(row, events) if fmt == "md" else export_json(row, events)
    return row.title, text


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TransferError(
            f"Backstage could not write {path.name}: {exc.strerror or exc}.", detail=repr(exc)
        ) from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TransferError(f"Backstage could not read {path.name}.", detail=repr(exc)) from exc


async def choose_file(
    parent: QtWidgets.QWidget, caption: str, name_filter: str, *, save_as: str = ""
) -> Path | None:
    """Ask for a file without a nested event loop (``exec`` would re-enter qasync); None if cancelled."""
    dialog = QtWidgets.QFileDialog(parent, caption)
    dialog.setObjectName("TransferDialog")
    dialog.setNameFilter(name_filter)
    dialog.setDirectory(str(Path.home()))
    if save_as:
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QtWidgets.QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix(save_as.rsplit(".", 1)[-1])
        dialog.selectFile(save_as)
    else:
        dialog.setFileMode(QtWidgets.QFileDialog.FileMode.ExistingFile)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: done.done() or done.set_result(code))
    dialog.open()
    try:
        accepted = await done == QtWidgets.QDialog.DialogCode.Accepted.value
        files = dialog.selectedFiles()
    finally:
        dialog.deleteLater()
    return Path(files[0]) if accepted and files else None


async def export_conversation(
    parent: QtWidgets.QWidget, history: WindowHistory, conversation_id: str, fmt: str, title: str
) -> Path | None:
    """Ask where, then write the conversation as Markdown or JSON; the path written, or None."""
    label, name_filter = FORMATS[fmt]
    path = await choose_file(
        parent, f"Export conversation as {label}", name_filter, save_as=file_name(title, fmt)
    )
    db = history.db
    if path is None or db is None:
        return None
    await history.flush()  # the newest events of an open chat are part of it
    exported = await history.call(_export_text, db, conversation_id, fmt)
    if exported is None:
        return None
    try:
        await asyncio.to_thread(_write, path, exported[1])
    except TransferError as exc:
        history.problem.emit(exc.message)
        return None
    return path


async def import_conversation(parent: QtWidgets.QWidget, history: WindowHistory) -> str | None:
    """Ask for an exported JSON file and store it; the new conversation's id, or None."""
    path = await choose_file(parent, "Import a conversation", FORMATS["json"][1])
    db = history.db
    if path is None or db is None:
        return None
    try:
        text = await asyncio.to_thread(_read, path)
    except TransferError as exc:
        history.problem.emit(exc.message)
        return None
    return await history.call(import_json, db, text)
