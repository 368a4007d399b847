"""The Ollama provider: the pure line accumulator, then the provider over real HTTP against the
scripted server speaking ``/api/chat`` NDJSON."""

from __future__ import annotations

import json

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
from desktop_app.providers.ollama import OllamaChatState, OllamaProvider, build_request_body
from tests.provider_helpers import collect, raised_error, run_with, stream_all, text_of
from tests.servers import fixtures
from tests.servers import ollama_wire as wire
from tests.servers.openai_wire import split_at
from tests.servers.scripted import Response, ScriptedServer

server = fixtures.scripted_server

REQUEST = ChatRequest(model="llama3.2", messages=(UserMessage("Hi"),))
CALLS = [("get_weather", {"city": "Paris", "unit": "celsius"}), ("clock", {})]


def numbered(n: int) -> str:
    return f"id{n}"


# -- the accumulator, no I/O --------------------------------------------------------


def accumulate(stream: bytes) -> list[StreamDelta]:
    state = OllamaChatState(numbered)
    out: list[StreamDelta] = []
    for line in stream.splitlines():
        out += state.accumulate(json.loads(line))
    return out + state.finish()


def test_text_thinking_and_usage() -> None:
    assert accumulate(wire.text_stream("Hello there", 3, thinking="Hmm, ok")) == [
        ReasoningChunk("Hmm,"),
        ReasoningChunk(" ok"),
        TextChunk("Hell"),
        TextChunk("o th"),
        TextChunk("ere"),
        StreamEnd("stop", 26, 12),
    ]


@pytest.mark.parametrize("one_line", [False, True])
def test_whole_tool_calls_get_ids_and_json_text(one_line: bool) -> None:
    deltas = accumulate(wire.tool_call_stream(CALLS, text="Let me see.", one_line=one_line))
    assert deltas[-5:] == [
        ToolCallBegin("id0", "get_weather"),
        ToolCallComplete("id0", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
        ToolCallBegin("id1", "clock"),
        ToolCallComplete("id1", "clock", "{}"),
        StreamEnd("tool_calls", 122, 33),  # Ollama says "stop"; the calls say otherwise
    ]


def test_ids_from_newer_servers_are_kept() -> None:
    deltas = accumulate(wire.tool_call_stream(CALLS, with_ids=True))
    assert [d.call_id for d in deltas if isinstance(d, ToolCallBegin)] == ["call_0x9Kq2", "call_1x9Kq2"]


def test_default_ids_are_unique_across_answers() -> None:
    ids = set()
    for _ in range(3):
        state = OllamaChatState()
        for line in wire.tool_call_stream(CALLS).splitlines():
            ids |= {d.call_id for d in state.accumulate(json.loads(line)) if isinstance(d, ToolCallBegin)}
    assert len(ids) == 6


def test_length_missing_usage_and_early_end() -> None:
    assert accumulate(wire.text_stream("x", 1, done_reason="length"))[-1] == StreamEnd("length", 26, 12)
    assert accumulate(wire.text_stream("x", 1, usage=None))[-1] == StreamEnd("stop", None, None)
    with pytest.raises(StreamInterrupted):
        accumulate(wire.text_stream("partial", done=False))
    with pytest.raises(StreamProtocolError):
        OllamaChatState().finish()


def test_error_line() -> None:
    state = OllamaChatState()
    with pytest.raises(StreamProtocolError) as info:
        state.accumulate(json.loads(wire.error_line("an error was encountered while running the model")))
    assert "running the model" in info.value.message


def test_request_body() -> None:
    request = ChatRequest(
        model="qwen3",
        system="Be brief.",
        messages=(
            UserMessage("Time?"),
            AssistantMessage("", (ToolCall("c1", "clock", "{}"), ToolCall("c2", "calc", '{"x": 2}'))),
            ToolResultMessage("c1", "clock", "12:00"),
            ToolResultMessage("c2", "calc", "4"),
            AssistantMessage("Noon."),
        ),
        tools=(ToolSpec("clock", "Current time", {"type": "object", "properties": {}}),),
        max_output_tokens=50,
        temperature=0.1,
    )
    body = build_request_body(request)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Time?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"function": {"name": "clock", "arguments": {}}},
                {"function": {"name": "calc", "arguments": {"x": 2}}},
            ],
        },
        {"role": "tool", "content": "12:00", "tool_name": "clock"},
        {"role": "tool", "content": "4", "tool_name": "calc"},
        {"role": "assistant", "content": "Noon."},
    ]
    assert body["tools"][0]["function"]["name"] == "clock"
    assert body["options"] == {"num_predict": 50, "temperature": 0.1} and body["stream"] is True


# -- the provider over real HTTP ----------------------------------------------------


