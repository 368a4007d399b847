"""`backstage ask` end to end: a real subprocess against a real local OpenAI-compatible server."""

from __future__ import annotations

import json
import signal

import pytest

from desktop_app.core import events as ev
from tests.cli_helpers import backstage, events_of, server_args, start_backstage
from tests.servers import openai_wire as wire
from tests.servers.scripted import Chunk, RecordedRequest, Response, ScriptedServer


def test_three_cycle_parallel_conversation_in_jsonl(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        [
            Response.sse(
                wire.tool_call_stream(
                    [
                        ("calculator", '{"expression": "98400 - 77250"}'),
                        ("current_time", '{"timezone": "Asia/Tokyo"}'),
                    ],
                    text="Let me check.",
                )
            ),
            Response.sse(wire.tool_call_stream([("calculator", '{"expression": "21150 / 77250 * 100"}')])),
            Response.sse(wire.text_stream("The gap is $21,150, about 27%.", 4)),
        ]
    )
    result = backstage("ask", "Compare salaries", *server_args(scripted_server.url), "--events", "jsonl")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    events = events_of(result.stdout)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "turn_started" and kinds[-1] == "turn_finished"
    for kind in (
        "cycle_started",
        "text_delta",
        "tool_call_started",
        "tool_call_ready",
        "tool_started",
        "tool_finished",
        "generation_finished",
        "cycle_finished",
    ):
        assert kind in kinds, kind
    finished = events[-1]
    assert finished["stop_reason"] == "complete" and finished["cycles"] == 3
    assert finished["text"] == "Let me check.\n\nThe gap is $21,150, about 27%."
    tools = [e for e in events if e["type"] == "tool_finished"]
    assert [t["status"] for t in tools][0] == "Calculated 98400 − 77250 = 21150" or "21150" in tools[0][
        "status"
    ]
    assert all(t["ok"] for t in tools)
    # Every event line round-trips into the typed vocabulary.
    assert [ev.from_dict(e).type for e in events] == kinds
    # The model got the tool results back in call order, as strings, with the tool ids.
    second = scripted_server.requests[1].json
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == [wire.call_id(0), wire.call_id(1)]
    assert "21150" in tool_messages[0]["content"]
    assistant = [m for m in second["messages"] if m["role"] == "assistant"][0]
    assert isinstance(assistant["content"], str)
    assert [c["function"]["name"] for c in assistant["tool_calls"]] == ["calculator", "current_time"]


def test_human_output_streams_text_and_statuses(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        [
            Response.sse(wire.tool_call_stream([("calculator", '{"expression": "17*23"}')])),
            Response.sse(wire.text_stream("17 × 23 = 391.", 3)),
        ]
    )
    result = backstage("ask", "What is 17*23?", *server_args(scripted_server.url))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "17 × 23 = 391.\n"
    assert "Calculating 17×23…" in result.stderr
    assert " ms\n" in result.stderr
    assert "conversation " in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (
            401,
            wire.error_body(
                401, "Incorrect API key provided: sk-abc12***********xyz9.", type="invalid_request_error"
            ),
            "API key",
        ),
        (500, wire.error_body(500, "The server had an error while processing your request."), "server"),
        (
            400,
            wire.error_body(
                400, "This model's maximum context length is 8192 tokens.", code="context_length_exceeded"
            ),
            "context",
        ),
    ],
)
def test_http_errors_are_one_plain_line(
    scripted_server: ScriptedServer, status: int, body: bytes, needle: str
) -> None:
    scripted_server.script(lambda request: Response.json(body, status=status))
    result = backstage(
        "ask",
        "hi",
        *server_args(scripted_server.url),
        "--api-key-env",
        "TEST_KEY",
        "--events",
        "jsonl",
        env={"TEST_KEY": "sk-abc12secretsecretxyz9"},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0].lower() + lines[0]
    assert "Traceback" not in result.stderr
    assert "sk-abc12secretsecretxyz9" not in result.stdout + result.stderr
    events = events_of(result.stdout)
    assert events[-1]["stop_reason"] == "error"
    assert [e["type"] for e in events].count("error") == 1
    # The key travelled only in the Authorization header.
    request = scripted_server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-abc12secretsecretxyz9"
    assert b"sk-abc12secretsecretxyz9" not in request.body


