"""Byte-exact OpenAI Chat Completions wire data, for the scripted server to send.

Streams look as api.openai.com sends them with ``stream_options.include_usage``:
compact JSON after ``data: ``, events separated by a blank line, a first delta
carrying the role, tool calls opened by ``{"index", "id", "type", "function":
{"name", "arguments": ""}}`` and continued by argument fragments, a chunk with
an empty delta and the ``finish_reason``, a usage chunk with ``"choices": []``,
then ``data: [DONE]``. Error bodies are indented like OpenAI's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class Wire:
    """The envelope every chunk of one stream shares."""

    id: str = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    model: str = "gpt-4o-mini-2024-07-18"
    created: int = 1727727872
    fingerprint: str = "fp_f85bea6784"
    include_usage: bool = True  # every chunk then carries "usage": null


DEFAULT = Wire()


def encode(obj: Any) -> bytes:
    """One SSE event carrying ``obj`` as compact JSON, as OpenAI writes it."""
    return b"data: " + json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"


def chunk(
    delta: dict[str, Any] | None = None, *, finish_reason: str | None = None, wire: Wire = DEFAULT
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object with one choice."""
    obj: dict[str, Any] = {
        "id": wire.id,
        "object": "chat.completion.chunk",
        "created": wire.created,
        "model": wire.model,
        "service_tier": "default",
        "system_fingerprint": wire.fingerprint,
        "choices": [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish_reason}],
    }
    if wire.include_usage:
        obj["usage"] = None
    return obj


def usage_chunk(prompt_tokens: int, completion_tokens: int, *, wire: Wire = DEFAULT) -> dict[str, Any]:
    """The last chunk with ``include_usage``: empty ``choices``, full ``usage``."""
    return {
        "id": wire.id,
        "object": "chat.completion.chunk",
        "created": wire.created,
        "model": wire.model,
        "service_tier": "default",
        "system_fingerprint": wire.fingerprint,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }


def _ending(finish_reason: str | None, usage: tuple[int, int] | None, done: bool, wire: Wire) -> list[bytes]:
    events = []
    if finish_reason is not None:
        events.append(encode(chunk({}, finish_reason=finish_reason, wire=wire)))
    if usage is not None:
        events.append(encode(usage_chunk(*usage, wire=wire)))
    if done:
        events.append(DONE)
    return events


def cut_text(text: str, count: int) -> list[str]:
    """``text`` cut into ``count`` nearly equal non-empty pieces (fewer if it is short)."""
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return [p for p in out if p]


def text_stream(
    text: str,
    pieces: int | Sequence[str] = 3,
    *,
    reasoning: str = "",
    reasoning_key: str = "reasoning_content",
    finish_reason: str | None = "stop",
    usage: tuple[int, int] | None = (12, 5),
    done: bool = True,
    wire: Wire = DEFAULT,
) -> bytes:
    """A plain answer: role chunk, optional reasoning, ``text`` in pieces, finish, usage, [DONE].

    ``pieces`` is a count or the exact pieces (they must join to ``text``).
    """
    parts = cut_text(text, pieces) if isinstance(pieces, int) else list(pieces)
    assert "".join(parts) == text
    events = [encode(chunk({"role": "assistant", "content": "", "refusal": None}, wire=wire))]
    for part in cut_text(reasoning, 2) if reasoning else ():
        events.append(encode(chunk({reasoning_key: part}, wire=wire)))
    events += [encode(chunk({"content": part}, wire=wire)) for part in parts]
    return b"".join(events + _ending(finish_reason, usage, done, wire))


def call_id(n: int) -> str:
    """A tool call id shaped like OpenAI's."""
    return f"call_{n:02d}Xq7bFvH0dWcQm4tR9sLpZ"


def tool_call_stream(
    calls: Sequence[tuple[str, str]],
    *,
    interleave: bool = False,
    split: int | Callable[[str], list[str]] = 4,
    text: str = "",
    ids: Sequence[str | None] | None = None,
    finish_reason: str | None = "tool_calls",
    usage: tuple[int, int] | None = (80, 40),
    done: bool = True,
    wire: Wire = DEFAULT,
) -> bytes:
    """Tool calls ``(name, arguments_json)`` streamed as OpenAI does, optionally after some ``text``.

    Each call opens with its id, name and ``"arguments": ""``; its arguments
    follow in ``split`` fragments (a count or a function cutting the text).
    OpenAI sends calls one after another; ``interleave=True`` alternates the
    fragments of all calls, as some servers do. ``ids`` entries of None leave
    the id out.
    """
    cut = split if callable(split) else (lambda args: cut_text(args, split))
    first: dict[str, Any] = {"role": "assistant", "content": None}
    events = []
    if text:
        events.append(encode(chunk({"role": "assistant", "content": "", "refusal": None}, wire=wire)))
        events += [encode(chunk({"content": part}, wire=wire)) for part in cut_text(text, 3)]
        first = {}
    streams: list[list[dict[str, Any]]] = []
    for n, (name, arguments) in enumerate(calls):
        head: dict[str, Any] = {"index": n}
        the_id = call_id(n) if ids is None else ids[n]
        if the_id is not None:
            head["id"] = the_id
        head["type"] = "function"
        head["function"] = {"name": name, "arguments": ""}
        fragments = [{"index": n, "function": {"arguments": part}} for part in cut(arguments)]
        streams.append([head, *fragments])
    order = _round_robin(streams) if interleave else [f for stream in streams for f in stream]
    for fragment in order:
        delta = {**first, "tool_calls": [fragment]}
        if first:
            delta["refusal"] = None
            first = {}
        events.append(encode(chunk(delta, wire=wire)))
    return b"".join(events + _ending(finish_reason, usage, done, wire))


def whole_tool_calls_stream(
    calls: Sequence[tuple[str, str]],
    *,
    with_index: bool = True,
    usage: tuple[int, int] | None = (80, 40),
    done: bool = True,
    wire: Wire = DEFAULT,
) -> bytes:
    """All tool calls complete in one chunk, as Ollama and Mistral send them."""
    tool_calls = []
    for n, (name, arguments) in enumerate(calls):
        entry: dict[str, Any] = {"id": call_id(n), "type": "function"}
        if with_index:
            entry = {"index": n, **entry}
        entry["function"] = {"name": name, "arguments": arguments}
        tool_calls.append(entry)
    events = [encode(chunk({"role": "assistant", "content": "", "tool_calls": tool_calls}, wire=wire))]
    return b"".join(events + _ending("tool_calls", usage, done, wire))


def _round_robin(streams: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for step in range(max(len(s) for s in streams)):
        out += [s[step] for s in streams if step < len(s)]
    return out


def error_object(
    message: str, *, type: str = "invalid_request_error", code: str | None = None
) -> dict[str, Any]:
    """OpenAI's error object: message, type, param, code."""
    return {"error": {"message": message, "type": type, "param": None, "code": code}}


def error_body(status: int, message: str, *, type: str | None = None, code: str | None = None) -> bytes:
    """A non-2xx JSON body as OpenAI writes it (4-space indent, trailing newline)."""
    if type is None:
        type = {401: "invalid_request_error", 429: "requests", 500: "server_error"}.get(
            status, "invalid_request_error"
        )
    return (json.dumps(error_object(message, type=type, code=code), indent=4) + "\n").encode()


def stream_error_event(message: str, *, type: str = "server_error", code: str | int | None = None) -> bytes:
    """An error object sent as a ``data:`` event in the middle of a stream."""
    return encode({"error": {"message": message, "type": type, "param": None, "code": code}})


def models_body(ids: Iterable[str]) -> dict[str, Any]:
    """The ``GET /models`` answer."""
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 1686935002, "owned_by": "system"} for i in ids],
    }


def split_at(data: bytes, offsets: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given byte offsets (sorted, deduplicated; empty pieces dropped)."""
    cuts = sorted({o for o in offsets if 0 < o < len(data)})
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def every_split(data: bytes) -> Iterator[list[bytes]]:
    """``data`` cut in two at each offset in turn."""
    for offset in range(1, len(data)):
        yield [data[:offset], data[offset:]]


def byte_chunks(data: bytes, size: int = 1) -> list[bytes]:
    """``data`` in chunks of ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)]