def run_stream(server: ScriptedServer, *responses: Response, base: str = "") -> list[StreamDelta]:
    server.push(*responses)
    return stream_all(lambda: OllamaProvider(base or server.url, new_id=numbered), REQUEST)


def run_error(server: ScriptedServer, *responses: Response) -> ProviderError:
    return raised_error(lambda: run_stream(server, *responses))


def test_text_stream_and_path(server: ScriptedServer) -> None:
    deltas = run_stream(server, wire.response(wire.text_stream("Hello, wörld 👋", 4)))
    assert text_of(deltas) == "Hello, wörld 👋" and deltas[-1] == StreamEnd("stop", 26, 12)
    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/api/chat")
    assert sent.json == {"model": "llama3.2", "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    assert "authorization" not in sent.headers


def test_a_base_url_with_v1_is_tolerated(server: ScriptedServer) -> None:
    run_stream(server, wire.response(wire.text_stream("ok")), base=f"{server.url}/v1")
    assert server.requests[0].path == "/api/chat"


def test_tool_calls_split_at_every_byte_offset(server: ScriptedServer) -> None:
    stream = wire.tool_call_stream([("get_weather", {"city": "Paris"}), ("clock", {})], usage=(5, 6))
    expected = accumulate(stream)
    offsets = iter(range(1, len(stream)))
    server.script(lambda request: wire.response(split_at(stream, [next(offsets)])))

    async def every_offset(provider: OllamaProvider) -> None:
        for offset in range(1, len(stream)):
            assert await collect(provider, REQUEST) == expected, offset

    run_with(lambda: OllamaProvider(server.url, new_id=numbered), every_offset)
    assert len(server.requests) == len(stream) - 1


def test_one_byte_per_chunk_and_no_trailing_newline(server: ScriptedServer) -> None:
    stream = wire.text_stream("Voilà 👋", 2, thinking="Hm.")
    assert run_stream(server, wire.response([stream[i : i + 1] for i in range(len(stream))])) == accumulate(
        stream
    )
    assert run_stream(server, wire.response(stream.rstrip(b"\n")))[-1] == StreamEnd("stop", 26, 12)


def test_model_not_found_suggests_ollama_pull(server: ScriptedServer) -> None:
    error = run_error(server, wire.error_response(404, 'model "llama3.2" not found, try pulling it first'))
    assert type(error) is BadRequestError and "ollama pull llama3.2" in error.message


def test_wrong_address_404_and_other_errors(server: ScriptedServer) -> None:
    error = run_error(server, Response.text("404 page not found", status=404))
    assert type(error) is BadRequestError and "11434" in error.message
    error = run_error(
        server, wire.error_response(400, "registry.ollama.ai/library/gemma:2b does not support tools")
    )
    assert type(error) is BadRequestError and "cannot use tools" in error.message
    error = run_error(
        server, wire.error_response(500, "model requires more system memory (9.1 GiB) than is available")
    )
    assert isinstance(error, ServerError) and "memory" in error.message
    error = run_error(server, wire.error_response(401, "unauthorized"))
    assert isinstance(error, AuthenticationError)
    error = run_error(server, wire.error_response(400, "input length exceeds maximum context length"))
    assert isinstance(error, ContextTooLongError)


def test_error_line_mid_stream(server: ScriptedServer) -> None:
    stream = wire.text_stream("Hel", done=False) + wire.error_line("llama runner process has terminated")
    error = run_error(server, wire.response(stream))
    assert isinstance(error, StreamProtocolError) and "terminated" in error.message


def test_connection_dropped_mid_stream(server: ScriptedServer) -> None:
    received: list[StreamDelta] = []
    server.push(wire.response([wire.text_stream("Hello there", 2, done=False), b'{"model":"lla'], drop=True))

    async def receive(provider: OllamaProvider) -> None:
        async for delta in provider.stream(REQUEST):
            received.append(delta)

    with pytest.raises(StreamInterrupted):
        run_with(lambda: OllamaProvider(server.url), receive)
    assert text_of(received) == "Hello there"


def test_empty_200(server: ScriptedServer) -> None:
    assert isinstance(run_error(server, wire.response(b"")), StreamProtocolError)


def test_list_models_and_unreachable(server: ScriptedServer) -> None:
    server.push(Response.json(wire.tags_body(["llama3.2:latest", "qwen3:8b"])))

    assert run_with(lambda: OllamaProvider(server.url), OllamaProvider.list_models) == [
        "llama3.2:latest",
        "qwen3:8b",
    ]
    assert server.requests[0].path == "/api/tags"

    with pytest.raises(ConnectionFailed):
        stream_all(lambda: OllamaProvider("http://127.0.0.1:9"), REQUEST)
