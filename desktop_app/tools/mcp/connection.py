"""One MCP server's life: start it, hold its session, call its tools, stop it.

The SDK's transports and session are anyio context managers whose task groups must
be entered and exited by the same task. So each server gets one *owner task* that
enters them, waits until told to stop, and exits them; other tasks only send
requests through the open session (which the SDK allows from any task of the loop).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import os
import shutil
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from ... import __version__
from ...core.errors import ToolError, redact
from ...storage.secrets import Keychain
from .config import ServerConfig, resolve_secrets
from .problems import CommandNotFound, explain_start_failure, missing_command
from .stderr_tail import StderrTail

__all__ = ["ServerConnection", "ServerState", "ServerStatus"]

log = logging.getLogger(__name__)

_STOP_GRACE = 10.0  # seconds a ready server gets to close its session before it is cut off
_MAX_TOOL_PAGES = 50  # a server whose tool list never ends cannot hang the start


class ServerState(enum.StrEnum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of one server. ``reason`` is the plain sentence for a failure;
    ``stderr_tail`` the server's last lines on stderr (stdio servers); ``detail`` the
    technical account for ``--debug`` and logs."""

    name: str
    state: ServerState
    transport: str
    target: str
    reason: str = ""
    stderr_tail: str = ""
    detail: str = ""
    tools: tuple[types.Tool, ...] = field(default=(), repr=False)

    @property
    def message(self) -> str:
        """The reason followed by the stderr tail, for a dialog or a log line."""
        if self.stderr_tail:
            return f"{self.reason}\nThe server's last output:\n{self.stderr_tail}"
        return self.reason


StatusCallback = Callable[[ServerStatus], None]


