"""OpenAI Chat Completions stream chunks (already JSON-decoded) → our typed deltas.

No I/O here: :class:`ChatStreamState` is fed one chunk dict at a time and
answers with the deltas that chunk produces, so it can be tested on recorded
streams. Wire JSON never leaves this package.

Tool calls are merged by ``index`` (as the openai SDK's
``ChatCompletionStreamState`` does); fragments of parallel calls may interleave
and split anywhere. A call's ``ToolCallComplete`` comes as soon as its
arguments are a closed JSON object (nothing valid can follow a closed object),
otherwise when the choice's ``finish_reason`` arrives, otherwise at
:meth:`ChatStreamState.finish`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import (
    AuthenticationError,
    BadRequestError,
    ContextTooLongError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    StreamProtocolError,
    redact,
)
from desktop_app.core.stream import (
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)

_CONTEXT_WORDS = re.compile(
    r"context[_ ]length|maximum context|context (?:size|window)|too many tokens|prompt is too long"
    r"|prompt too long|exceeds? the (?:available )?context|exceed_context",
    re.IGNORECASE,
)
_MAX_SERVER_MESSAGE = 400


@dataclass
class _Call:
    index: int
    call_id: str | None = None
    name: str = ""
    parts: list[str] = field(default_factory=list)
    begun: bool = False
    complete: bool = False

    @property
    def arguments(self) -> str:
        text = "".join(self.parts)
        # A tool without parameters often gets "" rather than "{}"; both mean "no arguments".
        return text if text.strip() else "{}"


class ChatStreamState:
    """Accumulates one streamed chat completion (choice 0; we never ask for n > 1).

    Call :meth:`accumulate` for each chunk, then :meth:`finish` once the stream
    ended (``[DONE]`` or a clean close). Raises a ProviderError for an error
    object in the stream, or from ``finish`` for a stream that stopped early.
    """

    def __init__(self) -> None:
        self._calls: dict[int, _Call] = {}
        self._last_index: int | None = None
        self.finish_reason: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.received_content = False  # any text, reasoning or tool call fragment arrived

    def accumulate(self, chunk: dict[str, Any]) -> list[StreamDelta]:
        """Take one decoded chunk; return the deltas it produces, in order."""
        error = chunk.get("error")
        if error:
            raise error_from_object(error)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self._take_usage(usage)
        out: list[StreamDelta] = []
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if isinstance(delta, dict):
                self._take_delta(delta, out)
            reason = choice.get("finish_reason")
            if reason:
                self.finish_reason = str(reason)
                self._complete_all(out)
        return out

    def finish(self, *, done: bool) -> list[StreamDelta]:
        """The stream ended; ``done`` says whether ``[DONE]`` arrived.

        Returns the outstanding ``ToolCallComplete``\\ s and the one ``StreamEnd``.
        Raises StreamInterrupted (something arrived) or StreamProtocolError
        (nothing did) when the stream ended with neither a finish reason nor
        ``[DONE]``.
        """
        if self.finish_reason is None and not done:
            if self.received_content:
                raise StreamInterrupted(
                    "The model server stopped in the middle of the answer.",
                    detail="stream closed before finish_reason or [DONE]",
                )
            raise StreamProtocolError(
                "The model server closed the connection without sending an answer.",
                detail="stream closed before any chunk, finish_reason or [DONE]",
            )
        out: list[StreamDelta] = []
        self._complete_all(out)
        reason = self.finish_reason or ("tool_calls" if self._calls else "stop")
        out.append(StreamEnd(reason, self.input_tokens, self.output_tokens))
        return out

    # -- internals ------------------------------------------------------------

    def _take_usage(self, usage: dict[str, Any]) -> None:
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        if isinstance(prompt, int):
            self.input_tokens = prompt
        if isinstance(completion, int):
            self.output_tokens = completion

    def _take_delta(self, delta: dict[str, Any], out: list[StreamDelta]) -> None:
        text = delta.get("content")
        if isinstance(text, str) and text:
            self.received_content = True
            out.append(TextChunk(text))
        # DeepSeek and llama.cpp say reasoning_content, OpenRouter says reasoning; some proxies send both.
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self.received_content = True
            out.append(ReasoningChunk(reasoning))
        for fragment in delta.get("tool_calls") or ():
            if isinstance(fragment, dict):
                self.received_content = True
                self._take_tool_fragment(fragment, out)

    def _take_tool_fragment(self, fragment: dict[str, Any], out: list[StreamDelta]) -> None:
        call = self._call_for(fragment)
        call_id = fragment.get("id")
        if call.call_id is None and isinstance(call_id, str) and call_id:
            call.call_id = call_id
        function = fragment.get("function") or {}
        name = function.get("name")
        # Names come whole; some servers repeat them on every fragment, so keep the first.
        if not call.name and isinstance(name, str) and name:
            call.name = name
        arguments = function.get("arguments")
        if arguments is not None and not call.complete:
            if not isinstance(arguments, str):  # a few servers send an object, not its JSON text
                arguments = json.dumps(arguments, ensure_ascii=False)
            call.parts.append(arguments)
        if not call.begun and call.name:
            self._begin(call, out)
        if call.begun and not call.complete and _closed_object(call, arguments):
            self._complete(call, out)

    def _call_for(self, fragment: dict[str, Any]) -> _Call:
        index = fragment.get("index")
        if not isinstance(index, int):
            index = self._guess_index(fragment)
        call = self._calls.get(index)
        if call is None:
            call = self._calls[index] = _Call(index)
        self._last_index = index
        return call

    def _guess_index(self, fragment: dict[str, Any]) -> int:
        """Servers that omit ``index`` send whole calls; tell a new call from a continuation."""
        call_id = fragment.get("id")
        if call_id:
            for call in self._calls.values():
                if call.call_id == call_id:
                    return call.index
        name = (fragment.get("function") or {}).get("name")
        last = self._calls.get(self._last_index) if self._last_index is not None else None
        if last is None or call_id or (name and last.name):
            return max(self._calls, default=-1) + 1
        return last.index

    def _begin(self, call: _Call, out: list[StreamDelta]) -> None:
        if call.call_id is None:
            call.call_id = f"call_{call.index}"
        call.begun = True
        out.append(ToolCallBegin(call.call_id, call.name))

    def _complete(self, call: _Call, out: list[StreamDelta]) -> None:
        call.complete = True
        assert call.call_id is not None
        out.append(ToolCallComplete(call.call_id, call.name, call.arguments))

    def _complete_all(self, out: list[StreamDelta]) -> None:
        for index in sorted(self._calls):
            call = self._calls[index]
            if not call.begun:
                self._begin(call, out)
            if not call.complete:
                self._complete(call, out)


def _closed_object(call: _Call, fragment: object) -> bool:
    """True when the call's arguments so far are a complete JSON object."""
    # Only a fragment ending the text with "}" can close it; skip parsing otherwise.
    if isinstance(fragment, str) and not fragment.rstrip().endswith("}"):
        return False
    text = "".join(call.parts).strip()
    if not text.endswith("}") or not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


