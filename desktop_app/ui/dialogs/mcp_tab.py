"""Settings → MCP servers: the profile's servers with their status; Test, Import, Remove.

"Test" starts a fresh copy of the server, lists its tools and stops it
(``check_server``), showing starting → ready (with the tool count) or failed
with the server's own reason and last stderr lines. The MCP SDK takes about a
second to import, so it is imported in a worker thread the first time it is needed.
"""

from __future__ import annotations

import asyncio
import html
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from ...tools.mcp.config import (
    ServerConfig,
    import_servers,
    load_profile_servers,
    remove_profile_server,
)
from .. import theme
from ..qt import Qt, QtWidgets, Signal
from . import provider_setup as setup
from .tasks import DialogTasks, plain_message
from .widgets import StatusLine, muted

_STATE_TEXT = {"starting": "Starting…", "ready": "Ready", "failed": "Failed", "stopped": "Stopped"}


def claude_desktop_config() -> Path:
    """Where Claude Desktop keeps its config on this system (it may not exist)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "Claude" / "claude_desktop_config.json"
    return Path.home() / ".config" / "Claude" / "claude_desktop_config.json"


class McpTab(QtWidgets.QWidget):
    changed = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = DialogTasks()
        self.servers: list[ServerConfig] = []
        self.statuses: dict[str, Any] = {}  # name → ServerStatus of the last test (or the live session)
        self.file_dialog: QtWidgets.QFileDialog | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, theme.SPACE_L, 0, 0)
        layout.setSpacing(theme.SPACE_M)
        layout.addWidget(
            muted("MCP servers give the assistant extra tools. Keys they need stay in the system keychain.")
        )
        self.list = QtWidgets.QTreeWidget()
        self.list.setObjectName("McpList")
        self.list.setAccessibleName("MCP servers")
        self.list.setHeaderLabels(["Server", "Runs", "Status"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        layout.addWidget(self.list, 1)
        self.details = QtWidgets.QLabel()
        self.details.setObjectName("McpDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName("Server details")
        layout.addWidget(self.details)
        buttons = QtWidgets.QHBoxLayout()
        self.test_button = QtWidgets.QPushButton("&Test")
        self.test_button.setAccessibleName("Test the server")
        self.import_button = QtWidgets.QPushButton("&Import from Claude Desktop config…")
        self.import_button.setAccessibleName("Import from Claude Desktop config")
        self.remove_button = QtWidgets.QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the server")
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)
        self.status = StatusLine()
        layout.addWidget(self.status)

        self.test_button.clicked.connect(self._test_selected)
        self.import_button.clicked.connect(self._choose_file)
        self.remove_button.clicked.connect(self._remove_selected)
        self.tasks.start("load", self.reload())

    # -- list ---------------------------------------------------------------------------------------

    async def reload(self) -> None:
        try:
            self.servers = await asyncio.to_thread(load_profile_servers)
        except Exception as exc:
            self.status.error(plain_message(exc))
            self.servers = []
        selected = self.selected.name if self.selected else ""
        self.list.clear()
        for server in self.servers:
            item = QtWidgets.QTreeWidgetItem([server.name, server.target, ""])
            item.setData(0, Qt.ItemDataRole.UserRole, server.name)
            item.setToolTip(1, server.target)
            self.list.addTopLevelItem(item)
            self._show_status(server.name)
        names = [s.name for s in self.servers]
        if names:
            self.list.setCurrentItem(
                self.list.topLevelItem(names.index(selected) if selected in names else 0)
            )
        self._show_selected()

    @property
    def selected(self) -> ServerConfig | None:
        item = self.list.currentItem()
        name = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        return next((s for s in self.servers if s.name == name), None)

    def update_status(self, status: Any) -> None:
        """A status from the window's running servers (or a test): shown at once."""
        self.statuses[status.name] = status
        self._show_status(status.name)

    def state_of(self, name: str) -> str:
        status = self.statuses.get(name)
        return str(status.state) if status is not None else "not started"

    def _show_status(self, name: str) -> None:
        for row in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) != name:
                continue
            status = self.statuses.get(name)
            server = next((s for s in self.servers if s.name == name), None)
            if status is None:
                text = "Cannot start" if server is not None and server.problem else "Not tested"
            else:
                text = _STATE_TEXT.get(str(status.state), str(status.state))
                if str(status.state) == "ready":
                    text += f" · {len(status.tools)} tool{'' if len(status.tools) == 1 else 's'}"
            item.setText(2, text)
            colour = {"ready": theme.current().tool_ok, "failed": theme.current().tool_error}
            if status is not None and str(status.state) in colour:
                item.setForeground(2, colour[str(status.state)])
        if self.selected is not None and self.selected.name == name:
            self._show_selected()

    def _show_selected(self) -> None:
        server = self.selected
        self.test_button.setEnabled(server is not None)
        self.remove_button.setEnabled(server is not None)
        if server is None:
            self.details.setText("No MCP servers yet. Import them from a Claude Desktop config file.")
            return
        status = self.statuses.get(server.name)
        parts = [f"<b>{html.escape(server.name)}</b> · {html.escape(server.target)}"]
        reason = status.reason if status is not None else server.problem
        if reason:
            parts.append(html.escape(reason, quote=False))
        if status is not None and status.tools:
            parts.append("Tools: " + html.escape(", ".join(t.name for t in status.tools)))
        if status is not None and status.stderr_tail:
            tail = html.escape(status.stderr_tail)
            parts.append(f"The server's last output:<pre>{tail}</pre>")
        self.details.setText("<br>".join(parts))

    # -- actions ------------------------------------------------------------------------------------

    def _test_selected(self) -> None:
        server = self.selected
        if server is not None:
            self.tasks.start(f"test-{server.name}", self.test(server))

    async def test(self, server: ServerConfig) -> None:
        manager = await asyncio.to_thread(importlib.import_module, "desktop_app.tools.mcp.manager")
        connection = await asyncio.to_thread(importlib.import_module, "desktop_app.tools.mcp.connection")
        self.statuses[server.name] = connection.ServerStatus(
            server.name, connection.ServerState.STARTING, server.transport, server.target
        )
        self._show_status(server.name)
        keychain = await setup.shared_keychain()
        try:
            status = await manager.check_server(server, start_timeout=30.0, keychain=keychain)
        except Exception as exc:
            status = connection.ServerStatus(
                server.name,
                connection.ServerState.FAILED,
                server.transport,
                server.target,
                plain_message(exc),
            )
        self.statuses[server.name] = status
        self._show_status(server.name)

    def _choose_file(self) -> None:
        dialog = self.make_file_dialog()
        self.file_dialog = dialog
        dialog.fileSelected.connect(lambda path: self.tasks.start("import", self.import_file(path)))
        dialog.finished.connect(lambda _: self._forget_file_dialog(dialog))
        dialog.open()  # not exec(): a nested event loop would re-enter qasync

    def make_file_dialog(self) -> QtWidgets.QFileDialog:
        """A file dialog at Claude Desktop's config, or in its folder, or at home."""
        start = claude_desktop_config()
        folder = start.parent if start.parent.exists() else Path.home()
        dialog = QtWidgets.QFileDialog(self, "Import MCP servers", str(folder))
        dialog.setNameFilters(["Claude Desktop config (*.json)", "All files (*)"])
        dialog.setFileMode(QtWidgets.QFileDialog.FileMode.ExistingFile)
        dialog.setAccessibleName("Choose a Claude Desktop config file")
        if start.exists():
            dialog.selectFile(str(start))
        return dialog

    def _forget_file_dialog(self, dialog: QtWidgets.QFileDialog) -> None:
        dialog.deleteLater()
        if self.file_dialog is dialog:
            self.file_dialog = None

    async def import_file(self, path: str) -> None:
        self.status.working("Importing…")
        keychain = await setup.shared_keychain()
        try:
            report = await asyncio.to_thread(import_servers, path, keychain)
        except Exception as exc:
            self.status.error(plain_message(exc))
            return
        names = [*report.added, *report.replaced]
        if not names:
            self.status.error(f"{Path(path).name} lists no MCP servers that can start; nothing was imported.")
        else:
            text = f"Imported {len(names)} server{'' if len(names) == 1 else 's'}: {', '.join(names)}."
            if report.secrets_moved:
                text += f" {len(report.secrets_moved)} secret(s) moved to the keychain."
            if report.problems:
                text += " Left out: " + "; ".join(report.problems)
            self.status.ok(text)
        await self.reload()
        self.changed.emit()

    def _remove_selected(self) -> None:
        server = self.selected
        if server is not None:
            self.tasks.start("remove", self._remove(server.name))

    async def _remove(self, name: str) -> None:
        try:
            await asyncio.to_thread(remove_profile_server, name, await setup.shared_keychain())
        except Exception as exc:
            self.status.error(plain_message(exc))
            return
        self.statuses.pop(name, None)
        self.status.ok(f"Removed {name}.")
        await self.reload()
        self.changed.emit()
