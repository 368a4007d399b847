"""Sources and provenance in the window: citation markers, the sources panel, tints, footer, context meter.

Driven end to end: a scripted provider calls a search tool whose result holds the salary figures,
then writes the salary answer; the real bridge and loop emit tool_finished (with sources),
provenance_checked and context_measured, and the window renders only those events.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from desktop_app.core.sources import SourceRecord
from desktop_app.tools.base import Tool, ToolResult
from desktop_app.ui.chat.annotations import CITATION
from desktop_app.ui.chat.markdown_view import MarkdownView
from desktop_app.ui.qt import Qt, QtCore, QtGui
from desktop_app.ui.settings import WindowSettings
from desktop_app.ui.sources.words import compact_tokens
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tests.ui_helpers import aio, make_window, wait_finished  # noqa: F401 (aio is a fixture)

pytestmark = pytest.mark.usefixtures("aio")

SALARY_TEXT = (
    "Senior data engineer salaries, 2025. Levels.fyi reports a median total compensation of $98,400 "
    "in Berlin; Glassdoor lists $103,000 for the same role. The national median for data engineers "
    "is $77,250."
)
SCENE_TEXT = "Berlin start-ups hired steadily through the year, led by fintech and climate companies."
ANSWER = (
    "Senior data engineers in Berlin earn approximately **$98,000 to $103,000** a year [1]. "
    "The national median is around $77,000 [1]. "
    "That puts Berlin roughly *27% to 34%* above the national figure.\n\n"
    "- Bonuses typically add another $12,500 on top [1].\n"
    "- Berlin has a lively start-up scene.\n"
    "- Relocation packages are common [7].\n"
)


class SalarySearch(Tool):
    name = "web_search"
    description = "Search the web."
    parameters = {"type": "object", "properties": {"query": {"type": "string"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        sources = (
            SourceRecord(
                tool=self.name,
                title="Data engineer salaries in Berlin",
                url="https://www.example.org/salaries/berlin",
                excerpt=SALARY_TEXT,
            ),
            SourceRecord(
                tool=self.name,
                title="Berlin's start-up year",
                url="https://news.example.com/scene",
                excerpt=SCENE_TEXT,
            ),
        )
        return ToolResult(f"{SALARY_TEXT}\n\n{SCENE_TEXT}", sources=sources)


def _salary_window(qtbot: Any, settings: WindowSettings | None = None) -> Any:
    provider = ScriptedProvider(
        [tool_reply(("s1", "web_search", '{"query": "data engineer salary Berlin"}')), text_reply(ANSWER)]
    )
    window = make_window(qtbot, provider, [SalarySearch()], settings=settings)
    window.send("What do senior data engineers earn in Berlin?")
    wait_finished(qtbot, window)
    return window


def _marker(block: MarkdownView, text: str, nth: int = 0) -> QtGui.QTextCharFormat:
    at = [i for i in range(len(block.plain_text())) if block.plain_text().startswith(text, i)][nth]
    cursor = QtGui.QTextCursor(block.document())
    cursor.setPosition(at + 1)  # the format of the character after the position
    return cursor.charFormat()


def _tinted(block: MarkdownView) -> dict[str, str]:
    return {block.plain_text()[t.start : t.end]: t.cls for t in block.tints()}


def test_citations_become_markers_bound_to_their_sources(qtbot) -> None:
    window = _salary_window(qtbot)
    turn = window.chat.last_turn()
    paragraph, items = turn.markdown_blocks()
    sound = _marker(paragraph, "[1]")
    assert sound.isAnchor() and sound.anchorHref() == "cite:1"
    assert sound.underlineStyle() == QtGui.QTextCharFormat.UnderlineStyle.NoUnderline
    assert "Data engineer salaries in Berlin · example.org" in sound.toolTip()
    flagged = _marker(items, "[7]")
    assert flagged.anchorHref() == "cite:7"
    assert flagged.underlineStyle() == QtGui.QTextCharFormat.UnderlineStyle.WaveUnderline
    assert flagged.toolTip().startswith(
        "There is no source [7]: the model cited a source it was never given."
    )
    assert "[7]" in turn.answer_text()  # the characters stay: offsets in the text never move


def test_clicking_a_marker_opens_the_panel_at_that_source_and_esc_closes_it(qtbot) -> None:
    window = _salary_window(qtbot)
    window.resize(1400, 800)
    turn = window.chat.last_turn()
    paragraph = turn.markdown_blocks()[0]
    qtbot.waitUntil(lambda: paragraph.width() > 500)
    at = paragraph.plain_text().index("[1]") + 1
    cursor = QtGui.QTextCursor(paragraph.document())
    cursor.setPosition(at)
    point = paragraph.cursorRect(cursor).center() + QtCore.QPoint(2, 0)
    qtbot.mouseClick(paragraph.viewport(), Qt.MouseButton.LeftButton, pos=point)
    panel = window.chat.sources_panel
    qtbot.waitUntil(panel.isVisible)
    assert panel.turn_id == turn.turn_id
    assert [c.n for c in panel.cards] == [1, 2, 7]
    assert panel.card(1).property("highlighted") and not panel.card(2).property("highlighted")
    assert panel.isAncestorOf(QtGui.QGuiApplication.focusObject())
    # The conversation moved out from under the panel.
    qtbot.waitUntil(lambda: turn.mapTo(window.chat, QtCore.QPoint(turn.width(), 0)).x() <= panel.x())
    qtbot.keyClick(QtGui.QGuiApplication.focusObject(), Qt.Key.Key_Escape)
    assert not panel.isVisible()
    assert window.chat.last_turn().finished.stop_reason == "complete"  # Esc closed, nothing else


def test_panel_lists_each_source_with_its_excerpt_time_links_and_sentences(qtbot) -> None:
    window = _salary_window(qtbot)
    turn = window.chat.last_turn()
    turn.footer.sources_button.click()
    panel = window.chat.sources_panel
    assert panel.isVisible() and panel.subtitle.text() == "2 sources · 1 figure to verify"
    salary, scene, missing = panel.cards
    assert salary.title_label.text() == "Data engineer salaries in Berlin"
    meta = [w.text() for w in salary.findChildren(type(salary.title_label)) if w.objectName() == "Muted"]
    assert meta == ["example.org · web_search · just now"]
    assert "$98,400" in salary.excerpt_label.text()
    used = [label.accessibleName() for label in salary.sentence_labels]
    assert used == [
        "From a source: Senior data engineers in Berlin earn approximately $98,000 to $103,000 a year [1].",
        "From a source: The national median is around $77,000 [1].",
        "Computed from sources: That puts Berlin roughly 27% to 34% above the national figure.",
    ]
    assert scene.sentence_labels == []  # listed, but no sentence rests on it
    assert missing.title_label.text() == "No source [7]" and missing.property("flagged")
    salary.copy_button.click()
    assert QtGui.QGuiApplication.clipboard().text() == "https://www.example.org/salaries/berlin"
    assert salary.copy_button.text() == "Copied ✓"
    panel.close_button.click()
    assert not panel.isVisible()


def test_footer_counts_sources_figures_to_verify_and_flagged_citations(qtbot) -> None:
    window = _salary_window(qtbot)
    footer = window.chat.last_turn().footer
    assert footer.summary_text() == "2 sources · 1 figure to verify · 1 citation to check"
    assert footer.isVisible() and footer.verify_button.isVisible()
    footer.citations_button.click()
    panel = window.chat.sources_panel
    assert panel.isVisible() and panel.card(7).property("highlighted")


def test_provenance_tints_each_sentence_by_its_class_and_is_remembered(qtbot, tmp_path) -> None:
    settings = WindowSettings(tmp_path / "window.ini")
    window = _salary_window(qtbot, settings)
    turn = window.chat.last_turn()
    paragraph, items = turn.markdown_blocks()
    assert _tinted(paragraph) == {
        "Senior data engineers in Berlin earn approximately $98,000 to $103,000 a year [1].": "supported",
        "The national median is around $77,000 [1].": "supported",
        "That puts Berlin roughly 27% to 34% above the national figure.": "derived",
    }
    assert _tinted(items) == {
        "Bonuses typically add another $12,500 on top [1].": "unsupported_figure",
        "Berlin has a lively start-up scene.": "model_knowledge",
        "Relocation packages are common [7].": "model_knowledge",
    }
    assert paragraph.extraSelections() == [] and not turn.footer.legend.isVisible()
    turn.footer.provenance_button.click()
    assert len(paragraph.extraSelections()) == 3
    assert len(items.extraSelections()) == 1  # model knowledge is not tinted
    assert turn.footer.legend.isVisible()
    assert window.provenance_action.isChecked() and settings.show_provenance
    window.provenance_action.trigger()  # the toolbar toggle turns it off everywhere
    assert paragraph.extraSelections() == [] and not turn.footer.provenance_button.isChecked()
    assert not settings.show_provenance


def test_verify_link_turns_provenance_on(qtbot) -> None:
    window = _salary_window(qtbot)
    turn = window.chat.last_turn()
    turn.footer.verify_button.click()
    assert window.chat.show_provenance and turn.footer.provenance_button.isChecked()
    items = turn.markdown_blocks()[1]
    tip = next(t.tooltip for t in items.tints() if t.cls == "unsupported_figure")
    assert "verify" in tip


def test_context_meter_shows_the_latest_cycle(qtbot) -> None:
    window = _salary_window(qtbot)
    meter = window.context_meter
    assert meter.isVisible()
    measured = meter.measured
    assert measured is not None and measured.segments["tool_results"] > 0  # the second cycle's
    used = sum(measured.segments.values())
    assert meter.text() == f"{compact_tokens(used)} / 8.2k"  # the model table's window for an unknown model
    assert f"{used:,} of {measured.window:,} tokens" in meter.toolTip()
    assert "Tool results" in meter.toolTip() and "Kept for the answer" in meter.toolTip()
    window.new_chat()
    assert not meter.isVisible()


class LongPage(Tool):
    name = "read_page"
    description = "Read a page."
    parameters = {"type": "object", "properties": {"url": {"type": "string"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult(f"{args['url']}: " + "salary survey words " * 1200)


def test_a_trim_is_a_quiet_line_in_the_chat_and_a_mark_in_the_timeline(qtbot) -> None:
    provider = ScriptedProvider(
        [
            tool_reply(("a", "read_page", '{"url": "a"}')),
            tool_reply(("b", "read_page", '{"url": "b"}')),
            text_reply("Both read."),
        ]
    )
    window = make_window(qtbot, provider, [LongPage()])
    window.bridge.config = replace(window.bridge.config, context_window=4000)
    window.bridge.new_chat()  # the loop takes the smaller window from the next chat on
    window.send("read both")
    wait_finished(qtbot, window)
    notes = [n for n in window.chat.last_turn().notes() if n.startswith("✂")]
    assert len(notes) == 1
    assert notes[0].startswith("✂  Trimmed: shrank 1 older tool result to its preview · ")
    assert notes[0].endswith(" tokens freed")
    rows = window.timeline.view.model.rows()
    trimmed = [row for row in rows if row.trims]
    assert [row.cycle for row in trimmed] == [3]
    from desktop_app.ui.timeline.details import details_html, tooltip
    from desktop_app.ui.timeline.geometry import Item

    item = next(i for i in window.timeline.view.items() if i.kind == "row" and i.row is trimmed[0])
    assert isinstance(item, Item)
    assert "Trimmed" in details_html(item) and "Shrank 1 older tool result" in tooltip(item)


def test_the_window_marks_exactly_what_the_check_reads_as_citations() -> None:
    from desktop_app.core.provenance.facts import CITATION as CHECKED

    assert CITATION.pattern == CHECKED.pattern


def test_the_panel_is_reachable_by_keyboard_and_gives_the_focus_back(qtbot) -> None:
    window = _salary_window(qtbot)
    button = window.chat.last_turn().footer.sources_button
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(button, Qt.Key.Key_Space)
    panel = window.chat.sources_panel
    assert panel.isVisible()
    first = panel.cards[0]
    assert QtGui.QGuiApplication.focusObject() is first.open_button
    qtbot.keyClick(first.open_button, Qt.Key.Key_Tab)
    assert QtGui.QGuiApplication.focusObject() is first.copy_button
    qtbot.keyClick(first.copy_button, Qt.Key.Key_Escape)
    assert not panel.isVisible() and QtGui.QGuiApplication.focusObject() is button


def test_every_new_control_has_an_accessible_name(qtbot) -> None:
    from desktop_app.ui.qt import QtWidgets

    window = _salary_window(qtbot)
    turn = window.chat.last_turn()
    turn.footer.sources_button.click()
    controls = [
        *turn.footer.findChildren(QtWidgets.QAbstractButton),
        *window.chat.sources_panel.findChildren(QtWidgets.QAbstractButton),
    ]
    assert controls and all(c.accessibleName() for c in controls)
    assert window.context_meter.accessibleName().startswith("Context window: ")
