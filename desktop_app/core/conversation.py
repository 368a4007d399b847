"""Messages as the loop sees them, independent of any provider's wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .sources import SourceRecord


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model made. ``arguments`` is the raw JSON text the model sent."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class UserMessage:
    text: str
    role: str = field(default="user", init=False)


@dataclass(frozen=True)
class AssistantMessage:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    role: str = field(default="assistant", init=False)


@dataclass(frozen=True)
class ToolResultMessage:
    call_id: str
    name: str
    text: str
    is_error: bool = False
    role: str = field(default="tool", init=False)


Message = UserMessage | AssistantMessage | ToolResultMessage


@dataclass(frozen=True)
class ToolSpec:
    """A tool as advertised to the model."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ChatRequest:
    """Everything a provider needs for one generation."""

    model: str
    messages: tuple[Message, ...]
    system: str = ""
    tools: tuple[ToolSpec, ...] = ()
    max_output_tokens: int | None = None
    temperature: float | None = None


@dataclass
class Conversation:
    """The history of one chat as sent to the model; the loop appends to it."""

    id: str
    messages: list[Message] = field(default_factory=list)
    next_source_id: int = 1
    # The numbered sources of every tool call so far, by call id: a later answer may cite them too.
    sources: dict[str, tuple[SourceRecord, ...]] = field(default_factory=dict)
