"""Searching chats: the search box, and the results: each conversation once, its title above its best
match, the matching words highlighted.

The store marks matches in each snippet; the snippet is HTML-escaped first and
only then are the marks turned into highlight tags, so a message containing
``<b>`` or ``&`` shows as typed and cannot inject markup.
"""

from __future__ import annotations

import html

from ...storage.store import SearchHit
from .. import theme
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .window_history import MARK_END, MARK_START

CONVERSATION_ROLE = Qt.ItemDataRole.UserRole + 1
TURN_ROLE = Qt.ItemDataRole.UserRole + 2
HTML_ROLE = Qt.ItemDataRole.UserRole + 3
_ROLE_NAMES = {"user": "You", "answer": "Answer", "tool": "Tool result"}
_PADDING = 6


def highlight_html(snippet: str, background: str) -> str:
    """``snippet`` as HTML with each marked match on a ``background`` highlight."""
    escaped = html.escape(" ".join(snippet.split()))  # one line: newlines in a snippet only waste room
    return escaped.replace(MARK_START, f'<b style="background-color:{background}">').replace(MARK_END, "</b>")


def plain(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


def hit_html(hit: SearchHit, t: theme.Theme, more: int = 0) -> str:
    """The conversation's title, then where and how the words matched (and how many other matches)."""
    highlight = t.css(theme.blend(t.warning, t.base, 0.6))
    title = html.escape(hit.title or "Untitled conversation")
    who = _ROLE_NAMES.get(hit.role, hit.role)
    extra = f" · {more} more match{'es' if more > 1 else ''}" if more else ""
    return (
        f"<div><b>{title}</b></div>"
        f'<div style="color:{t.css(t.muted)}">{who}: {highlight_html(hit.snippet, highlight)}{extra}</div>'
    )


def best_per_conversation(hits: list[SearchHit]) -> list[tuple[SearchHit, int]]:
    """Each conversation once, at its best match (hits come best first), with its number of other matches."""
    best: dict[str, SearchHit] = {}
    count: dict[str, int] = {}
    for hit in hits:
        best.setdefault(hit.conversation_id, hit)
        count[hit.conversation_id] = count.get(hit.conversation_id, 0) + 1
    return [(hit, count[cid] - 1) for cid, hit in best.items()]


class SearchBox(QtWidgets.QLineEdit):
    """Esc clears the search (before the window's Esc, which stops an answer); Down goes to the results."""

    down = Signal()

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ShortcutOverride and self.text():
            assert isinstance(event, QtGui.QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
        elif event.key() == Qt.Key.Key_Down:
            self.down.emit()
        else:
            super().keyPressEvent(event)


class SearchResults(QtWidgets.QListWidget):
    """The conversations matching the last search, each at its best match; Enter or a click opens it there."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchResults")
        self.setAccessibleName("Search results")
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(_HtmlDelegate(self))

    def show_hits(self, hits: list[SearchHit]) -> None:
        self.clear()
        t = theme.current()
        for hit, more in best_per_conversation(hits):
            item = QtWidgets.QListWidgetItem(f"{hit.title}: {plain(hit.snippet)}")
            item.setData(HTML_ROLE, hit_html(hit, t, more))
            item.setData(CONVERSATION_ROLE, hit.conversation_id)
            item.setData(TURN_ROLE, hit.turn_id)
            item.setToolTip(plain(hit.snippet))
            self.addItem(item)
        if hits:
            self.setCurrentRow(0)

    def html_of(self, row: int) -> str:
        item = self.item(row)
        return str(item.data(HTML_ROLE)) if item is not None else ""

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # wrapped heights depend on the width


class _HtmlDelegate(QtWidgets.QStyledItemDelegate):
    """Paints an item's HTML (title and highlighted snippet) in a word-wrapped document."""

    def __init__(self, view: QtWidgets.QListWidget) -> None:
        super().__init__(view)
        self._view = view

    def _document(self, index: QtCore.QModelIndex, width: float) -> QtGui.QTextDocument:
        doc = QtGui.QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self._view.font())
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setTextWidth(max(40.0, width))
        return doc

    def paint(
        self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex
    ) -> None:
        style_option = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(style_option, index)
        style_option.text = ""  # the frame and selection from the style, the words from the document
        style = self._view.style()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ItemViewItem, style_option, painter, self._view)
        rect = option.rect.adjusted(_PADDING, _PADDING, -_PADDING, -_PADDING)
        doc = self._document(index, rect.width())
        painter.save()
        painter.translate(rect.topLeft())
        context = QtGui.QAbstractTextDocumentLayout.PaintContext()
        # The selection is a pale wash (theme.py), so the text keeps its own colour when selected.
        context.palette.setColor(QtGui.QPalette.ColorRole.Text, theme.current().text)
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex) -> QtCore.QSize:  # noqa: N802
        width = self._view.viewport().width() - 2 * _PADDING
        doc = self._document(index, width)
        return QtCore.QSize(int(width), int(doc.size().height()) + 2 * _PADDING)
