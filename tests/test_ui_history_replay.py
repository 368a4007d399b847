"""Reopening stored chats: interrupted turns with Continue, long chats built lazily, CLI chats, damaged files, export."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.conversation import AssistantMessage, UserMessage
from desktop_app.storage.paths import database_path
from desktop_app.storage.store import HistoryDB, HistoryLockedError
from desktop_app.ui.history import transfer
from desktop_app.ui.history.replay import FIRST_TURNS, PAGE_TURNS
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.qt import Qt, QtWidgets
from tests.cli_helpers import backstage, server_args
from tests.history_ui_helpers import (
    click_row,
    close_history,
    flush,
    history_window,
    listed_titles,
    open_history,
    store,
    turn_events,
)
from tests.scripted_provider import ScriptedProvider, text_reply
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer
from tests.ui_helpers import aio, make_window, wait_finished  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")


def test_an_interrupted_turn_is_marked_and_continue_carries_on(qtbot) -> None:
    store("c", turn_events("t1", "c", "First question", "First answer."))
    store("c", turn_events("t2", "c", "Explain tides", "Tides come from the moon's", finished=False))
    provider = ScriptedProvider([text_reply("pull on the oceans.")])
    window = history_window(qtbot, provider)
    click_row(qtbot, window, "c")
    qtbot.waitUntil(lambda: len(window.chat.turns()) == 2)
    first, interrupted = window.chat.turns()
    assert first.interrupted_note is None and first.answer_text() == "First answer."
    note = interrupted.interrupted_note
    assert note is not None and note.can_continue and not interrupted.running
    assert interrupted.answer_text() == "Tides come from the moon's"
    assert not interrupted.waiting.isVisible()
    assert window.timeline.view.model.turns[-1].stop_reason == "interrupted"
    qtbot.waitUntil(note.button.isVisible)
    qtbot.mouseClick(note.button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, window, turns=3)
    sent = provider.requests[0].messages
    assert list(sent[-3:]) == [
        UserMessage("Explain tides"),
        AssistantMessage("Tides come from the moon's"),
        UserMessage("Continue."),
    ]
    assert window.chat.last_turn().answer_text() == "pull on the oceans."
    assert not note.can_continue  # done once


def test_continue_without_any_saved_answer_asks_the_question_again(qtbot) -> None:
    store("c", turn_events("t1", "c", "What is 2 + 2?", "", finished=False)[:2])  # killed before a token
    provider = ScriptedProvider([text_reply("4")])
    window = history_window(qtbot, provider)
    click_row(qtbot, window, "c")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    note = window.chat.last_turn().interrupted_note
    assert note is not None
    note.button.click()
    wait_finished(qtbot, window, turns=2)
    assert provider.requests[0].messages[-1] == UserMessage("What is 2 + 2?")


def test_a_long_conversation_is_rebuilt_newest_first_as_the_reader_scrolls_up(qtbot) -> None:
    events = []
    for n in range(120):
        events += turn_events(f"t{n:03}", "long", f"Question {n}", f"Answer number {n}.", tool=n % 10 == 0)
    store("long", events)
    window = history_window(qtbot, ScriptedProvider([text_reply("ok")]))
    window.resize(1100, 700)
    click_row(qtbot, window, "long")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    assert window.chat.last_turn().answer_text() == "Answer number 119."  # the newest is shown first
    replay = window.conversations.replay
    qtbot.waitUntil(lambda: not replay.filling)
    assert 1 < len(window.chat.turns()) < 120  # a screenful, not everything
    bar = window.chat.verticalScrollBar()
    assert bar.value() == bar.maximum()  # the newest answer is in view
    while replay.remaining:
        bar.setValue(0)
        qtbot.wait(5)
    qtbot.waitUntil(lambda: len(window.chat.turns()) == 120)
    assert [t.user_label.text() for t in window.chat.turns()[:2]] == ["Question 0", "Question 1"]
    assert [t.user_text for t in window.timeline.view.model.turns][::60] == ["Question 0", "Question 60"]
    [line] = window.chat.turns()[0].status_lines()
    assert line.startswith("✓ Calculated 17 × 23 = 391 · ")  # then the duration, in the tool line's format


def _long_chat(turns: int, last_finished: bool = True) -> None:
    events = []
    for n in range(turns):
        finished = last_finished or n < turns - 1
        events += turn_events(f"t{n:03}", "long", f"Question {n}", f"Answer number {n}.", finished=finished)
    store("long", events)


def _hold_model_history(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> tuple[asyncio.Event, list[int]]:
    """The model-facing history is read only once the returned event is set; the list gets the
    number of turns on screen when the read began."""
    gate, seen = asyncio.Event(), []
    real = window.history.load_model_history

    async def held(conversation_id: str, turn_ids: Any) -> Any:
        seen.append(len(window.chat.turns()))
        await gate.wait()
        return await real(conversation_id, turn_ids)

    monkeypatch.setattr(window.history, "load_model_history", held)
    return gate, seen


def _answered(qtbot, provider: ScriptedProvider, window: MainWindow, requests: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(provider.requests) == requests and not window.bridge.busy)


def test_a_long_chat_shows_its_newest_turns_before_the_model_history_is_read(qtbot, monkeypatch) -> None:
    _long_chat(40)
    assert 40 > FIRST_TURNS
    provider = ScriptedProvider([text_reply("ok"), text_reply("again")])
    window = history_window(qtbot, provider)
    window.resize(1100, 700)
    pages: list[int] = []
    read_turns = window.history.load_turns

    async def counted(conversation_id: str, turn_ids: Any) -> Any:
        pages.append(len(turn_ids))
        return await read_turns(conversation_id, turn_ids)

    monkeypatch.setattr(window.history, "load_turns", counted)
    gate, seen = _hold_model_history(window, monkeypatch)
    click_row(qtbot, window, "long")
    qtbot.waitUntil(lambda: seen != [])
    assert seen[0] > 1 and not window.conversations.replay.filling  # read once the first screen was built
    assert window.bridge.conversation.id == "long" and window.bridge.conversation.messages == []
    qtbot.waitUntil(lambda: pages != [])  # older turns are read ahead, a page at a time
    assert max(pages) <= PAGE_TURNS

    # A message sent before the history is read waits for it: the model must see the older turns.
    window.send("quick one")
    qtbot.wait(100)
    assert provider.requests == [] and window.bridge.busy
    gate.set()
    _answered(qtbot, provider, window, 1)
    first = provider.requests[0].messages
    assert (
        first[0] == UserMessage("Question 0") and first[-1] == UserMessage("quick one") and len(first) == 81
    )
    messages = window.bridge.conversation.messages
    assert messages[:2] == [UserMessage("Question 0"), AssistantMessage("Answer number 0.")]
    assert messages[-2:] == [UserMessage("quick one"), AssistantMessage("ok")] and len(messages) == 82
    window.send("and now?")
    _answered(qtbot, provider, window, 2)
    sent = provider.requests[1].messages
    assert sent[0] == UserMessage("Question 0") and sent[-1] == UserMessage("and now?") and len(sent) == 83


def test_continue_in_a_long_chat_waits_for_what_came_before(qtbot, monkeypatch) -> None:
    _long_chat(30, last_finished=False)
    provider = ScriptedProvider([text_reply("Done.")])
    window = history_window(qtbot, provider)
    gate, _ = _hold_model_history(window, monkeypatch)
    click_row(qtbot, window, "long")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    note = window.chat.last_turn().interrupted_note
    assert note is not None
    qtbot.waitUntil(lambda: not note.button.visibleRegion().isEmpty())  # in view, where a click lands
    qtbot.mouseClick(note.button, Qt.MouseButton.LeftButton)
    assert not window.bridge.busy and note.can_continue  # not sent yet: the model would see nothing before
    gate.set()
    _answered(qtbot, provider, window, 1)
    sent = provider.requests[0].messages
    assert sent[0] == UserMessage("Question 0") and len(sent) == 2 * 30 + 1
    assert sent[-3:] == (
        UserMessage("Question 29"),
        AssistantMessage("Answer number 29."),
        UserMessage("Continue."),
    )
    assert not note.can_continue


def test_a_search_hit_in_an_old_turn_is_rebuilt_and_shown(qtbot) -> None:
    events = []
    for n in range(60):
        answer = "The walrus moustache." if n == 3 else f"Answer number {n}."
        events += turn_events(f"t{n:03}", "long", f"Question {n}", answer)
    store("long", events)
    window = history_window(qtbot, ScriptedProvider([text_reply("ok")]))
    sidebar = window.conversations.sidebar
    sidebar.search_box.setText("walrus")
    qtbot.waitUntil(lambda: sidebar.results.count() == 1)
    sidebar.results.itemClicked.emit(sidebar.results.item(0))
    qtbot.waitUntil(lambda: "t003" in {t.turn_id for t in window.chat.turns()})
    turn = next(t for t in window.chat.turns() if t.turn_id == "t003")
    bar = window.chat.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() < bar.maximum())  # scrolled up to the hit, away from the newest
    top = turn.mapTo(window.chat.widget(), turn.rect().topLeft()).y()
    qtbot.waitUntil(lambda: abs(bar.value() - max(0, top - 20)) < 40)


def test_a_conversation_asked_from_the_cli_opens_in_the_window_and_back(
    qtbot, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(
        [
            Response.sse(wire.tool_call_stream([("calculator", '{"expression": "17 * 23"}')])),
            Response.sse(wire.text_stream("17 × 23 = 391.", 3)),
        ]
    )
    result = backstage("ask", "What is 17*23?", *server_args(scripted_server.url))
    assert result.returncode == 0, result.stderr
    window = history_window(qtbot, ScriptedProvider([text_reply("Yes, 391.")]))
    assert listed_titles(window) == ["What is 17*23?"]
    [row] = window.conversations.sidebar.model.rows()
    click_row(qtbot, window, row.id)
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    turn = window.chat.last_turn()
    assert turn.answer_text() == "17 × 23 = 391."
    [line] = turn.status_lines()
    assert line.startswith("✓ Calculated 17 × 23")
    window.send("Sure?")
    wait_finished(qtbot, window, turns=2)
    close_history(qtbot, window)
    shown = backstage("history", "show", row.id, "--events", "jsonl")
    assert shown.returncode == 0, shown.stderr
    asked = [json.loads(line)["user_text"] for line in shown.stdout.splitlines() if '"turn_started"' in line]
    assert asked == ["What is 17*23?", "Sure?"]


def test_a_damaged_history_file_gives_a_banner_and_a_working_window(qtbot) -> None:
    path = database_path()
    path.write_bytes(b"this is not a database " * 200)
    window = history_window(qtbot, ScriptedProvider([text_reply("Fine.")]))
    [banner] = window.banners.banners()
    assert "damaged" in banner.message and "history-corrupt-" in banner.message
    qtbot.waitUntil(banner.isVisible)
    assert list(path.parent.glob("history-corrupt-*.db"))
    window.send("still there?")
    wait_finished(qtbot, window)
    flush(qtbot, window)
    with HistoryDB(path) as db:
        assert [row.title for row in db.list_conversations()] == ["still there?"]
    qtbot.mouseClick(banner.findChild(QtWidgets.QToolButton, "BannerClose"), Qt.MouseButton.LeftButton)
    assert window.banners.banners() == [] and not window.banners.isVisible()


def test_a_locked_history_says_so_records_meanwhile_and_try_again_opens_it(qtbot, monkeypatch) -> None:
    import desktop_app.ui.history.window_history as window_history

    real = window_history.open_history

    def locked(path=None):  # type: ignore[no-untyped-def]
        raise HistoryLockedError()

    monkeypatch.setattr(window_history, "open_history", locked)
    window = make_window(qtbot, ScriptedProvider([text_reply("Kept.")]))
    window.history.start_opening()
    qtbot.waitUntil(lambda: bool(window.banners.banners()))
    [banner] = window.banners.banners()
    assert "busy in another Backstage window" in banner.message and "not saved" in banner.message
    window.send("remember me")  # recorded in memory until the file opens
    wait_finished(qtbot, window)
    monkeypatch.setattr(window_history, "open_history", real)
    qtbot.mouseClick(banner.buttons["Try again"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.history.ready)
    qtbot.waitUntil(lambda: listed_titles(window) == ["remember me"])
    flush(qtbot, window)
    with HistoryDB(database_path()) as db:
        [row] = db.list_conversations()
        assert db.get_events(row.id)[-1].type == "turn_finished"


class _FileChoices:
    """Stands in for the file dialog (offscreen Qt cannot show one without warnings): answers in turn."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
        self.paths = list(paths)
        self.asked: list[tuple[str, str, str]] = []
        monkeypatch.setattr(transfer, "choose_file", self)

    async def __call__(self, parent, caption, name_filter, *, save_as=""):  # type: ignore[no-untyped-def]
        self.asked.append((caption, name_filter, save_as))
        return self.paths.pop(0)


