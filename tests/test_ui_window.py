"""The window driven in-process with a scripted provider: answers, status lines, modes, stop, close."""

from __future__ import annotations

import asyncio
import re

import pytest

from desktop_app.core.errors import RateLimitError, StreamInterrupted
from desktop_app.core.stream import StreamEnd, TextChunk
from desktop_app.ui.chat.code_block import CodeBlock
from desktop_app.ui.chat.markdown_view import MarkdownView
from desktop_app.ui.modes import Mode
from desktop_app.ui.qt import Qt
from tests.scripted_provider import Pause, ScriptedProvider, text_reply, tool_reply
from tests.ui_helpers import aio, make_window, wait_finished  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")

ANSWER = """# Plan

Some **bold** text with a [link](https://example.org).

| City | Pop. |
|------|------|
| Oslo | 0.7 M |

```python
def f(x):
    return x * 2
```

- one
- two
"""


def test_markdown_answer_renders_in_blocks(qtbot) -> None:
    pieces = [ANSWER[i : i + 7] for i in range(0, len(ANSWER), 7)]
    steps = [step for piece in pieces for step in (TextChunk(piece), Pause(0.001))]
    provider = ScriptedProvider([[*steps, StreamEnd("stop", 3, 40)]])
    window = make_window(qtbot, provider)
    assert window.send("plan a trip")
    assert window.composer.text == ""
    wait_finished(qtbot, window)
    turn = window.chat.last_turn()
    assert turn.user_label.text() == "plan a trip"
    rendered = turn.answer_text()
    assert rendered.startswith("Plan\n\nSome bold text with a link.")
    assert "def f(x):\n    return x * 2" in rendered
    blocks = [w for s in turn._segments for w in getattr(s, "blocks", list)()]
    kinds = [b.kind for b in blocks]
    assert kinds == ["markdown", "markdown", "markdown", "code", "markdown"]
    code = next(b for b in blocks if isinstance(b, CodeBlock))
    assert code.language_label.text() == "python"
    code.copy_button.click()
    from desktop_app.ui.qt import QtGui

    assert QtGui.QGuiApplication.clipboard().text() == "def f(x):\n    return x * 2\n"
    table = [b for b in blocks if isinstance(b, MarkdownView) and "Oslo" in b.plain_text()]
    assert table and table[0].document().rootFrame().childFrames()  # a real table, not text


def test_tool_status_lines_change_live_and_end_in_the_tools_words(qtbot) -> None:
    provider = ScriptedProvider(
        [
            tool_reply(("c1", "sleep", '{"seconds": 0.4, "tag": "x"}'), text="Let me wait."),
            text_reply("Done waiting."),
        ]
    )
    window = make_window(qtbot, provider)
    window.send("wait please")
    qtbot.waitUntil(lambda: bool(window.chat.last_turn() and window.chat.last_turn().tool_views()))
    turn = window.chat.last_turn()
    view = turn.tool_views()[0]
    qtbot.waitUntil(lambda: view.status_line == "Sleeping 0.4 s for 'x'…")
    assert view.spinner.isVisible() and view.state == "running"
    wait_finished(qtbot, window)
    assert re.fullmatch(r"✓ Slept for 'x' · (\d+ ms|\d+\.\d s)", view.status_line), view.status_line
    assert not view.spinner.isVisible()
    assert turn.answer_text() == "Let me wait.\n\nDone waiting."
    assert len(window.timeline.view.model.rows()) == 2


def test_failed_tool_says_why_in_plain_words(qtbot) -> None:
    provider = ScriptedProvider([tool_reply(("c1", "lookup", "{}")), text_reply("Could not read it.")])
    window = make_window(qtbot, provider)
    window.send("read it")
    wait_finished(qtbot, window)
    view = window.chat.last_turn().tool_views()[0]
    assert view.status_line == "✕ The page could not be read (404)."
    assert view.state == "error"


