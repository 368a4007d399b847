"""The Chats sidebar: date groups, rename (F2, context menu), delete with undo, search with highlights, Ctrl+K."""

from __future__ import annotations

import pytest

from desktop_app.storage.paths import database_path
from desktop_app.storage.store import ConversationRow, HistoryDB
from desktop_app.ui.history.list_model import ConversationListModel
from desktop_app.ui.qt import Qt, QtGui, QtWidgets
from tests.history_ui_helpers import click_row, history_window, listed_titles, store, turn_events
from tests.scripted_provider import ScriptedProvider, text_reply
from tests.ui_helpers import aio  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")


def _two_chats() -> None:
    store(
        "plants",
        turn_events("p1", "plants", "How do <b>plants</b> & trees eat light?", "They use photosynthesis."),
    )
    store("oslo", turn_events("o1", "oslo", "Plan a trip to Oslo", "Oslo is lovely in June."))


def _stored_row(conversation_id: str) -> ConversationRow | None:
    with HistoryDB(database_path()) as db:
        return db.get_conversation(conversation_id)


def _window(qtbot):  # type: ignore[no-untyped-def]
    _two_chats()
    return history_window(qtbot, ScriptedProvider([text_reply("ok")]))


def test_conversations_are_listed_newest_first_under_date_groups() -> None:
    model = ConversationListModel(page_size=10)
    model.begin_loading()
    rows = [
        ConversationRow("a", "Today's", "2000-01-01T00:00:00+00:00", _iso(days_ago=0)),
        ConversationRow("b", "Yesterday's", "2000-01-01T00:00:00+00:00", _iso(days_ago=1)),
        ConversationRow("c", "Last week's", "2000-01-01T00:00:00+00:00", _iso(days_ago=4)),
        ConversationRow("d", "Old", "2000-01-01T00:00:00+00:00", _iso(days_ago=40)),
    ]
    model.add_page(rows, first=True)
    shown = [str(model.index(n).data()) for n in range(model.rowCount())]
    assert shown == [
        "Today",
        "Today's",
        "Yesterday",
        "Yesterday's",
        "Previous 7 days",
        "Last week's",
        "Older",
        "Old",
    ]
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsSelectable  # headers are not rows
    assert not model.canFetchMore()  # fewer than a page: that was all


def _iso(days_ago: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.now().astimezone().replace(hour=12, minute=0) - timedelta(days=days_ago)
    return moment.isoformat()


def test_rename_inline_with_f2_is_stored(qtbot) -> None:
    window = _window(qtbot)
    sidebar = window.conversations.sidebar
    sidebar.list.setFocus()
    sidebar.list.setCurrentIndex(sidebar.model.index_of("oslo"))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
    editor = QtWidgets.QApplication.focusWidget()
    assert isinstance(editor, QtWidgets.QLineEdit) and editor.text() == "Plan a trip to Oslo"
    editor.selectAll()
    qtbot.keyClicks(editor, "Summer in Norway")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next pass of the loop
    qtbot.waitUntil(lambda: "Summer in Norway" in listed_titles(window))
    qtbot.waitUntil(lambda: _stored_row("oslo").title == "Summer in Norway")
    assert _stored_row("oslo").title_edited


def test_rename_from_the_context_menu(qtbot) -> None:
    window = _window(qtbot)
    sidebar = window.conversations.sidebar
    menu = sidebar.conversation_menu("plants")
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Open", "Rename", "Export as Markdown…", "Export as JSON…", "Delete",
    ]  # fmt: skip
    next(a for a in menu.actions() if a.text() == "Rename").trigger()
    editor = sidebar.list.findChild(QtWidgets.QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.setText("Photosynthesis")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _stored_row("plants").title == "Photosynthesis")


