"""What the timeline draws, built from events alone: turns, one row per cycle, spans on lanes.

Times are the events' own ``t`` (seconds since the turn started). A span that
is still open has ``end = None``; the view draws it up to "now". Tool calls are
put on lanes as they start: the first lane free at that moment, so calls that
run at the same time sit on separate lanes and overlap is visible at a glance.

No Qt here, so the rules are tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...core import events as ev


@dataclass
class ToolSpan:
    call_id: str
    name: str
    queued: float  # when the model finished writing the call
    start: float | None = None  # when the tool began running (None: it never ran)
    end: float | None = None
    lane: int = 0
    ok: bool | None = None
    status: str = ""
    arguments: Any = None
    result_preview: str = ""
    result_tokens: int = 0
    duration: float = 0.0
    waited_for: bool = False  # the last tool of its cycle to finish: the one the user waited for

    @property
    def running(self) -> bool:
        return self.end is None


@dataclass
class CycleRow:
    turn_id: str
    cycle: int
    start: float
    end: float | None = None
    first_token: float | None = None  # absolute (turn time), from generation_finished.ttft
    generation_end: float | None = None
    finish_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    tools: list[ToolSpan] = field(default_factory=list)
    context_used: int | None = None
    context_window: int | None = None
    context_segments: dict[str, int] = field(default_factory=dict)
    context_reserved: int = 0
    trims: list[tuple[str, int]] = field(default_factory=list)  # (what, tokens freed) from context_trimmed

    @property
    def lanes(self) -> int:
        return max((tool.lane + 1 for tool in self.tools), default=0)

    @property
    def tokens_per_second(self) -> float | None:
        if self.generation_end is None or self.first_token is None or not self.output_tokens:
            return None
        streaming = self.generation_end - self.first_token
        return self.output_tokens / streaming if streaming > 0.05 else None

    def app_gap(self) -> float | None:
        """Time in the cycle covered neither by the model nor by a tool: what the app itself added."""
        if self.end is None:
            return None
        spans = [(self.start, self.generation_end or self.start)]
        spans += [(t.start, t.end) for t in self.tools if t.start is not None and t.end is not None]
        covered, reach = 0.0, self.start
        for a, b in sorted(spans):
            a, b = max(a, reach), max(b, reach)
            covered += b - a
            reach = b
        return max(0.0, (self.end - self.start) - covered)


@dataclass
class TurnTrack:
    turn_id: str
    user_text: str
    rows: list[CycleRow] = field(default_factory=list)
    end: float | None = None
    last_t: float = 0.0
    stop_reason: str = ""

    @property
    def running(self) -> bool:
        return self.end is None


class TimelineModel:
    """Feed events with :meth:`apply`; read :attr:`turns`. Every event updates it in O(lanes)."""

    def __init__(self) -> None:
        self.turns: list[TurnTrack] = []
        self._by_id: dict[str, TurnTrack] = {}
        self._tools: dict[str, ToolSpan] = {}
        self._tool_rows: dict[str, CycleRow] = {}

    def clear(self) -> None:
        self.turns.clear()
        self._by_id.clear()
        self._tools.clear()
        self._tool_rows.clear()

    def rows(self) -> list[CycleRow]:
        return [row for turn in self.turns for row in turn.rows]

    def prepend(self, events: list[ev.Event]) -> None:
        """Older turns' events (oldest first), put above the turns already here (history loads newest first)."""
        older = TimelineModel()
        for event in events:
            older.apply(event)
        self.turns[0:0] = [t for t in older.turns if t.turn_id not in self._by_id]
        for mine, theirs in ((self._by_id, older._by_id), (self._tools, older._tools)):
            for key, value in theirs.items():
                mine.setdefault(key, value)  # type: ignore[arg-type]
        for key, row in older._tool_rows.items():
            self._tool_rows.setdefault(key, row)

    def mark_interrupted(self, turn_id: str) -> None:
        """A stored turn that never finished: it ends where its last event was, its open spans with it."""
        track = self._by_id.get(turn_id)
        if track is None or track.end is not None:
            return
        track.end, track.stop_reason = track.last_t, "interrupted"
        for row in track.rows:
            if row.end is None:
                row.end = track.end
            for tool in row.tools:
                if tool.start is not None and tool.end is None:
                    tool.end, tool.status = max(tool.start, track.end), "Interrupted"

    def apply(self, event: ev.Event) -> bool:
        """Take one event; True if anything drawn changed."""
        if isinstance(event, ev.TurnStarted):
            track = TurnTrack(event.turn_id, event.user_text)
            self.turns.append(track)
            self._by_id[event.turn_id] = track
            return True
        track = self._by_id.get(event.turn_id)
        if track is None:
            return False
        track.last_t = max(track.last_t, event.t)
        row = track.rows[-1] if track.rows else None
        if isinstance(event, ev.CycleStarted):
            track.rows.append(CycleRow(event.turn_id, event.cycle, event.t))
        elif row is None:
            return False
        elif isinstance(event, ev.TextDelta | ev.ReasoningDelta | ev.ToolCallStarted):
            if row.first_token is not None or row.generation_end is not None:
                return False
            # Live, the first streamed piece marks the first token; generation_finished's ttft then settles it.
            row.first_token = event.t
        elif isinstance(event, ev.GenerationFinished):
            row.generation_end = event.t
            row.first_token = None if event.ttft is None else row.start + event.ttft
            row.finish_reason = event.finish_reason
            row.input_tokens, row.output_tokens = event.input_tokens, event.output_tokens
            row.usage_estimated = event.usage_estimated
        elif isinstance(event, ev.ToolCallReady):
            span = ToolSpan(event.call_id, event.name, event.t, arguments=event.arguments)
            self._tools[event.call_id] = span
            self._tool_rows[event.call_id] = row
            row.tools.append(span)
        elif isinstance(event, ev.ToolStarted):
            span = self._tools.get(event.call_id)
            if span is not None:
                span.start, span.status = event.t, event.status
                span.lane = _free_lane(self._tool_rows[event.call_id], span)
        elif isinstance(event, ev.ToolFinished):
            self._finish_tool(event)
        elif isinstance(event, ev.ContextMeasured):
            row.context_used = sum(event.segments.values())
            row.context_window = event.window
            row.context_segments = dict(event.segments)
            row.context_reserved = event.reserved
        elif isinstance(event, ev.ContextTrimmed):
            row.trims.append((event.what, event.tokens_freed))
        elif isinstance(event, ev.CycleFinished):
            row.end = event.t
            _mark_waited_for(row)
        elif isinstance(event, ev.TurnFinished):
            track.end = event.t
            track.stop_reason = event.stop_reason
            for open_row in track.rows:
                if open_row.end is None:
                    open_row.end = event.t
        else:
            return False  # text and the rest draw nothing here; the live timer moves "now"
        return True

    def _finish_tool(self, event: ev.ToolFinished) -> None:
        span = self._tools.get(event.call_id)
        if span is None:
            return
        span.end = event.t
        if span.start is None:  # refused or invalid: it never ran, drawn as a mark where it ended
            span.start = event.t
            span.lane = _free_lane(self._tool_rows[event.call_id], span)
        span.ok, span.status = event.ok, event.status
        span.result_preview, span.result_tokens = event.result_preview, event.result_tokens
        span.duration = event.duration


def _free_lane(row: CycleRow, span: ToolSpan) -> int:
    """The lowest lane no other started, unfinished (or later-ending) tool occupies at span.start."""
    assert span.start is not None
    busy = {
        other.lane
        for other in row.tools
        if other is not span and other.start is not None and (other.end is None or other.end > span.start)
    }
    lane = 0
    while lane in busy:
        lane += 1
    return lane


def _mark_waited_for(row: CycleRow) -> None:
    ran = [t for t in row.tools if t.end is not None and t.start is not None and t.end > t.start]
    if len(ran) > 1:
        max(ran, key=lambda t: t.end or 0.0).waited_for = True
