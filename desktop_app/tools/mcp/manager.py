"""All configured MCP servers of one session: started together, listed, called, stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...core.errors import ConfigurationError
from ...storage.secrets import Keychain
from ..base import Tool, ToolResult
from .config import ServerConfig, load_config_file, load_profile_servers
from .connection import ServerConnection, ServerState, ServerStatus, StatusCallback
from .tool import McpTool, model_tool_name, result_text

__all__ = ["McpManager", "mcp_tools_from_config", "check_server"]


class McpManager:
    """Starts each server in its own owner task, concurrently, and stops them all cleanly.

    Every method must be called from the event loop the manager was started on, and
    :meth:`stop` must be awaited before that loop ends (or use ``async with``).
    ``on_change`` is called on that loop's thread at every state change of a server,
    which is what a status line or the settings dialog listens to.
    """

    def __init__(
        self,
        servers: Iterable[ServerConfig],
        *,
        start_timeout: float = 30.0,
        call_timeout: float = 120.0,
        keychain: Keychain | None = None,
        on_change: StatusCallback | None = None,
    ) -> None:
        self.call_timeout = call_timeout
        self._keychain = keychain
        self._connections: dict[str, ServerConnection] = {}
        for config in servers:
            if config.name in self._connections:
                raise ConfigurationError(f"Two MCP servers are named '{config.name}'; names must be unique.")
            self._connections[config.name] = ServerConnection(
                config, start_timeout=start_timeout, keychain=keychain, on_change=on_change
            )

    async def __aenter__(self) -> McpManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def names(self) -> list[str]:
        return list(self._connections)

    async def start(self) -> list[ServerStatus]:
        """Start every server at once; return when each is ready or has failed (never raises for one).

        The wait is bounded by the start timeout. Cancelling it stops the servers started so far.
        """
        for connection in self._connections.values():
            connection.start()
        try:
            return list(await asyncio.gather(*(c.wait_ready() for c in self._connections.values())))
        except BaseException:
            await asyncio.shield(self.stop())
            raise

    def statuses(self) -> list[ServerStatus]:
        """Each server's current status, in config order."""
        return [c.status for c in self._connections.values()]

    def status(self, name: str) -> ServerStatus:
        return self._connection(name).status

    def failures(self) -> list[ServerStatus]:
        return [s for s in self.statuses() if s.state is ServerState.FAILED]

    def _connection(self, name: str) -> ServerConnection:
        try:
            return self._connections[name]
        except KeyError:
            known = ", ".join(self._connections) or "none"
            raise ConfigurationError(f"There is no MCP server named '{name}'. Configured: {known}.") from None

    def tools(self) -> list[McpTool]:
        """The tools of every ready server, named ``<server>__<tool>`` (unique, provider-safe), in config order."""
        tools: list[McpTool] = []
        taken: set[str] = set()
        for connection in self._connections.values():
            if connection.status.state is not ServerState.READY:
                continue
            for remote in connection.status.tools:
                name = model_tool_name(connection.name, remote.name, taken)
                taken.add(name)
                tools.append(McpTool(connection, remote, name, timeout=self.call_timeout))
        return tools

    def tools_of(self, server: str) -> list[McpTool]:
        return [t for t in self.tools() if t.server_name == server]

    async def call_tool(
        self, server: str, tool: str, arguments: dict[str, Any], *, time_limit: float | None = None
    ) -> ToolResult:
        """Call one tool directly (the loop goes through :class:`McpTool` instead).

        Raises ToolError in plain words when the server is not running or the call breaks;
        a tool that reports an error gives ``ToolResult(is_error=True)``.
        """
        result = await self._connection(server).call_tool(tool, arguments, time_limit or self.call_timeout)
        return ToolResult(result_text(result), is_error=result.is_error)

    async def test(self, name: str) -> ServerStatus:
        """Start a fresh copy of one configured server, list its tools and stop it (see :func:`check_server`).

        The running server, if any, is not touched.
        """
        connection = self._connection(name)
        return await check_server(
            connection.config, start_timeout=connection.start_timeout, keychain=self._keychain
        )

    async def stop(self) -> None:
        """Stop every server concurrently; returns when their processes and connections are gone."""
        await asyncio.gather(*(c.stop() for c in self._connections.values()))


async def check_server(
    config: ServerConfig, *, start_timeout: float = 30.0, keychain: Keychain | None = None
) -> ServerStatus:
    """The settings dialog's "Test" button: start one server, list its tools, stop it.

    Returns the status it reached (``ready`` with its tools, or ``failed`` with the reason);
    the server is stopped again whatever happened, also when the caller is cancelled.
    """
    manager = McpManager([config], start_timeout=start_timeout, keychain=keychain)
    try:
        (status,) = await manager.start()
        return status
    finally:
        await asyncio.shield(manager.stop())


async def mcp_tools_from_config(
    path: str | Path | None = None,
    *,
    start_timeout: float = 30.0,
    call_timeout: float = 120.0,
    keychain: Keychain | None = None,
) -> tuple[McpManager, list[Tool]]:
    """Start the servers of a Claude Desktop style config (``None``: the profile's) and return their tools.

    Servers that fail are left out of the tools; ``manager.failures()`` says why. The
    caller owns the manager and must ``await manager.stop()`` on the same loop.
    Raises ConfigurationError when the file cannot be read.
    """
    if path is None:
        servers = await asyncio.to_thread(load_profile_servers)
    else:
        servers = await asyncio.to_thread(load_config_file, path)
    manager = McpManager(servers, start_timeout=start_timeout, call_timeout=call_timeout, keychain=keychain)
    await manager.start()
    return manager, list(manager.tools())
