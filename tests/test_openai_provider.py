"""The OpenAI-compatible provider: the pure accumulator on recorded chunks, then the
provider over real HTTP against the scripted server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
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
from desktop_app.providers.openai_accumulator import ChatStreamState
from desktop_app.providers.openai_compat import OpenAICompatProvider
from desktop_app.providers.sse import iter_events
from tests.provider_helpers import collect, raised_error, run_with, stream_all, text_of
from tests.servers import fixtures
from tests.servers import openai_wire as wire
from tests.servers.scripted import Chunk, RecordedRequest, Response, ScriptedServer

# The shared fixture under a local name, so this module runs whether or not conftest imports it.
server = fixtures.scripted_server

KEY = "sk-test-Zq81VbUe5hQpWc2nLx7R"
REQUEST = ChatRequest(model="gpt-test", messages=(UserMessage("Hi"),))
CALLS = [("get_weather", '{"city": "Paris", "unit": "celsius"}'), ("clock", "{}")]


# -- the accumulator, no I/O --------------------------------------------------------


def chunks_of(stream: bytes) -> list[dict[str, Any]]:
    return [json.loads(e.data) for e in iter_events([stream]) if e.data != "[DONE]"]


def accumulate(chunks: Sequence[dict[str, Any]], *, done: bool = True) -> list[StreamDelta]:
    state = ChatStreamState()
    out: list[StreamDelta] = []
    for chunk in chunks:
        out += state.accumulate(chunk)
    return out + state.finish(done=done)


def completes(deltas: Sequence[StreamDelta]) -> dict[str, ToolCallComplete]:
    found = [d for d in deltas if isinstance(d, ToolCallComplete)]
    assert len(found) == len({d.call_id for d in found}), "a call completed twice"
    return {d.name: d for d in found}


def test_text_reasoning_and_usage() -> None:
    deltas = accumulate(chunks_of(wire.text_stream("Hello there", 3, reasoning="Let me think")))
    assert deltas == [
        ReasoningChunk("Let me"),
        ReasoningChunk(" think"),
        TextChunk("Hell"),
        TextChunk("o th"),
        TextChunk("ere"),
        StreamEnd("stop", 12, 5),
    ]


def test_openrouter_reasoning_key() -> None:
    deltas = accumulate(chunks_of(wire.text_stream("ok", 1, reasoning="hm", reasoning_key="reasoning")))
    assert ReasoningChunk("h") in deltas and TextChunk("ok") in deltas


def test_interleaved_parallel_calls_begin_early_and_complete_when_closed() -> None:
    state = ChatStreamState()
    timeline: list[tuple[int, StreamDelta]] = []
    chunks = chunks_of(wire.tool_call_stream(CALLS, interleave=True, split=5))
    for n, chunk in enumerate(chunks):
        timeline += [(n, d) for d in state.accumulate(chunk)]
    timeline += [(len(chunks), d) for d in state.finish(done=True)]
    deltas = [d for _, d in timeline]
    assert deltas[:2] == [
        ToolCallBegin(wire.call_id(0), "get_weather"),
        ToolCallBegin(wire.call_id(1), "clock"),
    ]
    finish_chunk = next(n for n, c in enumerate(chunks) if c["choices"] and c["choices"][0]["finish_reason"])
    complete_at = {d.name: n for n, d in timeline if isinstance(d, ToolCallComplete)}
    # Both calls close their JSON object before the finish chunk: neither waits for it.
    assert complete_at["clock"] < complete_at["get_weather"] < finish_chunk
    assert completes(deltas)["get_weather"].arguments == CALLS[0][1]
    assert completes(deltas)["clock"].arguments == "{}"
    assert deltas[-1] == StreamEnd("tool_calls", 80, 40)


def test_whole_calls_in_one_chunk() -> None:
    deltas = accumulate(chunks_of(wire.whole_tool_calls_stream(CALLS)))
    assert deltas[:4] == [
        ToolCallBegin(wire.call_id(0), "get_weather"),
        ToolCallComplete(wire.call_id(0), "get_weather", CALLS[0][1]),
        ToolCallBegin(wire.call_id(1), "clock"),
        ToolCallComplete(wire.call_id(1), "clock", "{}"),
    ]


def test_whole_calls_without_index_are_told_apart() -> None:
    deltas = accumulate(chunks_of(wire.whole_tool_calls_stream(CALLS, with_index=False)))
    assert set(completes(deltas)) == {"get_weather", "clock"}


def test_missing_ids_are_synthesised() -> None:
    deltas = accumulate(chunks_of(wire.tool_call_stream(CALLS, ids=[None, None])))
    ids = [d.call_id for d in deltas if isinstance(d, ToolCallBegin)]
    assert len(ids) == 2 and ids[0].endswith("_0") and ids[1].endswith("_1") and len(set(ids)) == 2


def test_invalid_or_empty_arguments_complete_at_finish() -> None:
    chunks = chunks_of(wire.tool_call_stream([("a", '{"x": 1'), ("b", "")], split=2))
    state = ChatStreamState()
    before_finish: list[StreamDelta] = []
    for chunk in chunks[:-2]:  # everything but the finish and usage chunks
        before_finish += state.accumulate(chunk)
    assert not any(isinstance(d, ToolCallComplete) for d in before_finish)
    rest = state.accumulate(chunks[-2])
    assert completes(rest)["a"].arguments == '{"x": 1'  # the loop tells the model it is invalid
    assert completes(rest)["b"].arguments == "{}"


def test_fragments_after_a_closed_object_do_not_complete_twice() -> None:
    head = {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
    tail = {"index": 0, "function": {"arguments": " "}}
    chunks = [wire.chunk({"tool_calls": [head]}), wire.chunk({"tool_calls": [tail]})]
    chunks.append(wire.chunk({}, finish_reason="tool_calls"))
    deltas = accumulate(chunks)
    assert completes(deltas)["f"].arguments == '{"a":1}'


def test_usage_may_follow_finish_and_is_none_when_never_sent() -> None:
    deltas = accumulate(chunks_of(wire.text_stream("x", usage=None)))
    assert deltas[-1] == StreamEnd("stop", None, None)


def test_end_without_finish_or_done() -> None:
    with pytest.raises(StreamInterrupted):
        accumulate(
            chunks_of(wire.text_stream("partial", finish_reason=None, usage=None, done=False)), done=False
        )
    with pytest.raises(StreamProtocolError):
        accumulate([], done=False)
    # [DONE] without a finish reason still ends the stream.
    assert accumulate([], done=True) == [StreamEnd("stop")]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {
                "message": "This model's maximum context length is 8192 tokens",
                "code": "context_length_exceeded",
            },
            ContextTooLongError,
        ),
        (
            {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"},
            RateLimitError,
        ),
        ({"message": "Provider returned error", "code": 502}, ServerError),
        ({"message": "The server had an error", "type": "server_error"}, ServerError),
        ({"message": "Invalid key", "type": "authentication_error"}, AuthenticationError),
        ({"message": "Something odd"}, StreamProtocolError),
    ],
)
def test_error_object_in_stream(error: dict[str, Any], expected: type[ProviderError]) -> None:
    state = ChatStreamState()
    state.accumulate(wire.chunk({"content": "Hi"}))
    with pytest.raises(expected) as info:
        state.accumulate({"error": error})
    assert type(info.value) is expected
    assert error["message"] in info.value.message


def test_accumulator_on_every_split_of_the_wire() -> None:
    stream = wire.tool_call_stream(CALLS, interleave=True, text="Checking.")
    expected = accumulate(chunks_of(stream))
    for offset in range(1, len(stream)):
        events = iter_events([stream[:offset], stream[offset:]])
        state = ChatStreamState()
        got: list[StreamDelta] = []
        for event in events:
            if event.data != "[DONE]":
                got += state.accumulate(json.loads(event.data))
        assert got + state.finish(done=True) == expected, offset


# -- the provider over real HTTP ----------------------------------------------------


def run_stream(server: ScriptedServer, *responses: Response, key: str | None = KEY) -> list[StreamDelta]:
    server.push(*responses)
    return stream_all(lambda: OpenAICompatProvider(f"{server.url}/v1", key), REQUEST)


def run_error(server: ScriptedServer, *responses: Response, **kw: Any) -> ProviderError:
    return raised_error(lambda: run_stream(server, *responses, **kw), secret=KEY)


def test_text_stream_and_request_shape(server: ScriptedServer) -> None:
    deltas = run_stream(server, Response.sse(wire.text_stream("Hello, wörld 👋", 4)))
    assert text_of(deltas) == "Hello, wörld 👋"
    assert deltas[-1] == StreamEnd("stop", 12, 5)
    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_no_key_means_no_authorization_header(server: ScriptedServer) -> None:
    run_stream(server, Response.sse(wire.text_stream("ok")), key=None)
    assert "authorization" not in server.requests[0].headers


def test_full_conversation_request_shape(server: ScriptedServer) -> None:
    call = ToolCall("call_1", "clock", "{}")
    request = ChatRequest(
        model="m",
        system="Be brief.",
        messages=(
            UserMessage("What time is it?"),
            AssistantMessage("", (call,)),
            ToolResultMessage("call_1", "clock", "12:00"),
            AssistantMessage("Noon."),
        ),
        tools=(ToolSpec("clock", "Current time", {"type": "object", "properties": {}}),),
        max_output_tokens=100,
        temperature=0.2,
    )
    server.push(Response.sse(wire.text_stream("ok")))
    stream_all(lambda: OpenAICompatProvider(server.url + "/v1/"), request)
    body = server.requests[0].json
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What time is it?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "clock", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "12:00"},
        {"role": "assistant", "content": "Noon."},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "clock",
                "description": "Current time",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ]
    assert body["max_tokens"] == 100 and body["temperature"] == 0.2


def test_parallel_tool_calls_split_at_every_byte_offset(server: ScriptedServer) -> None:
    # A lean envelope keeps the stream (and so the number of requests) small.
    lean = wire.Wire(id="c", model="m", created=1, fingerprint="f", include_usage=False)
    calls = [("get_weather", '{"city": "Paris"}'), ("clock", "{}")]
    stream = wire.tool_call_stream(calls, interleave=True, split=2, usage=(5, 6), wire=lean)
    expected = accumulate(chunks_of(stream))
    offsets = iter(range(1, len(stream)))
    server.script(lambda request: Response.sse(wire.split_at(stream, [next(offsets)])))

    async def every_offset(provider: OpenAICompatProvider) -> None:
        for offset in range(1, len(stream)):
            assert await collect(provider, REQUEST) == expected, offset

    run_with(lambda: OpenAICompatProvider(server.url, KEY), every_offset)
    assert len(server.requests) == len(stream) - 1


def test_one_byte_per_http_chunk(server: ScriptedServer) -> None:
    stream = wire.tool_call_stream(CALLS[:1], text="Voilà 👋")
    deltas = run_stream(server, Response.sse(wire.byte_chunks(stream)))
    assert deltas == accumulate(chunks_of(stream))
    assert text_of(deltas) == "Voilà 👋"


def test_finish_then_close_without_done(server: ScriptedServer) -> None:
    deltas = run_stream(server, Response.sse(wire.text_stream("ok", done=False)))
    assert deltas[-1] == StreamEnd("stop", 12, 5)


def test_done_without_trailing_blank_line(server: ScriptedServer) -> None:
    stream = wire.text_stream("ok", usage=None).rstrip(b"\n")
    assert run_stream(server, Response.sse(stream))[-1] == StreamEnd("stop")


def test_empty_200_body(server: ScriptedServer) -> None:
    error = run_error(server, Response.sse(b""))
    assert isinstance(error, StreamProtocolError)


def test_stream_that_stops_early(server: ScriptedServer) -> None:
    stream = wire.text_stream("half an answer", finish_reason=None, usage=None, done=False)
    error = run_error(server, Response.sse(stream))
    assert isinstance(error, StreamInterrupted)


def test_error_object_mid_stream(server: ScriptedServer) -> None:
    stream = wire.text_stream("Hel", done=False, finish_reason=None, usage=None)
    stream += wire.stream_error_event(f"Upstream failed for key {KEY}", code=502)
    error = run_error(server, Response.sse(stream))
    assert isinstance(error, ServerError)
    assert "Upstream failed" in error.message


def test_connection_dropped_mid_stream(server: ScriptedServer) -> None:
    stream = wire.text_stream("Hello there", 2, finish_reason=None, usage=None, done=False)
    received: list[StreamDelta] = []
    server.push(Response.sse([stream, b'data: {"choi'], drop=True))

    async def receive(provider: OpenAICompatProvider) -> None:
        async for delta in provider.stream(REQUEST):
            received.append(delta)

    with pytest.raises(StreamInterrupted) as info:
        run_with(lambda: OpenAICompatProvider(server.url, KEY), receive)
    assert text_of(received) == "Hello there"
    assert KEY not in info.value.detail


def test_401(server: ScriptedServer) -> None:
    body = wire.error_body(401, f"Incorrect API key provided: {KEY}.", code="invalid_api_key")
    error = run_error(server, Response.json(body, status=401))
    assert isinstance(error, AuthenticationError) and error.status == 401
    assert "Incorrect API key provided" in error.message


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ([("Retry-After", "7")], 7.0),
        ([("retry-after-ms", "1500"), ("Retry-After", "2")], 1.5),
        ([], None),
    ],
)
def test_429_retry_after(
    server: ScriptedServer, headers: list[tuple[str, str]], seconds: float | None
) -> None:
    body = wire.error_body(429, "Rate limit reached for gpt-test.", code="rate_limit_exceeded")
    error = run_error(server, Response.json(body, status=429, headers=headers))
    assert isinstance(error, RateLimitError) and error.retryable
    assert error.retry_after == seconds
    assert "Rate limit reached" in error.message


def test_429_retry_after_http_date(server: ScriptedServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    error = run_error(
        server,
        Response.json(wire.error_body(429, "Slow down"), status=429, headers=[("Retry-After", when)]),
    )
    assert error.retry_after is not None and 0 < error.retry_after <= 61


def test_429_insufficient_quota_is_not_retryable(server: ScriptedServer) -> None:
    body = wire.error_body(
        429, "You exceeded your current quota.", type="insufficient_quota", code="insufficient_quota"
    )
    error = run_error(server, Response.json(body, status=429))
    assert isinstance(error, RateLimitError) and not error.retryable


def test_500_and_html_502(server: ScriptedServer) -> None:
    body = wire.error_body(500, "The server had an error while processing your request. Sorry about that!")
    error = run_error(server, Response.json(body, status=500))
    assert isinstance(error, ServerError) and "Sorry about that" in error.message
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    error = run_error(server, Response.text(html, status=502, content_type="text/html"))
    assert isinstance(error, ServerError) and "Bad Gateway" in error.message and "<" not in error.message


def test_529_overloaded(server: ScriptedServer) -> None:
    error = run_error(
        server,
        Response.json({"error": {"type": "overloaded_error", "message": "Overloaded"}}, status=529),
    )
    assert isinstance(error, ServerError)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            wire.error_body(
                400,
                "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
                code="context_length_exceeded",
            ),
            ContextTooLongError,
        ),
        (
            400,
            {
                "error": {
                    "code": 400,
                    "message": "the request exceeds the available context size, try increasing it",
                    "type": "exceed_context_size_error",
                }
            },
            ContextTooLongError,
        ),
        (400, wire.error_body(400, "Invalid value for 'temperature'."), BadRequestError),
        (404, {"error": 'model "llama9" not found, try pulling it first'}, BadRequestError),
        (422, {"detail": [{"loc": ["body", "messages"], "msg": "field required"}]}, BadRequestError),
        (403, {"message": "Forbidden"}, AuthenticationError),
    ],
)
def test_4xx_bodies(server: ScriptedServer, status: int, body: Any, expected: type[ProviderError]) -> None:
    error = run_error(server, Response.json(body, status=status))
    assert type(error) is expected and error.status == status


def test_404_says_what_to_check(server: ScriptedServer) -> None:
    error = run_error(server, Response.text("404 page not found", status=404))
    assert "/v1" in error.message and "404 page not found" in error.message


def test_connection_refused() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, and now nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(ConnectionFailed) as info:
        stream_all(lambda: OpenAICompatProvider(f"http://127.0.0.1:{port}/v1", KEY), REQUEST)
    assert info.value.retryable and f"127.0.0.1:{port}" in info.value.message


def run_with_timeout(server: ScriptedServer, response: Response) -> tuple[ProviderError, RecordedRequest]:
    server.push(response)
    with pytest.raises(ProviderError) as info:
        stream_all(lambda: OpenAICompatProvider(server.url, KEY, timeout=0.2), REQUEST)
    return info.value, server.requests[-1]


def test_read_timeout_before_headers_and_mid_body(server: ScriptedServer) -> None:
    error, _ = run_with_timeout(server, Response.sse(b"", hang="before_headers"))
    assert isinstance(error, ConnectionFailed)
    partial = wire.text_stream("Hi", finish_reason=None, usage=None, done=False)
    error, _ = run_with_timeout(server, Response.sse(partial, hang="mid_body"))
    assert isinstance(error, StreamInterrupted)


def test_cancellation_closes_the_connection(server: ScriptedServer) -> None:
    partial = wire.text_stream("Hi", finish_reason=None, usage=None, done=False)
    server.push(Response.sse(partial, hang="mid_body"))
    first = asyncio.Event

    async def main() -> None:
        got_first = first()
        provider = OpenAICompatProvider(server.url, KEY)

        async def consume() -> None:
            async for _ in provider.stream(REQUEST):
                got_first.set()

        task = asyncio.create_task(consume())
        await got_first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await provider.aclose()

    asyncio.run(main())
    assert server.requests[0].client_gone.wait(10)


def test_list_models(server: ScriptedServer) -> None:
    server.push(
        Response.json(wire.models_body(["gpt-a", "gpt-b"])),
        Response.json(wire.error_body(401, "bad key"), status=401),
    )

    async def list_twice(provider: OpenAICompatProvider) -> list[str]:
        models = await provider.list_models()
        with pytest.raises(AuthenticationError):
            await provider.list_models()
        return models

    assert run_with(lambda: OpenAICompatProvider(server.url + "/v1", KEY), list_twice) == ["gpt-a", "gpt-b"]
    assert server.requests[0].method == "GET" and server.requests[0].path == "/v1/models"


def test_loopback_bypasses_proxy_env(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert text_of(run_stream(server, Response.sse(wire.text_stream("direct")))) == "direct"


def test_a_given_http_client_is_used_and_left_open(server: ScriptedServer) -> None:
    server.push(Response.sse(wire.text_stream("ok")), Response.sse(wire.text_stream("again")))

    async def main() -> None:
        async with httpx.AsyncClient() as client:
            provider = OpenAICompatProvider(server.url, name="local", http_client=client)
            assert text_of(await collect(provider, REQUEST)) == "ok"
            await provider.aclose()
            assert not client.is_closed
            assert text_of(await collect(provider, REQUEST)) == "again"

    asyncio.run(main())


def test_delayed_chunks(server: ScriptedServer) -> None:
    stream = wire.text_stream("slow but steady", 3)
    parts = [Chunk(p, delay=0.01) for p in wire.split_at(stream, range(0, len(stream), 100))]
    assert text_of(run_stream(server, Response.sse(parts))) == "slow but steady"


def test_close_cuts_open_connections_and_joins_every_thread() -> None:
    before = set(threading.enumerate())
    srv = ScriptedServer([Response.sse(b"data: x\n\n", hang="mid_body"), Response.sse(wire.text_stream("a"))])
    srv.start()

    async def main() -> None:
        async with httpx.AsyncClient() as client, client.stream("POST", srv.url, json={}) as hanging:
            body = hanging.aiter_bytes()
            assert await anext(body) == b"data: x\n\n"
            # A second connection, idle in the keep-alive pool, is open too.
            provider = OpenAICompatProvider(srv.url, http_client=client)
            assert text_of(await collect(provider, REQUEST)) == "a"
            await asyncio.to_thread(srv.close)
            with pytest.raises(httpx.RemoteProtocolError):  # which also finishes the body iterator
                await anext(body)

    asyncio.run(main())
    assert set(threading.enumerate()) <= before


def test_done_then_a_body_that_stays_open(server: ScriptedServer) -> None:
    # The answer is whole at [DONE]; the server not ending the body must not lose or block it.
    deltas = run_stream(server, Response.sse(wire.text_stream("fine"), hang="mid_body"))
    assert text_of(deltas) == "fine" and deltas[-1] == StreamEnd("stop", 12, 5)


def test_a_server_that_ignores_stream_true(server: ScriptedServer) -> None:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Let me check.",
                    "tool_calls": [
                        {"id": "call_a", "type": "function", "function": {"name": "clock", "arguments": "{}"}}
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    }
    deltas = run_stream(server, Response.json(completion))
    assert deltas == [
        TextChunk("Let me check."),
        ToolCallBegin("call_a", "clock"),
        ToolCallComplete("call_a", "clock", "{}"),
        StreamEnd("tool_calls", 9, 4),
    ]


def test_error_event_with_plain_text(server: ScriptedServer) -> None:
    error = run_error(server, Response.sse(b"event: error\ndata: model crashed\n\n"))
    assert isinstance(error, StreamProtocolError) and "model crashed" in error.message


def test_address_without_scheme_is_not_retried() -> None:
    with pytest.raises(ConnectionFailed) as info:
        stream_all(lambda: OpenAICompatProvider("localhost:8080/v1"), REQUEST)
    assert not info.value.retryable and "http://" in info.value.message