# -- errors ---------------------------------------------------------------------


def server_message(payload: object) -> str:
    """The human-readable message inside an error payload, or ``""``.

    Understands ``{"error": {"message": ...}}``, ``{"error": "..."}``,
    ``{"message": ...}``, ``{"detail": ...}`` and a list holding one of these.
    """
    if isinstance(payload, list) and payload:
        return server_message(payload[0])
    if isinstance(payload, str):
        return payload
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        return server_message(error) or ""
    if isinstance(error, str) and error:
        return error
    for key in ("message", "detail", "msg"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list | dict) and value:
            return server_message(value) or json.dumps(value, ensure_ascii=False)
    return ""


def one_line(text: str) -> str:
    """Collapse whitespace and cap the length, so a server message fits in one line."""
    text = " ".join(text.split())
    if len(text) > _MAX_SERVER_MESSAGE:
        text = text[: _MAX_SERVER_MESSAGE - 1].rstrip() + "…"
    return text


def error_for(
    status: int | None,
    message: str,
    *,
    code: str = "",
    retry_after: float | None = None,
    detail: str = "",
) -> ProviderError:
    """The ProviderError for an HTTP status and/or an error ``code``/``type`` string.

    The user-facing message is the class's plain explanation followed by the
    server's own words (redacted, one line).
    """
    code = code.lower()
    said = one_line(redact(message))
    cls = _class_for(status, code)
    if cls in (BadRequestError, StreamProtocolError) and (
        _CONTEXT_WORDS.search(message) or _CONTEXT_WORDS.search(code)
    ):
        cls = ContextTooLongError
    text = cls.default_message
    if status == 404 and cls is BadRequestError:
        text = (
            "The server has no chat service at this address, or does not know this model. "
            "Check the address (it often ends in /v1) and the model name."
        )
    elif cls is StreamProtocolError:
        text = "The model server reported an error."
    if said:
        text = f"{text} The server said: {said}"
    error = cls(
        text,
        detail=detail or f"status={status} code={code!r}: {message}",
        status=status,
        retry_after=retry_after,
    )
    if "insufficient_quota" in code or "insufficient_quota" in message:
        error.retryable = False  # an empty account does not refill by waiting
    return error


def _class_for(status: int | None, code: str) -> type[ProviderError]:
    if status is not None:
        if status in (401, 403):
            return AuthenticationError
        if status == 429:
            return RateLimitError
        if status >= 500 or status in (408, 409):
            return ServerError
        if 400 <= status < 500:
            return BadRequestError
    if "auth" in code or "api_key" in code or "permission" in code:
        return AuthenticationError
    if "rate_limit" in code or "quota" in code:
        return RateLimitError
    if any(word in code for word in ("server_error", "overloaded", "api_error", "internal")):
        return ServerError
    if "invalid_request" in code:
        return BadRequestError
    return StreamProtocolError


def error_from_object(error: object) -> ProviderError:
    """The ProviderError for an ``"error"`` value found inside a stream."""
    message = server_message(error) or (error if isinstance(error, str) else "")
    status: int | None = None
    code = ""
    if isinstance(error, dict):
        for key in ("code", "status"):
            value = error.get(key)
            if isinstance(value, int) and 100 <= value < 600:
                status = value
            elif isinstance(value, str) and value.isdigit():
                status = int(value)
            elif isinstance(value, str):
                code = f"{code} {value}".strip()
        kind = error.get("type")
        if isinstance(kind, str):
            code = f"{code} {kind}".strip()
    detail = f"error object in stream: {json.dumps(error, ensure_ascii=False)[:2000]}"
    return error_for(status, message, code=code, detail=detail)
