"""Shared pieces of the window-history tests: a window with its history open, stored sample chats."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from desktop_app.core import events as ev
from desktop_app.storage.paths import database_path
from desktop_app.storage.store import HistoryDB
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.qt import Qt, QtCore
from tests.ui_helpers import make_window


def open_history(qtbot: Any, window: MainWindow) -> None:
    """Open the profile's history for ``window`` as the session does, and wait until the list is loaded."""
    window.history.start_opening()
    qtbot.waitUntil(lambda: window.history.ready, timeout=5000)
    qtbot.waitUntil(lambda: not window.conversations.sidebar.model._loading, timeout=5000)


def close_history(qtbot: Any, window: MainWindow) -> None:
    closing = asyncio.get_running_loop().create_task(window.history.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
    closing.result()


def history_window(qtbot: Any, provider: Any, tools: list[Any] | None = None) -> MainWindow:
    window = make_window(qtbot, provider, tools)
    open_history(qtbot, window)
    return window


def flush(qtbot: Any, window: MainWindow) -> None:
    task = asyncio.get_running_loop().create_task(window.history.flush())
    qtbot.waitUntil(task.done, timeout=5000)


def turn_events(
    turn_id: str,
    conversation_id: str,
    question: str,
    answer: str,
    *,
    finished: bool = True,
    tool: bool = False,
) -> list[ev.Event]:
    """One stored turn as the loop would have emitted it (optionally cut short, as by a kill)."""
    out: list[ev.Event] = [
        ev.TurnStarted(
            t=0.0,
            turn_id=turn_id,
            conversation_id=conversation_id,
            user_text=question,
            model="test-model",
            provider="openai",
            started_at=datetime.now(UTC).isoformat(),
        ),
        ev.CycleStarted(t=0.01, turn_id=turn_id, cycle=1, tools_offered=1),
    ]
    cycle = 1
    if tool:
        out += [
            ev.ToolCallStarted(t=0.1, turn_id=turn_id, cycle=1, call_id=f"{turn_id}-c", name="calculator"),
            ev.ToolCallReady(
                t=0.1, turn_id=turn_id, cycle=1, call_id=f"{turn_id}-c", name="calculator",
                arguments={"expression": "17 * 23"},
            ),
            ev.ToolStarted(
                t=0.11, turn_id=turn_id, cycle=1, call_id=f"{turn_id}-c", name="calculator",
                status="Calculating 17 × 23…",
            ),
            ev.ToolFinished(
                t=0.2, turn_id=turn_id, cycle=1, call_id=f"{turn_id}-c", ok=True, result_preview="391",
                result_tokens=1, duration=0.09, name="calculator", status="Calculated 17 × 23 = 391",
            ),
            ev.GenerationFinished(t=0.1, turn_id=turn_id, cycle=1, finish_reason="tool_calls"),
            ev.CycleFinished(t=0.2, turn_id=turn_id, cycle=1, tool_calls=1),
            ev.CycleStarted(t=0.21, turn_id=turn_id, cycle=2, tools_offered=1),
        ]  # fmt: skip
        cycle = 2
    words = answer.split(" ")
    for n, word in enumerate(words):
        piece = word if n == len(words) - 1 else word + " "
        out.append(ev.TextDelta(t=0.3 + n * 0.01, turn_id=turn_id, cycle=cycle, text=piece))
    if finished:
        out += [
            ev.GenerationFinished(
                t=0.5, turn_id=turn_id, cycle=cycle, finish_reason="stop", output_tokens=len(words), ttft=0.05
            ),
            ev.CycleFinished(t=0.5, turn_id=turn_id, cycle=cycle),
            ev.TurnFinished(t=0.5, turn_id=turn_id, text=answer, cycles=cycle, stop_reason="complete"),
        ]
    return out


def store(conversation_id: str, events: Sequence[ev.Event]) -> None:
    """Write events straight into the profile's history, as another process would have."""
    with HistoryDB(database_path()) as db:
        db.append_events(conversation_id, events)


def click_row(qtbot: Any, window: MainWindow, conversation_id: str) -> None:
    sidebar = window.conversations.sidebar
    index = sidebar.model.index_of(conversation_id)
    assert index.isValid(), f"{conversation_id} is not listed"
    rect = sidebar.list.visualRect(index)
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def listed_titles(window: MainWindow) -> list[str]:
    model = window.conversations.sidebar.model
    return [
        str(model.index(n).data())
        for n in range(model.rowCount())
        if model.index(n).flags() & Qt.ItemFlag.ItemIsSelectable
    ]


def point_of(widget: Any) -> QtCore.QPoint:
    return widget.rect().center()
