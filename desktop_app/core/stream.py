"""What a provider yields while a model streams: small typed deltas, no wire JSON.

A provider's ``stream(request)`` is an async iterator of these. The loop turns
them into events. Ordering promises a provider keeps:

- ``ToolCallBegin`` for a call comes before its ``ToolCallComplete``;
- ``ToolCallComplete`` is yielded as soon as that call's arguments are known
  to be complete, which may be before the stream ends;
- the stream ends with exactly one ``StreamEnd`` (a stream that cannot finish
  raises a :class:`~desktop_app.core.errors.ProviderError` instead).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from .conversation import ChatRequest


@dataclass(frozen=True, slots=True)
class TextChunk:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningChunk:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallBegin:
    call_id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallComplete:
    call_id: str
    name: str
    arguments: str  # raw JSON text as the model wrote it


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """``input_tokens``/``output_tokens`` are None when the server sent no usage."""

    finish_reason: str
    input_tokens: int | None = None
    output_tokens: int | None = None


StreamDelta = TextChunk | ReasoningChunk | ToolCallBegin | ToolCallComplete | StreamEnd


class Provider(Protocol):
    """A model server. ``name`` is short and stable ("openai", "anthropic", "ollama")."""

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]: ...

    async def aclose(self) -> None: ...