def test_export_markdown_and_json_then_import_from_the_window(qtbot, tmp_path, monkeypatch) -> None:
    store("c", turn_events("t1", "c", "Compare the sums", "It is 391 [1].", tool=True))
    choices = _FileChoices(monkeypatch, tmp_path / "sums.md", tmp_path / "sums.json", tmp_path / "sums.json")
    window = history_window(qtbot, ScriptedProvider([text_reply("ok")]))
    sidebar = window.conversations.sidebar
    menu = sidebar.conversation_menu("c")
    next(a for a in menu.actions() if a.text() == "Export as Markdown…").trigger()
    qtbot.waitUntil(lambda: (tmp_path / "sums.md").exists())
    assert choices.asked[0] == ("Export conversation as Markdown", "Markdown (*.md)", "Compare the sums.md")
    markdown = (tmp_path / "sums.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Compare the sums") and "<summary>Tool: calculator" in markdown
    click_row(qtbot, window, "c")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    window.conversations.export_json_action.trigger()  # the File menu exports the open chat
    qtbot.waitUntil(lambda: (tmp_path / "sums.json").exists())
    assert json.loads((tmp_path / "sums.json").read_text(encoding="utf-8"))["conversation"]["id"] == "c"
    window.conversations.import_action.trigger()
    qtbot.waitUntil(lambda: listed_titles(window) == ["Compare the sums", "Compare the sums"])
    qtbot.waitUntil(lambda: window.bridge.conversation.id != "c")  # the copy is opened
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    assert window.chat.last_turn().answer_text() == "It is 391 [1]."


def test_importing_a_file_that_is_not_an_export_says_so(qtbot, tmp_path, monkeypatch) -> None:
    window = history_window(qtbot, ScriptedProvider([text_reply("ok")]))
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    _FileChoices(monkeypatch, bad)
    window.conversations.import_action.trigger()
    qtbot.waitUntil(lambda: bool(window.banners.banners()))
    assert "not a conversation exported from Backstage" in window.banners.banners()[0].message
    open_history(qtbot, window)  # nothing else changed
    assert listed_titles(window) == []


def test_stop_while_the_history_is_still_read_sends_nothing(qtbot, monkeypatch) -> None:
    _long_chat(40)
    provider = ScriptedProvider([text_reply("never")])
    window = history_window(qtbot, provider)
    gate, seen = _hold_model_history(window, monkeypatch)
    click_row(qtbot, window, "long")
    qtbot.waitUntil(lambda: seen != [])
    window.send("quick one")
    qtbot.waitUntil(lambda: window.bridge.busy)
    window.bridge.stop()
    qtbot.waitUntil(lambda: not window.bridge.busy)
    gate.set()
    qtbot.waitUntil(window.conversations.model_history.done)
    assert provider.requests == []
