"""The profile's MCP servers for one window: started in the background, their tools offered, stopped at quit.

The servers start after the window is connected, so a slow or broken server
never delays the first answer; their tools join the chat from the next message
once they are ready. Each state change (starting, ready, failed with the reason)
is emitted as ``status_changed`` for Settings → MCP servers. :meth:`McpSession.aclose`
must be awaited before the event loop ends (the bridge does it when it closes).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any

from ..tools.base import Tool
from .dialogs import provider_setup as setup
from .qt import QObject, Signal

log = logging.getLogger("backstage.window")


class McpSession(QObject):
    status_changed = Signal(object)  # a tools.mcp ServerStatus
    tools_ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.statuses: dict[str, Any] = {}
        self._manager: Any = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        """Start the profile's servers (none configured: nothing happens, nothing is imported)."""
        if self._closed:
            return  # a restart that raced with closing must not start processes nobody will stop
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mcp-session")

    async def restart(self) -> None:
        """Stop the servers and start what the profile lists now (after an import or a removal)."""
        await self._stop()
        self.statuses.clear()
        self.start()

    def tools(self) -> list[Tool]:
        return list(self._manager.tools()) if self._manager is not None else []

    async def _run(self) -> None:
        from ..tools.mcp.config import load_profile_servers

        try:
            servers = await asyncio.to_thread(load_profile_servers)
        except Exception as exc:  # a damaged mcp.json must not stop the chat
            log.warning("MCP servers not started: %s", exc)
            return
        if not servers:
            return
        # The SDK takes about a second to import: in a worker thread, not on the Qt thread.
        manager_module = await asyncio.to_thread(importlib.import_module, "desktop_app.tools.mcp.manager")
        keychain = await setup.shared_keychain()
        self._manager = manager_module.McpManager(servers, keychain=keychain, on_change=self._changed)
        for status in self._manager.statuses():
            self._changed(status)
        await self._manager.start()
        self.tools_ready.emit()

    def _changed(self, status: Any) -> None:
        self.statuses[status.name] = status
        self.status_changed.emit(status)

    async def aclose(self) -> None:
        """Stop every server and wait until their processes are gone; none starts again. Safe to call twice."""
        self._closed = True
        await self._stop()

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()  # McpManager.start stops what it started when cancelled
            await asyncio.gather(task, return_exceptions=True)
        manager, self._manager = self._manager, None
        if manager is not None:
            await manager.stop()