def test_rate_limit_is_retried_with_retry_after(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        [
            Response.json(
                wire.error_body(429, "Rate limit reached."), status=429, headers=[("Retry-After", "0")]
            ),
            Response.sse(wire.text_stream("ok", 1)),
        ]
    )
    result = backstage("ask", "hi", *server_args(scripted_server.url), "--events", "jsonl")
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    retries = [e for e in events if e["type"] == "retrying"]
    assert len(retries) == 1 and retries[0]["delay"] == 0
    assert events[-1]["text"] == "ok"


def test_dropped_connection_keeps_partial_text(scripted_server: ScriptedServer) -> None:
    body = wire.text_stream("Half of the answer and then", 5, finish_reason=None, usage=None, done=False)
    scripted_server.script([Response.sse(body, drop=True)])
    result = backstage("ask", "hi", *server_args(scripted_server.url))
    assert result.returncode == 1
    assert result.stdout.startswith("Half of the answer and then")
    assert result.stderr.count("Error: ") == 1 and "Traceback" not in result.stderr


def test_bad_usage_exits_2() -> None:
    result = backstage("ask")
    assert result.returncode == 2
    result = backstage("ask", "hi", "--base-url", "http://127.0.0.1:9/v1")
    assert result.returncode == 1 and "--model" in result.stderr


def test_unreachable_server_is_explained(scripted_server: ScriptedServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = backstage(
        "ask", "hi", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m", "--events", "jsonl"
    )
    assert result.returncode == 1
    assert "reach" in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1


def test_max_cycles_still_answers(scripted_server: ScriptedServer) -> None:
    def script(request: RecordedRequest) -> Response:
        if "tools" not in request.json:
            return Response.sse(wire.text_stream("Best answer so far.", 2))
        return Response.sse(wire.tool_call_stream([("calculator", '{"expression": "1+1"}')]))

    scripted_server.script(script)
    result = backstage(
        "ask", "loop", *server_args(scripted_server.url), "--max-cycles", "2", "--events", "jsonl"
    )
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["stop_reason"] == "max_cycles" and events[-1]["text"] == "Best answer so far."
    assert ["tools" in r.json for r in scripted_server.requests] == [True, True, False]


def test_ctrl_c_exits_130_and_keeps_the_partial_answer(scripted_server: ScriptedServer) -> None:
    chunks = [Chunk(wire.encode(wire.chunk({"role": "assistant", "content": "Thinking"})))]
    chunks += [Chunk(wire.encode(wire.chunk({"content": " more"})), delay=0.5) for _ in range(40)]
    scripted_server.script([Response.sse(chunks)])
    proc = start_backstage("ask", "hi", *server_args(scripted_server.url), "--events", "jsonl")
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(json.loads(line))
        if lines[-1]["type"] == "text_delta":
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=10)
    lines += [json.loads(line) for line in rest.splitlines()]
    assert proc.returncode == 130, err
    assert lines[-1]["type"] == "turn_finished" and lines[-1]["stop_reason"] == "cancelled"
    assert lines[-1]["text"].startswith("Thinking")
    assert "Traceback" not in err


def test_events_are_flushed_line_by_line(scripted_server: ScriptedServer) -> None:
    """A block-buffered stdout would hold the first events until the end; here they arrive while streaming."""
    chunks = [Chunk(wire.encode(wire.chunk({"role": "assistant", "content": "first"})))]
    chunks += [
        Chunk(wire.encode(wire.chunk({"content": "."}, finish_reason="stop")), delay=3.0),
        Chunk(b"data: [DONE]\n\n"),
    ]
    scripted_server.script([Response.sse(chunks)])
    proc = start_backstage("ask", "hi", *server_args(scripted_server.url), "--events", "jsonl")
    assert proc.stdout is not None
    seen_text_before_end = False
    for line in proc.stdout:
        event = json.loads(line)
        if event["type"] == "text_delta" and event["text"] == "first":
            seen_text_before_end = proc.poll() is None
            break
    proc.communicate(timeout=20)
    assert seen_text_before_end
    assert proc.returncode == 0
