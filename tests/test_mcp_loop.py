"""The model calls an MCP server's tool through the real loop and reads its result."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from desktop_app.core import events as ev
from desktop_app.core.conversation import Conversation, ToolResultMessage
from desktop_app.core.loop import AgentLoop, LoopConfig
from desktop_app.tools.mcp import mcp_tools_from_config
from desktop_app.tools.registry import ToolRegistry
from tests.mcp_servers.fixtures import stdio_entry
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply


def test_the_model_calls_a_read_only_mcp_tool_and_gets_its_result(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(
        json.dumps({"mcpServers": {"demo": stdio_entry(), "gone": {"command": "not-a-command-xyz"}}}),
        encoding="utf-8",
    )
    provider = ScriptedProvider(
        [tool_reply(("c1", "demo__lookup", '{"topic": "otters"}')), text_reply("Otters hold hands [1].")]
    )
    events: list[ev.Event] = []

    async def run() -> list[str]:
        manager, tools = await mcp_tools_from_config(config)
        try:
            failures = [f"{s.name}: {s.reason}" for s in manager.failures()]
            loop = AgentLoop(provider, ToolRegistry(tools), LoopConfig(model="m"))
            await loop.run_turn(Conversation(id="c"), "Tell me about otters", events.append)
            return failures
        finally:
            await manager.stop()

    failures = asyncio.run(run())
    assert failures == [
        "gone: The command 'not-a-command-xyz' was not found. Install it or fix the path in the config."
    ]
    offered = {spec.name for spec in provider.requests[0].tools}
    assert {"demo__lookup", "demo__save_note"} <= offered
    # Read-only under the default policy: it ran without asking.
    assert not [e for e in events if isinstance(e, ev.ApprovalRequested)]
    (finished,) = [e for e in events if isinstance(e, ev.ToolFinished)]
    assert finished.ok and finished.status == "Used lookup on demo"
    (started,) = [e for e in events if isinstance(e, ev.ToolStarted)]
    assert started.status == "Using lookup on demo…"
    tool_messages = [m for m in provider.requests[1].messages if isinstance(m, ToolResultMessage)]
    assert "Otters hold hands while sleeping" in tool_messages[0].text
    assert events[-1].text == "Otters hold hands [1]."


def test_a_writing_mcp_tool_is_refused_under_the_default_policy(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"mcpServers": {"demo": stdio_entry()}}), encoding="utf-8")
    provider = ScriptedProvider(
        [tool_reply(("c1", "demo__save_note", '{"text": "x"}')), text_reply("I could not save it.")]
    )
    events: list[ev.Event] = []

    async def run() -> None:
        manager, tools = await mcp_tools_from_config(config)
        try:
            loop = AgentLoop(provider, ToolRegistry(tools), LoopConfig(model="m"))
            await loop.run_turn(Conversation(id="c"), "Save a note", events.append)
        finally:
            await manager.stop()

    asyncio.run(run())
    assert not [e for e in events if isinstance(e, ev.ToolFinished) and e.ok]
    tool_messages = [m for m in provider.requests[1].messages if isinstance(m, ToolResultMessage)]
    assert "refused" in tool_messages[0].text
