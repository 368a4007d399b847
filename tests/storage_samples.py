"""Sample events for the storage tests: one of every kind, and a small two-turn conversation."""

from __future__ import annotations

from desktop_app.core import events as ev
from desktop_app.core.sources import SourceRecord

SOURCE = SourceRecord(
    id=1,
    tool="web_search",
    title="Photosynthesis — Wikipedia",
    url="https://en.wikipedia.org/wiki/Photosynthesis",
    retrieved_at="2025-01-02T03:04:05+00:00",
    excerpt="Plants turn light into chemical energy.",
)


def one_of_each(conversation_id: str = "c1", turn_id: str = "t1") -> list[ev.Event]:
    """One event of every type in EVENT_TYPES, with non-default values in every field."""
    common = {"turn_id": turn_id, "cycle": 1}
    samples: list[ev.Event] = [
        ev.TurnStarted(
            t=0.0,
            turn_id=turn_id,
            conversation_id=conversation_id,
            user_text='How do plants "eat" light? (AND OR NEAR) ünïcode',
            model="llama3",
            provider="ollama",
            started_at="2025-01-02T03:04:05+00:00",
        ),
        ev.CycleStarted(t=0.01, tools_offered=3, **common),
        ev.ContextMeasured(
            t=0.02, segments={"system": 10, "history": 20}, window=8192, reserved=512, **common
        ),
        ev.ContextTrimmed(t=0.03, what="old tool result", tokens_freed=120, **common),
        ev.Retrying(t=0.04, attempt=1, delay=0.5, reason="server busy", **common),
        ev.ReasoningDelta(t=0.05, text="Thinking about chlorophyll…", **common),
        ev.TextDelta(t=0.06, text="Let me look that up. ", **common),
        ev.ToolCallStarted(t=0.07, call_id="call_1", name="web_search", **common),
        ev.ToolCallReady(
            t=0.08,
            call_id="call_1",
            name="web_search",
            arguments={"q": "photosynthesis", "n": [1, 2]},
            **common,
        ),
        ev.ApprovalRequested(
            t=0.09,
            call_id="call_1",
            name="web_search",
            arguments={"q": "x"},
            risk="network",
            summary="Search the web",
            **common,
        ),
        ev.ApprovalDecided(
            t=0.10, call_id="call_1", approved=True, decided_by="user", scope="chat", **common
        ),
        ev.ToolStarted(t=0.11, call_id="call_1", name="web_search", status="Searching…", **common),
        ev.ToolFinished(
            t=0.12,
            call_id="call_1",
            ok=True,
            result_preview="[1] Photosynthesis converts light energy into chlorophyll-driven sugar.",
            result_tokens=42,
            sources=(SOURCE,),
            duration=0.3,
            name="web_search",
            status="Found 1 page · 0.3 s",
            **common,
        ),
        ev.GenerationFinished(
            t=0.13,
            finish_reason="tool_calls",
            input_tokens=100,
            output_tokens=20,
            ttft=0.2,
            usage_estimated=True,
            **common,
        ),
        ev.CycleFinished(t=0.14, duration=0.13, tool_calls=1, **common),
        ev.ErrorEvent(
            t=0.15,
            error_kind="server",
            message="The model server had a problem.",
            detail="HTTP 500",
            **common,
        ),
        ev.ProvenanceChecked(
            t=0.16,
            sentences=({"text": "Plants use light.", "status": "supported", "sources": [1]},),
            citations=({"id": 1, "valid": True},),
            **common,
        ),
        ev.TurnFinished(
            t=0.17, text="Plants use light to make sugar [1].", cycles=1, stop_reason="complete", **common
        ),
    ]
    assert {e.type for e in samples} == set(ev.EVENT_TYPES), "add a sample for the new event type"
    return samples


def two_turns(conversation_id: str = "c1") -> list[ev.Event]:
    """A realistic conversation: a tool-using turn, then a plain one."""
    c1 = {"turn_id": "t1", "cycle": 1}
    c2 = {"turn_id": "t1", "cycle": 2}
    return [
        ev.TurnStarted(t=0.0, turn_id="t1", conversation_id=conversation_id, user_text="What is 17 × 23?"),
        ev.CycleStarted(t=0.0, **c1),
        ev.TextDelta(t=0.1, text="Let me ", **c1),
        ev.TextDelta(t=0.1, text="calculate.", **c1),
        ev.ToolCallReady(t=0.2, call_id="a", name="calculator", arguments={"expression": "17*23"}, **c1),
        ev.ToolCallReady(t=0.2, call_id="b", name="clock", arguments="{not json", **c1),
        ev.ToolFinished(t=0.3, call_id="b", ok=False, result_preview="bad arguments", result_tokens=2, **c1),
        ev.ToolFinished(
            t=0.3,
            call_id="a",
            ok=True,
            result_preview="391",
            result_tokens=1,
            name="calculator",
            sources=(SOURCE,),
            **c1,
        ),
        ev.CycleFinished(t=0.3, **c1),
        ev.CycleStarted(t=0.3, **c2),
        ev.TextDelta(t=0.4, text="It is 391 [1].", **c2),
        ev.CycleFinished(t=0.4, **c2),
        ev.TurnFinished(
            t=0.4, text="Let me calculate.It is 391 [1].", cycles=2, stop_reason="complete", **c2
        ),
        ev.TurnStarted(t=0.0, turn_id="t2", conversation_id=conversation_id, user_text="Thanks!"),
        ev.TextDelta(t=0.1, text="You're welcome.", turn_id="t2", cycle=1),
        ev.TurnFinished(
            t=0.1, text="You're welcome.", cycles=1, stop_reason="complete", turn_id="t2", cycle=1
        ),
    ]
