"""Every event kind round-trips losslessly through JSON and is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop_app.core import events as ev
from desktop_app.core.sources import SourceRecord

SOURCE = SourceRecord(
    id=3,
    tool="web_search",
    title="Salaries",
    url="https://e.org",
    retrieved_at="2026-01-01",
    excerpt="$98,400",
)

SAMPLES: dict[str, dict[str, Any]] = {
    "turn_started": {
        "conversation_id": "c",
        "user_text": "héllo ✓",
        "model": "m",
        "provider": "openai",
        "started_at": "x",
    },
    "cycle_started": {"tools_offered": 2},
    "text_delta": {"text": "a\nb \u2028 😀"},
    "reasoning_delta": {"text": "hmm"},
    "tool_call_started": {"call_id": "1", "name": "calculator"},
    "tool_call_ready": {
        "call_id": "1",
        "name": "calculator",
        "arguments": {"expression": "1+1", "n": [1, 2.5, None]},
    },
    "tool_started": {"call_id": "1", "name": "calculator", "status": "Calculating 1 + 1…"},
    "tool_finished": {
        "call_id": "1",
        "ok": True,
        "result_preview": "2",
        "result_tokens": 1,
        "sources": (SOURCE,),
        "duration": 0.125,
        "name": "calculator",
        "status": "Calculated",
    },
    "generation_finished": {
        "finish_reason": "stop",
        "input_tokens": 5,
        "output_tokens": 7,
        "ttft": 0.1,
        "usage_estimated": True,
    },
    "cycle_finished": {"duration": 1.5, "tool_calls": 2},
    "retrying": {"attempt": 1, "delay": 2.0, "reason": "busy"},
    "approval_requested": {
        "call_id": "1",
        "name": "run_python",
        "arguments": {"code": "print(1)"},
        "risk": "executes",
        "summary": "Running code…",
    },
    "approval_decided": {"call_id": "1", "approved": False, "decided_by": "user", "scope": "once"},
    "context_measured": {"segments": {"system": 10, "history": 200}, "window": 8000, "reserved": 1000},
    "context_trimmed": {"what": "older tool results shrunk to previews", "tokens_freed": 1234},
    "provenance_checked": {
        "sentences": ({"text": "It costs $98,000.", "class": "supported", "source_ids": [3]},),
        "citations": ({"n": 3, "source_id": 3, "ok": True},),
    },
    "turn_finished": {"text": "done", "cycles": 2, "stop_reason": "complete"},
    "error": {"error_kind": "rate_limit", "message": "Slow down.", "detail": "429"},
}


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_round_trip(kind: str) -> None:
    event = ev.EVENT_TYPES[kind](t=1.25, turn_id="turn", cycle=2, **SAMPLES[kind])
    line = ev.to_json(event)
    assert "\n" not in line
    back = ev.from_json(line)
    assert back == event and type(back) is type(event)
    assert ev.to_dict(back) == ev.to_dict(event)
    assert ev.to_dict(event)["type"] == kind


def test_error_kind_is_called_kind_on_the_wire() -> None:
    event = ev.ErrorEvent(t=0, turn_id="x", error_kind="server", message="m")
    assert ev.to_dict(event)["kind"] == "server"


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValueError):
        ev.from_dict({"type": "nope", "t": 0, "turn_id": "x"})


def test_every_kind_is_documented() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "events.md").read_text(encoding="utf-8")
    missing = [kind for kind in ev.EVENT_TYPES if f"`{kind}`" not in doc]
    assert missing == []
