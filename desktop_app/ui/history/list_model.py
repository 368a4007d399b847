"""The conversation list as a Qt model: date headers and conversations, newest first, loaded by pages.

Rows come from the store a page at a time: Qt's own lazy-loading protocol
(``canFetchMore`` / ``fetchMore``) asks for the next page when the list is
scrolled to its end, and :attr:`more_wanted` passes that on to whoever reads the
database (never this model: it holds rows, it does no I/O). A renamed title is
shown at once and :attr:`rename_requested` asks for it to be stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from ...storage.store import ConversationRow
from .. import theme
from ..qt import Qt, QtCore, QtGui, Signal
from .dates import group_of, short_time

ROW_HEIGHT = 28  # headers and conversations alike, so the view can lay out 1,000 rows without asking each
ID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
UNTITLED = "Untitled conversation"

Entry = str | ConversationRow  # a group header, or a conversation


class ConversationListModel(QtCore.QAbstractListModel):
    rename_requested = Signal(str, str)  # conversation id, new title
    more_wanted = Signal(int)  # offset of the next page

    def __init__(self, page_size: int = 100, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self._rows: list[ConversationRow] = []  # newest first
        self._entries: list[Entry] = []
        self._complete = False  # every stored conversation is loaded
        self._loading = False
        self._started = False  # the first page was asked for (before that there is nothing to fetch)

    # -- pages ----------------------------------------------------------------------------------

    def begin_loading(self) -> None:
        self._loading = self._started = True

    def add_page(self, rows: list[ConversationRow], *, first: bool = False) -> None:
        """Rows of the page asked for; the first page replaces what was there."""
        self._loading = False
        self._complete = len(rows) < self.page_size
        if first:
            self._rows = []
        known = {row.id for row in self._rows}
        self._rows += [row for row in rows if row.id not in known]  # a conversation may move between pages
        self._rebuild()

    def canFetchMore(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._started and not self._complete and not self._loading

    def fetchMore(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> None:  # noqa: N802, B008
        if self.canFetchMore(parent):
            self._loading = True
            self.more_wanted.emit(len(self._rows))

    def page_failed(self) -> None:
        self._loading = False

    # -- changes ------------------------------------------------------------------------------------

    def upsert(self, row: ConversationRow) -> None:
        """A conversation that changed (a new message) or appeared: placed by its update time."""
        self._rows = [r for r in self._rows if r.id != row.id]
        at = next((n for n, r in enumerate(self._rows) if r.updated_at <= row.updated_at), len(self._rows))
        self._rows.insert(at, row)
        self._rebuild()

    def remove(self, conversation_id: str) -> ConversationRow | None:
        row = self.row(conversation_id)
        if row is not None:
            self._rows.remove(row)
            self._rebuild()
        return row

    def row(self, conversation_id: str) -> ConversationRow | None:
        return next((r for r in self._rows if r.id == conversation_id), None)

    def rows(self) -> list[ConversationRow]:
        return list(self._rows)

    def index_of(self, conversation_id: str) -> QtCore.QModelIndex:
        for n, entry in enumerate(self._entries):
            if isinstance(entry, ConversationRow) and entry.id == conversation_id:
                return self.index(n)
        return QtCore.QModelIndex()

    def headers(self) -> list[str]:
        return [e for e in self._entries if isinstance(e, str)]

    def _rebuild(self) -> None:
        today = datetime.now().astimezone().date()
        entries = _grouped(self._rows, today)
        old = self._entries
        if len(entries) >= len(old) and entries[: len(old)] == old:
            if len(entries) > len(old):  # a page added below: the rows on screen stay as they are
                self.beginInsertRows(QtCore.QModelIndex(), len(old), len(entries) - 1)
                self._entries = entries
                self.endInsertRows()
            return
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    # -- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._entries)

    def flags(self, index: QtCore.QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._entries[index.row()], str):
            return Qt.ItemFlag.ItemIsEnabled  # a header: read, not selected or edited
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QtCore.QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.SizeHintRole:
            return QtCore.QSize(0, ROW_HEIGHT)
        if isinstance(entry, str):
            return _header_data(entry, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return entry.title or UNTITLED
        if role == Qt.ItemDataRole.ToolTipRole:
            when = short_time(entry.updated_at, datetime.now().astimezone().date())
            details = " · ".join(x for x in (entry.model, when) if x)
            return f"{entry.title or UNTITLED}\n{details}" if details else entry.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Conversation: {entry.title or UNTITLED}"
        if role == ID_ROLE:
            return entry.id
        if role == HEADER_ROLE:
            return False
        return None

    def setData(self, index: QtCore.QModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        entry = self._entries[index.row()]
        title = " ".join(str(value).split())
        if isinstance(entry, str) or not title or title == entry.title:
            return False  # an empty title would leave nothing to recognise the chat by
        renamed = replace(entry, title=title, title_edited=True)
        self._rows[self._rows.index(entry)] = renamed
        self._entries[index.row()] = renamed
        self.dataChanged.emit(index, index)
        self.rename_requested.emit(entry.id, title)
        return True


def _grouped(rows: list[ConversationRow], today: date) -> list[Entry]:
    entries: list[Entry] = []
    current = None
    for row in rows:
        group = group_of(row.updated_at, today)
        if group != current:
            entries.append(group)
            current = group
        entries.append(row)
    return entries


def _header_data(label: str, role: int) -> object:
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        return label
    if role == HEADER_ROLE:
        return True
    if role == Qt.ItemDataRole.FontRole:
        font = QtGui.QFont()
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.0))
        return font
    if role == Qt.ItemDataRole.ForegroundRole:
        return QtGui.QBrush(theme.current().muted)
    return None
