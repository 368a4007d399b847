"""Shared pieces of the window tests: an asyncio loop living inside Qt's, tools, window factory.

pytest-qt spins Qt's event loop (``qtbot.waitUntil``); qasync runs asyncio on
top of it, so turns started by the bridge advance while a test waits. One
qasync loop serves the whole session (closing one calls ``QApplication.exit``,
which would end every later wait at once); each test attaches it as the
running loop and detaches it afterwards, so ``asyncio.run`` in other tests is
unaffected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import qasync

from desktop_app.tools.base import Risk, Tool, ToolResult
from desktop_app.tools.registry import ToolRegistry
from desktop_app.ui.connect import create_window
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings import ServerSettings, WindowSettings
from tests.scripted_provider import ScriptedProvider

_shared_loop: qasync.QEventLoop | None = None


def _close_shared_loop() -> None:
    global _shared_loop
    if _shared_loop is not None:
        _shared_loop.stop()
        _shared_loop.close()
        _shared_loop = None


@pytest.fixture
def aio(qapp: Any, qtbot: Any, request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    """The running asyncio loop for one test; leftover tasks are cancelled and awaited afterwards."""
    global _shared_loop
    if _shared_loop is None:
        _shared_loop = qasync.QEventLoop(qapp, already_running=True)
        request.config.add_cleanup(_close_shared_loop)
    loop = _shared_loop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=5000)
    finally:
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


class SleepTool(Tool):
    """Waits, then reports; its status lines are its own, as a real tool's are."""

    name = "sleep"
    description = "Wait a while."
    parameters = {"type": "object", "properties": {"seconds": {"type": "number"}, "tag": {"type": "string"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(args.get("seconds", 0))
        return ToolResult(f"slept {args.get('tag', '')}")

    def status(self, args: dict[str, Any]) -> str:
        return f"Sleeping {args.get('seconds', 0)} s for '{args.get('tag', '')}'…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return f"Slept for '{args.get('tag', '')}'"


class FailingTool(Tool):
    name = "lookup"
    description = "Always fails politely."
    parameters = {"type": "object", "properties": {}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult("The page could not be read (404).", is_error=True)


class RiskyTool(Tool):
    name = "write_note"
    description = "Writes a note."
    parameters = {"type": "object", "properties": {"text": {"type": "string"}}}
    risk = Risk.WRITES

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult("written")

    def status(self, args: dict[str, Any]) -> str:
        return f"Writing a note: {args.get('text', '')}"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Wrote the note"


def make_window(
    qtbot: Any,
    provider: Any,
    tools: list[Tool] | None = None,
    *,
    settings: WindowSettings | None = None,
    show: bool = True,
) -> MainWindow:
    window = create_window(
        provider,
        ServerSettings("openai", "http://127.0.0.1:9/v1", "test-model"),
        settings,
        ToolRegistry(tools if tools is not None else [SleepTool(), FailingTool(), RiskyTool()]),
    )
    qtbot.addWidget(window)
    if show:
        window.show()
        window.activateWindow()  # shortcuts (Ctrl+Q, Ctrl+T…) reach the active window only
        qtbot.waitUntil(window.isActiveWindow)
    return window


def wait_finished(qtbot: Any, window: MainWindow, turns: int = 1, timeout: int = 5000) -> None:
    """Until ``turns`` turns have finished and the bridge is idle."""

    def done() -> bool:
        finished = [t for t in window.chat.turns() if not t.running]
        return len(finished) >= turns and not window.bridge.busy

    qtbot.waitUntil(done, timeout=timeout)
    if window.isVisible():
        # A widget added to a shown layout is shown by a queued call: let it run, as a user would see it.
        qtbot.waitUntil(lambda: all(t.isVisible() for t in window.chat.turns()), timeout=timeout)


__all__ = ["FailingTool", "RiskyTool", "ScriptedProvider", "SleepTool", "aio", "make_window", "wait_finished"]
