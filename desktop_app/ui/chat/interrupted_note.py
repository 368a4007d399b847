"""The end of a stored turn that never finished: it says so, and offers to continue.

A turn is interrupted when the history holds its ``turn_started`` but no
``turn_finished``: Backstage was closed, killed or crashed mid-answer. What was
saved before that moment is shown above this note.
"""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtWidgets, Signal

MESSAGE = "Interrupted · Backstage closed before this answer finished."


class InterruptedNote(QtWidgets.QFrame):
    continue_requested = Signal()

    def __init__(self, can_continue: bool, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InterruptedNote")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_M, theme.SPACE_M, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_M)
        self.label = QtWidgets.QLabel(MESSAGE)
        self.label.setObjectName("InterruptedText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName(MESSAGE)
        layout.addWidget(self.label, 1)
        self.button = QtWidgets.QPushButton("Continue")
        self.button.setAccessibleName("Continue the interrupted answer")
        self.button.setToolTip("Ask the model to carry on from where the answer stopped")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.continue_requested)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.button.setVisible(can_continue)

    @property
    def can_continue(self) -> bool:
        return not self.button.isHidden()

    def continued(self) -> None:
        """The answer was continued in a new turn below: the button has done its job."""
        self.button.hide()
