"""A small busy indicator: a rotating arc painted in the palette's accent colour."""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtCore, QtGui, QTimer, QtWidgets

_STEP_MS = 50
_STEP_DEGREES = 30


class Spinner(QtWidgets.QWidget):
    def __init__(self, size: int = 14, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._angle = 0
        self.setFixedSize(size, size)
        self.setAccessibleName("Working")
        self._timer = QTimer(self)
        self._timer.setInterval(_STEP_MS)
        self._timer.timeout.connect(self._step)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:  # noqa: N802 (Qt override)
        # A hidden spinner costs nothing: no timer ticks behind the user's back.
        self._timer.stop()
        super().hideEvent(event)

    def _step(self) -> None:
        self._angle = (self._angle + _STEP_DEGREES) % 360
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        t = theme.current()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        width = max(1.5, self.width() / 7)
        rect = QtCore.QRectF(self.rect()).adjusted(width, width, -width, -width)
        track = QtGui.QPen(t.border, width)
        painter.setPen(track)
        painter.drawEllipse(rect)
        arc = QtGui.QPen(t.accent, width)
        arc.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(arc)
        painter.drawArc(rect, -self._angle * 16, 100 * 16)
