"""The vocabulary of Backstage: one frozen dataclass per thing the loop can say.

Every reader (chat view, timeline, history store, CLI printer, tests) consumes
the same stream of these events; none of them re-derives what an event already
states. ``to_dict``/``from_dict`` round-trip every event losslessly through JSON,
which is how the history store keeps them and how ``--events jsonl`` prints them.

Common fields: ``t`` is monotonic seconds since the turn started, ``turn_id``
names the turn, ``cycle`` is the loop cycle (0 before the first one starts).
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints

from .sources import SourceRecord

StopReason = Literal["complete", "max_cycles", "cancelled", "error"]

EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event; never emitted itself."""

    type: str = field(init=False, default="")
    t: float
    turn_id: str
    cycle: int = 0

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            EVENT_TYPES[cls.kind] = cls

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", self.kind)


@dataclass(frozen=True, kw_only=True)
class TurnStarted(Event):
    """A user message was sent; the turn begins."""

    kind: ClassVar[str] = "turn_started"
    conversation_id: str
    user_text: str
    model: str = ""
    provider: str = ""
    started_at: str = ""  # wall-clock ISO 8601 (UTC), for history and dates


@dataclass(frozen=True, kw_only=True)
class CycleStarted(Event):
    """A request is about to go to the model."""

    kind: ClassVar[str] = "cycle_started"
    tools_offered: int = 0


@dataclass(frozen=True, kw_only=True)
class TextDelta(Event):
    """A piece of the answer text, in stream order."""

    kind: ClassVar[str] = "text_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class ReasoningDelta(Event):
    """A piece of reasoning the server streamed separately from the answer."""

    kind: ClassVar[str] = "reasoning_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted(Event):
    """The model began a tool call; its arguments are still streaming."""

    kind: ClassVar[str] = "tool_call_started"
    call_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class ToolCallReady(Event):
    """A tool call's arguments are complete.

    ``arguments`` is the parsed JSON object, or the raw text when it was not
    valid JSON (the tool then reports an error back to the model).
    """

    kind: ClassVar[str] = "tool_call_ready"
    call_id: str
    name: str
    arguments: Any


@dataclass(frozen=True, kw_only=True)
class ToolStarted(Event):
    """A tool began running. ``status`` is the tool's own plain-language line."""

    kind: ClassVar[str] = "tool_started"
    call_id: str
    name: str = ""
    status: str = ""


@dataclass(frozen=True, kw_only=True)
class ToolFinished(Event):
    """A tool call ended, successfully or not; its result goes back to the model."""

    kind: ClassVar[str] = "tool_finished"
    call_id: str
    ok: bool
    result_preview: str
    result_tokens: int
    sources: tuple[SourceRecord, ...] = ()
    duration: float = 0.0
    name: str = ""
    status: str = ""  # e.g. "Calculated 17 × 23 · 0.1 s", or the error in plain words


@dataclass(frozen=True, kw_only=True)
class GenerationFinished(Event):
    """The model's stream for this cycle ended.

    ``usage_estimated`` is true when the server sent no usage and the counts
    are our own. ``ttft`` is seconds from request to first token (None if the
    model sent nothing).
    """

    kind: ClassVar[str] = "generation_finished"
    finish_reason: str
    input_tokens: int = 0
    output_tokens: int = 0
    ttft: float | None = None
    usage_estimated: bool = False


@dataclass(frozen=True, kw_only=True)
class CycleFinished(Event):
    """A cycle (generation plus any tool calls) ended."""

    kind: ClassVar[str] = "cycle_finished"
    duration: float = 0.0
    tool_calls: int = 0


