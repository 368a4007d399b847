"""Where the user writes: Enter sends, Shift+Enter adds a line; one button Send ↔ Stop (Esc is the window's).

Under the text sit the model picker (which model answers the next message) and the button.
"""

from __future__ import annotations

from . import theme
from .model_picker import ModelPicker
from .qt import Qt, QtGui, QtWidgets, Signal

_MAX_LINES = 8
MODEL_SHORTCUT = "Ctrl+Shift+M"


class _MessageEdit(QtWidgets.QPlainTextEdit):
    submitted = Signal()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QtWidgets.QFrame):
    send_requested = Signal(str)
    stop_requested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        self._busy = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_M, theme.SPACE_M, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_S)
        self.editor = _MessageEdit()
        self.editor.setPlaceholderText("Ask anything…  (Enter sends, Shift+Enter adds a line)")
        self.editor.setAccessibleName("Message")
        self.editor.setTabChangesFocus(True)
        self.editor.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.editor.submitted.connect(self._submit)
        self.editor.document().contentsChanged.connect(self._fit_height)
        self.button = QtWidgets.QPushButton("Send")
        self.button.setDefault(False)
        self.button.setAutoDefault(False)
        self.button.setAccessibleName("Send message")
        self.button.setToolTip("Send (Enter)")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self._button_clicked)
        self.model_picker = ModelPicker()
        self.model_picker.hide()  # shown once a model server is connected (see model_controls)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(theme.SPACE_M)
        row.addWidget(self.model_picker)
        row.addStretch(1)
        row.addWidget(self.button)
        layout.addWidget(self.editor, 1)
        layout.addLayout(row)
        choose_model = QtGui.QShortcut(QtGui.QKeySequence(MODEL_SHORTCUT), self)
        choose_model.setContext(Qt.ShortcutContext.WindowShortcut)
        choose_model.activated.connect(self.open_model_picker)
        self._fit_height()

    @property
    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText("Stop" if busy else "Send")
        self.button.setAccessibleName("Stop the answer" if busy else "Send message")
        self.button.setToolTip("Stop (Esc)" if busy else "Send (Enter)")

    def open_model_picker(self) -> None:
        if self.model_picker.isVisible():
            self.model_picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.model_picker.showPopup()

    def focus(self) -> None:
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _button_clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._submit()

    def _submit(self) -> None:
        if self._busy:
            return  # Enter while an answer streams does nothing; Esc or Stop ends it
        text = self.editor.toPlainText()
        if text.strip():
            self.send_requested.emit(text)

    def _fit_height(self) -> None:
        lines = min(_MAX_LINES, max(1, self.editor.document().blockCount()))
        metrics = self.editor.fontMetrics()
        margins = self.editor.contentsMargins()
        height = lines * metrics.lineSpacing() + 2 * int(self.editor.document().documentMargin())
        self.editor.setFixedHeight(height + margins.top() + margins.bottom() + 2)
