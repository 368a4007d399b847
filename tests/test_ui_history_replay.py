"""Reopening stored chats: interrupted turns with Continue, long chats built lazily, CLI chats, damaged files, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.conversation import AssistantMessage, UserMessage
from desktop_app.storage.paths import database_path
from desktop_app.storage.store import HistoryDB, HistoryLockedError
from desktop_app.ui.history import transfer
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
    qtbot.waitUntil(lambda: not replay._timer.isActive())
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