def test_parallel_tools_sit_on_separate_lanes_with_overlapping_spans(qtbot) -> None:
    provider = ScriptedProvider(
        [
            tool_reply(
                ("slow", "sleep", '{"seconds": 0.5, "tag": "slow"}'),
                ("fast", "sleep", '{"seconds": 0.2, "tag": "fast"}'),
            ),
            text_reply("Both done."),
        ]
    )
    window = make_window(qtbot, provider)
    window.send("two at once")
    wait_finished(qtbot, window)
    view = window.timeline.view
    rows = view.model.rows()
    assert len(rows) == 2
    tools = {t.call_id: t for t in rows[0].tools}
    assert {tools["slow"].lane, tools["fast"].lane} == {0, 1}
    assert tools["slow"].waited_for and not tools["fast"].waited_for
    bars = {i.tool.call_id: i.rect for i in view.items() if i.kind == "tool"}
    slow, fast = bars["slow"], bars["fast"]
    assert slow.top() != fast.top()  # separate lanes
    assert slow.left() < fast.right() and fast.left() < slow.right()  # overlapping in time
    assert slow.width() > fast.width()


def test_clicking_a_bar_shows_its_details(qtbot) -> None:
    provider = ScriptedProvider(
        [tool_reply(("c1", "sleep", '{"seconds": 0.1, "tag": "t"}')), text_reply("ok")]
    )
    window = make_window(qtbot, provider)
    window.send("go")
    wait_finished(qtbot, window)
    view = window.timeline.view
    bar = next(i for i in view.items() if i.kind == "tool")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=bar.rect.center().toPoint())
    details = window.timeline.details.toPlainText()
    assert "sleep · cycle 1" in details and '"tag": "t"' in details and "slept t" in details
    generation = next(i for i in view.items() if i.kind == "generation")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=generation.rect.center().toPoint())
    assert "Time to first token" in window.timeline.details.toPlainText()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert "sleep · cycle 1" in window.timeline.details.toPlainText()


def test_modes_switch_the_existing_conversation(qtbot) -> None:
    provider = ScriptedProvider(
        [tool_reply(("c1", "sleep", '{"seconds": 0, "tag": "m"}')), text_reply("Answer.")]
    )
    window = make_window(qtbot, provider)
    window.set_mode(Mode.STATUS)
    window.send("modes")
    wait_finished(qtbot, window)
    turn = window.chat.last_turn()
    view = turn.tool_views()[0]
    assert view.isVisible() and not view.details.isVisible()
    window.mode_box.setCurrentIndex(0)
    window.mode_box.activated.emit(0)
    assert window.chat.mode is Mode.FULL
    assert view.details.isVisible()
    assert '"tag": "m"' in view.arguments.text() and view.result.toPlainText() == "slept m"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.mode is Mode.HIDDEN and not view.isVisible()
    assert turn.answer_text() == "Answer."
    assert window.settings.mode is Mode.HIDDEN
    # The events kept per turn rebuild the same conversation.
    rebuilt = type(turn).replay(turn.events, Mode.FULL)
    assert rebuilt.answer_text() == "Answer." and rebuilt.status_lines() == turn.status_lines()
    rebuilt.deleteLater()


def test_stop_mid_stream_keeps_the_partial_answer(qtbot) -> None:
    provider = ScriptedProvider([[TextChunk("Partial "), TextChunk("answer"), Pause(30), StreamEnd("stop")]])
    window = make_window(qtbot, provider)
    window.send("long one")
    qtbot.waitUntil(lambda: window.composer.button.text() == "Stop")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    qtbot.waitUntil(lambda: window.chat.last_turn().answer_text() == "Partial answer")
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, window, timeout=2000)
    turn = window.chat.last_turn()
    assert turn.finished.stop_reason == "cancelled"
    assert turn.answer_text() == "Partial answer"
    assert turn.notes() == ["Stopped."]
    assert window.composer.button.text() == "Send"


def test_escape_stops_a_running_tool(qtbot) -> None:
    provider = ScriptedProvider(
        [tool_reply(("c1", "sleep", '{"seconds": 30, "tag": "z"}')), text_reply("never")]
    )
    window = make_window(qtbot, provider)
    window.send("sleep long")
    qtbot.waitUntil(lambda: bool(window.chat.last_turn() and window.chat.last_turn().tool_views()))
    view = window.chat.last_turn().tool_views()[0]
    qtbot.waitUntil(lambda: view.state == "running" and "Sleeping" in view.status_line)
    window.timeline.view.setFocus()  # Esc works from anywhere in the window, not only the composer
    qtbot.keyClick(window.timeline.view, Qt.Key.Key_Escape)
    wait_finished(qtbot, window, timeout=2000)
    assert view.status_line == "✕ Stopped"
    assert len(provider.requests) == 1
    tool_bar = next(i for i in window.timeline.view.items() if i.kind == "tool")
    assert tool_bar.tool.ok is False


