"""The sources panel: a sheet over the right side of the chat listing one answer's sources.

It opens from an answer's Sources button or one of its citation markers (then scrolled to
that source, which is highlighted), takes the keyboard focus, and closes with Esc or its
close button, giving the focus back to where it was. It shows what the answer's events say
(:class:`~.answer_sources.AnswerSources`); the chat view places it and makes room for it.
"""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .answer_sources import AnswerSources
from .card import SourceCard, missing_card, record_card
from .words import plural

WIDTH_MIN, WIDTH_MAX, WIDTH_SHARE = 320, 420, 0.42
SHADOW = 14  # px of soft shadow left of the panel: it lies over the chat, and should look it


class SourcesPanel(QtWidgets.QFrame):
    closed = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SourcesPanel")
        self.setAccessibleName("Sources panel")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.turn_id = ""
        self.cards: list[SourceCard] = []
        self._return_focus: QtWidgets.QWidget | None = None

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QtWidgets.QWidget()
        header.setObjectName("SourcesHeader")
        head = QtWidgets.QHBoxLayout(header)
        head.setContentsMargins(theme.SPACE_L + 4, theme.SPACE_L, theme.SPACE_M, theme.SPACE_M)
        titles = QtWidgets.QVBoxLayout()
        titles.setSpacing(theme.SPACE_XS)
        self.title = QtWidgets.QLabel("Sources")
        self.title.setObjectName("SourcesTitle")
        self.title.setFont(theme.scaled_font(self.title, 1.5))
        self.subtitle = QtWidgets.QLabel()
        self.subtitle.setObjectName("Muted")
        self.subtitle.setWordWrap(True)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setObjectName("PanelClose")
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Close sources")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self.close_panel)
        head.addLayout(titles, 1)
        head.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(header)

        self.list_area = QtWidgets.QScrollArea()
        self.list_area.setObjectName("SourcesScroll")
        self.list_area.setAccessibleName("Sources of the answer")
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.list_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.list_area, 1)
        self._shadow = _EdgeShadow(parent)
        self.hide()

    # -- showing ------------------------------------------------------------------------------

    def show_sources(self, turn_id: str, sources: AnswerSources, focus: int = 0) -> None:
        """List ``sources`` (rebuilt each time: the relative times are read now), scrolled to ``focus``."""
        if not self.isVisible():
            widget = QtWidgets.QApplication.focusWidget()
            self._return_focus = widget if widget is not None and not self.isAncestorOf(widget) else None
        self.turn_id = turn_id
        listed = sources.listed()
        self.subtitle.setText(_subtitle(len(listed), len(sources.sentences_to_verify())))
        problems = {c.source_id: c.problem for c in sources.citations.values() if c.source_id is not None}
        self.cards = [
            record_card(r, sources.sentences_using(r.id) if sources.checked else None, problems.get(r.id, ""))
            for r in listed
        ]
        self.cards += [missing_card(c) for c in sorted(sources.missing(), key=lambda c: c.n)]
        body = QtWidgets.QWidget()
        body.setObjectName("SourcesBody")
        column = QtWidgets.QVBoxLayout(body)
        column.setContentsMargins(theme.SPACE_L, theme.SPACE_S, theme.SPACE_L, theme.SPACE_L)
        column.setSpacing(theme.SPACE_M + 2)
        for card in self.cards:
            column.addWidget(card)
        if not self.cards:
            column.addWidget(QtWidgets.QLabel("This answer has no sources."))
        column.addStretch(1)
        self.list_area.setWidget(body)  # the previous list is deleted with its widget
        self.show()
        self.raise_()
        self.focus(focus)

    def focus(self, n: int) -> None:
        """Highlight the card of source ``n`` and bring it into view (the first card for 0)."""
        target = self.card(n) if n else None
        for card in self.cards:
            card.set_highlighted(card is target)
        body = self.list_area.widget()
        layout = body.layout() if body is not None else None
        if layout is not None:
            layout.activate()  # new cards have no geometry until their layout ran
        if target is not None:
            self.list_area.verticalScrollBar().setValue(max(0, target.y() - theme.SPACE_M))
            target.focus_first()
        else:
            self.list_area.verticalScrollBar().setValue(0)
            if self.cards:
                self.cards[0].focus_first()
            else:
                self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def card(self, n: int) -> SourceCard | None:
        return next((c for c in self.cards if c.n == n), None)

    def close_panel(self) -> None:
        if self.isHidden():
            return
        self.hide()
        if self._return_focus is not None:
            self._return_focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self._return_focus = None
        self.closed.emit()

    def preferred_width(self, available: int) -> int:
        return max(WIDTH_MIN, min(WIDTH_MAX, int(available * WIDTH_SHARE)))

    def moveEvent(self, event: QtGui.QMoveEvent) -> None:  # noqa: N802 (Qt override)
        super().moveEvent(event)
        self._place_shadow()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._place_shadow()

    def _place_shadow(self) -> None:
        geometry = self.geometry()
        self._shadow.setGeometry(geometry.x() - SHADOW, geometry.y(), SHADOW, geometry.height())
        self._shadow.raise_()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._shadow.show()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self._shadow.hide()

    # -- keys ----------------------------------------------------------------------------------

    def event(self, event: QtCore.QEvent) -> bool:
        # Esc is also the window's "stop the answer" shortcut; inside the panel it closes the panel.
        if event.type() == QtCore.QEvent.Type.ShortcutOverride:
            assert isinstance(event, QtGui.QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.close_panel()
            return
        super().keyPressEvent(event)


def _subtitle(count: int, verify: int) -> str:
    words = plural(count, "source")
    return words + (f" · {plural(verify, 'figure')} to verify" if verify else " for this answer")


class _EdgeShadow(QtWidgets.QWidget):
    """A gradient strip beside the panel; clicks pass through it."""

    def __init__(self, parent: QtWidgets.QWidget | None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QtGui.QPainter(self)
        gradient = QtGui.QLinearGradient(0, 0, self.width(), 0)
        gradient.setColorAt(0.0, QtGui.QColor(0, 0, 0, 0))
        gradient.setColorAt(1.0, QtGui.QColor(0, 0, 0, 60 if theme.current().dark else 28))
        painter.fillRect(self.rect(), gradient)
