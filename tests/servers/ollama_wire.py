"""Byte-exact Ollama ``/api/chat`` wire data, for the scripted server to send.

As Ollama writes it (docs/api.md, "Generate a chat completion"): one compact
JSON object per line (``application/x-ndjson``), each with ``model``,
``created_at``, ``message`` (``role``, ``content``, and ``thinking`` or
``tool_calls`` when there are some) and ``done``; the last line has an empty
message, ``done_reason`` and the timing and token counts. Tool calls come
whole, arguments as an object; older servers send no ``id``, newer ones send
``id`` and ``function.index``. Errors are ``{"error": "..."}``, as a JSON body
with a status or as a line inside the stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .openai_wire import cut_text
from .scripted import Chunk, Hang, Response

MODEL = "llama3.2"
CREATED = "2025-05-27T22:54:57.641643Z"


def line(obj: dict[str, Any]) -> bytes:
    """One NDJSON line, compact as Go's encoder writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def chunk(message: dict[str, Any], *, model: str = MODEL) -> bytes:
    return line(
        {"model": model, "created_at": CREATED, "message": {"role": "assistant", **message}, "done": False}
    )


def final(
    *, done_reason: str = "stop", usage: tuple[int, int] | None = (26, 12), model: str = MODEL
) -> bytes:
    """The last line: empty message, ``done_reason``, durations and token counts."""
    obj: dict[str, Any] = {
        "model": model,
        "created_at": CREATED,
        "message": {"role": "assistant", "content": ""},
        "done_reason": done_reason,
        "done": True,
        "total_duration": 4883583458,
        "load_duration": 1334875,
    }
    if usage is not None:
        obj.update(
            prompt_eval_count=usage[0],
            prompt_eval_duration=342546000,
            eval_count=usage[1],
            eval_duration=4535599000,
        )
    return line(obj)


def text_stream(
    text: str,
    pieces: int = 3,
    *,
    thinking: str = "",
    done_reason: str = "stop",
    usage: tuple[int, int] | None = (26, 12),
    done: bool = True,
) -> bytes:
    """A plain answer: optional thinking lines, ``text`` in pieces, then the final line."""
    out = [chunk({"content": "", "thinking": part}) for part in cut_text(thinking, 2)] if thinking else []
    out += [chunk({"content": part}) for part in cut_text(text, pieces)]
    if done:
        out.append(final(done_reason=done_reason, usage=usage))
    return b"".join(out)


def tool_call(
    name: str, arguments: dict[str, Any], *, index: int | None = None, id: str | None = None
) -> dict[str, Any]:
    """One whole call; ``index``/``id`` as newer servers add them."""
    function: dict[str, Any] = {"name": name, "arguments": arguments}
    if index is not None:
        function = {"index": index, **function}
    call: dict[str, Any] = {"function": function}
    if id is not None:
        call = {"id": id, **call}
    return call


def tool_call_stream(
    calls: Sequence[tuple[str, dict[str, Any]]],
    *,
    text: str = "",
    one_line: bool = False,
    with_ids: bool = False,
    usage: tuple[int, int] | None = (122, 33),
) -> bytes:
    """Tool calls after some optional ``text``: each call on its own line (Ollama's streaming
    parser emits a call as soon as it is whole), or all on ``one_line``."""
    made = [
        tool_call(name, args, index=n if with_ids else None, id=f"call_{n}x9Kq2" if with_ids else None)
        for n, (name, args) in enumerate(calls)
    ]
    out = [chunk({"content": part}) for part in cut_text(text, 2)] if text else []
    if one_line:
        out.append(chunk({"content": "", "tool_calls": made}))
    else:
        out += [chunk({"content": "", "tool_calls": [call]}) for call in made]
    out.append(final(usage=usage))
    return b"".join(out)


def error_line(message: str) -> bytes:
    """An error reported inside the stream."""
    return line({"error": message})


def error_body(message: str) -> bytes:
    """A non-2xx body."""
    return json.dumps({"error": message}).encode()


def response(
    body: bytes | Iterable[bytes | Chunk], *, drop: bool = False, hang: Hang | None = None
) -> Response:
    """A streamed 200 answer with Ollama's content type."""
    chunks = [body] if isinstance(body, bytes) else list(body)
    return Response(200, [("Content-Type", "application/x-ndjson")], chunks, drop=drop, hang=hang)


def error_response(status: int, message: str) -> Response:
    return Response.json(error_body(message), status=status, headers=[])


def tags_body(names: Sequence[str]) -> dict[str, Any]:
    """The ``GET /api/tags`` answer."""
    return {
        "models": [
            {
                "name": name,
                "model": name,
                "modified_at": "2025-05-20T09:12:41.171432-07:00",
                "size": 2019393189,
                "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "llama",
                    "families": ["llama"],
                    "parameter_size": "3.2B",
                    "quantization_level": "Q4_K_M",
                },
            }
            for name in names
        ]
    }