def test_error_is_shown_in_words_and_the_partial_answer_stays(qtbot) -> None:
    provider = ScriptedProvider([[TextChunk("Half an"), StreamInterrupted()]])
    window = make_window(qtbot, provider)
    window.send("break")
    wait_finished(qtbot, window)
    turn = window.chat.last_turn()
    assert turn.answer_text() == "Half an"
    assert turn.notes() == [StreamInterrupted().message]


def test_retry_shows_a_transient_note(qtbot) -> None:
    provider = ScriptedProvider([[RateLimitError(retry_after=0.4)], text_reply("Fine now.")])
    window = make_window(qtbot, provider)
    window.send("busy?")
    qtbot.waitUntil(lambda: bool(window.chat.last_turn() and window.chat.last_turn().notes()))
    note = window.chat.last_turn().notes()[0]
    assert "Trying again in 0.4 s (attempt 2)" in note
    wait_finished(qtbot, window)
    assert window.chat.last_turn().notes() == []
    assert window.chat.last_turn().answer_text() == "Fine now."


def test_approval_card_allows_once(qtbot) -> None:
    provider = ScriptedProvider([tool_reply(("w1", "write_note", '{"text": "milk"}')), text_reply("Noted.")])
    window = make_window(qtbot, provider)
    window.set_mode(Mode.HIDDEN)  # the card shows whatever the mode: the turn waits on it
    window.send("note milk")
    qtbot.waitUntil(lambda: bool(window.chat.last_turn() and window.chat.last_turn().tool_views()))
    view = window.chat.last_turn().tool_views()[0]
    qtbot.waitUntil(lambda: view.approval_card is not None and view.approval_card.isVisible())
    assert view.state == "waiting"
    qtbot.mouseClick(view.approval_card.buttons["once"], Qt.MouseButton.LeftButton)
    wait_finished(qtbot, window)
    assert re.fullmatch(r"✓ Wrote the note · \d+ ms", view.status_line), view.status_line
    assert view.approval_card is None and not view.isVisible()


def test_approval_card_deny(qtbot) -> None:
    provider = ScriptedProvider([tool_reply(("w1", "write_note", '{"text": "x"}')), text_reply("Refused.")])
    window = make_window(qtbot, provider)
    window.send("note x")
    qtbot.waitUntil(lambda: bool(window.chat.last_turn() and window.chat.last_turn().tool_views()))
    view = window.chat.last_turn().tool_views()[0]
    qtbot.waitUntil(lambda: view.approval_card is not None)
    view.approval_card.buttons["deny"].click()
    wait_finished(qtbot, window)
    assert view.status_line == "✕ Not run: write_note needs your approval"


