"""What connects a window to the configured providers: the model picker, Settings, the tools on offer.

:func:`install` is called once a window has its bridge. From then on:
choosing a model in the composer's picker makes the next message go to that
model (the chat is kept); Settings (Ctrl+,) opens the settings dialog, and when
it closes the picker reloads its providers and the chat picks up new tool settings.
The profile's MCP servers start in the background (:mod:`.mcp_session`); their
tools join the chat once ready, and their status shows live in Settings.
All network, file and keychain work runs as asyncio tasks or in worker threads.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..providers.detect import short_model_name
from ..providers.presets import PRESETS
from ..tools.registry import ToolRegistry
from .dialogs import provider_setup as setup
from .dialogs.settings_dialog import SettingsDialog
from .dialogs.tasks import DialogTasks, plain_message
from .dialogs.tool_settings import load_tool_settings, window_tools
from .mcp_session import McpSession
from .qt import QObject
from .settings import ServerSettings

if TYPE_CHECKING:
    from .main_window import MainWindow

STATUS_SECONDS = 8


class ModelControls(QObject):
    def __init__(self, window: MainWindow, server: ServerSettings) -> None:
        super().__init__(window)
        self.setObjectName("ModelControls")
        self.window = window
        self.server = server
        self.tasks = DialogTasks()
        self.settings_dialog: SettingsDialog | None = None
        self._configured: set[str] = set()
        self.picker = window.composer.model_picker
        self.picker.model_chosen.connect(self.switch)
        window.server_settings_requested.connect(self.open_settings)
        self.picker.set_current(server.provider, server.model)
        self.picker.show()
        self.tasks.start("sources", self.reload_sources())
        self.mcp = McpSession(self)
        self.mcp.tools_ready.connect(lambda: self.tasks.start("tools", self.apply_tool_settings()))
        window.bridge.on_close(self.aclose)  # the servers' processes end before the loop does
        self.mcp.start()

    # -- the picker ---------------------------------------------------------------------------------

    async def reload_sources(self) -> None:
        settings = await setup.load_settings_async()
        providers = [(entry.name, setup.provider_label(entry)) for entry in settings.providers]
        self._configured = {name.lower() for name, _ in providers}
        if self.server.provider.lower() not in self._configured:
            # A server from the command line: listed first, under its address.
            providers.insert(0, (self.server.provider, _session_label(self.server)))
        self.picker.set_sources(providers, self._models_of)
        self.picker.set_current(self.server.provider, self.server.model)

    async def _models_of(self, name: str) -> list[str]:
        if name.lower() not in self._configured:
            listing = getattr(self.window.bridge.provider, "list_models", None)
            return setup.chat_models(await listing()) if listing is not None else []
        provider, _ = await setup.configured_provider(name)
        try:
            return await setup.fetch_models(provider)
        finally:
            await provider.aclose()

    def switch(self, name: str, model: str) -> None:
        self.tasks.start("switch", self._switch(name, model))

    async def _switch(self, name: str, model: str) -> None:
        bridge = self.window.bridge
        previous = self.server
        try:
            if name == previous.provider:
                provider, server = bridge.provider, replace(previous, model=model)
            else:
                provider, server = await setup.configured_provider(name, model)
        except Exception as exc:
            self.picker.set_current(previous.provider, previous.model)
            self.window.statusBar().showMessage(plain_message(exc), STATUS_SECONDS * 1000)
            return
        bridge.reconfigure(provider, replace(bridge.config, model=model, provider_name=server.provider))
        self.server = server
        self.window.server_label.setText(describe(server))
        if name.lower() in self._configured:
            await setup.remember_choice(name, model)  # the next start opens with it

    # -- settings -----------------------------------------------------------------------------------

    def open_settings(self, tab: str = "providers") -> SettingsDialog:
        if self.settings_dialog is None:
            dialog = SettingsDialog(self.window, tab=tab)
            dialog.providers_changed.connect(self._providers_changed)
            dialog.tools_changed.connect(lambda: self.tasks.start("tools", self.apply_tool_settings()))
            dialog.mcp_changed.connect(lambda: self.tasks.start("mcp", self._restart_mcp()))
            for status in self.mcp.statuses.values():
                dialog.mcp.update_status(status)
            self.mcp.status_changed.connect(dialog.mcp.update_status)
            dialog.finished.connect(lambda _: self._forget_settings(dialog))
            self.settings_dialog = dialog
        else:
            self.settings_dialog.show_tab(tab)
        self.settings_dialog.open()  # not exec(): a nested event loop would re-enter qasync
        return self.settings_dialog

    def _providers_changed(self) -> None:
        self.tasks.start("sources", self.reload_sources())
        if self.server.provider.lower() in self._configured:
            self.tasks.start("refresh", self._reopen_current())

    async def _reopen_current(self) -> None:
        """A new key or address of the provider in use applies from the next message on."""
        try:
            provider, server = await setup.configured_provider(self.server.provider, self.server.model)
        except Exception:  # removed, or its key is gone: the chat keeps what it has until another is chosen
            return
        bridge = self.window.bridge
        bridge.reconfigure(
            provider, replace(bridge.config, model=server.model, provider_name=server.provider)
        )
        self.server = server
        self.window.server_label.setText(describe(server))

    def _forget_settings(self, dialog: SettingsDialog) -> None:
        if self.settings_dialog is dialog:
            self.settings_dialog = None
        self.mcp.status_changed.disconnect(dialog.mcp.update_status)
        dialog.deleteLater()

    async def _restart_mcp(self) -> None:
        await self.mcp.restart()
        await self.apply_tool_settings()  # the removed servers' tools go at once; new ones when ready

    async def apply_tool_settings(self) -> None:
        """Offer the tools Settings → Tools describes, and the ready MCP servers' tools, from the next message on."""
        keychain = await setup.shared_keychain()
        try:
            tools = await asyncio.to_thread(lambda: window_tools(load_tool_settings(), keychain))
        except Exception as exc:
            self.window.statusBar().showMessage(plain_message(exc), STATUS_SECONDS * 1000)
            return
        bridge = self.window.bridge
        bridge.reconfigure(bridge.provider, bridge.config, ToolRegistry([*tools, *self.mcp.tools()]))

    async def aclose(self) -> None:
        """Cancel what is still loading or switching, and stop the MCP servers (the bridge calls this)."""
        self.tasks.cancel_all()
        await self.mcp.aclose()


def install(window: MainWindow, server: ServerSettings) -> ModelControls:
    """Give a connected window its model picker and Settings dialog (once)."""
    existing = window.findChild(ModelControls, "ModelControls")
    if isinstance(existing, ModelControls):
        return existing
    return ModelControls(window, server)


def describe(server: ServerSettings) -> str:
    """The status bar's words for a server: the short model name and where it runs."""
    model = short_model_name(server.model)
    return f"{model} · {server.base_url}" if server.base_url else model


def _session_label(server: ServerSettings) -> str:
    preset = PRESETS.get(server.provider.lower())
    if preset is not None and (not server.base_url or server.base_url.rstrip("/") == preset.base_url):
        return preset.display_name.split(" (")[0]
    return urlsplit(server.base_url).netloc or server.provider
