"""The line under an answer that used sources: "4 sources · 1 figure to verify", the provenance toggle, a legend.

Every count is read from the answer's events (see :class:`~..sources.answer_sources.AnswerSources`).
The Sources button opens the sources panel; "1 figure to verify" turns provenance on, so the
sentence to check is tinted; "1 citation to check" opens the panel at that citation.
"""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from ..sources.answer_sources import CLASS_LABELS, DERIVED, MODEL, SUPPORTED, UNSUPPORTED, AnswerSources
from .annotations import tint_colour
from .flow_layout import FlowLayout


class AnswerFooter(QtWidgets.QWidget):
    sources_requested = Signal(int)  # a source number to scroll to, or 0 for the top
    provenance_toggled = Signal(bool)

    def __init__(self, sources: AnswerSources, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerFooter")
        self._sources = sources
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, theme.SPACE_XS, 0, 0)
        layout.setSpacing(theme.SPACE_S)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(theme.SPACE_M)
        layout.addLayout(row)
        counts = QtWidgets.QWidget()
        flow = FlowLayout(counts, spacing=theme.SPACE_S)  # wraps in a narrow window

        self.sources_button = _button("", "FooterPill", "Show the sources of this answer")
        self.sources_button.clicked.connect(lambda: self.sources_requested.emit(0))
        self.verify_button = _button("", "FooterWarning", "Tint the answer by provenance to see which")
        self.verify_button.clicked.connect(lambda: self.provenance_toggled.emit(True))
        self.citations_button = _button("", "FooterWarning", "Show the flagged citation")
        self.citations_button.clicked.connect(self._show_flagged)
        self.provenance_button = _button("Show provenance", "FooterToggle", "")
        self.provenance_button.setCheckable(True)
        self.provenance_button.setAccessibleName("Show provenance")
        self.provenance_button.setToolTip(
            "Tint each sentence by where it comes from: a source, a computation, the model, or nowhere"
        )
        self.provenance_button.toggled.connect(self._toggled)
        self._dots = [_dot(), _dot()]
        for widget in (self.sources_button, self._dots[0], self.verify_button, self._dots[1]):
            flow.addWidget(widget)
        flow.addWidget(self.citations_button)
        row.addWidget(counts, 1)
        row.addWidget(self.provenance_button, 0, Qt.AlignmentFlag.AlignTop)

        self.legend = QtWidgets.QWidget()
        legend = FlowLayout(self.legend, spacing=theme.SPACE_L)
        for cls in (SUPPORTED, DERIVED, UNSUPPORTED, MODEL):
            legend.addWidget(_LegendItem(cls))
        self.legend.setAccessibleName("Legend: " + ", ".join(CLASS_LABELS.values()))
        layout.addWidget(self.legend)
        self.legend.hide()
        self.refresh()

    def refresh(self) -> None:
        """Show the counts the answer's events give now."""
        count, verify, flagged = self._sources.counts()
        self.sources_button.setText(count)
        self.sources_button.setAccessibleName(f"Sources of this answer: {count}")
        for button, text, dot in ((self.verify_button, verify, 0), (self.citations_button, flagged, 1)):
            button.setText(text)
            button.setAccessibleName(text)
            button.setVisible(bool(text))
            self._dots[dot].setVisible(bool(text))
        self.provenance_button.setVisible(self._sources.checked)

    def summary_text(self) -> str:
        """The counts as the footer reads: "4 sources · 1 figure to verify"."""
        return " · ".join(self._sources.summary())

    def set_provenance_shown(self, shown: bool) -> None:
        with QtCore.QSignalBlocker(self.provenance_button):
            self.provenance_button.setChecked(shown)
        self.legend.setVisible(shown and self._sources.checked)

    def _toggled(self, shown: bool) -> None:
        self.legend.setVisible(shown and self._sources.checked)
        self.provenance_toggled.emit(shown)

    def _show_flagged(self) -> None:
        flagged = self._sources.flagged()
        self.sources_requested.emit(flagged[0].n if flagged else 0)


class _LegendItem(QtWidgets.QWidget):
    """A swatch of a class's tint (an outline for the untinted class) and its name."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls = cls
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_S + 1)
        self.swatch = _Swatch(cls)
        label = QtWidgets.QLabel(CLASS_LABELS[cls])
        label.setObjectName("LegendLabel")
        layout.addWidget(self.swatch)
        layout.addWidget(label)


class _Swatch(QtWidgets.QWidget):
    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls = cls
        self.setFixedSize(14, 10)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        t = theme.current()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        colour = tint_colour(self.cls, t)
        rect = QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QtGui.QPen(t.border if colour is None else colour.darker(115), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush if colour is None else colour)
        painter.drawRoundedRect(rect, 3, 3)


def _button(text: str, name: str, tip: str) -> QtWidgets.QToolButton:
    button = QtWidgets.QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # every control reachable by keyboard
    button.setAutoRaise(True)
    return button


def _dot() -> QtWidgets.QLabel:
    dot = QtWidgets.QLabel("·")
    dot.setObjectName("Muted")
    return dot
