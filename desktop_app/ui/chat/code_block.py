"""A fenced code block: language label, Copy button, highlighted monospace text that grows in place.

Streaming appends only the new characters to the document (the highlighter
then colours only the new lines), and the height changes only when the line
count does, so a long code block costs the same per update as a short one.
"""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtCore, QtGui, QTimer, QtWidgets
from .highlight import CodeHighlighter

_COPIED_MS = 1500


class CodeBlock(QtWidgets.QFrame):
    kind = "code"

    def __init__(self, language: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodeBlock")
        self._code = ""
        self._shown = ""
        self._lines = 0
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_S, theme.SPACE_S, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_XS)

        header = QtWidgets.QHBoxLayout()
        self.language_label = QtWidgets.QLabel(language or "code")
        self.language_label.setObjectName("CodeLanguage")
        self.copy_button = QtWidgets.QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy this code to the clipboard")
        self.copy_button.setAccessibleName(f"Copy {language or 'code'} code")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        header.addWidget(self.language_label)
        header.addStretch(1)
        header.addWidget(self.copy_button)
        layout.addLayout(header)

        self.editor = _CodeEditor()
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(theme.monospace_font())
        self.editor.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.editor.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.editor.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.editor.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.editor.setTabChangesFocus(True)
        self.editor.setAccessibleName(f"{language or 'Code'} code block")
        self.editor.document().setDocumentMargin(0)
        self.editor.horizontalScrollBar().rangeChanged.connect(lambda *_: self._fit_height())
        self._highlighter = CodeHighlighter(self.editor.document(), language)
        layout.addWidget(self.editor)
        self._fit_height()

    @property
    def code(self) -> str:
        return self._code

    def set_text(self, code: str) -> None:
        """Show ``code``; when it extends what is shown, only the new part is inserted."""
        if code == self._code:
            return
        self._code = code
        shown = code.rstrip("\n")  # a trailing newline would show as an empty last line
        if shown.startswith(self._shown):
            cursor = QtGui.QTextCursor(self.editor.document())
            cursor.movePosition(QtGui.QTextCursor.MoveOperation.End)
            cursor.insertText(shown[len(self._shown) :])
        else:
            self.editor.setPlainText(shown)
        self._shown = shown
        lines = self.editor.document().blockCount()
        if lines != self._lines:
            self._lines = lines
            self._fit_height()

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._highlighter.use_theme(theme.current())

    def copy_to_clipboard(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self._code)
        self.copy_button.setText("Copied")
        QTimer.singleShot(_COPIED_MS, self.copy_button, lambda: self.copy_button.setText("Copy"))

    def _fit_height(self) -> None:
        lines = max(1, self.editor.document().blockCount())
        height = lines * self.editor.fontMetrics().lineSpacing() + 6
        bar = self.editor.horizontalScrollBar()
        if bar.maximum() > 0:
            height += bar.sizeHint().height()
        self.editor.setFixedHeight(height)


class _CodeEditor(QtWidgets.QPlainTextEdit):
    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:  # noqa: N802 (Qt override)
        # Vertical wheel scrolls the conversation; a sideways wheel scrolls long lines.
        if abs(event.angleDelta().x()) > abs(event.angleDelta().y()):
            super().wheelEvent(event)
        else:
            event.ignore()
