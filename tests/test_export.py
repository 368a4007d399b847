"""Export to Markdown and JSON, import back, and rebuilding the model's history from events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.core.conversation import AssistantMessage, ToolCall, ToolResultMessage, UserMessage
from desktop_app.core.events import TextDelta, ToolCallReady, TurnStarted, to_dict
from desktop_app.storage.export import export_json, export_markdown, import_json
from desktop_app.storage.replay import (
    INTERRUPTED_TOOL_TEXT,
    interrupted_turns,
    messages_from_events,
    next_source_id,
)
from desktop_app.storage.store import ConversationRow, HistoryDB, HistoryError

from .storage_samples import SOURCE, one_of_each, two_turns


@pytest.fixture
def db(tmp_path: Path) -> Iterator[HistoryDB]:
    with HistoryDB(tmp_path / "history.db") as history:
        yield history


def test_json_export_import_round_trip_into_another_history(db: HistoryDB, tmp_path: Path) -> None:
    events = one_of_each("c1") + two_turns("c1")
    db.append_events("c1", events)
    db.rename("c1", "Plants")
    row = db.get_conversation("c1")
    text = export_json(row, db.get_events("c1"))
    doc = json.loads(text)
    assert doc["format"] == "backstage-conversation" and doc["version"] == 1
    assert doc["conversation"]["title"] == "Plants"
    assert doc["events"] == [to_dict(e) for e in events]

    with HistoryDB(tmp_path / "other.db") as other:
        assert import_json(other, text) == "c1"
        assert other.get_events("c1") == events
        assert other.get_conversation("c1") == row
        assert other.search("photosynthesis")[0].conversation_id == "c1"


def test_import_of_an_existing_id_gets_a_new_one(db: HistoryDB) -> None:
    events = two_turns("c1")
    db.append_events("c1", events)
    db.soft_delete("c1")
    text = export_json(db.get_conversation("c1"), db.get_events("c1"))
    new_id = import_json(db, text)
    assert new_id != "c1"
    imported = db.get_events(new_id)
    assert imported == [
        replace(e, conversation_id=new_id) if isinstance(e, TurnStarted) else e for e in events
    ]
    assert db.get_events("c1") == events  # the original is untouched
    row = db.get_conversation(new_id)
    assert row.deleted_at is None and row.title == "What is 17 × 23?"


@pytest.mark.parametrize(
    "text", ["not json", "{}", '{"format": "other"}', '{"format": "backstage-conversation", "version": 99}',
             '{"format": "backstage-conversation", "version": 1, "conversation": {"id": "x"}, "events": []}',
             '{"format": "backstage-conversation", "version": 1, "conversation": {"id": "x", "title": "", '
             '"created_at": "", "updated_at": ""}, "events": [{"type": "nope"}]}'],
)  # fmt: skip
def test_import_rejects_other_files_in_plain_words(db: HistoryDB, text: str) -> None:
    with pytest.raises(HistoryError) as info:
        import_json(db, text)
    assert "not a conversation exported from Backstage" in info.value.message
    assert db.list_conversations() == []


def test_markdown_has_questions_answers_tools_and_footnotes(db: HistoryDB) -> None:
    db.append_events("c1", two_turns("c1"))
    md = export_markdown(db.get_conversation("c1"), db.get_events("c1"))
    assert md.startswith("# What is 17 × 23?\n")
    assert md.count("## You") == 2 and "Thanks!" in md and "You're welcome." in md
    assert "<details><summary>Tool: calculator</summary>" in md
    assert '"expression": "17*23"' in md and "```\n391\n```" in md
    assert "<summary>Tool: clock · failed</summary>" in md and "Result (error):" in md
    assert "It is 391 [^1]." in md
    assert f"[^1]: {SOURCE.title} · <{SOURCE.url}> · retrieved {SOURCE.retrieved_at}" in md
    assert md.index("Tool: calculator") < md.index("It is 391") < md.index("Thanks!")


def test_markdown_marks_an_interrupted_turn_and_keeps_fences_intact() -> None:
    events = [
        TurnStarted(t=0, turn_id="t1", conversation_id="c", user_text="Show code"),
        TextDelta(t=0, turn_id="t1", cycle=1, text="Partial [2] answer"),
        ToolCallReady(t=0, turn_id="t1", cycle=1, call_id="x", name="python", arguments="print('```')"),
    ]
    md = export_markdown(ConversationRow("c", "", "2025-01-01", "2025-01-01"), events)
    assert md.startswith("# Untitled conversation")
    assert "Partial [2] answer" in md  # no source 2: left as written
    assert "interrupted" in md
    assert "````json\nprint('```')\n````" in md


def test_replay_rebuilds_the_model_history() -> None:
    messages = messages_from_events(two_turns("c1"))
    assert messages == [
        UserMessage("What is 17 × 23?"),
        AssistantMessage(
            "Let me calculate.",
            (ToolCall("a", "calculator", '{"expression": "17*23"}'), ToolCall("b", "clock", "{not json")),
        ),
        ToolResultMessage("a", "calculator", "391"),  # call order, not finish order
        ToolResultMessage("b", "clock", "bad arguments", is_error=True),
        AssistantMessage("It is 391 [1]."),
        UserMessage("Thanks!"),
        AssistantMessage("You're welcome."),
    ]
    assert next_source_id(two_turns()) == 2
    assert next_source_id([]) == 1
    assert interrupted_turns(two_turns()) == []


def test_replay_of_a_turn_cut_off_by_a_kill() -> None:
    events = two_turns("c1")[:5] + two_turns("c1")[13:]  # t1 stops after the first tool call
    assert interrupted_turns(events) == ["t1"]
    messages = messages_from_events(events)
    assert messages[-2] == UserMessage("Thanks!")
    assert messages[2] == ToolResultMessage("a", "calculator", INTERRUPTED_TOOL_TEXT, is_error=True)


def test_replay_of_every_event_kind() -> None:
    messages = messages_from_events(one_of_each("c1"))
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[1].tool_calls[0].arguments == '{"q": "photosynthesis", "n": [1, 2]}'
    assert messages[2].text.startswith("[1] Photosynthesis")
    assert next_source_id(one_of_each()) == 2
