"""Screenshots of the window's main states, for looking at before calling a UI change done.

Run: ``.venv/bin/python scripts/screenshots.py [FOLDER]`` (FOLDER defaults to
``$BACKSTAGE_SCREENSHOTS``, else ``./screenshots``). Uses the offscreen Qt
platform unless ``QT_QPA_PLATFORM`` says otherwise (e.g. under ``xvfb-run``).

A scripted provider (``screenshot_demo.py``) plays a realistic turn (parallel
tool calls with sources, a calculator call, a long Markdown answer with
citations) through the real window, bridge and loop; the script saves: the empty
window, a tool running, the answer streaming, the finished answer in each mode,
a timeline bar's details, provenance tints, the sources panel, an approval card,
the same answer with a dark palette (plain and tinted), and a turn whose prompt
had to be trimmed to fit a small context window.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screenshot_demo import DemoProvider, DemoReadPage, DemoSaveNote, DemoSearch  # noqa: E402

from desktop_app.tools.builtin import builtin_tools  # noqa: E402


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):  # the demo did not reach the expected state
        while not condition():  # noqa: ASYNC110 (widget states have no event to wait on)
            await asyncio.sleep(0.02)


async def _scroll_to_footer(window: Any, turn: Any = None) -> None:
    """Bring an answer's end (its list, last paragraph and footer) into view."""
    await asyncio.sleep(0.1)
    turn = turn or window.chat.last_turn()
    footer = turn.footer
    bottom = footer.mapTo(window.chat.widget(), footer.rect().bottomLeft()).y()
    window.chat.verticalScrollBar().setValue(bottom - window.chat.viewport().height() + 40)


async def take(folder: Path) -> list[Path]:
    from desktop_app.tools.registry import ToolRegistry
    from desktop_app.ui.connect import create_window
    from desktop_app.ui.modes import Mode
    from desktop_app.ui.qt import QtWidgets
    from desktop_app.ui.settings import ServerSettings, WindowSettings

    saved: list[Path] = []
    tools = ToolRegistry([DemoSearch(), DemoReadPage(), *builtin_tools(), DemoSaveNote()])
    settings = WindowSettings(Path(tempfile.mkdtemp()) / "window.ini")
    server = ServerSettings("openai", "http://127.0.0.1:8080/v1", "qwen2.5-7b-instruct")
    window = create_window(DemoProvider(), server, settings, tools)
    window.resize(1320, 860)
    window.set_mode(Mode.STATUS)
    window.show()

    async def shot(name: str) -> None:
        await asyncio.sleep(0.12)  # two frames: queued text rendered, layout settled
        path = folder / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)

    await shot("01-empty")
    window.composer.set_text("What do UX designers earn in 2025?")
    window.send(window.composer.text)

    def turn() -> Any:
        return window.chat.last_turn()

    await _until(lambda: turn() is not None and len(turn().tool_views()) == 2)
    await _until(lambda: all(v.state == "running" for v in turn().tool_views()))
    await asyncio.sleep(0.5)
    await shot("02-tools-running")
    await _until(lambda: "In short" not in turn().answer_text() and len(turn().answer_text()) > 700)
    await shot("03-streaming")
    await _until(lambda: not turn().running)
    window.composer.editor.clear()
    await shot("04-mode-status")
    window.set_mode(Mode.FULL)
    await shot("05-mode-full")
    window.set_mode(Mode.HIDDEN)
    await shot("06-mode-hidden")
    window.set_mode(Mode.STATUS)
    view = window.timeline.view
    bar = next(i for i in view.items() if i.tool is not None and i.tool.name == "read_page")
    view._select(bar)
    await shot("07-timeline-detail")

    window.chat.set_show_provenance(True)
    await _scroll_to_footer(window)
    await shot("10-provenance-light")
    window.chat.show_sources(turn().turn_id, 1)
    await shot("11-sources-panel")
    window.chat.sources_panel.close_panel()
    window.chat.set_show_provenance(False)

    window.send("Save a note of that")
    await _until(lambda: turn().tool_views() and turn().tool_views()[0].approval_card is not None)
    await shot("08-approval")
    window.stop()
    await _until(lambda: not window.bridge.busy)

    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    light = app.palette()
    app.setPalette(_dark_palette())
    await asyncio.sleep(0.2)
    window.chat.verticalScrollBar().setValue(0)
    await shot("09-dark")
    window.chat.set_show_provenance(True)
    await _scroll_to_footer(window, window.chat.turns()[0])
    await shot("12-provenance-dark")
    window.chat.show_sources(window.chat.turns()[0].turn_id, 7)
    await shot("13-sources-panel-dark")
    window.chat.sources_panel.close_panel()
    app.setPalette(light)

    # A small context window: the second long page pushes the first one down to its preview.
    window.bridge.config = replace(window.bridge.config, context_window=7000)
    window.new_chat()
    window.send("Compare the two UX pay reports")
    await _until(lambda: turn() is not None and not turn().running)
    await shot("14-trimmed")
    await window.bridge.aclose()
    window.close()
    return saved


def _dark_palette() -> Any:
    from desktop_app.ui.qt import QtGui

    p = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    colours = {
        role.Window: "#1f2023",
        role.WindowText: "#e6e6e6",
        role.Base: "#26272b",
        role.AlternateBase: "#2c2d31",
        role.Text: "#e6e6e6",
        role.Button: "#2c2d31",
        role.ButtonText: "#e6e6e6",
        role.Highlight: "#4c7dff",
        role.HighlightedText: "#ffffff",
        role.Link: "#8ab4ff",
        role.PlaceholderText: "#8a8b90",
        role.ToolTipBase: "#2c2d31",
        role.ToolTipText: "#e6e6e6",
    }
    for r, colour in colours.items():
        p.setColor(r, QtGui.QColor(colour))
    return p


def main() -> int:
    folder = Path(
        sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BACKSTAGE_SCREENSHOTS", "screenshots")
    )
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BACKSTAGE_HOME", tempfile.mkdtemp())
    import qasync
    from screenshots_dialogs import take_dialogs
    from screenshots_history import take_history

    from desktop_app.ui.app import application
    from desktop_app.ui.session import close_loop

    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        saved = loop.run_until_complete(take(folder))
        saved += loop.run_until_complete(take_history(folder))
        saved += loop.run_until_complete(take_dialogs(folder))
    finally:
        close_loop(loop)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
