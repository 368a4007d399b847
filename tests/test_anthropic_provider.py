"""The Anthropic provider: the pure accumulator on recorded events, then the provider over
real HTTP against the scripted server speaking the Messages wire format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from desktop_app.core.conversation import (
    AssistantMessage,
    ChatRequest,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
)
from desktop_app.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectionFailed,
    ContextTooLongError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    StreamProtocolError,
)
from desktop_app.core.stream import (
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)
from desktop_app.providers.anthropic import AnthropicProvider, build_request_body
from desktop_app.providers.anthropic_accumulator import MessageStreamState
from desktop_app.providers.sse import iter_events
from tests.provider_helpers import collect, raised_error, run_with, stream_all, text_of
from tests.servers import anthropic_wire as wire
from tests.servers import fixtures
from tests.servers.openai_wire import split_at
from tests.servers.scripted import Response, ScriptedServer

server = fixtures.scripted_server

KEY = "sk-ant-api03-Zq81VbUe5hQpWc2nLx7R"
REQUEST = ChatRequest(model="claude-sonnet-4-20250514", messages=(UserMessage("Hi"),))
CALLS = [
    wire.ToolUse("get_weather", '{"city": "Paris", "unit": "celsius"}', pieces=5),
    wire.ToolUse("clock", ""),
]


# -- the accumulator, no I/O --------------------------------------------------------


def accumulate(stream: bytes | Sequence[bytes]) -> list[StreamDelta]:
    state = MessageStreamState()
    out: list[StreamDelta] = []
    for event in iter_events([stream] if isinstance(stream, bytes) else stream):
        out += state.accumulate(json.loads(event.data), event.event)
    return out + state.finish()


def test_text_and_usage() -> None:
    deltas = accumulate(wire.text_stream("Hello there", 3, usage=(25, 15)))
    assert deltas == [TextChunk("Hell"), TextChunk("o th"), TextChunk("ere"), StreamEnd("stop", 25, 15)]


def test_thinking_then_text_signature_dropped() -> None:
    deltas = accumulate(wire.stream([wire.Thinking("Let me think."), wire.Text("42", 1)]))
    assert deltas == [
        ReasoningChunk("Let me "),
        ReasoningChunk("think."),
        TextChunk("42"),
        StreamEnd("stop", 25, 15),
    ]


def test_parallel_tool_use_blocks_begin_at_start_and_complete_at_stop() -> None:
    stream = wire.stream([wire.Text("Checking.", 2), *CALLS])
    state = MessageStreamState()
    timeline: list[tuple[str, StreamDelta]] = []
    for event in iter_events([stream]):
        timeline += [(event.event, d) for d in state.accumulate(json.loads(event.data), event.event)]
    timeline += [("end", d) for d in state.finish()]
    tools = [(name, d) for name, d in timeline if isinstance(d, ToolCallBegin | ToolCallComplete)]
    assert tools == [
        ("content_block_start", ToolCallBegin(wire.tool_id(0), "get_weather")),
        ("content_block_stop", ToolCallComplete(wire.tool_id(0), "get_weather", CALLS[0].arguments)),
        ("content_block_start", ToolCallBegin(wire.tool_id(1), "clock")),
        ("content_block_stop", ToolCallComplete(wire.tool_id(1), "clock", "{}")),
    ]
    assert timeline[-1] == ("end", StreamEnd("tool_calls", 25, 15))


@pytest.mark.parametrize(
    ("reason", "finish"),
    [("end_turn", "stop"), ("tool_use", "tool_calls"), ("max_tokens", "length"), ("stop_sequence", "stop")],
)
def test_stop_reasons(reason: str, finish: str) -> None:
    assert accumulate(wire.text_stream("x", 1, stop_reason=reason))[-1].finish_reason == finish  # type: ignore[union-attr]


def test_missing_usage_is_none_and_cache_tokens_count_as_input() -> None:
    assert accumulate(wire.text_stream("x", 1, usage=None))[-1] == StreamEnd("stop", None, None)
    state = MessageStreamState()
    usage = {
        "input_tokens": 5,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 7,
        "output_tokens": 1,
    }
    state.accumulate({"type": "message_start", "message": {"usage": usage}})
    # Newer servers repeat the input figures in message_delta; the last word wins.
    state.accumulate(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {**usage, "output_tokens": 9},
        }
    )
    assert state.finish() == [StreamEnd("stop", 112, 9)]


def test_ends_early() -> None:
    with pytest.raises(StreamInterrupted):
        accumulate(wire.text_stream("partial", end=False))
    with pytest.raises(StreamProtocolError):
        accumulate(wire.message_start())
    # message_delta said why it stopped: a missing message_stop loses nothing.
    assert accumulate(wire.text_stream("ok", 1).removesuffix(wire.MESSAGE_STOP))[-1] == StreamEnd(
        "stop", 25, 15
    )


@pytest.mark.parametrize(
    ("kind", "expected", "retryable"),
    [
        ("overloaded_error", ServerError, True),
        ("api_error", ServerError, False),
        ("rate_limit_error", RateLimitError, True),
        ("authentication_error", AuthenticationError, False),
        ("invalid_request_error", BadRequestError, False),
    ],
)
def test_error_event(kind: str, expected: type[ProviderError], retryable: bool) -> None:
    stream = wire.message_start() + wire.error_event(kind, "Something happened")
    with pytest.raises(ProviderError) as info:
        accumulate(stream)
    assert type(info.value) is expected and info.value.retryable is retryable
    assert "Something happened" in info.value.message


def test_accumulator_on_every_split_of_the_wire() -> None:
    stream = wire.stream([wire.Thinking("Hmm."), wire.Text("Checking 👋", 2), *CALLS])
    expected = accumulate(stream)
    for offset in range(1, len(stream)):
        assert accumulate([stream[:offset], stream[offset:]]) == expected, offset


# -- the request ----------------------------------------------------------------------


def test_request_body_blocks_merging_and_max_tokens() -> None:
    calls = (ToolCall("toolu_a", "clock", "{}"), ToolCall("toolu_b", "calc", '{"x": 1}'))
    request = ChatRequest(
        model="claude-3-5-haiku-latest",
        system="Be brief.",
        messages=(
            UserMessage("What time is it?"),
            AssistantMessage("", calls),
            ToolResultMessage("toolu_a", "clock", "12:00"),
            ToolResultMessage("toolu_b", "calc", "boom", is_error=True),
            AssistantMessage("Noon."),
            UserMessage("Thanks"),
        ),
        tools=(ToolSpec("clock", "Current time", {}),),
        temperature=0.2,
    )
    body = build_request_body(request)
    assert body["system"] == "Be brief." and body["max_tokens"] == 8192 and body["stream"] is True
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "What time is it?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_a", "name": "clock", "input": {}},
                {"type": "tool_use", "id": "toolu_b", "name": "calc", "input": {"x": 1}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": "12:00"},
                {"type": "tool_result", "tool_use_id": "toolu_b", "content": "boom", "is_error": True},
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Noon."}]},
        {"role": "user", "content": [{"type": "text", "text": "Thanks"}]},
    ]
    assert body["tools"] == [
        {"name": "clock", "description": "Current time", "input_schema": {"type": "object", "properties": {}}}
    ]
    assert body["temperature"] == 0.2
    assert (
        build_request_body(ChatRequest(model="unknown-model", messages=(), max_output_tokens=77))[
            "max_tokens"
        ]
        == 77
    )


# -- the provider over real HTTP ----------------------------------------------------


def run_stream(server: ScriptedServer, *responses: Response, base: str = "") -> list[StreamDelta]:
    server.push(*responses)
    return stream_all(lambda: AnthropicProvider(base or server.url, KEY), REQUEST)


def run_error(server: ScriptedServer, *responses: Response) -> ProviderError:
    return raised_error(lambda: run_stream(server, *responses), secret=KEY)


def test_text_stream_headers_and_path(server: ScriptedServer) -> None:
    deltas = run_stream(server, Response.sse(wire.text_stream("Hello, wörld 👋", 4)))
    assert text_of(deltas) == "Hello, wörld 👋" and deltas[-1] == StreamEnd("stop", 25, 15)
    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/messages")
    assert sent.headers["x-api-key"] == KEY and sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.headers["content-type"] == "application/json"
    assert "authorization" not in sent.headers and KEY.encode() not in sent.body
    assert sent.json["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]


def test_a_base_url_with_v1_is_tolerated(server: ScriptedServer) -> None:
    run_stream(server, Response.sse(wire.text_stream("ok")), base=f"{server.url}/v1/")
    assert server.requests[0].path == "/v1/messages"


def test_parallel_tool_use_split_at_every_byte_offset(server: ScriptedServer) -> None:
    calls = [
        wire.ToolUse("get_weather", '{"city": "Paris"}', id="t1", pieces=2),
        wire.ToolUse("clock", "", id="t2"),
    ]
    stream = wire.stream(calls, usage=(5, 6), ping=False, model="m")
    expected = accumulate(stream)
    assert [d for d in expected if isinstance(d, ToolCallComplete)] == [
        ToolCallComplete("t1", "get_weather", '{"city": "Paris"}'),
        ToolCallComplete("t2", "clock", "{}"),
    ]
    offsets = iter(range(1, len(stream)))
    server.script(lambda request: Response.sse(split_at(stream, [next(offsets)])))

    async def every_offset(provider: AnthropicProvider) -> None:
        for offset in range(1, len(stream)):
            assert await collect(provider, REQUEST) == expected, offset

    run_with(lambda: AnthropicProvider(server.url, KEY), every_offset)
    assert len(server.requests) == len(stream) - 1


def test_thinking_over_http_one_byte_per_chunk(server: ScriptedServer) -> None:
    stream = wire.stream([wire.Thinking("Step 1."), wire.Text("Voilà 👋", 2)])
    deltas = run_stream(server, Response.sse([stream[i : i + 1] for i in range(len(stream))]))
    assert deltas == accumulate(stream)
    assert "".join(d.text for d in deltas if isinstance(d, ReasoningChunk)) == "Step 1."


def test_401_invalid_key(server: ScriptedServer) -> None:
    body = wire.error_body("authentication_error", "invalid x-api-key")
    error = run_error(server, Response.json(body, status=401))
    assert isinstance(error, AuthenticationError) and "invalid x-api-key" in error.message


def test_429_with_retry_after(server: ScriptedServer) -> None:
    body = wire.error_body(
        "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"
    )
    error = run_error(server, Response.json(body, status=429, headers=[("retry-after", "12")]))
    assert isinstance(error, RateLimitError) and error.retryable and error.retry_after == 12.0


def test_529_overloaded_is_retryable(server: ScriptedServer) -> None:
    error = run_error(server, Response.json(wire.error_body("overloaded_error", "Overloaded"), status=529))
    assert isinstance(error, ServerError) and error.retryable and "Overloaded" in error.message
    assert error.message.startswith("The model server is overloaded right now.")


def test_out_of_credit_is_said_plainly_and_not_retried(server: ScriptedServer) -> None:
    body = wire.error_body(
        "invalid_request_error", "Your credit balance is too low to access the Anthropic API."
    )
    error = run_error(server, Response.json(body, status=400))
    assert error.message.startswith("Your account with this service is out of credit") and not error.retryable


def test_500_api_error_is_reported(server: ScriptedServer) -> None:
    error = run_error(
        server, Response.json(wire.error_body("api_error", "Internal server error"), status=500)
    )
    assert isinstance(error, ServerError) and not error.retryable


def test_prompt_too_long_and_unknown_model(server: ScriptedServer) -> None:
    body = wire.error_body("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum")
    assert isinstance(run_error(server, Response.json(body, status=400)), ContextTooLongError)
    error = run_error(
        server, Response.json(wire.error_body("not_found_error", "model: claude-9"), status=404)
    )
    assert type(error) is BadRequestError and "no /v1" in error.message and "claude-9" in error.message


def test_overloaded_error_event_mid_stream(server: ScriptedServer) -> None:
    stream = wire.message_start() + wire.error_event()
    error = run_error(server, Response.sse(stream))
    assert isinstance(error, ServerError) and error.retryable


def test_connection_dropped_mid_stream(server: ScriptedServer) -> None:
    stream = wire.text_stream("Hello there", 2, end=False)
    received: list[StreamDelta] = []
    server.push(Response.sse([stream, b'event: content_block_delta\ndata: {"ty'], drop=True))

    async def receive(provider: AnthropicProvider) -> None:
        async for delta in provider.stream(REQUEST):
            received.append(delta)

    with pytest.raises(StreamInterrupted):
        run_with(lambda: AnthropicProvider(server.url, KEY), receive)
    assert text_of(received) == "Hello there"


def test_empty_200_and_whole_message_from_a_proxy(server: ScriptedServer) -> None:
    assert isinstance(run_error(server, Response.sse(b"")), StreamProtocolError)
    message: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_x", "name": "clock", "input": {"tz": "UTC"}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 9, "output_tokens": 4},
    }
    assert run_stream(server, Response.json(message)) == [
        TextChunk("Let me check."),
        ToolCallBegin("toolu_x", "clock"),
        ToolCallComplete("toolu_x", "clock", '{"tz": "UTC"}'),
        StreamEnd("tool_calls", 9, 4),
    ]


def test_list_models_and_unreachable(server: ScriptedServer) -> None:
    server.push(Response.json(wire.models_body(["claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"])))

    models = run_with(lambda: AnthropicProvider(server.url, KEY), AnthropicProvider.list_models)
    assert models == ["claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"]
    assert server.requests[0].path.startswith("/v1/models") and server.requests[0].headers["x-api-key"] == KEY

    with pytest.raises(ConnectionFailed):
        stream_all(lambda: AnthropicProvider("http://127.0.0.1:9", KEY), REQUEST)
