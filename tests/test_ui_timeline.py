"""The timeline model: rows per cycle, lanes for parallel tools, the tool the user waited for."""

from __future__ import annotations

from typing import Any

from desktop_app.core import events as ev
from desktop_app.ui.timeline.model import TimelineModel


def _e(cls: type[ev.Event], t: float, cycle: int = 1, **fields: Any) -> ev.Event:
    return cls(t=t, turn_id="T", cycle=cycle, **fields)


def _turn_with_tools(*tools: tuple[str, float, float]) -> TimelineModel:
    model = TimelineModel()
    model.apply(_e(ev.TurnStarted, 0.0, 0, conversation_id="c", user_text="q"))
    model.apply(_e(ev.CycleStarted, 0.0))
    timeline: list[tuple[float, ev.Event]] = []
    for call_id, start, end in tools:
        timeline.append(
            (start - 0.01, _e(ev.ToolCallReady, start - 0.01, call_id=call_id, name="s", arguments={}))
        )
        timeline.append((start, _e(ev.ToolStarted, start, call_id=call_id, name="s", status="…")))
        timeline.append(
            (
                end,
                _e(
                    ev.ToolFinished,
                    end,
                    call_id=call_id,
                    ok=True,
                    result_preview="r",
                    result_tokens=1,
                    duration=end - start,
                ),
            )
        )
    timeline.append(
        (0.2, _e(ev.GenerationFinished, 0.2, finish_reason="tool_calls", output_tokens=30, ttft=0.05))
    )
    for _, event in sorted(timeline, key=lambda pair: pair[0]):
        model.apply(event)
    last = max(end for _, _, end in tools)
    model.apply(_e(ev.CycleFinished, last + 0.01))
    model.apply(_e(ev.CycleStarted, last + 0.02, 2))
    model.apply(_e(ev.GenerationFinished, last + 0.5, 2, finish_reason="stop", output_tokens=20, ttft=0.1))
    model.apply(_e(ev.CycleFinished, last + 0.5, 2))
    model.apply(_e(ev.TurnFinished, last + 0.5, 2, text="x", cycles=2, stop_reason="complete"))
    return model


def test_one_row_per_cycle() -> None:
    model = _turn_with_tools(("a", 0.1, 0.3))
    assert [r.cycle for r in model.rows()] == [1, 2]
    first = model.rows()[0]
    assert first.first_token == 0.05 and first.generation_end == 0.2 and first.output_tokens == 30


def test_parallel_tools_get_separate_lanes_and_sequential_ones_share() -> None:
    model = _turn_with_tools(("a", 0.10, 0.60), ("b", 0.12, 0.30), ("c", 0.35, 0.50), ("d", 0.70, 0.80))
    lanes = {t.call_id: t.lane for t in model.rows()[0].tools}
    assert lanes == {"a": 0, "b": 1, "c": 1, "d": 0}
    assert model.rows()[0].lanes == 2
    assert [t.call_id for t in model.rows()[0].tools if t.waited_for] == ["d"]


def test_app_gap_is_the_time_nobody_worked() -> None:
    model = _turn_with_tools(("a", 0.25, 0.45))
    row = model.rows()[0]
    # cycle 0 → 0.46; model 0 → 0.2, tool 0.25 → 0.45: the app added 0.05 + 0.01.
    assert abs(row.app_gap() - 0.06) < 1e-9


def test_unknown_turns_and_events_before_a_cycle_are_ignored() -> None:
    model = TimelineModel()
    assert not model.apply(_e(ev.TextDelta, 0.1, text="x"))  # no such turn
    model.apply(_e(ev.TurnStarted, 0.0, 0, conversation_id="c", user_text="q"))
    assert not model.apply(_e(ev.GenerationFinished, 0.1, finish_reason="stop"))
    assert model.rows() == []


def test_first_token_is_marked_live_then_settled_by_generation_finished() -> None:
    model = TimelineModel()
    model.apply(_e(ev.TurnStarted, 0.0, 0, conversation_id="c", user_text="q"))
    model.apply(_e(ev.CycleStarted, 0.1))
    assert model.apply(_e(ev.TextDelta, 0.42, text="Hel"))
    assert not model.apply(_e(ev.TextDelta, 0.5, text="lo"))
    assert model.rows()[0].first_token == 0.42
    model.apply(_e(ev.GenerationFinished, 0.6, finish_reason="stop", ttft=0.3))
    assert model.rows()[0].first_token == 0.1 + 0.3
