"""Small pieces the dialogs share: a status line with a spinner, a masked key field, a model list."""

from __future__ import annotations

from ...providers.detect import short_model_name
from .. import theme
from ..chat.spinner import Spinner
from ..qt import Qt, QtCore, QtWidgets, Signal


class StatusLine(QtWidgets.QWidget):
    """One line saying how something went: a spinner while working, then ✓ or the plain error."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_M)
        self.spinner = Spinner(16)
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Status")
        layout.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.state = "idle"
        self.clear()

    def clear(self) -> None:
        self._show("idle", "")

    def working(self, text: str) -> None:
        self._show("working", text)

    def ok(self, text: str) -> None:
        self._show("ok", f"✓  {text}")

    def error(self, text: str) -> None:
        self._show("error", text)

    @property
    def text(self) -> str:
        return self.label.text()

    def _show(self, state: str, text: str) -> None:
        self.state = state
        self.spinner.setVisible(state == "working")
        self.label.setText(text)
        self.label.setProperty("state", state)
        self.label.setObjectName({"error": "ErrorNote", "ok": "OkNote"}.get(state, "Muted"))
        self.label.style().unpolish(self.label)  # the object name picks the colour: restyle now
        self.label.style().polish(self.label)
        self.setVisible(bool(text))


class SecretField(QtWidgets.QWidget):
    """A masked line for an API key, with a Show toggle. The text never leaves except through :attr:`text`."""

    changed = Signal()

    def __init__(self, accessible_name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_S)
        self.edit = QtWidgets.QLineEdit()
        self.edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(accessible_name)
        self.edit.setClearButtonEnabled(True)
        # Password mode also refuses copy, cut and drag: the key goes from here to the keychain only.
        self.edit.textChanged.connect(self.changed)
        self.show_button = QtWidgets.QToolButton()
        self.show_button.setText("Show")
        self.show_button.setCheckable(True)
        self.show_button.setAccessibleName("Show the key")
        self.show_button.setToolTip("Show or hide the key")
        self.show_button.toggled.connect(self._toggle)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.show_button)
        self.setFocusProxy(self.edit)

    @property
    def text(self) -> str:
        return self.edit.text().strip()

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)

    def clear(self) -> None:
        self.edit.clear()

    def _toggle(self, shown: bool) -> None:
        mode = QtWidgets.QLineEdit.EchoMode
        self.edit.setEchoMode(mode.Normal if shown else mode.Password)
        self.show_button.setText("Hide" if shown else "Show")


def link_label(text: str, url: str, accessible_name: str) -> QtWidgets.QLabel:
    """A link that opens in the browser, reachable with Tab and Enter."""
    label = QtWidgets.QLabel(f'<a href="{url}">{text}</a>')
    label.setOpenExternalLinks(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    label.setAccessibleName(accessible_name)
    label.setToolTip(url)
    return label


def heading(text: str, object_name: str = "DialogHeading") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    return label


def muted(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(True)
    return label


class ModelList(QtWidgets.QWidget):
    """A searchable list of model ids, shown by short name. Typing a name not listed offers it too,
    for servers whose list is empty or incomplete."""

    chosen_changed = Signal()
    activated = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_M)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search models…")
        self.search.setAccessibleName("Search models")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("ModelList")
        self.list.setAccessibleName("Models")
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(lambda *_: self.chosen_changed.emit())
        # Double-click only: Enter already presses the dialog's default button (the list ignores it).
        self.list.itemDoubleClicked.connect(lambda *_: self.activated.emit())
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._models: list[str] = []
        self._typed: QtWidgets.QListWidgetItem | None = None
        self.search.installEventFilter(self)

    def set_models(self, models: list[str], preferred: str = "") -> None:
        self._models = list(models)
        self.list.clear()
        self._typed = None
        for model in models:
            item = QtWidgets.QListWidgetItem(short_model_name(model))
            item.setData(Qt.ItemDataRole.UserRole, model)
            item.setToolTip(model)
            self.list.addItem(item)
        self.search.setPlaceholderText(
            f"Search {len(models)} models…" if models else "Type the model's name…"
        )
        self._filter(self.search.text())
        self.choose(preferred)

    def choose(self, model: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == model and not item.isHidden():
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
                return
        first = next(
            (self.list.item(r) for r in range(self.list.count()) if not self.list.item(r).isHidden()), None
        )
        if first is not None:
            self.list.setCurrentItem(first)

    @property
    def chosen(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None and not item.isHidden() else ""

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        if self._typed is not None:
            self.list.takeItem(self.list.row(self._typed))
            self._typed = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(bool(needle) and needle not in str(item.data(Qt.ItemDataRole.UserRole)).lower())
        typed = text.strip()
        if typed and typed not in self._models:
            self._typed = QtWidgets.QListWidgetItem(f"Use “{typed}”")
            self._typed.setData(Qt.ItemDataRole.UserRole, typed)
            self._typed.setToolTip("A model name the server did not list")
            self.list.insertItem(0 if not self._visible_count() else self.list.count(), self._typed)
        current = self.list.currentItem()
        if current is None or current.isHidden():
            self.choose("")
        self.chosen_changed.emit()

    def _visible_count(self) -> int:
        return sum(1 for r in range(self.list.count()) if not self.list.item(r).isHidden())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt override)
        # Up and Down in the search field move through the list, so the mouse is never needed.
        if watched is self.search and event.type() == QtCore.QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.list.keyPressEvent(event)  # type: ignore[arg-type]
                return True
        return super().eventFilter(watched, event)