class ServerConnection:
    """Owns one server. Every method must be called on the event loop that started it."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        start_timeout: float = 30.0,
        keychain: Keychain | None = None,
        on_change: StatusCallback | None = None,
    ) -> None:
        self.config = config
        self.start_timeout = start_timeout
        self._keychain = keychain
        self._on_change = on_change
        self.status = ServerStatus(config.name, ServerState.STARTING, config.transport, config.target)
        self._session: ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._scope = anyio.CancelScope()
        self._stop_requested = asyncio.Event()
        self._settled = asyncio.Event()
        self._stopping = False
        self._tail: StderrTail | None = None
        self._http_status: int | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def start(self) -> None:
        """Start the owner task (once); :meth:`wait_ready` tells when it is ready or has failed."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"mcp server {self.name}")

    async def wait_ready(self) -> ServerStatus:
        """Wait until the server is ready, failed or stopped; its start timeout bounds the wait."""
        self.start()
        await self._settled.wait()
        return self.status

    def _set(self, state: ServerState, **changes: Any) -> None:
        self.status = replace(self.status, state=state, **changes)
        if state is not ServerState.STARTING:
            self._settled.set()
        if self._on_change is not None:
            try:
                self._on_change(self.status)
            except Exception:  # a broken listener must not take the server down with it
                log.exception("MCP status listener failed")

    async def _run(self) -> None:
        failure: BaseException | None = None
        if self.config.problem:
            self._set(ServerState.FAILED, reason=self.config.problem)
            return
        if self.config.transport == "stdio":
            self._tail = StderrTail()
        # One scope around everything the task enters: its deadline is the start timeout,
        # and stop() cancels it; cancelling a scope (unlike the task) keeps the SDK's
        # shielded shutdown intact.
        self._scope.deadline = anyio.current_time() + self.start_timeout
        try:
            with self._scope:
                try:
                    await self._serve()
                except Exception as exc:  # groups included: each leaf is explained below
                    failure = exc
        finally:
            self._session = None
            if self._tail is not None:
                with anyio.CancelScope(shield=True):
                    await self._tail.finish()
        tail = self._tail.text() if self._tail is not None else ""
        if self.status.state is ServerState.FAILED:
            return  # a call already reported the server lost
        if self._stopping and (failure is None or self.status.state is ServerState.READY):
            self._set(ServerState.STOPPED, stderr_tail=tail)
        elif failure is None and self._scope.cancelled_caught:
            reason, detail = explain_start_failure(self.config, TimeoutError(), timeout=self.start_timeout)
            self._set(ServerState.FAILED, reason=reason, detail=detail, stderr_tail=tail)
        elif failure is not None:
            reason, detail = explain_start_failure(
                self.config, failure, timeout=self.start_timeout, http_status=self._http_status
            )
            log.debug("MCP server %s failed: %s", self.name, detail)
            self._set(ServerState.FAILED, reason=reason, detail=detail, stderr_tail=tail)
        else:
            self._set(ServerState.STOPPED, stderr_tail=tail)

    async def _serve(self) -> None:
        config = await asyncio.to_thread(resolve_secrets, self.config, self._keychain)
        async with AsyncExitStack() as stack:
            if config.transport == "stdio":
                read, write = await self._open_stdio(stack, config)
            else:
                read, write = await self._open_http(stack, config)
            session = await stack.enter_async_context(
                ClientSession(
                    read, write, client_info=types.Implementation(name="Backstage", version=__version__)
                )
            )
            await session.initialize()
            tools = await _list_all_tools(session)
            self._scope.deadline = math.inf  # ready: from now on only stop() ends the session
            self._session = session
            self._set(ServerState.READY, tools=tuple(tools))
            await self._stop_requested.wait()
            self._session = None

    async def _open_stdio(self, stack: AsyncExitStack, config: ServerConfig) -> Any:
        # Added to our environment, not in its place: servers need PATH, HOME, proxies...
        env = {**os.environ, **config.env}
        command = config.command
        if (
            os.sep not in command
            and "/" not in command
            and shutil.which(command, path=env.get("PATH")) is None
        ):
            raise CommandNotFound(missing_command(command))
        assert self._tail is not None and self._tail.writer is not None
        params = StdioServerParameters(command=command, args=list(config.args), env=env, cwd=config.cwd)
        streams = await stack.enter_async_context(stdio_client(params, errlog=self._tail.writer))
        self._tail.child_started()
        return streams

    async def _open_http(self, stack: AsyncExitStack, config: ServerConfig) -> Any:
        async def remember_status(response: httpx2.Response) -> None:
            # The SDK turns HTTP errors into JSON-RPC errors; the status explains them better.
            if response.status_code >= 400:
                self._http_status = response.status_code

        client = httpx2.AsyncClient(
            headers=dict(config.headers),
            timeout=httpx2.Timeout(30.0, read=300.0),
            event_hooks={"response": [remember_status]},
        )
        await stack.enter_async_context(client)
        return await stack.enter_async_context(streamable_http_client(config.url, http_client=client))

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], time_limit: float
    ) -> types.CallToolResult:
        """Call ``tool`` from any task of this loop. Raises ToolError in plain words.

        Cancelling the caller cancels only this request; the session stays usable.
        """
        session = self._session
        if session is None or self.status.state is not ServerState.READY:
            why = f": {self.status.reason}" if self.status.reason else "."
            raise ToolError(f"The MCP server '{self.name}' is not running{why}")
        try:
            result = await session.call_tool(tool, arguments, read_timeout_seconds=time_limit)
        except MCPError as exc:
            if exc.code == types.REQUEST_TIMEOUT:
                raise ToolError(
                    f"{tool} on {self.name} did not finish within {time_limit:g} seconds."
                ) from None
            if exc.code == types.CONNECTION_CLOSED:
                raise ToolError(await self._lost(tool)) from None
            raise ToolError(f"{self.name} could not run {tool}: {redact(exc.message)}") from None
        except (httpx2.HTTPError, anyio.ClosedResourceError, anyio.BrokenResourceError) as exc:
            raise ToolError(await self._lost(tool, exc)) from None
        if not isinstance(result, types.CallToolResult):
            raise ToolError(f"{self.name} answered {tool} with something Backstage cannot read.")
        return result

    async def _lost(self, tool: str, exc: BaseException | None = None) -> str:
        """Mark the server failed after its connection broke mid-call; the sentence to report."""
        reason = f"The MCP server '{self.name}' stopped while running {tool}."
        tail = ""
        if self._tail is not None:
            await self._tail.finish(grace=1.0)
            tail = self._tail.text()
        detail = redact(f"{type(exc).__name__}: {exc}") if exc else "connection closed"
        self._set(ServerState.FAILED, reason=reason, stderr_tail=tail, detail=detail)
        self._stop_requested.set()  # let the owner task release the transport
        return f"{reason} Its last output: {tail}" if tail else reason

    async def stop(self) -> None:
        """Stop the server and wait until its process and connections are gone.

        Safe to call in any state and more than once. A ready server closes its
        session gracefully; one still starting is cancelled. Bounded in time.
        """
        self._stopping = True
        task = self._task
        if task is None:
            if self.status.state is ServerState.STARTING:
                self._set(ServerState.STOPPED)
            return
        if self.status.state is not ServerState.READY:
            self._scope.cancel()
        self._stop_requested.set()
        done, _ = await asyncio.wait({task}, timeout=_STOP_GRACE)
        if not done:
            self._scope.cancel()
        await task


async def _list_all_tools(session: ClientSession) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(_MAX_TOOL_PAGES):
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools
