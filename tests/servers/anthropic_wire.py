"""Byte-exact Anthropic Messages wire data, for the scripted server to send.

Streams look as api.anthropic.com sends them (docs: "Streaming Messages"):
each event is ``event: NAME`` then ``data: `` and compact JSON whose ``type``
repeats the name, then a blank line; ``message_start`` carries the message
with empty ``content`` and the input usage; every content block is a
``content_block_start`` / ``content_block_delta``\\ s / ``content_block_stop``
with its ``index``; a tool block opens with ``"input": {}`` and a first empty
``partial_json``; ``message_delta`` carries ``stop_reason`` and the cumulative
``output_tokens``; ``message_stop`` ends it. ``ping`` and ``error`` events are
written as the docs show them (with spaces after the colons). Error bodies
of non-2xx answers are compact JSON with a ``request_id``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .openai_wire import cut_text

MODEL = "claude-sonnet-4-20250514"
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def event(obj: dict[str, Any]) -> bytes:
    """One SSE event named after ``obj["type"]``, compact JSON as Anthropic writes it."""
    data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return f"event: {obj['type']}\ndata: {data}\n\n".encode()


def tool_id(n: int) -> str:
    """A tool_use id shaped like Anthropic's."""
    return f"toolu_{n:02d}A1b2C3d4E5f6G7h8J9k0Lm"


@dataclass(frozen=True)
class Text:
    text: str
    pieces: int = 3


@dataclass(frozen=True)
class Thinking:
    text: str
    signature: str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
    pieces: int = 2


@dataclass(frozen=True)
class ToolUse:
    name: str
    arguments: str  # the JSON text, split into partial_json fragments
    id: str = ""
    pieces: int = 4


Block = Text | Thinking | ToolUse


def message_start(
    input_tokens: int | None = 25, *, model: str = MODEL, msg_id: str = "msg_014p7gG3wDgGV9EUtLvnow3U"
) -> bytes:
    message: dict[str, Any] = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
    }
    if input_tokens is not None:
        message["usage"] = {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        }
    return event({"type": "message_start", "message": message})


def block_events(index: int, block: Block, *, tool_number: int = 0) -> list[bytes]:
    """The start, deltas and stop of one content block."""
    out: list[bytes] = []
    if isinstance(block, Text):
        out.append(
            event(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
        )
        for part in cut_text(block.text, block.pieces):
            delta = {"type": "text_delta", "text": part}
            out.append(event({"type": "content_block_delta", "index": index, "delta": delta}))
    elif isinstance(block, Thinking):
        start = {"type": "thinking", "thinking": ""}
        out.append(event({"type": "content_block_start", "index": index, "content_block": start}))
        for part in cut_text(block.text, block.pieces):
            delta = {"type": "thinking_delta", "thinking": part}
            out.append(event({"type": "content_block_delta", "index": index, "delta": delta}))
        signature = {"type": "signature_delta", "signature": block.signature}
        out.append(event({"type": "content_block_delta", "index": index, "delta": signature}))
    else:
        start = {"type": "tool_use", "id": block.id or tool_id(tool_number), "name": block.name, "input": {}}
        out.append(event({"type": "content_block_start", "index": index, "content_block": start}))
        parts = [""] + (cut_text(block.arguments, block.pieces) if block.arguments else [])
        for part in parts:
            delta = {"type": "input_json_delta", "partial_json": part}
            out.append(event({"type": "content_block_delta", "index": index, "delta": delta}))
    out.append(event({"type": "content_block_stop", "index": index}))
    return out


def message_delta(stop_reason: str | None, output_tokens: int | None) -> bytes:
    obj: dict[str, Any] = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
    }
    if output_tokens is not None:
        obj["usage"] = {"output_tokens": output_tokens}
    return event(obj)


MESSAGE_STOP = event({"type": "message_stop"})


def stream(
    blocks: Sequence[Block],
    *,
    stop_reason: str | None = None,
    usage: tuple[int, int] | None = (25, 15),
    ping: bool = True,
    end: bool = True,
    model: str = MODEL,
) -> bytes:
    """A whole message stream. ``stop_reason`` defaults to ``tool_use`` when a tool block
    is present, else ``end_turn``. ``end=False`` stops after the last block (no
    ``message_delta`` nor ``message_stop``), as a dropped stream would."""
    if stop_reason is None:
        stop_reason = "tool_use" if any(isinstance(b, ToolUse) for b in blocks) else "end_turn"
    out = [message_start(usage[0] if usage else None, model=model)]
    tools = 0
    for index, block in enumerate(blocks):
        events = block_events(index, block, tool_number=tools)
        if isinstance(block, ToolUse):
            tools += 1
        if ping and index == 0:
            events.insert(1, PING)  # Anthropic pings right after the first block opens
        out += events
    if end:
        out.append(message_delta(stop_reason, usage[1] if usage else None))
        out.append(MESSAGE_STOP)
    return b"".join(out)


def text_stream(text: str, pieces: int = 3, **kw: Any) -> bytes:
    """A plain answer: one text block in ``pieces``."""
    return stream([Text(text, pieces)], **kw)


def error_event(kind: str = "overloaded_error", message: str = "Overloaded") -> bytes:
    """An ``error`` event inside a stream, exactly as the docs show it."""
    return f'event: error\ndata: {{"type": "error", "error": {{"type": "{kind}", "message": "{message}"}}}}\n\n'.encode()


def error_body(kind: str, message: str, *, request_id: str = "req_011CSHoEeqs5C35K2UUqR7Fy") -> bytes:
    """A non-2xx JSON body as the API writes it."""
    obj = {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}
    return json.dumps(obj, separators=(",", ":")).encode()


def models_body(ids: Sequence[str]) -> dict[str, Any]:
    """The ``GET /v1/models`` answer."""
    data = [
        {
            "type": "model",
            "id": i,
            "display_name": i.replace("-", " ").title(),
            "created_at": "2025-05-22T00:00:00Z",
        }
        for i in ids
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }
