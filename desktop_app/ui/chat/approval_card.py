"""The card that asks the user whether a risky tool call may run.

Everything it says about the call comes from the ``approval_requested`` event
(tool name, risk, the tool's own summary, the arguments); its three buttons
are the only way the window grants a call the policy would not.
"""

from __future__ import annotations

import json

from ...core import events as ev
from .. import theme
from ..intents import ALLOW_CHAT, ALLOW_ONCE, DENY
from ..qt import Qt, QtWidgets, Signal


class ApprovalCard(QtWidgets.QFrame):
    answered = Signal(str, str)  # call_id, ALLOW_ONCE / ALLOW_CHAT / DENY

    def __init__(self, request: ev.ApprovalRequested, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ApprovalCard")
        self.call_id = request.call_id
        self.setAccessibleName(f"Approval needed for {request.name}")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_M, theme.SPACE_L, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_S)

        title = QtWidgets.QLabel(
            f"<b>{_escape(request.name)}</b> needs your approval ({_escape(request.risk)})"
        )
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        if request.summary:
            summary = QtWidgets.QLabel(request.summary)
            summary.setWordWrap(True)
            layout.addWidget(summary)
        arguments = QtWidgets.QLabel(_pretty(request.arguments))
        arguments.setFont(theme.monospace_font())
        arguments.setWordWrap(True)
        arguments.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        arguments.setObjectName("Muted")
        layout.addWidget(arguments)

        buttons = QtWidgets.QHBoxLayout()
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for answer, text, tip in (
            (ALLOW_ONCE, "Allow once", "Run this call only"),
            (ALLOW_CHAT, "Allow for this chat", f"Run {request.name} without asking again in this chat"),
            (DENY, "Deny", "Do not run it; the model is told it was refused"),
        ):
            button = QtWidgets.QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(f"{text}: {request.name}")
            button.clicked.connect(lambda _=False, a=answer: self._answer(a))
            buttons.addWidget(button)
            self.buttons[answer] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def _answer(self, answer: str) -> None:
        for button in self.buttons.values():
            button.setEnabled(False)
        self.answered.emit(self.call_id, answer)


def _pretty(arguments: object) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, indent=2, ensure_ascii=False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
