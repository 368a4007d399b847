"""Reasoning the server streamed apart from the answer: muted plain text, shown in Full mode only."""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtGui, QtWidgets

_MAX_HEIGHT = 140


class ReasoningView(QtWidgets.QPlainTextEdit):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: list[str] = []
        self.setReadOnly(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setObjectName("Reasoning")
        self.setAccessibleName("Model reasoning")
        self.setTabChangesFocus(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMaximumHeight(_MAX_HEIGHT)
        palette = self.palette()
        palette.setColor(QtGui.QPalette.ColorRole.Text, theme.current().muted)
        self.setPalette(palette)
        font = self.font()
        font.setItalic(True)
        self.setFont(font)

    def append(self, text: str) -> None:  # type: ignore[override]
        self._pending.append(text)

    def flush(self) -> bool:
        if not self._pending:
            return False
        cursor = QtGui.QTextCursor(self.document())
        cursor.movePosition(QtGui.QTextCursor.MoveOperation.End)
        cursor.insertText("".join(self._pending))  # appended, never re-set: O(new text)
        self._pending.clear()
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
        return True