def test_close_mid_answer_cancels_cleanly(qtbot) -> None:
    provider = ScriptedProvider([[TextChunk("Streaming…"), Pause(30), StreamEnd("stop")]])
    window = make_window(qtbot, provider)
    window.send("then close")
    qtbot.waitUntil(
        lambda: window.chat.last_turn() is not None and window.chat.last_turn().answer_text() != ""
    )
    with qtbot.waitSignal(window.closed, timeout=1000):
        window.close()
    closing = asyncio.get_running_loop().create_task(window.bridge.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
    assert closing.exception() is None
    assert window.chat.last_turn().finished.stop_reason == "cancelled"
    assert provider.closed


def test_ctrl_q_closes_the_window(qtbot) -> None:
    window = make_window(qtbot, ScriptedProvider([text_reply("x")]))
    with qtbot.waitSignal(window.closed, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_keyboard_composer_and_shortcuts(qtbot) -> None:
    provider = ScriptedProvider([text_reply("one"), text_reply("two")])
    window = make_window(qtbot, provider)
    editor = window.composer.editor
    qtbot.keyClicks(editor, "first")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor, "line")
    assert window.composer.text == "first\nline"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_finished(qtbot, window)
    assert window.chat.last_turn().user_label.text() == "first\nline"
    assert window.dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert not window.dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.turns() == [] and window.timeline.view.model.turns == []
    window.send("again")
    wait_finished(qtbot, window)
    # A new chat is a new conversation: the model sees only the new message.
    assert [m.role for m in provider.requests[-1].messages] == ["user"]


def test_every_focusable_control_has_a_name(qtbot) -> None:
    from desktop_app.ui.qt import QtWidgets

    provider = ScriptedProvider([tool_reply(("c", "sleep", '{"seconds": 0}')), text_reply("```\ncode\n```")])
    window = make_window(qtbot, provider)
    window.set_mode(Mode.FULL)
    window.send("names")
    wait_finished(qtbot, window)
    unnamed = []
    for widget in window.findChildren(QtWidgets.QWidget):
        if not widget.isVisible() or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(widget, QtWidgets.QScrollBar) or widget.parent().inherits("QAbstractScrollArea"):
            continue  # scroll bars and viewports belong to a named scroll area
        name = widget.accessibleName() or getattr(widget, "text", lambda: "")()
        if not name:
            unnamed.append(f"{type(widget).__name__}:{widget.objectName()}")
    assert unnamed == []


def test_window_remembers_mode_timeline_and_size(qtbot, tmp_path) -> None:
    from desktop_app.ui.settings import WindowSettings

    settings = WindowSettings(tmp_path / "window.ini")
    window = make_window(qtbot, ScriptedProvider([text_reply("x")]), settings=settings)
    window.resize(700, 500)
    window.set_mode(Mode.FULL)
    window.dock.hide()
    window.close()
    again = make_window(
        qtbot, ScriptedProvider([text_reply("x")]), settings=WindowSettings(tmp_path / "window.ini")
    )
    assert again.chat.mode is Mode.FULL and again.mode_box.currentText() == "Full"
    assert not again.dock.isVisible()
    assert (again.width(), again.height()) == (700, 500)


def test_streaming_is_coalesced_to_frames(qtbot) -> None:
    words = [f"word{i} " for i in range(3000)]
    provider = ScriptedProvider([[*(TextChunk(w) for w in words), StreamEnd("stop")]])
    window = make_window(qtbot, provider)
    renders = []
    original = MarkdownView.set_text

    def counting(self, text):  # type: ignore[no-untyped-def]
        renders.append(len(text))
        original(self, text)

    MarkdownView.set_text = counting  # type: ignore[method-assign]
    try:
        window.send("many tokens")
        wait_finished(qtbot, window)
    finally:
        MarkdownView.set_text = original  # type: ignore[method-assign]
    assert window.chat.last_turn().answer_text() == "".join(words).strip()
    assert len(renders) < len(words) / 10


def test_send_is_refused_while_busy_and_when_blank(qtbot) -> None:
    provider = ScriptedProvider([[TextChunk("a"), Pause(0.3), StreamEnd("stop")]])
    window = make_window(qtbot, provider)
    assert not window.send("   ")
    assert window.send("one")
    assert not window.send("two")
    wait_finished(qtbot, window)
    assert len(provider.requests) == 1
    asyncio.get_running_loop()  # the test ran on the attached qasync loop


def test_new_chat_mid_answer_leaves_nothing_of_the_old_turn(qtbot) -> None:
    provider = ScriptedProvider(
        [[TextChunk("Old answer"), Pause(30), StreamEnd("stop")], text_reply("New one.")]
    )
    window = make_window(qtbot, provider)
    window.send("old question")
    qtbot.waitUntil(lambda: window.chat.last_turn() is not None)
    qtbot.waitUntil(lambda: window.chat.last_turn().answer_text() == "Old answer")
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.bridge.busy)  # the old turn ended (cancelled) after the clear
    assert window.chat.turns() == [] and window.timeline.view.model.turns == []
    window.send("new question")
    wait_finished(qtbot, window)
    assert [t.answer_text() for t in window.chat.turns()] == ["New one."]


def test_reasoning_shows_in_full_mode_only(qtbot) -> None:
    from desktop_app.core.stream import ReasoningChunk
    from desktop_app.ui.chat.reasoning_view import ReasoningView

    provider = ScriptedProvider(
        [[ReasoningChunk("Thinking it over."), TextChunk("Answer."), StreamEnd("stop")]]
    )
    window = make_window(qtbot, provider)
    window.set_mode(Mode.STATUS)
    window.send("think")
    wait_finished(qtbot, window)
    [reasoning] = window.chat.last_turn().findChildren(ReasoningView)
    assert reasoning.toPlainText() == "Thinking it over." and not reasoning.isVisible()
    window.set_mode(Mode.FULL)
    assert reasoning.isVisible()
    assert window.chat.last_turn().answer_text() == "Answer."
