"""The conversations sidebar: search box, conversations by date (loaded by pages), rename, delete with undo.

It renders rows and hits and turns clicks into intents (:attr:`open_requested`,
:attr:`export_requested`, :attr:`deleted`). Its reads and changes go through
:class:`~.window_history.WindowHistory`, each in a worker thread; the task
handles are kept until they finish so none is collected mid-flight.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...core import events as ev
from ...storage.store import ConversationRow
from ...storage.text import title_from
from .. import theme
from ..qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from .banner import Banner
from .list_model import ID_ROLE, ConversationListModel
from .search_results import CONVERSATION_ROLE, TURN_ROLE, SearchBox, SearchResults
from .window_history import WindowHistory

if TYPE_CHECKING:
    import asyncio

SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not start a search
UNDO_MS = 8000


class Sidebar(QtWidgets.QWidget):
    open_requested = Signal(str, str)  # conversation id, turn id to show ("" for the newest)
    export_requested = Signal(str, str)  # conversation id, "md" or "json"
    deleted = Signal(str)

    def __init__(self, history: WindowHistory, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.history = history
        self.model = ConversationListModel(parent=self)
        self.current_id = ""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._search_serial = 0
        self.undo_bar: Banner | None = None

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_M, theme.SPACE_M, theme.SPACE_M, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_M)
        self.search_box = SearchBox()
        self.search_box.setObjectName("SearchBox")
        self.search_box.setPlaceholderText("Search chats  (Ctrl+K)")
        self.search_box.setAccessibleName("Search conversations")
        self.search_box.setClearButtonEnabled(True)
        layout.addWidget(self.search_box)

        self.list = QtWidgets.QListView()
        self.list.setObjectName("ConversationList")
        self.list.setAccessibleName("Conversations")
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)  # every row is ROW_HEIGHT tall: no per-row size queries
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results = SearchResults()
        self.empty = QtWidgets.QLabel()
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty.setText("Your conversations appear here.")
        self.stack = QtWidgets.QStackedWidget()
        for widget in (self.list, self.results, self.empty):
            self.stack.addWidget(widget)
        self.stack.setCurrentWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self._undo_area = QtWidgets.QVBoxLayout()
        layout.addLayout(self._undo_area)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_now)
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_box.returnPressed.connect(self._open_first_result)
        self.search_box.down.connect(self._focus_results)
        self.list.clicked.connect(self._open_index)
        self.list.activated.connect(self._open_index)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.results.itemActivated.connect(self._open_hit)
        self.results.itemClicked.connect(self._open_hit)
        self.model.more_wanted.connect(lambda offset: self._spawn(self._load_page(offset)))
        self.model.rename_requested.connect(self._store_title)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(self._show_list_or_empty)
        history.opened.connect(self.reload)

        self.delete_action = self._list_action("Delete", "Del", self._delete_current)
        self.rename_action = self._list_action("Rename", "F2", self._rename_current)
        self.undo_action = QtGui.QAction("Undo delete", self)
        self.undo_action.setShortcut(QtGui.QKeySequence.StandardKey.Undo)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_action.triggered.connect(self.undo_delete)
        self.list.addAction(self.undo_action)  # on the list: Ctrl+Z in the search box still undoes typing

    # -- intents from the window ------------------------------------------------------------

    def reload(self) -> None:
        """List the newest page again (the history opened, or a chat was imported)."""
        self.model.begin_loading()
        self._spawn(self._load_page(0))

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def set_current(self, conversation_id: str) -> None:
        """Mark the conversation shown in the chat ("" for a new, unsaved chat)."""
        self.current_id = conversation_id
        index = self.model.index_of(conversation_id)
        selection = self.list.selectionModel()
        if index.isValid():
            selection.setCurrentIndex(index, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:
            selection.clearSelection()

    def note_event(self, event: ev.Event) -> None:
        """A new message moves its conversation to the top (and adds it, titled, when it is new)."""
        if not isinstance(event, ev.TurnStarted) or not self.history.ready:
            return
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        old = self.model.row(event.conversation_id)
        if old is None:
            title = title_from(event.user_text)
            row = ConversationRow(event.conversation_id, title, now, now, event.model, event.provider)
        else:
            row = replace(old, updated_at=now)
        self.model.upsert(row)
        self.set_current(event.conversation_id)

    def undo_delete(self) -> None:
        """Bring back the conversation the undo bar is about (Ctrl+Z on the list)."""
        if self.undo_bar is not None and "Undo" in self.undo_bar.buttons:
            self.undo_bar.buttons["Undo"].click()

    def refresh_if_idle(self) -> None:
        """List the newest page again unless the reader is searching or has scrolled down the list.

        Picks up conversations another process (the CLI) added while the window was open.
        """
        if self.history.ready and not self.search_box.text() and not self.list.verticalScrollBar().value():
            self.reload()

    def rename(self, conversation_id: str) -> None:
        index = self.model.index_of(conversation_id)
        if index.isValid():
            self.list.setCurrentIndex(index)
            self.list.edit(index)

    def delete(self, conversation_id: str) -> None:
        row = self.model.remove(conversation_id)
        if row is None:
            return
        self._spawn(self._soft_delete(row))
        self.deleted.emit(conversation_id)
        if self.undo_bar is not None:
            self.undo_bar.dismiss()
        bar = Banner(
            "Conversation deleted",
            [("Undo", lambda: self._spawn(self._restore(row)))],
            timeout_ms=UNDO_MS,
            name="UndoBar",
            wrap=False,
            closable=False,  # it goes by itself; without the ✕ it fits the narrowest sidebar
        )
        bar.buttons["Undo"].setAccessibleName("Undo delete")
        bar.closed.connect(lambda: setattr(self, "undo_bar", None) if self.undo_bar is bar else None)
        self._undo_area.addWidget(bar)
        self.undo_bar = bar

    # -- database work (worker threads) -----------------------------------------------------------

    async def _load_page(self, offset: int) -> None:
        first = offset == 0
        if first:
            await self.history.flush()  # a chat sent a moment ago is listed from the file too
        rows = await self.history.list_page(offset, self.model.page_size)
        if rows is None:
            self.model.page_failed()
            return
        self.model.add_page(rows, first=first)
        self._show_list_or_empty()

    async def _soft_delete(self, row: ConversationRow) -> None:
        db = self.history.db
        if db is not None:
            await self.history.call(db.soft_delete, row.id)

    async def _restore(self, row: ConversationRow) -> None:
        db = self.history.db
        if db is not None:
            await self.history.call(db.restore, row.id)
        self.model.upsert(row)
        self.set_current(self.current_id)
        self._show_list_or_empty()

    def _store_title(self, conversation_id: str, title: str) -> None:
        db = self.history.db
        if db is not None:
            self._spawn(self.history.call(db.rename, conversation_id, title))

    def _search_now(self) -> None:
        text = self.search_box.text().strip()
        self._search_serial += 1
        if not text:
            self._show_list_or_empty()
            return
        self._spawn(self._search(text, self._search_serial))

    async def _search(self, text: str, serial: int) -> None:
        hits = await self.history.search(text)
        if serial != self._search_serial:
            return  # the user typed on; a newer search is coming
        self.results.show_hits(hits or [])
        if hits:
            self.stack.setCurrentWidget(self.results)
        else:
            self.empty.setText(f"No chat mentions “{text}”.")
            self.stack.setCurrentWidget(self.empty)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        import asyncio  # the sidebar is built before the first paint; asyncio is imported after it

        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- plumbing ---------------------------------------------------------------------------------------

    def _show_list_or_empty(self, *_args: object) -> None:
        if self.search_box.text().strip():
            return  # the results stay until the search is cleared
        if self.model.rowCount():
            self.stack.setCurrentWidget(self.list)
        else:
            self.empty.setText("Your conversations appear here.")
            self.stack.setCurrentWidget(self.empty)

    def _after_reset(self) -> None:
        self.set_current(self.current_id)
        self._show_list_or_empty()

    def _open_index(self, index: QtCore.QModelIndex) -> None:
        conversation_id = index.data(ID_ROLE)
        if conversation_id:
            self.open_requested.emit(str(conversation_id), "")

    def _open_hit(self, item: QtWidgets.QListWidgetItem) -> None:
        self.open_requested.emit(str(item.data(CONVERSATION_ROLE)), str(item.data(TURN_ROLE) or ""))

    def _open_first_result(self) -> None:
        if self.stack.currentWidget() is self.results and self.results.count():
            item = self.results.currentItem() or self.results.item(0)
            self._open_hit(item)

    def _focus_results(self) -> None:
        target = self.results if self.stack.currentWidget() is self.results else self.list
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _current_id(self) -> str:
        return str(self.list.currentIndex().data(ID_ROLE) or "")

    def _delete_current(self) -> None:
        if self._current_id():
            self.delete(self._current_id())

    def _rename_current(self) -> None:
        if self._current_id():
            self.rename(self._current_id())

    def _list_action(self, text: str, shortcut: str, slot: Any) -> QtGui.QAction:
        action = QtGui.QAction(text, self.list)
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.list.addAction(action)
        return action

    def _context_menu(self, pos: QtCore.QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():  # the Menu key: the menu is for the current row
            index = self.list.currentIndex()
            pos = self.list.visualRect(index).center()
        conversation_id = str(index.data(ID_ROLE) or "")
        if conversation_id:
            self.list.setCurrentIndex(index)
            self.conversation_menu(conversation_id).popup(self.list.viewport().mapToGlobal(pos))

    def conversation_menu(self, conversation_id: str) -> QtWidgets.QMenu:
        """What can be done with one conversation (the context menu)."""
        menu = QtWidgets.QMenu(self)
        menu.setAccessibleName("Conversation actions")
        menu.addAction("Open", lambda: self.open_requested.emit(conversation_id, ""))
        _hinted(menu.addAction("Rename", lambda: self.rename(conversation_id)), self.rename_action)
        menu.addSeparator()
        menu.addAction("Export as Markdown…", lambda: self.export_requested.emit(conversation_id, "md"))
        menu.addAction("Export as JSON…", lambda: self.export_requested.emit(conversation_id, "json"))
        menu.addSeparator()
        _hinted(menu.addAction("Delete", lambda: self.delete(conversation_id)), self.delete_action)
        menu.aboutToHide.connect(menu.deleteLater)
        return menu


def _hinted(action: QtGui.QAction, twin: QtGui.QAction) -> None:
    """Show ``twin``'s key in the menu; only ``twin`` (on the list) acts on it."""
    action.setShortcut(twin.shortcut())
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
