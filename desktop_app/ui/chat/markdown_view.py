"""One Markdown block (paragraph, list, table, heading) shown as rich text that fits its height.

The block never scrolls on its own: it is as tall as its text, and the chat's
scroll area scrolls the whole conversation. Qt's own Markdown reader (GitHub
dialect) parses it; a light pass afterwards gives tables and inline code the
theme's borders and backgrounds, which the reader leaves plain, and makes each
``[n]`` a citation marker (see :mod:`.annotations`). Provenance tints are drawn
over the text and shown or hidden without rendering it again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .. import theme
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .annotations import CITE_SCHEME, CitationMark, Tint, mark_citations, tint_selections


class MarkdownView(QtWidgets.QTextBrowser):
    kind = "markdown"
    citation_clicked = Signal(int)  # the source number of a clicked [n]

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = ""
        self._marks: Mapping[int, CitationMark] = {}
        self._tints: list[Tint] = []
        self._tints_shown = False
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        # Links are opened here: a citation is no web address, every other link goes to the browser.
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._follow)
        self.setTabChangesFocus(True)
        # Clicks select text and follow links; Tab does not stop at every paragraph of every answer.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(80)
        self.setObjectName("MarkdownBlock")  # transparent by the app style sheet, not one sheet per block
        self.viewport().setAutoFillBackground(False)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 4)

    @property
    def source_text(self) -> str:
        return self._source

    def set_text(self, markdown: str) -> None:
        if markdown == self._source:
            return
        self._source = markdown
        self.document().setMarkdown(markdown, QtGui.QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        t = theme.current()
        _dress(self.document(), t)
        mark_citations(self.document(), self._marks, t)
        self._paint_tints()
        self.setAccessibleName(self.document().toPlainText()[:200])

    def annotate(self, marks: Mapping[int, CitationMark], tints: list[Tint]) -> None:
        """Bind citations to what ``provenance_checked`` said of them, and keep the sentence tints."""
        self._marks, self._tints = marks, tints
        mark_citations(self.document(), marks, theme.current())
        self._paint_tints()

    def show_tints(self, shown: bool) -> None:
        if shown != self._tints_shown:
            self._tints_shown = shown
            self._paint_tints()

    def tints(self) -> list[Tint]:
        return list(self._tints)

    def _paint_tints(self) -> None:
        shown = self._tints if self._tints_shown else []
        self.setExtraSelections(tint_selections(self, shown, theme.current()))

    def _follow(self, url: QtCore.QUrl) -> None:
        if url.scheme() == CITE_SCHEME and url.path().isdigit():
            self.citation_clicked.emit(int(url.path()))
        else:
            QtGui.QDesktopServices.openUrl(url)

    def viewportEvent(self, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt override)
        # A tinted sentence says why it is tinted; a citation's own tooltip (a char format) wins.
        if event.type() == QtCore.QEvent.Type.ToolTip and self._tints_shown and self._tints:
            assert isinstance(event, QtGui.QHelpEvent)
            cursor = self.cursorForPosition(event.pos())
            if not cursor.charFormat().toolTip():
                at = cursor.position()
                tip = next((t.tooltip for t in self._tints if t.start <= at < t.end and t.tooltip), "")
                if tip:
                    QtWidgets.QToolTip.showText(event.globalPos(), tip, self)
                    return True
        return super().viewportEvent(event)

    def plain_text(self) -> str:
        return self.document().toPlainText()

    def _fit_height(self, size: QtCore.QSizeF) -> None:
        height = math.ceil(size.height()) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:  # noqa: N802 (Qt override)
        event.ignore()  # the conversation scrolls, not the paragraph

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange and self._source:
            source, self._source = self._source, ""
            self.set_text(source)


def _dress(document: QtGui.QTextDocument, t: theme.Theme) -> None:
    """Borders for tables and a tint behind inline code; linear in the size of this one block."""
    root = document.rootFrame()
    for child in root.childFrames():
        if isinstance(child, QtGui.QTextTable):
            fmt = child.format()
            fmt.setBorder(1)
            fmt.setBorderBrush(QtGui.QBrush(t.border))
            fmt.setBorderStyle(QtGui.QTextFrameFormat.BorderStyle.BorderStyle_Solid)
            fmt.setBorderCollapse(True)
            fmt.setCellPadding(6)
            fmt.setCellSpacing(0)
            child.setFormat(fmt)
    cursor = QtGui.QTextCursor(document)
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.fontFixedPitch() or QtGui.QFontInfo(fmt.font()).fixedPitch():
                cursor.setPosition(fragment.position())
                cursor.setPosition(
                    fragment.position() + fragment.length(), QtGui.QTextCursor.MoveMode.KeepAnchor
                )
                tinted = QtGui.QTextCharFormat()
                tinted.setBackground(t.code_background)
                cursor.mergeCharFormat(tinted)
            it += 1
        block = block.next()
