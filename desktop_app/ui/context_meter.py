"""A compact context meter for the status bar: the latest cycle's prompt against the model's window.

It draws what the newest ``context_measured`` says: one stacked bar, a coloured part per
segment (system prompt, tools, history, your message, tool calls, tool results…), a pale
part for the room kept for the answer, and "12k / 128k". The tooltip lists every segment's
tokens. The timeline shows the same figures per cycle; this is the one to glance at.
"""

from __future__ import annotations

import html

from ..core import events as ev
from . import theme
from .qt import Qt, QtCore, QtGui, QtWidgets
from .sources.words import compact_tokens

_BAR_WIDTH, _BAR_HEIGHT = 96, 6
_FULL_SHARE = 0.9  # of the room for the prompt: past this the figures turn to the warning colour


class ContextMeter(QtWidgets.QWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ContextMeter")
        self.measured: ev.ContextMeasured | None = None
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_M, 0, theme.SPACE_M, 0)
        layout.setSpacing(theme.SPACE_M)
        caption = QtWidgets.QLabel("Context")
        caption.setObjectName("Muted")
        self.bar = _StackedBar(self)
        self.value = QtWidgets.QLabel()
        self.value.setObjectName("Muted")
        layout.addWidget(caption)
        layout.addWidget(self.bar)
        layout.addWidget(self.value)
        self.setAccessibleName("Context window: nothing sent yet")
        self.hide()

    def apply(self, event: ev.Event) -> None:
        if not isinstance(event, ev.ContextMeasured):
            return
        self.measured = event
        used = sum(event.segments.values())
        self.value.setText(f"{compact_tokens(used)} / {compact_tokens(event.window)}")
        room = max(1, event.window - event.reserved)
        self.value.setObjectName("MeterFull" if used > room * _FULL_SHARE else "Muted")
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)
        self.setToolTip(tooltip_html(event))
        self.setAccessibleName(
            f"Context window: {used:,} of {event.window:,} tokens used, {event.reserved:,} kept for the answer"
        )
        self.show()
        self.bar.update()

    def clear(self) -> None:
        self.measured = None
        self.hide()

    def text(self) -> str:
        return self.value.text()


class _StackedBar(QtWidgets.QWidget):
    def __init__(self, meter: ContextMeter) -> None:
        super().__init__(meter)
        self._meter = meter
        self.setFixedSize(_BAR_WIDTH, _BAR_HEIGHT + 4)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        measured = self._meter.measured
        if measured is None or measured.window <= 0:
            return
        t = theme.current()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        track = QtCore.QRectF(0, 2, _BAR_WIDTH, _BAR_HEIGHT)
        clip = QtGui.QPainterPath()
        clip.addRoundedRect(track, _BAR_HEIGHT / 2, _BAR_HEIGHT / 2)
        painter.setClipPath(clip)
        painter.fillRect(track, theme.blend(t.border, t.base, 0.45))
        x = track.left()
        for name, tokens in measured.segments.items():
            width = track.width() * tokens / measured.window
            painter.fillRect(QtCore.QRectF(x, track.top(), width, track.height()), t.segment_colour(name))
            x += width
        # The room kept for the answer is hatched: not free for the prompt, not used yet either.
        reserved = track.width() * measured.reserved / measured.window
        room = QtCore.QRectF(track.right() - reserved, track.top(), reserved, track.height())
        painter.fillRect(room, QtGui.QBrush(t.muted, Qt.BrushStyle.BDiagPattern))


def tooltip_html(event: ev.ContextMeasured) -> str:
    """Every segment's tokens, in the window's order, with its colour; then the answer's room and what is free."""
    # The loop (which imports these labels) is running by the time a measurement arrives.
    from ..core.context import SEGMENT_LABELS

    t = theme.current()
    used = sum(event.segments.values())
    rows = []
    for name, tokens in event.segments.items():
        label = SEGMENT_LABELS.get(name, name.replace("_", " "))  # type: ignore[call-overload]
        swatch = f"<span style='color:{t.css(t.segment_colour(name))}'>■</span>"
        rows.append(_row(f"{swatch} {html.escape(label[:1].upper() + label[1:])}", tokens, event.window))
    rows.append(_row("Kept for the answer", event.reserved, event.window))
    free = max(0, event.window - used - event.reserved)
    rows.append(_row("Free", free, event.window))
    head = f"<b>Context of the last request</b><br>{used:,} of {event.window:,} tokens"
    return f"{head}<table cellspacing='0' cellpadding='1'>{''.join(rows)}</table>"


def _row(label: str, tokens: int, window: int) -> str:
    share = f"{100 * tokens / window:.0f}%" if window else ""
    return (
        f"<tr><td>{label}</td><td align='right' style='padding-left:12px'>{tokens:,}</td>"
        f"<td align='right' style='padding-left:8px; color:gray'>{share}</td></tr>"
    )
