"""One tool call inline in the answer: a live status line, and in Full mode its arguments and result.

The words are the tool's own (``status`` of ``tool_started`` / ``tool_finished``);
before the tool reports any, the line shows the tool's name from
``tool_call_started``. The reader adds only the tick or cross and the duration
the event carries, as the tool interface asks.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ...core import events as ev
from ...core.formatting import format_duration
from .. import theme
from ..modes import Mode
from ..qt import Qt, QtCore, QtWidgets, Signal
from .approval_card import ApprovalCard
from .spinner import Spinner

RUNNING, WAITING, OK, FAILED = "running", "waiting", "ok", "error"
_RESULT_MAX_HEIGHT = 180


class ToolCallView(QtWidgets.QFrame):
    approval_answered = Signal(str, str)

    def __init__(self, call_id: str, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ToolCall")
        self.call_id = call_id
        self.name = name
        self.state = RUNNING
        self._status = name
        self._mode = Mode.STATUS
        self._card: ApprovalCard | None = None

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, theme.SPACE_XS, 0, theme.SPACE_XS)
        layout.setSpacing(theme.SPACE_S)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(theme.SPACE_M)
        self.spinner = Spinner(13)
        self.icon = QtWidgets.QLabel()
        self.icon.setFixedWidth(14)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon.hide()
        self.label = QtWidgets.QLabel(name)
        self.label.setObjectName("ToolStatus")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        layout.addLayout(row)

        self.details = QtWidgets.QFrame()
        self.details.setObjectName("ToolDetails")
        details = QtWidgets.QVBoxLayout(self.details)
        details.setContentsMargins(theme.SPACE_L, theme.SPACE_M, theme.SPACE_L, theme.SPACE_M)
        details.setSpacing(theme.SPACE_S)
        self.arguments = _code_label()
        self.result = _ResultView()
        self.result.setAccessibleName(f"Result of {name}")
        self.result_caption = _caption("Result")
        details.addWidget(_caption(f"{name} · arguments"))
        details.addWidget(self.arguments)
        details.addWidget(self.result_caption)
        details.addWidget(self.result)
        self.result_caption.hide()
        self.result.hide()
        layout.addWidget(self.details)
        self._update_accessible()

    # -- events ------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        if isinstance(event, ev.ToolCallReady):
            self.arguments.setText(_pretty(event.arguments))
        elif isinstance(event, ev.ApprovalRequested):
            self._set_state(WAITING, self._status)
            self._card = ApprovalCard(event)
            self._card.answered.connect(self.approval_answered)
            self.layout().insertWidget(1, self._card)
        elif isinstance(event, ev.ApprovalDecided):
            self._drop_card()
            if event.approved:
                self._set_state(RUNNING, self._status)
        elif isinstance(event, ev.ToolStarted):
            self._set_state(RUNNING, event.status or self._status)
        elif isinstance(event, ev.ToolFinished):
            self._drop_card()
            if event.ok:
                self._set_state(OK, f"{event.status} · {format_duration(event.duration)}")
            else:
                self._set_state(FAILED, event.status)
            text = event.result_preview
            self.result.setPlainText(text)
            self.result_caption.setText(f"Result · {event.result_tokens} tokens")
            self.result_caption.show()
            self.result.show()
        self._apply_mode()

    def stop_waiting(self) -> None:
        """The turn ended while this call still showed a spinner (it never started): freeze the line."""
        self._drop_card()
        if self.state in (RUNNING, WAITING):
            self.spinner.hide()

    # -- presentation ------------------------------------------------------------------

    @property
    def status_line(self) -> str:
        """What the line reads, icon included, e.g. "✓ Calculated 17 × 23 · 0.1 s"."""
        return f"{self.icon.text()} {self._status}".strip()

    @property
    def approval_card(self) -> ApprovalCard | None:
        return self._card

    def set_mode(self, mode: Mode) -> None:
        self._mode = mode
        self._apply_mode()

    def _apply_mode(self) -> None:
        if self.parentWidget() is None:
            return  # not placed yet: showing it now would open it as a window of its own
        # The approval card must stay visible whatever the mode: the turn waits on it.
        self.setVisible(self._mode is not Mode.HIDDEN or self._card is not None)
        self.details.setVisible(self._mode is Mode.FULL)

    def _set_state(self, state: str, status: str) -> None:
        self.state = state
        self._status = status
        busy = state in (RUNNING, WAITING)
        self.spinner.setVisible(busy)
        self.icon.setVisible(not busy)
        t = theme.current()
        if state == OK:
            self.icon.setText("✓")
            self.icon.setStyleSheet(f"color: {t.css(t.tool_ok)}; font-weight: bold;")
        elif state == FAILED:
            self.icon.setText("✕")
            self.icon.setStyleSheet(f"color: {t.css(t.tool_error)}; font-weight: bold;")
        else:
            self.icon.setText("")
        self.label.setText(status)
        self.label.setProperty("state", state)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        self._update_accessible()

    def _drop_card(self) -> None:
        if self._card is not None:
            self._card.hide()
            self._card.deleteLater()
            self._card = None

    def _update_accessible(self) -> None:
        self.setAccessibleName(f"Tool call {self.name}: {self.status_line}")
        self.label.setAccessibleName(self.status_line)


def _caption(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setObjectName("Muted")
    return label


def _code_label() -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setFont(theme.monospace_font())
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _pretty(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, indent=2, ensure_ascii=False)


class _ResultView(QtWidgets.QTextEdit):
    """The raw result: as tall as its text up to a limit, then it scrolls."""

    def __init__(self) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFont(theme.monospace_font())
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)

    def _fit(self, size: QtCore.QSizeF) -> None:
        self.setFixedHeight(min(_RESULT_MAX_HEIGHT, math.ceil(size.height()) + 2))
