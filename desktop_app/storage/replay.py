"""Rebuild what the model saw from stored events, so a reopened chat continues where it left off.

Pure functions over a conversation's events in seq order; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..core.conversation import AssistantMessage, Message, ToolCall, ToolResultMessage, UserMessage
from ..core.events import (
    CycleFinished,
    CycleStarted,
    Event,
    TextDelta,
    ToolCallReady,
    ToolFinished,
    TurnFinished,
    TurnStarted,
)
from ..core.sources import SourceRecord

INTERRUPTED_TOOL_TEXT = "The tool did not finish: the turn was interrupted."


@dataclass
class _Cycle:
    key: tuple[str, int]
    text: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    results: dict[str, ToolResultMessage] = field(default_factory=dict)

    def messages(self) -> list[Message]:
        if not self.text and not self.calls:
            return []  # a cycle that failed before the model said anything
        out: list[Message] = [AssistantMessage("".join(self.text), tuple(self.calls))]
        # Results go back in call order, whatever order the tools finished in; a call left
        # without a result (killed mid-tool) still gets one, since providers require a pair.
        for call in self.calls:
            result = self.results.get(call.call_id)
            out.append(result or ToolResultMessage(call.call_id, call.name, INTERRUPTED_TOOL_TEXT, True))
        return out


def _arguments_text(arguments: object) -> str:
    # A string is the raw text the model sent when it was not valid JSON: keep it as sent.
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False)


def messages_from_events(events: Iterable[Event]) -> list[Message]:
    """The model-facing history: per turn a UserMessage, then per cycle an AssistantMessage
    (its text deltas and tool calls) followed by one ToolResultMessage per call.

    Tool results carry ``result_preview``, the text the history keeps of each result.
    Reasoning, approvals and measurements are not part of what the model is sent.
    """
    messages: list[Message] = []
    cycle: _Cycle | None = None

    def close_cycle() -> None:
        nonlocal cycle
        if cycle is not None:
            messages.extend(cycle.messages())
            cycle = None

    for event in events:
        if isinstance(event, TurnStarted):
            close_cycle()
            messages.append(UserMessage(event.user_text))
            continue
        if isinstance(event, TurnFinished | CycleFinished | CycleStarted):
            close_cycle()
            continue
        key = (event.turn_id, event.cycle)
        if isinstance(event, TextDelta | ToolCallReady | ToolFinished):
            if cycle is not None and cycle.key != key:
                close_cycle()
            if cycle is None:
                cycle = _Cycle(key)
        if isinstance(event, TextDelta) and cycle is not None:
            cycle.text.append(event.text)
        elif isinstance(event, ToolCallReady) and cycle is not None:
            cycle.calls.append(ToolCall(event.call_id, event.name, _arguments_text(event.arguments)))
        elif isinstance(event, ToolFinished) and cycle is not None:
            name = event.name or next((c.name for c in cycle.calls if c.call_id == event.call_id), "")
            cycle.results[event.call_id] = ToolResultMessage(
                event.call_id, name, event.result_preview, is_error=not event.ok
            )
    close_cycle()
    return messages


def next_source_id(events: Iterable[Event]) -> int:
    """The number the next source of this conversation gets: one more than the highest so far."""
    highest = 0
    for event in events:
        if isinstance(event, ToolFinished):
            for source in event.sources:
                highest = max(highest, source.id)
    return highest + 1


def sources_by_call(events: Iterable[Event]) -> dict[str, tuple[SourceRecord, ...]]:
    """The numbered sources of each tool call, so a continued conversation's answers can cite them."""
    return {e.call_id: e.sources for e in events if isinstance(e, ToolFinished) and e.sources}


def interrupted_turns(events: Sequence[Event]) -> list[str]:
    """Turn ids that started but never finished (the app was killed or crashed), in order."""
    finished = {e.turn_id for e in events if isinstance(e, TurnFinished)}
    return [e.turn_id for e in events if isinstance(e, TurnStarted) and e.turn_id not in finished]
