"""A conversation read back from the history continues with its messages, numbering and sources."""

from __future__ import annotations

from desktop_app.core import events as ev
from desktop_app.core.sources import SourceRecord
from desktop_app.storage.recorder import HistoryRecorder, load_conversation


def test_load_conversation_keeps_sources_for_later_citations() -> None:
    source = SourceRecord(id=3, tool="web_search", title="Salaries", url="https://e.org", excerpt="$98,400")
    stored = [
        ev.TurnStarted(t=0, turn_id="t", conversation_id="c1", user_text="salaries?"),
        ev.CycleStarted(t=0, turn_id="t", cycle=1),
        ev.ToolCallReady(
            t=0.1, turn_id="t", cycle=1, call_id="s", name="web_search", arguments={"query": "x"}
        ),
        ev.ToolFinished(
            t=0.2,
            turn_id="t",
            cycle=1,
            call_id="s",
            name="web_search",
            ok=True,
            result_preview="$98,400",
            result_tokens=3,
            sources=(source,),
        ),
        ev.CycleFinished(t=0.2, turn_id="t", cycle=1),
        ev.TurnFinished(
            t=0.3, turn_id="t", cycle=2, text="About $98,000 [3].", cycles=2, stop_reason="complete"
        ),
    ]
    recorder = HistoryRecorder()
    try:
        recorder.db.create_conversation("c1")
        recorder.db.append_events("c1", stored)
        conversation = load_conversation(recorder.db, "c1")
    finally:
        recorder.close()
    assert conversation.sources == {"s": (source,)}
    assert conversation.next_source_id == 4
    assert [m.role for m in conversation.messages][:3] == ["user", "assistant", "tool"]
