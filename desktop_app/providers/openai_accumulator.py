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
import uuid
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.errors import StreamInterrupted, StreamProtocolError
from desktop_app.core.stream import (
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)

from .http_errors import error_from_object


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
        self._id_prefix = uuid.uuid4().hex[:8]
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
            # Unique across cycles and turns: readers (the timeline, the history) key tool calls by id.
            call.call_id = f"call_{self._id_prefix}_{call.index}"
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
