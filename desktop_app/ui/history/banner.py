"""A message strip that never blocks: a sentence, optional action buttons, a close button, maybe a timeout.

Used for what the user should know but need not answer (the history file was
damaged and set aside, the file is locked) and for the short-lived
"Conversation deleted · Undo" bar.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import theme
from ..qt import Qt, QTimer, QtWidgets, Signal


class Banner(QtWidgets.QFrame):
    """``actions`` are (label, callback) pairs; each closes the banner after running."""

    closed = Signal()

    def __init__(
        self,
        message: str,
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        *,
        timeout_ms: int = 0,
        closable: bool = True,
        wrap: bool = True,
        name: str = "Banner",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(message)
        self.setAccessibleDescription("Notice")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_M, theme.SPACE_M, theme.SPACE_M)
        layout.setSpacing(theme.SPACE_M)
        self.label = QtWidgets.QLabel(message)
        self.label.setObjectName("BannerText")
        self.label.setWordWrap(wrap)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for text, callback in actions or []:
            button = QtWidgets.QPushButton(text)
            button.setAccessibleName(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, callback=callback: self._run(callback))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            self.buttons[text] = button
        if closable:
            close = QtWidgets.QToolButton()
            close.setObjectName("BannerClose")
            close.setText("✕")
            close.setAutoRaise(True)
            close.setAccessibleName("Dismiss notice")
            close.setToolTip("Dismiss")
            close.clicked.connect(self.dismiss)
            layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer: QTimer | None = None
        if timeout_ms:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self.dismiss)
            self._timer.start(timeout_ms)

    @property
    def message(self) -> str:
        return self.label.text()

    def _run(self, callback: Callable[[], None]) -> None:
        self.dismiss()
        callback()

    def dismiss(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.hide()
        self.deleteLater()
        self.closed.emit()


class BannerArea(QtWidgets.QWidget):
    """A column of banners above the chat; empty, it takes no room."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(theme.SPACE_XL, theme.SPACE_M, theme.SPACE_XL, 0)
        self._layout.setSpacing(theme.SPACE_S)
        self._banners: list[Banner] = []
        self.hide()

    def show_message(
        self, message: str, actions: list[tuple[str, Callable[[], None]]] | None = None
    ) -> Banner:
        """Show ``message`` (once: the same words already showing are not repeated)."""
        for banner in self._banners:
            if banner.message == message:
                return banner
        banner = Banner(message, actions, parent=self)
        banner.closed.connect(lambda banner=banner: self._forget(banner))
        self._banners.append(banner)
        self._layout.addWidget(banner)
        self.show()
        return banner

    def banners(self) -> list[Banner]:
        return list(self._banners)

    def _forget(self, banner: Banner) -> None:
        if banner in self._banners:
            self._banners.remove(banner)
        self.setVisible(bool(self._banners))
