"""The three steps of onboarding as widgets: choose a service, connect to it, choose a model.

Pages only show things and report edits; :mod:`.onboarding` decides what happens next.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ...providers.detect import LocalServer
from .. import theme
from ..qt import Qt, QtWidgets, Signal
from .provider_list import ProviderList
from .provider_setup import ProviderChoice, all_choices
from .widgets import ModelList, SecretField, StatusLine, heading, link_label, muted


class ChoosePage(QtWidgets.QWidget):
    """Step 1: servers found on this computer first, then the cloud services, then other local servers."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_L)
        layout.addWidget(heading("Where should answers come from?"))
        layout.addWidget(
            muted("Pick a service you have an account with, or a model server running on this computer.")
        )
        self.detection = StatusLine()
        self.detection.setAccessibleName("Local servers")
        layout.addWidget(self.detection)
        self.list = ProviderList()
        layout.addWidget(self.list, 1)
        self.show_found(None)

    def show_found(self, servers: list[LocalServer] | None) -> None:
        """``None`` while still looking; then the servers that answered (perhaps none)."""
        if servers is None:
            self.detection.working("Looking for model servers on this computer…")
        elif servers:
            found = ", ".join(f"{s.display_name} ({_count(len(s.models))})" for s in servers)
            self.detection.ok(f"Found on this computer: {found}")
        else:
            self.detection.clear()
        running, cloud, local = all_choices(servers or [])
        self.list.set_sections(
            [("Found on this computer", running), ("Cloud services", cloud), ("Run on your computer", local)]
        )
        if self.list.chosen is None and running:
            self.list.select_id(running[0].id, found=True)


def _count(n: int) -> str:
    return f"{n} model{'' if n == 1 else 's'}"


class ConnectPage(QtWidgets.QWidget):
    """Step 2: the key (masked, with a link to where one is made) and the address; Test connection."""

    edited = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_L)
        self.title = heading("")
        self.intro = muted("")
        layout.addWidget(self.title)
        layout.addWidget(self.intro)

        self.key_box = QtWidgets.QWidget()
        key_layout = QtWidgets.QVBoxLayout(self.key_box)
        key_layout.setContentsMargins(0, theme.SPACE_S, 0, 0)
        key_layout.setSpacing(theme.SPACE_S)
        key_label = QtWidgets.QLabel("&API key")
        self.key = SecretField("API key")
        key_label.setBuddy(self.key.edit)
        self.key_link = link_label("", "", "Key page")
        key_layout.addWidget(key_label)
        key_layout.addWidget(self.key)
        key_layout.addWidget(self.key_link)
        layout.addWidget(self.key_box)

        self.notice = QtWidgets.QLabel()
        self.notice.setObjectName("Notice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Keychain notice")
        self.notice.hide()
        layout.addWidget(self.notice)

        self.address_toggle = QtWidgets.QToolButton()
        self.address_toggle.setText("Use a different server address…")
        self.address_toggle.setAccessibleName("Use a different server address")
        self.address_toggle.setObjectName("LinkButton")
        self.address_toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.address_toggle.clicked.connect(lambda: self._show_address(True))
        layout.addWidget(self.address_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        self.address_box = QtWidgets.QWidget()
        address_layout = QtWidgets.QVBoxLayout(self.address_box)
        address_layout.setContentsMargins(0, 0, 0, 0)
        address_layout.setSpacing(theme.SPACE_S)
        address_label = QtWidgets.QLabel("Server a&ddress")
        self.address = QtWidgets.QLineEdit()
        self.address.setAccessibleName("Server address")
        address_label.setBuddy(self.address)
        address_layout.addWidget(address_label)
        address_layout.addWidget(self.address)
        layout.addWidget(self.address_box)

        test_row = QtWidgets.QHBoxLayout()
        test_row.setSpacing(theme.SPACE_L)
        self.test_button = QtWidgets.QPushButton("&Test connection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.setToolTip("Make the smallest real request to the server (Alt+T)")
        self.result = StatusLine()
        self.result.setAccessibleName("Connection test result")
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        test_row.addWidget(self.result, 1)
        layout.addLayout(test_row)
        layout.addStretch(1)
        self.key.changed.connect(self.edited)
        self.address.textChanged.connect(self.edited)

    def show_choice(self, choice: ProviderChoice, keychain_notice: str | None) -> None:
        name = choice.title
        self.title.setText(f"Connect to {name}" if not choice.custom else "Connect to your server")
        self.address.setText(choice.base_url)
        self.address.setPlaceholderText("http://127.0.0.1:8080/v1")
        self.key.clear()
        self.result.clear()
        cloud = choice.preset.needs_key and not choice.custom
        if choice.found is not None:
            intro = f"{name} is running on this computer at {choice.found.address}. No key is needed."
        elif cloud and keychain_notice:
            intro = "Paste your API key."  # where it is kept is the notice below
        elif cloud:
            intro = "Paste your API key. Backstage keeps it in your system keychain, never in a file."
        elif choice.custom:
            intro = "Enter the server's address (it often ends in /v1). Add a key only if the server asks for one."
        else:
            host = urlsplit(choice.base_url).netloc
            intro = f"Start {name} first; Backstage looks for it at {host}. No key is needed."
        self.intro.setText(intro)
        self.key_box.setVisible(cloud or choice.custom)
        self.key.set_placeholder("Paste the key here" if cloud else "Optional")
        if choice.preset.key_url and not choice.custom:
            host = urlsplit(choice.preset.key_url).netloc
            self.key_link.setText(f'<a href="{choice.preset.key_url}">Get a key at {host} ↗</a>')
            self.key_link.setAccessibleName(f"Open {name}'s key page")
            self.key_link.setToolTip(choice.preset.key_url)
            self.key_link.show()
        else:
            self.key_link.hide()
        self.notice.setText(keychain_notice or "")
        self.notice.setVisible(bool(keychain_notice) and self.key_box.isVisibleTo(self))
        self._show_address(not cloud)
        self.address_toggle.setVisible(cloud)

    def _show_address(self, shown: bool) -> None:
        self.address_box.setVisible(shown)
        self.address_toggle.setVisible(not shown)
        if shown and self.isVisible():
            self.address.setFocus()


class ModelPage(QtWidgets.QWidget):
    """Step 3: the models the server lists, searchable; a name can be typed when none is listed."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_L)
        layout.addWidget(heading("Choose a model"))
        layout.addWidget(muted("You can switch models any time with the picker under your message."))
        self.status = StatusLine()
        self.status.setAccessibleName("Model list status")
        layout.addWidget(self.status)
        self.models = ModelList()
        layout.addWidget(self.models, 1)
