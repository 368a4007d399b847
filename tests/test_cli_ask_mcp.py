"""`ask --mcp-config`: an MCP server's tools offered and run, whatever --tools says."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import backstage, events_of, server_args
from tests.mcp_servers.fixtures import stdio_entry
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer


def test_mcp_tools_are_offered_and_run(scripted_server: ScriptedServer, tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(
        json.dumps({"mcpServers": {"demo": stdio_entry(), "missing": {"command": "no-such-command-here"}}}),
        encoding="utf-8",
    )
    scripted_server.script(
        [
            Response.sse(wire.tool_call_stream([("demo__lookup", '{"topic": "otters"}')])),
            Response.sse(wire.text_stream("Found it.", 1)),
        ]
    )
    result = backstage(
        "ask",
        "look it up",
        *server_args(scripted_server.url),
        "--tools",
        "none",
        "--mcp-config",
        str(config),
        "--events",
        "jsonl",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the broken server is not an error of this answer
    offered = [t["function"]["name"] for t in scripted_server.requests[0].json["tools"]]
    assert "demo__lookup" in offered and "demo__save_note" in offered
    finished = [e for e in events_of(result.stdout) if e["type"] == "tool_finished"]
    assert finished[0]["ok"], finished
    tool_message = [m for m in scripted_server.requests[1].json["messages"] if m["role"] == "tool"][0]
    assert "hold hands while sleeping" in tool_message["content"]

    human = backstage(
        "ask",
        "look it up",
        *server_args(scripted_server.url),
        "--tools",
        "none",
        "--mcp-config",
        str(config),
    )
    assert "MCP server missing did not start" in human.stderr
