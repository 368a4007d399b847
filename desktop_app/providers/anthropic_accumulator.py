"""Anthropic Messages stream events (already JSON-decoded) → our typed deltas.

No I/O here: :class:`MessageStreamState` is fed one event at a time and answers
with the deltas it produces, so it can be tested on recorded streams.

The stream is ``message_start``, then content blocks (each a
``content_block_start``, ``content_block_delta``\\ s and a
``content_block_stop``, all carrying the block's ``index``), then
``message_delta`` (``stop_reason``, cumulative ``usage``) and ``message_stop``;
``ping`` may come anywhere, ``error`` ends it. Unknown event and block types
are ignored, as Anthropic's versioning policy asks.

A ``tool_use`` block begins (``ToolCallBegin``) at its ``content_block_start``
and completes (``ToolCallComplete``) at its ``content_block_stop``: its
``input_json_delta`` fragments may split the JSON anywhere, so only the stop
says it is whole. ``thinking`` blocks become ``ReasoningChunk``\\ s; their
``signature_delta`` is dropped, since we never send thinking back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import ProviderError, StreamInterrupted, StreamProtocolError
from desktop_app.core.stream import (
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)

from .http_errors import error_for, server_message

# Anthropic's stop reasons in our vocabulary (the one OpenAI's finish_reason uses).
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}

# The HTTP status each error type stands for, so an error inside a stream is judged
# (retryable or not, plain message) exactly as the same error in a status line.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


@dataclass
class _ToolBlock:
    call_id: str
    name: str
    parts: list[str] = field(default_factory=list)
    initial: str = ""  # the input sent whole in content_block_start, if any
    complete: bool = False

    @property
    def arguments(self) -> str:
        text = "".join(self.parts)
        if text.strip():
            return text
        # No deltas at all (a tool without parameters): the start's input, or "no arguments".
        return self.initial or "{}"


class MessageStreamState:
    """Accumulates one streamed message.

    Call :meth:`accumulate` for each event, then :meth:`finish` once the body
    ended. Raises a ProviderError for an ``error`` event, or from ``finish``
    for a stream that stopped before its ``message_delta``/``message_stop``.
    """

    def __init__(self) -> None:
        self._tools: dict[int, _ToolBlock] = {}
        self._kinds: dict[int, str] = {}
        self.stop_reason: str | None = None
        self.stopped = False  # message_stop arrived
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.received_content = False  # any text, thinking or tool call arrived

    def accumulate(self, event: dict[str, Any], event_name: str = "") -> list[StreamDelta]:
        """Take one decoded event; return the deltas it produces, in order.

        ``event_name`` is the SSE ``event:`` field, used when the data has no ``type``.
        """
        kind = event.get("type") or event_name
        if kind == "error":
            raise error_from_event(event.get("error", event))
        handler = _HANDLERS.get(str(kind))
        return handler(self, event) if handler else []

    def finish(self) -> list[StreamDelta]:
        """The body ended: the outstanding ``ToolCallComplete``\\ s and the one ``StreamEnd``.

        Raises StreamInterrupted (something arrived) or StreamProtocolError
        (nothing did) when the stream ended before saying why it stopped.
        """
        if self.stop_reason is None and not self.stopped:
            if self.received_content:
                raise StreamInterrupted(
                    "The model server stopped in the middle of the answer.",
                    detail="stream closed before message_delta or message_stop",
                )
            raise StreamProtocolError(
                "The model server closed the connection without sending an answer.",
                detail="stream closed before any content, message_delta or message_stop",
            )
        out: list[StreamDelta] = []
        for index in sorted(self._tools):
            self._complete(index, out)
        reason = self.stop_reason or "end_turn"
        finish = FINISH_REASONS.get(reason, reason)
        out.append(StreamEnd(finish, self.input_tokens, self.output_tokens))
        return out

    # -- events ----------------------------------------------------------------

    def _message_start(self, event: dict[str, Any]) -> list[StreamDelta]:
        message = event.get("message")
        if isinstance(message, dict):
            self._take_usage(message.get("usage"))
        return []

    def _block_start(self, event: dict[str, Any]) -> list[StreamDelta]:
        index = event.get("index")
        block = event.get("content_block")
        if not isinstance(index, int) or not isinstance(block, dict):
            return []
        kind = str(block.get("type", ""))
        self._kinds[index] = kind
        if kind == "text":
            return self._text(block.get("text"))
        if kind == "thinking":
            return self._thinking(block.get("thinking"))
        if kind == "tool_use":
            self.received_content = True
            call_id = block.get("id") if isinstance(block.get("id"), str) else ""
            name = block.get("name") if isinstance(block.get("name"), str) else ""
            tool = _ToolBlock(call_id or f"toolu_{index}", name)
            initial = block.get("input")
            if isinstance(initial, dict) and initial:
                tool.initial = json.dumps(initial, ensure_ascii=False)
            self._tools[index] = tool
            return [ToolCallBegin(tool.call_id, tool.name)]
        return []  # redacted_thinking, server tools and future kinds: nothing to show

    def _block_delta(self, event: dict[str, Any]) -> list[StreamDelta]:
        index = event.get("index")
        delta = event.get("delta")
        if not isinstance(delta, dict):
            return []
        kind = delta.get("type")
        if kind == "text_delta":
            return self._text(delta.get("text"))
        if kind == "thinking_delta":
            return self._thinking(delta.get("thinking"))
        if kind == "input_json_delta" and isinstance(index, int):
            tool = self._tools.get(index)
            part = delta.get("partial_json")
            if tool is not None and not tool.complete and isinstance(part, str):
                tool.parts.append(part)
        return []  # signature_delta, citations_delta, ...

    def _block_stop(self, event: dict[str, Any]) -> list[StreamDelta]:
        index = event.get("index")
        out: list[StreamDelta] = []
        if isinstance(index, int) and index in self._tools:
            self._complete(index, out)
        return out

    def _message_delta(self, event: dict[str, Any]) -> list[StreamDelta]:
        delta = event.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
            self.stop_reason = delta["stop_reason"]
        self._take_usage(event.get("usage"))
        return []

    def _message_stop(self, event: dict[str, Any]) -> list[StreamDelta]:
        self.stopped = True
        return []

    # -- helpers ---------------------------------------------------------------

    def _text(self, text: object) -> list[StreamDelta]:
        if isinstance(text, str) and text:
            self.received_content = True
            return [TextChunk(text)]
        return []

    def _thinking(self, text: object) -> list[StreamDelta]:
        if isinstance(text, str) and text:
            self.received_content = True
            return [ReasoningChunk(text)]
        return []

    def _complete(self, index: int, out: list[StreamDelta]) -> None:
        tool = self._tools[index]
        if not tool.complete:
            tool.complete = True
            out.append(ToolCallComplete(tool.call_id, tool.name, tool.arguments))

    def _take_usage(self, usage: object) -> None:
        if not isinstance(usage, dict):
            return
        prompt = usage.get("input_tokens")
        if isinstance(prompt, int):
            # Cached prompt tokens are billed apart but still fill the window: count them in.
            cached = sum(
                value
                for key in ("cache_creation_input_tokens", "cache_read_input_tokens")
                if isinstance(value := usage.get(key), int)
            )
            self.input_tokens = prompt + cached
        output = usage.get("output_tokens")
        if isinstance(output, int):
            self.output_tokens = output  # cumulative: the last figure is the total


_HANDLERS = {
    "message_start": MessageStreamState._message_start,
    "content_block_start": MessageStreamState._block_start,
    "content_block_delta": MessageStreamState._block_delta,
    "content_block_stop": MessageStreamState._block_stop,
    "message_delta": MessageStreamState._message_delta,
    "message_stop": MessageStreamState._message_stop,
}


def error_from_event(error: object) -> ProviderError:
    """The ProviderError for an ``error`` event's ``error`` object (``{"type", "message"}``)."""
    kind = error.get("type") if isinstance(error, dict) else None
    kind = kind if isinstance(kind, str) else ""
    message = server_message(error) or (error if isinstance(error, str) else "")
    detail = f"error event in stream: {json.dumps(error, ensure_ascii=False)[:2000]}"
    return error_for(ERROR_STATUS.get(kind), message, code=kind, detail=detail)


def events_from_message(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream events equivalent to a whole (non-streamed) Message object, for a proxy that
    ignored ``"stream": true``; feeding them to :class:`MessageStreamState` gives the same deltas."""
    events: list[dict[str, Any]] = [{"type": "message_start", "message": {**message, "content": []}}]
    for index, block in enumerate(message.get("content") or ()):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "tool_use":
            start = {**block, "input": {}}
            events.append({"type": "content_block_start", "index": index, "content_block": start})
            arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
            delta = {"type": "input_json_delta", "partial_json": arguments}
            events.append({"type": "content_block_delta", "index": index, "delta": delta})
        else:
            events.append({"type": "content_block_start", "index": index, "content_block": block})
        events.append({"type": "content_block_stop", "index": index})
    stop = {"stop_reason": message.get("stop_reason") or "end_turn"}
    events.append({"type": "message_delta", "delta": stop, "usage": message.get("usage") or {}})
    events.append({"type": "message_stop"})
    return events
