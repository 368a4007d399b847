"""The window's history: every event recorded, a stored chat reopened exactly, then continued from the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from desktop_app.core.conversation import AssistantMessage, ToolResultMessage, UserMessage
from desktop_app.storage.paths import database_path
from desktop_app.storage.store import HistoryDB
from tests.cli_helpers import ROOT
from tests.history_ui_helpers import click_row, close_history, flush, history_window, listed_titles
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer
from tests.ui_helpers import aio, wait_finished  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")


def test_a_window_chat_is_recorded_and_reopens_exactly_in_a_new_window(qtbot) -> None:
    provider = ScriptedProvider(
        [
            tool_reply(("c1", "sleep", '{"seconds": 0.05, "tag": "x"}'), text="Let me wait."),
            text_reply("Done."),
        ]
    )
    first = history_window(qtbot, provider)
    first.send("wait please")
    wait_finished(qtbot, first)
    flush(qtbot, first)
    conversation_id = first.bridge.conversation.id
    with HistoryDB(database_path()) as db:
        kinds = [e.type for e in db.get_events(conversation_id)]
        row = db.get_conversation(conversation_id)
    assert kinds[0] == "turn_started" and kinds[-1] == "turn_finished"
    assert {"text_delta", "tool_call_ready", "tool_started", "tool_finished", "cycle_finished"} <= set(kinds)
    assert row is not None and row.title == "wait please" and row.model == "test-model"
    assert listed_titles(first) == ["wait please"]  # listed as soon as it was sent
    live = first.chat.last_turn()
    answer, statuses = live.answer_text(), live.status_lines()
    close_history(qtbot, first)
    first.close()

    follow_up = ScriptedProvider([text_reply("Still here.")])
    second = history_window(qtbot, follow_up)
    sidebar = second.conversations.sidebar
    assert listed_titles(second) == ["wait please"]
    assert sidebar.model.headers() == ["Today"]
    click_row(qtbot, second, conversation_id)
    qtbot.waitUntil(lambda: len(second.chat.turns()) == 1)
    turn = second.chat.last_turn()
    assert turn.answer_text() == answer == "Let me wait.\n\nDone."
    assert turn.status_lines() == statuses and statuses[0].startswith("✓ Slept for 'x'")
    assert not turn.running and turn.interrupted_note is None
    assert len(second.timeline.view.model.rows()) == 2
    assert second.bridge.conversation.id == conversation_id

    # The next message continues the stored conversation: its history comes from the store.
    second.send("and now?")
    wait_finished(qtbot, second, turns=2)
    sent = follow_up.requests[0].messages
    assert isinstance(sent[0], UserMessage) and sent[0].text == "wait please"
    assert isinstance(sent[1], AssistantMessage) and sent[1].tool_calls[0].name == "sleep"
    assert isinstance(sent[2], ToolResultMessage) and sent[2].text == "slept x"
    assert isinstance(sent[3], AssistantMessage) and sent[3].text.strip() == "Done."
    assert sent[-1] == UserMessage("and now?")
    flush(qtbot, second)
    with HistoryDB(database_path()) as db:
        turns = [e for e in db.get_events(conversation_id) if e.type == "turn_started"]
    assert [t.user_text for t in turns] == ["wait please", "and now?"]
    close_history(qtbot, second)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_window_process_records_its_prompt_and_quits_with_everything_written(tmp_path) -> None:
    profile = tmp_path / "profile"
    env = {**os.environ, "BACKSTAGE_HOME": str(profile), "QT_QPA_PLATFORM": "offscreen"}
    with ScriptedServer([Response.sse(wire.text_stream("Hello from the server.", 4))]) as server:
        command = [sys.executable, "-m", "desktop_app", "--base-url", f"{server.url}/v1", "--model", "m"]
        process = subprocess.Popen(
            [*command, "--prompt", "Say hello"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            log = profile / "logs" / "window.log"
            while not (log.exists() and "finished: complete" in log.read_text(encoding="utf-8")):
                assert time.monotonic() < deadline, "no answer"
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=15)
    assert process.returncode == 0 and err == "" and out == ""
    with HistoryDB(profile / "history.db") as db:
        [row] = db.list_conversations()
        events = db.get_events(row.id)
    assert row.title == "Say hello" and row.model == "m"
    assert events[0].type == "turn_started" and events[-1].type == "turn_finished"
    assert events[-1].text == "Hello from the server."
