"""Settings → Tools: which search service, whether pages on this computer may be read, run_python.

Every change is saved at once (no Apply button to forget); a search key goes to
the keychain when the field is left or Enter is pressed. A chat started after
the change uses the new choices.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from .. import theme
from ..qt import QtWidgets, Signal
from . import provider_setup as setup
from .tasks import DialogTasks, plain_message
from .tool_settings import ToolSettings, load_tool_settings, save_tool_settings
from .widgets import SecretField, StatusLine, heading, link_label, muted

# (settings name, label, keychain entry of its key, where a key is made)
SEARCH_SERVICES = (
    ("duckduckgo", "DuckDuckGo (free, no key)", "", ""),
    ("brave", "Brave Search", "search:brave", "https://api-dashboard.search.brave.com/app/keys"),
    ("tavily", "Tavily", "search:tavily", "https://app.tavily.com/home"),
    ("searxng", "SearXNG (your own server)", "", ""),
)


class ToolsTab(QtWidgets.QWidget):
    changed = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = DialogTasks()
        self.current = ToolSettings()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, theme.SPACE_L, 0, 0)
        layout.setSpacing(theme.SPACE_M)

        layout.addWidget(heading("Web search", "SectionHeading"))
        form = QtWidgets.QFormLayout()
        form.setVerticalSpacing(theme.SPACE_M)
        self.backend = QtWidgets.QComboBox()
        self.backend.setAccessibleName("Search service")
        for name, label, _, _ in SEARCH_SERVICES:
            self.backend.addItem(label, name)
        self.key = SecretField("Search service key")
        self.key_link = link_label("", "", "Search key page")
        self.url = QtWidgets.QLineEdit()
        self.url.setAccessibleName("SearXNG address")
        self.url.setPlaceholderText("https://searx.example.org")
        form.addRow("&Service", self.backend)
        form.addRow("&Key", self.key)
        form.addRow("", self.key_link)
        form.addRow("&Address", self.url)
        layout.addLayout(form)
        self._form = form

        layout.addSpacing(theme.SPACE_L)
        layout.addWidget(heading("Reading pages", "SectionHeading"))
        self.local_urls = QtWidgets.QCheckBox("Allow reading pages on this computer and the local network")
        self.local_urls.setAccessibleName("Allow local addresses")
        layout.addWidget(self.local_urls)
        layout.addWidget(
            muted(
                "Off by default, so a web page cannot lead Backstage to your router or other local services."
            )
        )

        layout.addSpacing(theme.SPACE_L)
        layout.addWidget(heading("Running code", "SectionHeading"))
        self.run_python = QtWidgets.QCheckBox("Let the assistant run Python code")
        self.run_python.setAccessibleName("Run Python code")
        layout.addWidget(self.run_python)
        layout.addWidget(
            muted("It asks you every time and shows the code first. Runs in a separate process.")
        )
        self.status = StatusLine()
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.backend.activated.connect(lambda _: self._changed())
        self.url.editingFinished.connect(self._changed)
        self.local_urls.toggled.connect(lambda _: self._changed())
        self.run_python.toggled.connect(lambda _: self._changed())
        self.key.edit.editingFinished.connect(self._save_key)
        self._loading = True
        self.tasks.start("load", self._load())

    def _service(self) -> tuple[str, str, str, str]:
        return SEARCH_SERVICES[max(0, self.backend.currentIndex())]

    def _show_service_fields(self) -> None:
        name, label, key_name, key_url = self._service()
        self._form.setRowVisible(self.key, bool(key_name))
        self._form.setRowVisible(self.key_link, bool(key_url))
        self._form.setRowVisible(self.url, name == "searxng")
        if key_url:
            self.key_link.setText(f'<a href="{key_url}">Get a {label} key ↗</a>')
        if key_name:
            self.tasks.start("key", self._show_key(key_name))

    async def _load(self) -> None:
        try:
            self.current = await asyncio.to_thread(load_tool_settings)
        except Exception as exc:
            self.status.error(plain_message(exc))
        names = [s[0] for s in SEARCH_SERVICES]
        self.backend.setCurrentIndex(names.index(self.current.search_backend))
        self.url.setText(self.current.search_url)
        self.local_urls.setChecked(self.current.allow_local_urls)
        self.run_python.setChecked(self.current.run_python)
        self._loading = False
        self._show_service_fields()

    async def _show_key(self, key_name: str) -> None:
        keychain = await setup.shared_keychain()
        stored = await asyncio.to_thread(keychain.get, key_name)
        self.key.clear()
        self.key.set_placeholder("Stored in the keychain (type to replace)" if stored else "Paste the key")

    def _changed(self) -> None:
        if self._loading:
            return
        self._show_service_fields()
        chosen = replace(
            self.current,
            search_backend=self._service()[0],
            search_url=self.url.text().strip(),
            allow_local_urls=self.local_urls.isChecked(),
            run_python=self.run_python.isChecked(),
        )
        if chosen != self.current:
            self.tasks.start("save", self._save(chosen))

    async def _save(self, chosen: ToolSettings) -> None:
        try:
            await asyncio.to_thread(save_tool_settings, chosen)
        except Exception as exc:
            self.status.error(plain_message(exc))
            return
        self.current = chosen
        self.status.ok("Saved. New chats use these tools.")
        self.changed.emit()

    def _save_key(self) -> None:
        key, key_name = self.key.text, self._service()[2]
        if key and key_name:
            self.tasks.start("save-key", self._store_key(key_name, key))

    async def _store_key(self, key_name: str, key: str) -> None:
        keychain = await setup.shared_keychain()
        await asyncio.to_thread(keychain.set, key_name, key)
        self.key.clear()
        self.key.set_placeholder("Stored in the keychain (type to replace)")
        self.status.ok(keychain.notice or "Key saved in the keychain.")
