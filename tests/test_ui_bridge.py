"""The bridge: many signal emissions survive, turns run as tasks, approvals wait for the user."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.core import events as ev
from desktop_app.core.loop import LoopConfig
from desktop_app.tools.registry import ToolRegistry
from desktop_app.ui.bridge import ALLOW_CHAT, DENY, Bridge
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tests.ui_helpers import RiskyTool, aio  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")


def _bridge(provider: ScriptedProvider, tools: ToolRegistry | None = None) -> Bridge:
    return Bridge(provider, tools or ToolRegistry(), LoopConfig(model="m"))


def test_twenty_thousand_emissions_arrive_in_order(qtbot) -> None:
    # PySide6 6.12.0 aborts the interpreter after a few hundred Signal.emit calls on Python 3.11
    # (bool_dealloc); this is the guard against a binding that regresses like that again.
    bridge = _bridge(ScriptedProvider([text_reply("x")]))
    seen: list[int] = []
    busy: list[bool] = []
    bridge.event.connect(lambda e: seen.append(len(e.text)))
    bridge.busy_changed.connect(busy.append)
    for n in range(20_000):
        bridge.event.emit(ev.TextDelta(t=0.0, turn_id="t", text="x" * (n % 7)))
        bridge.busy_changed.emit(n % 2 == 0)
    assert len(seen) == 20_000 and seen[:8] == [0, 1, 2, 3, 4, 5, 6, 0]
    assert len(busy) == 20_000


def test_a_turn_runs_as_a_task_and_its_events_arrive(qtbot) -> None:
    bridge = _bridge(ScriptedProvider([text_reply("hello")]))
    events: list[ev.Event] = []
    bridge.event.connect(events.append)
    with qtbot.waitSignal(bridge.busy_changed, check_params_cb=lambda busy: busy is False, timeout=3000):
        assert bridge.send("hi")
    assert [e.type for e in events][0] == "turn_started"
    assert isinstance(events[-1], ev.TurnFinished) and events[-1].text == "hello"
    assert not bridge.busy


def test_allow_for_this_chat_is_remembered_until_a_new_chat(qtbot) -> None:
    provider = ScriptedProvider(
        [
            tool_reply(("a", "write_note", "{}")),
            tool_reply(("b", "write_note", "{}")),
            text_reply("done"),
            tool_reply(("c", "write_note", "{}")),
            text_reply("again"),
        ]
    )
    bridge = _bridge(provider, ToolRegistry([RiskyTool()]))
    events: list[ev.Event] = []
    bridge.event.connect(events.append)
    bridge.event.connect(
        lambda e: bridge.approve(e.call_id, ALLOW_CHAT) if isinstance(e, ev.ApprovalRequested) else None
    )
    bridge.send("twice")
    qtbot.waitUntil(lambda: not bridge.busy and isinstance(events[-1], ev.TurnFinished), timeout=3000)
    assert [e.call_id for e in events if isinstance(e, ev.ApprovalRequested)] == ["a"]
    assert all(e.ok for e in events if isinstance(e, ev.ToolFinished))

    bridge.new_chat()
    events.clear()
    bridge.event.disconnect()
    bridge.event.connect(events.append)
    bridge.event.connect(
        lambda e: bridge.approve(e.call_id, DENY) if isinstance(e, ev.ApprovalRequested) else None
    )
    bridge.send("in a new chat")
    qtbot.waitUntil(lambda: not bridge.busy and bool(events) and isinstance(events[-1], ev.TurnFinished))
    assert [e.call_id for e in events if isinstance(e, ev.ApprovalRequested)] == ["c"]
    assert [e.ok for e in events if isinstance(e, ev.ToolFinished)] == [False]


def test_stop_while_waiting_for_approval_ends_the_turn(qtbot) -> None:
    bridge = _bridge(
        ScriptedProvider([tool_reply(("a", "write_note", "{}")), text_reply("x")]),
        ToolRegistry([RiskyTool()]),
    )
    events: list[ev.Event] = []
    bridge.event.connect(events.append)
    bridge.send("ask me")
    qtbot.waitUntil(lambda: any(isinstance(e, ev.ApprovalRequested) for e in events))
    bridge.stop()
    qtbot.waitUntil(lambda: not bridge.busy)
    assert events[-1].stop_reason == "cancelled"
    bridge.approve("a", ALLOW_CHAT)  # too late: ignored, no error


def test_aclose_waits_for_the_turn_and_closes_the_provider(qtbot) -> None:
    from tests.scripted_provider import Pause

    provider = ScriptedProvider([[Pause(30)]])
    bridge = _bridge(provider)
    bridge.send("hang")
    closing = asyncio.get_running_loop().create_task(bridge.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
    assert provider.closed and not bridge.busy
    assert not bridge.send("after close")