@dataclass(frozen=True, kw_only=True)
class Retrying(Event):
    """A request failed before any token arrived and will be retried after ``delay`` s."""

    kind: ClassVar[str] = "retrying"
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(Event):
    """A tool call that is not read-only waits for a decision."""

    kind: ClassVar[str] = "approval_requested"
    call_id: str
    name: str
    arguments: Any
    risk: str
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class ApprovalDecided(Event):
    """A decision on a pending tool call. ``decided_by`` is "user" or "policy"."""

    kind: ClassVar[str] = "approval_decided"
    call_id: str
    approved: bool
    decided_by: str
    scope: str = "once"  # "once" or "chat"


@dataclass(frozen=True, kw_only=True)
class ContextMeasured(Event):
    """What the prompt of this cycle costs, by segment, against the window."""

    kind: ClassVar[str] = "context_measured"
    segments: dict[str, int]
    window: int
    reserved: int


@dataclass(frozen=True, kw_only=True)
class ContextTrimmed(Event):
    """Something was shortened or dropped so the prompt fits the window."""

    kind: ClassVar[str] = "context_trimmed"
    what: str
    tokens_freed: int


@dataclass(frozen=True, kw_only=True)
class ProvenanceChecked(Event):
    """The answer's sentences classified against the sources the model saw."""

    kind: ClassVar[str] = "provenance_checked"
    sentences: tuple[dict[str, Any], ...] = ()
    citations: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, kw_only=True)
class TurnFinished(Event):
    """The turn ended. ``text`` is the whole answer shown to the user (partial if stopped)."""

    kind: ClassVar[str] = "turn_finished"
    text: str
    cycles: int
    stop_reason: StopReason


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(Event):
    """Something went wrong. ``message`` is plain language; ``detail`` is technical and redacted."""

    kind: ClassVar[str] = "error"
    error_kind: str
    message: str
    detail: str = ""


Emit = Callable[[Event], None]
"""A reader of the stream: called synchronously, in order, on the event loop's thread; must not block."""


def fan_out(*readers: Emit) -> Emit:
    """One emit that hands each event to every reader, in the order given."""

    def emit(event: Event) -> None:
        for reader in readers:
            reader(event)

    return emit


def to_dict(event: Event) -> dict[str, Any]:
    """The event as plain JSON data, with ``type`` first."""
    out: dict[str, Any] = {"type": event.type}
    for f in fields(event):
        if f.name == "type":
            continue
        out[_wire_name(f.name)] = _encode(getattr(event, f.name))
    return out


def from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from ``to_dict`` output; raises ValueError on an unknown type."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type: {data.get('type')!r}")
    hints = _hints(cls)
    kwargs = {}
    for f in fields(cls):
        if not f.init:
            continue
        key = _wire_name(f.name)
        if key in data:
            kwargs[f.name] = _decode(hints[f.name], data[key])
    return cls(**kwargs)


def to_json(event: Event) -> str:
    return json.dumps(to_dict(event), ensure_ascii=False, separators=(",", ":"))


def from_json(line: str) -> Event:
    return from_dict(json.loads(line))


# "kind" is the name of the error's category on the wire ({"type":"error","kind":...}),
# but ``kind`` is already the class-level event name, so the field is error_kind.
_WIRE_NAMES = {"error_kind": "kind"}


def _wire_name(name: str) -> str:
    return _WIRE_NAMES.get(name, name)


_HINT_CACHE: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINT_CACHE.get(cls)
    if hints is None:
        hints = _HINT_CACHE[cls] = get_type_hints(cls)
    return hints


def _encode(value: Any) -> Any:
    if isinstance(value, SourceRecord):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if tp is SourceRecord and isinstance(value, dict):
        return SourceRecord(**value)
    if origin is tuple and isinstance(value, list):
        args = get_args(tp)
        inner = args[0] if args else Any
        return tuple(_decode(inner, v) for v in value)
    if origin in (Union, types.UnionType):
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


__all__ = [name for name, obj in list(globals().items()) if isinstance(obj, type) and issubclass(obj, Event)]
__all__ += ["EVENT_TYPES", "Emit", "fan_out", "StopReason", "from_dict", "from_json", "to_dict", "to_json"]
