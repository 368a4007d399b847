"""`ask --approve`: what may run without the user, from a real subprocess."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import backstage, events_of, server_args
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer

CODE = json.dumps({"code": "print(6 * 7)"})


def _script(server: ScriptedServer) -> None:
    server.script(
        [
            Response.sse(wire.tool_call_stream([("run_python", CODE)])),
            Response.sse(wire.text_stream("Done.", 1)),
        ]
    )


@pytest.mark.parametrize(("mode", "runs"), [("read-only", False), ("ask", False), ("all", True)])
def test_approve_modes(scripted_server: ScriptedServer, mode: str, runs: bool) -> None:
    _script(scripted_server)
    result = backstage(
        "ask",
        "compute",
        *server_args(scripted_server.url),
        "--tools",
        "all",
        "--approve",
        mode,
        "--events",
        "jsonl",
    )
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    decided = [e for e in events if e["type"] == "approval_decided"]
    finished = [e for e in events if e["type"] == "tool_finished"]
    assert len(decided) == 1 and len(finished) == 1
    assert decided[0]["approved"] is runs
    assert finished[0]["ok"] is runs
    tool_message = [m for m in scripted_server.requests[1].json["messages"] if m["role"] == "tool"][0]
    if runs:
        assert decided[0]["decided_by"] == "policy"
        assert "42" in tool_message["content"]
        assert not any(e["type"] == "approval_requested" for e in events)
    else:
        # Refused: the model reads that it needs the user's approval; never a successful result.
        assert "refused" in tool_message["content"] and "approval" in tool_message["content"]
        assert "needs your approval" in finished[0]["status"]
        assert not any(e["type"] == "tool_started" for e in events)


def test_run_python_is_not_offered_by_default(scripted_server: ScriptedServer) -> None:
    scripted_server.script([Response.sse(wire.text_stream("hi", 1))])
    assert backstage("ask", "hi", *server_args(scripted_server.url)).returncode == 0
    names = [t["function"]["name"] for t in scripted_server.requests[0].json["tools"]]
    assert "run_python" not in names and {"calculator", "current_time", "web_search", "read_page"} <= set(
        names
    )


def test_unknown_tool_name_is_a_plain_error() -> None:
    result = backstage(
        "ask", "hi", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--tools", "teleport"
    )
    assert result.returncode == 1 and "Unknown tool teleport" in result.stderr
