"""Screenshots of the window's main states, for looking at before calling a UI change done.

Run: ``.venv/bin/python scripts/screenshots.py [FOLDER]`` (FOLDER defaults to
``$BACKSTAGE_SCREENSHOTS``, else ``./screenshots``). Uses the offscreen Qt
platform unless ``QT_QPA_PLATFORM`` says otherwise (e.g. under ``xvfb-run``).

A scripted provider plays a realistic turn (parallel tool calls, a calculator
call, a long Markdown answer) through the real window, bridge and loop; the
script saves: the empty window, a tool running, the answer streaming, the
finished answer in each mode, a timeline bar's details, an approval card, and
the same finished answer with a dark palette.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.core.stream import StreamEnd, TextChunk, ToolCallBegin, ToolCallComplete  # noqa: E402
from desktop_app.tools.base import Risk, Tool, ToolResult  # noqa: E402
from desktop_app.tools.builtin import builtin_tools  # noqa: E402

ANSWER = """## UX designer salaries in 2025

UX designers in the US earn about **$98,000** a year on average [1], with a wide spread by city and seniority. \
The figures below come from the two sources I read.

| Level | Typical salary | Change since 2023 |
|-------|----------------|-------------------|
| Entry | $61,000 | +4.3 % |
| Mid | $92,000 | +3.1 % |
| Senior | $128,000 | +2.4 % |

A few things stand out:

- Remote roles pay roughly the same as on-site ones now.
- Bootcamp graduates start about 12 % lower, but the gap closes within three years [2].
- The senior premium over entry level is 17 × 23 = **391** % of… no: it is $67,000, about 2.1 times.

To compare offers yourself:

```python
def yearly_growth(before: float, after: float, years: int) -> float:
    \"\"\"Average yearly growth, as a percentage.\"\"\"
    return ((after / before) ** (1 / years) - 1) * 100

print(round(yearly_growth(88_000, 92_000, 2), 1))  # 2.2
```

In short: a solid, slowly rising salary, with most of the growth coming from moving up a level.
"""


class DemoSearch(Tool):
    name = "web_search"
    description = "Search the web."
    parameters = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(1.4)
        return ToolResult("1. Glassdoor: UX Designer salaries 2025 …\n2. Levels.fyi: Product design pay …")

    def status(self, args: dict[str, Any]) -> str:
        return f"Searching the web for '{args['query']}'…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Searched the web · 5 results"


class DemoReadPage(Tool):
    name = "read_page"
    description = "Read a web page."
    parameters = {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(2.2)
        return ToolResult("UX Designer Salary Guide 2025. The average base salary is $98,000 …")

    def status(self, args: dict[str, Any]) -> str:
        return f"Reading {args['url']}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Read the page · 2,300 words"


class DemoSaveNote(Tool):
    name = "save_note"
    description = "Save a note to a file."
    parameters = {"type": "object", "properties": {"text": {"type": "string"}}}
    risk = Risk.WRITES

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult("saved")

    def status(self, args: dict[str, Any]) -> str:
        return f"Saving a note: “{args.get('text', '')}”"


class DemoProvider:
    """Plays the demo turn: parallel tools, a calculator call, then the answer at reading speed."""

    name = "demo"

    def __init__(self, tokens_per_second: float = 120.0) -> None:
        self.rate = tokens_per_second
        self.requests = 0

    async def stream(self, request: Any) -> AsyncIterator[Any]:
        self.requests += 1
        last_user = request.messages[-1]
        if getattr(last_user, "role", "") == "user" and "note" in last_user.text:
            yield ToolCallBegin("n1", "save_note")
            yield ToolCallComplete("n1", "save_note", '{"text": "Compare UX offers by level"}')
            yield StreamEnd("tool_calls", 310, 24)
            return
        cycle = sum(1 for m in request.messages if getattr(m, "role", "") == "assistant")
        if cycle == 0:
            for token in re.findall(r"\s*\S+", "I'll look up current figures."):
                await asyncio.sleep(0.04)
                yield TextChunk(token)
            await asyncio.sleep(0.3)
            yield ToolCallBegin("s1", "web_search")
            yield ToolCallComplete("s1", "web_search", '{"query": "UX designer salary 2025"}')
            await asyncio.sleep(0.15)
            yield ToolCallBegin("r1", "read_page")
            yield ToolCallComplete("r1", "read_page", '{"url": "example.org/ux-salaries"}')
            yield StreamEnd("tool_calls", 412, 58)
        elif cycle == 1:
            await asyncio.sleep(0.5)
            yield ToolCallBegin("c1", "calculator")
            yield ToolCallComplete("c1", "calculator", '{"expression": "128000 - 61000"}')
            yield StreamEnd("tool_calls", 980, 21)
        else:
            await asyncio.sleep(0.6)
            for token in re.findall(r"\s*\S+|\s+", ANSWER):
                await asyncio.sleep(1 / self.rate)
                yield TextChunk(token)
            yield StreamEnd("stop", 1210, 420)

    async def aclose(self) -> None:
        pass


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):  # the demo did not reach the expected state
        while not condition():  # noqa: ASYNC110 (widget states have no event to wait on)
            await asyncio.sleep(0.02)


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
    app.setPalette(light)
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
    from screenshots_history import take_history

    from desktop_app.ui.app import application
    from desktop_app.ui.session import close_loop

    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        saved = loop.run_until_complete(take(folder))
        saved += loop.run_until_complete(take_history(folder))
    finally:
        close_loop(loop)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
