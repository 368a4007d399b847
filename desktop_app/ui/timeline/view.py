"""The painted timeline: per turn a shared time axis, per cycle a row, tool calls on lanes.

A generation bar shows the wait for the first token (pale) and the streaming
(solid), with a tick where the first token arrived and its token figures.
Tool bars sit on lanes below it; the slowest of a parallel group gets an
outline (the one the user waited for). Hover shows figures, a click (or Enter
on the keyboard-selected item) asks the panel to show details.
"""

from __future__ import annotations

import time

from ...core import events as ev
from ...core.formatting import format_duration
from .. import theme
from ..qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from . import geometry
from .details import tooltip
from .geometry import Item
from .model import TimelineModel

_LIVE_MS = 100


class TimelineView(QtWidgets.QWidget):
    selected = Signal(object)  # the clicked Item

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TimelineModel()
        self.setAccessibleName("Timeline of the loop cycles")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self._anchors: dict[str, float] = {}  # monotonic time a running turn started, to draw "now"
        self._selected: tuple[str, str, int, str] | None = None
        self._live = QTimer(self)
        self._live.setInterval(_LIVE_MS)
        self._live.timeout.connect(self.update)
        self._fit()

    # -- events ------------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        if isinstance(event, ev.TurnStarted):
            self._anchors[event.turn_id] = time.monotonic() - event.t
        changed = self.model.apply(event)
        if isinstance(event, ev.TurnFinished):
            self._anchors.pop(event.turn_id, None)
        if self._anchors and not self._live.isActive():
            self._live.start()
        elif not self._anchors:
            self._live.stop()
        if changed:
            self._fit()
            self.update()

    def prepend(self, events: list[ev.Event], interrupted: frozenset[str] = frozenset()) -> None:
        """Stored turns (oldest first) above those shown; replayed turns are not live, so no "now" moves them."""
        self.model.prepend(events)
        for turn_id in interrupted:
            self.model.mark_interrupted(turn_id)
        self._fit()
        self.update()

    def clear(self) -> None:
        self.model.clear()
        self._anchors.clear()
        self._selected = None
        self._live.stop()
        self._fit()
        self.update()

    # -- geometry ---------------------------------------------------------------------------------

    def items(self, clip: tuple[float, float] | None = None) -> list[Item]:
        """Every item, or with ``clip`` (top, bottom) those of the turns in that band only."""
        now = time.monotonic()
        live = {turn_id: now - anchor for turn_id, anchor in self._anchors.items()}
        return geometry.layout(self.model, float(self.width()), live, clip)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(360, geometry.content_height(self.model))

    def _fit(self) -> None:
        height = max(geometry.content_height(self.model), 90)
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
            self.updateGeometry()

    def _item_at(self, pos: QtCore.QPointF) -> Item | None:
        # Bars first: they sit on top of their row.
        hits = [i for i in self.items((pos.y(), pos.y())) if i.rect.contains(pos)]
        for kind in ("tool", "generation", "row", "turn"):
            for item in hits:
                if item.kind == kind:
                    return item
        return None

    # -- interaction -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        item = self._item_at(event.position())
        if item is not None:
            self._select(item)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt override)
        items = [i for i in self.items() if i.kind in ("generation", "tool")]
        if not items:
            return super().keyPressEvent(event)
        keys = {Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1}
        if event.key() in keys:
            index = next((n for n, i in enumerate(items) if _key(i) == self._selected), -1)
            index = max(0, min(len(items) - 1, index + keys[Qt.Key(event.key())]))
            self._select(items[index])
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            current = next((i for i in items if _key(i) == self._selected), items[0])
            self._select(current)
        else:
            super().keyPressEvent(event)

    def _select(self, item: Item) -> None:
        self._selected = _key(item)
        self.update()
        self.selected.emit(item)

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            assert isinstance(event, QtGui.QHelpEvent)
            item = self._item_at(QtCore.QPointF(event.pos()))
            if item is not None:
                QtWidgets.QToolTip.showText(event.globalPos(), tooltip(item), self)
            else:
                QtWidgets.QToolTip.hideText()
            return True
        return super().event(event)

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        t = theme.current()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), t.base)
        if not self.model.turns:
            painter.setPen(t.muted)
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                "Each cycle of the next answer appears here: the model's generation, then its tool calls.",
            )
            return
        small = self.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        exposed = event.rect()
        for item in self.items((exposed.top(), exposed.bottom())):
            selected = _key(item) == self._selected
            if item.kind == "turn":
                self._paint_turn(painter, item, t)
            elif item.kind == "row":
                self._paint_row(painter, item, t, small)
            elif item.kind == "generation":
                self._paint_generation(painter, item, t, small, selected)
            else:
                self._paint_tool(painter, item, t, small, selected)

    def _paint_turn(self, p: QtGui.QPainter, item: Item, t: theme.Theme) -> None:
        turn = item.turn
        font = self.font()
        font.setBold(True)
        p.setFont(font)
        p.setPen(t.text)
        seconds = turn.end if turn.end is not None else turn.last_t
        right = format_duration(seconds) + ("" if turn.end is not None else " …")
        if turn.stop_reason == "interrupted":
            right += " · interrupted"
        rect = item.rect.adjusted(0, 4, 0, -4)
        p.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)
        metrics = QtGui.QFontMetrics(font)
        room = int(rect.width() - metrics.horizontalAdvance(right) - 16)
        title = metrics.elidedText(turn.user_text.replace("\n", " "), Qt.TextElideMode.ElideRight, room)
        p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        p.setFont(self.font())

    def _paint_row(self, p: QtGui.QPainter, item: Item, t: theme.Theme, small: QtGui.QFont) -> None:
        assert item.row is not None
        p.setPen(QtGui.QPen(t.border, 1))
        p.drawLine(item.rect.topLeft(), item.rect.topRight())
        p.setFont(small)
        p.setPen(t.muted)
        label = QtCore.QRectF(
            item.rect.left(), item.rect.top() + geometry.ROW_TOP, geometry.LABEL_WIDTH - 6, 18
        )
        p.drawText(
            label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"Cycle {item.row.cycle}"
        )
        row = item.row
        if row.trims:
            # The prompt of this cycle was trimmed to fit: a mark after the label (details say what).
            p.setPen(t.warning)
            offset = QtGui.QFontMetrics(small).horizontalAdvance(f"Cycle {row.cycle} ")
            p.drawText(
                label.adjusted(offset, 0, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                "✂",
            )
        p.setFont(self.font())
        if row.context_used is not None and row.context_window:
            # A thin meter under the label: how full the context window was for this cycle.
            share = min(1.0, row.context_used / row.context_window)
            track = QtCore.QRectF(label.left(), item.rect.bottom() - 6, label.width() - 8, 3)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(t.border)
            p.drawRoundedRect(track, 1.5, 1.5)
            filled = QtCore.QRectF(track)
            filled.setWidth(max(1.5, track.width() * share))
            p.setBrush(t.tool_error if share > 0.9 else t.accent)
            p.drawRoundedRect(filled, 1.5, 1.5)

    def _paint_generation(
        self, p: QtGui.QPainter, item: Item, t: theme.Theme, small: QtGui.QFont, selected: bool
    ) -> None:
        row, rect = item.row, item.rect
        assert row is not None
        split = item.first_token_x if item.first_token_x is not None else rect.right()
        if row.generation_end is None and item.first_token_x is None:
            split = rect.right()  # still waiting for the first token
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(t.generation_wait)
        p.drawRoundedRect(rect, 4, 4)
        solid = QtCore.QRectF(rect)
        solid.setLeft(min(split, rect.right()))
        if solid.width() > 0.5:
            p.setBrush(t.generation)
            p.drawRoundedRect(solid, 4, 4)
        if item.first_token_x is not None:
            p.setPen(QtGui.QPen(t.text, 1.5))
            p.drawLine(QtCore.QPointF(split, rect.top() - 2), QtCore.QPointF(split, rect.bottom() + 2))
        self._outline(p, rect, t, selected)
        if row.generation_end is not None:
            rate = row.tokens_per_second
            approx = "≈" if row.usage_estimated else ""
            text = f"{approx}{row.output_tokens} tok" + ("" if rate is None else f" · {rate:.0f}/s")
            self._label(p, rect, text, t, small, inside_colour=QtGui.QColor("white"), inside=solid)

    def _paint_tool(
        self, p: QtGui.QPainter, item: Item, t: theme.Theme, small: QtGui.QFont, selected: bool
    ) -> None:
        tool, rect = item.tool, item.rect
        assert tool is not None
        colour = t.tool_running if tool.running else (t.tool_ok if tool.ok else t.tool_error)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawRoundedRect(rect, 3, 3)
        if tool.waited_for:
            p.setPen(QtGui.QPen(t.text, 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(0.75, 0.75, -0.75, -0.75), 3, 3)
        self._outline(p, rect, t, selected)
        seconds = "" if tool.running else f" · {format_duration(tool.duration)}"
        self._label(p, rect, f"{tool.name}{seconds}", t, small, inside_colour=QtGui.QColor("white"))

    def _outline(self, p: QtGui.QPainter, rect: QtCore.QRectF, t: theme.Theme, selected: bool) -> None:
        if selected:
            pen = QtGui.QPen(t.accent, 2)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 5, 5)

    def _label(
        self,
        p: QtGui.QPainter,
        rect: QtCore.QRectF,
        text: str,
        t: theme.Theme,
        font: QtGui.QFont,
        inside_colour: QtGui.QColor,
        inside: QtCore.QRectF | None = None,
    ) -> None:
        """Inside the bar (or its ``inside`` part) if it fits, else after it (before it at the right edge)."""
        p.setFont(font)
        width = QtGui.QFontMetrics(font).horizontalAdvance(text) + 8
        room = inside if inside is not None else rect
        if room.width() >= width:
            p.setPen(inside_colour)
            p.drawText(
                room.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
            )
        else:
            p.setPen(t.muted)
            right_room = self.width() - geometry.MARGIN - rect.right()
            if right_room >= width:
                box = QtCore.QRectF(rect.right() + 4, rect.top(), width, rect.height())
                align = Qt.AlignmentFlag.AlignLeft
            else:
                box = QtCore.QRectF(rect.left() - width - 4, rect.top(), width, rect.height())
                align = Qt.AlignmentFlag.AlignRight
            p.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, text)
        p.setFont(self.font())


def _key(item: Item) -> tuple[str, str, int, str]:
    row = item.row.cycle if item.row is not None else 0
    tool = item.tool.call_id if item.tool is not None else ""
    return (item.kind, item.turn.turn_id, row, tool)
