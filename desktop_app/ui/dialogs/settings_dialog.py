"""Settings (Ctrl+,): Providers, Tools and MCP servers, each its own tab.

Changes are saved as they are made; the dialog only reports, when it closes,
which kinds changed (``providers_changed``, ``tools_changed``, ``mcp_changed``),
so the window can reload its model picker, tools or MCP servers without knowing the tabs.
"""

from __future__ import annotations

from .. import theme
from ..qt import QtWidgets, Signal
from .mcp_tab import McpTab
from .providers_tab import ProvidersTab
from .style import StyledDialog, primary
from .tools_tab import ToolsTab

TABS = ("providers", "tools", "mcp")


class SettingsDialog(StyledDialog):
    providers_changed = Signal()
    tools_changed = Signal()
    mcp_changed = Signal()  # servers imported or removed: the window restarts its MCP servers

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, tab: str = "providers") -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumSize(640, 480)
        self.resize(760, 560)
        self._providers_dirty = self._tools_dirty = self._mcp_dirty = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_XL, theme.SPACE_L, theme.SPACE_XL, theme.SPACE_L)
        layout.setSpacing(theme.SPACE_L)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.setDocumentMode(True)
        self.providers = ProvidersTab()
        self.tools = ToolsTab()
        self.mcp = McpTab()
        self.tabs.addTab(self.providers, "&Providers")
        self.tabs.addTab(self.tools, "T&ools")
        self.tabs.addTab(self.mcp, "&MCP servers")
        self.tabs.setCurrentIndex(TABS.index(tab))
        layout.addWidget(self.tabs, 1)
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        self.done_button = primary(QtWidgets.QPushButton("Done"))
        self.done_button.setAccessibleName("Close settings")
        self.done_button.clicked.connect(self.accept)
        row.addWidget(self.done_button)
        layout.addLayout(row)
        self.providers.changed.connect(self._mark_providers)
        self.tools.changed.connect(self._mark_tools)
        self.mcp.changed.connect(self._mark_mcp)

    def show_tab(self, tab: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(tab))

    def _mark_providers(self) -> None:
        self._providers_dirty = True

    def _mark_tools(self) -> None:
        self._tools_dirty = True

    def _mark_mcp(self) -> None:
        self._mcp_dirty = True

    def done(self, code: int) -> None:  # noqa: D102 (QDialog override: every way out passes here)
        for tab in (self.providers, self.tools, self.mcp):
            tab.tasks.cancel_all()
        super().done(code)
        if self._providers_dirty:
            self.providers_changed.emit()
        if self._tools_dirty:
            self.tools_changed.emit()
        if self._mcp_dirty:
            self.mcp_changed.emit()
        self._providers_dirty = self._tools_dirty = self._mcp_dirty = False