def test_delete_offers_undo_and_undo_restores(qtbot) -> None:
    window = _window(qtbot)
    sidebar = window.conversations.sidebar
    click_row(qtbot, window, "oslo")
    qtbot.waitUntil(lambda: len(window.chat.turns()) == 1)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert "Plan a trip to Oslo" not in listed_titles(window)
    assert window.chat.turns() == []  # the open chat was the deleted one: a new chat starts
    bar = sidebar.undo_bar
    assert bar is not None and bar.message == "Conversation deleted"
    qtbot.waitUntil(bar.isVisible)
    qtbot.waitUntil(lambda: _stored_row("oslo").deleted_at is not None)
    qtbot.mouseClick(bar.buttons["Undo"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Plan a trip to Oslo" in listed_titles(window))
    assert sidebar.undo_bar is None
    qtbot.waitUntil(lambda: _stored_row("oslo").deleted_at is None)
    assert listed_titles(window) == ["Plan a trip to Oslo", "How do <b>plants</b> & trees eat light?"]
    # Ctrl+Z on the list undoes a delete too.
    sidebar.list.setFocus()
    sidebar.list.setCurrentIndex(sidebar.model.index_of("plants"))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert listed_titles(window) == ["Plan a trip to Oslo"]
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(listed_titles(window)) == 2)


def test_chats_added_by_another_process_appear_when_the_window_is_activated(qtbot) -> None:
    window = _window(qtbot)
    store("later", turn_events("l1", "later", "Asked from the terminal", "Answered."))
    window.conversations.window_activated()
    qtbot.waitUntil(lambda: listed_titles(window)[0] == "Asked from the terminal")


def test_search_highlights_matches_escaped_and_opens_the_hit(qtbot) -> None:
    window = _window(qtbot)
    sidebar = window.conversations.sidebar
    window.composer.focus()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert QtWidgets.QApplication.focusWidget() is sidebar.search_box
    qtbot.keyClicks(sidebar.search_box, "plant")
    qtbot.waitUntil(lambda: sidebar.stack.currentWidget() is sidebar.results)
    html = sidebar.results.html_of(0)
    # The user's own markup is shown as typed; only the match is highlighted.
    assert "&lt;b&gt;<b style=" in html and ">plants</b>&lt;/b&gt; &amp; trees" in html
    assert sidebar.results.count() == 1
    qtbot.keyClick(sidebar.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.chat.turns()) == 1)
    assert window.chat.last_turn().answer_text() == "They use photosynthesis."
    assert window.bridge.conversation.id == "plants"
    # Esc clears the search (and does not stop anything): the list is back.
    sidebar.search_box.setFocus()
    qtbot.keyClick(sidebar.search_box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: sidebar.stack.currentWidget() is sidebar.list)
    qtbot.keyClicks(sidebar.search_box, "zebra")
    qtbot.waitUntil(lambda: sidebar.stack.currentWidget() is sidebar.empty)
    assert "zebra" in sidebar.empty.text()


def test_ctrl_k_shows_a_hidden_sidebar_and_ctrl_n_starts_over(qtbot) -> None:
    window = _window(qtbot)
    sidebar = window.conversations.sidebar
    click_row(qtbot, window, "plants")
    qtbot.waitUntil(lambda: len(window.chat.turns()) == 1)
    window.conversations.dock.hide()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.conversations.dock.isVisible() and sidebar.search_box.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.turns() == [] and sidebar.current_id == ""
    assert not sidebar.list.selectionModel().hasSelection()
    assert window.bridge.conversation.id not in ("plants", "oslo")


def test_every_sidebar_control_is_named_and_reachable(qtbot) -> None:
    window = _window(qtbot)
    for widget in window.conversations.dock.findChildren(QtWidgets.QWidget):
        if widget.isVisible() and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
            if widget.parent().inherits("QAbstractScrollArea") or isinstance(widget, QtWidgets.QScrollBar):
                continue
            assert widget.accessibleName() or getattr(widget, "text", lambda: "")(), widget
    assert window.conversations.toggle_action.shortcut() == QtGui.QKeySequence("Ctrl+B")
