"""Screenshots of the history in the window: the Chats sidebar with its date groups, a search with
highlighted matches, a reopened conversation (chat, tool statuses and timeline rebuilt from stored
events), an interrupted answer with Continue, the undo bar after a delete, and the banner shown when
the history file was damaged.

Run on its own (``.venv/bin/python scripts/screenshots_history.py [FOLDER]``) or as part of
``scripts/screenshots.py``. The conversations are written into a fresh profile first, as earlier
sessions (or the CLI) would have left them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.core import events as ev  # noqa: E402
from desktop_app.core.stream import StreamEnd, TextChunk  # noqa: E402
from desktop_app.storage.store import ConversationRow, HistoryDB  # noqa: E402

Tool = tuple[str, dict[str, Any], str, str]  # name, arguments, status when done, result


def _turn(
    turn_id: str,
    cid: str,
    question: str,
    answer: str,
    tools: list[Tool] = (),
    *,
    finished: bool = True,  # type: ignore[assignment]
) -> list[ev.Event]:
    """One turn as the loop emits it: a tool cycle (if any), then the answer streamed word by word."""
    out: list[ev.Event] = [
        ev.TurnStarted(t=0.0, turn_id=turn_id, conversation_id=cid, user_text=question, model="qwen2.5-7b-instruct",
                       provider="openai"),
        ev.CycleStarted(t=0.02, turn_id=turn_id, cycle=1, tools_offered=4),
        ev.ContextMeasured(t=0.02, turn_id=turn_id, cycle=1, segments={"system": 420, "tools": 610, "history": 900},
                           window=32768, reserved=4096),
    ]  # fmt: skip
    cycle, t = 1, 0.02
    if tools:
        t = 0.9
        out.append(ev.GenerationFinished(t=t, turn_id=turn_id, cycle=1, finish_reason="tool_calls",
                                         input_tokens=1930, output_tokens=38, ttft=0.41))  # fmt: skip
        for n, (name, args, status, result) in enumerate(tools):
            call = f"{turn_id}-{n}"
            took = 0.3 + 0.9 * n
            out += [
                ev.ToolCallStarted(t=t - 0.2, turn_id=turn_id, cycle=1, call_id=call, name=name),
                ev.ToolCallReady(t=t, turn_id=turn_id, cycle=1, call_id=call, name=name, arguments=args),
                ev.ToolStarted(t=t + 0.01, turn_id=turn_id, cycle=1, call_id=call, name=name, status=status),
                ev.ToolFinished(t=t + took, turn_id=turn_id, cycle=1, call_id=call, ok=True, result_preview=result,
                                result_tokens=len(result) // 4, duration=took, name=name, status=status),
            ]  # fmt: skip
        t += 0.3 + 0.9 * (len(tools) - 1) + 0.05
        out += [
            ev.CycleFinished(t=t, turn_id=turn_id, cycle=1, duration=t, tool_calls=len(tools)),
            ev.CycleStarted(t=t + 0.01, turn_id=turn_id, cycle=2, tools_offered=4),
        ]
        cycle = 2
    start = t + 0.35
    words = answer.split(" ")
    shown = words if finished else words[: len(words) * 2 // 3]
    for n, word in enumerate(shown):
        piece = word if n == len(words) - 1 else word + " "
        out.append(ev.TextDelta(t=start + n * 0.03, turn_id=turn_id, cycle=cycle, text=piece))
    if finished:
        end = start + len(words) * 0.03
        out += [
            ev.GenerationFinished(t=end, turn_id=turn_id, cycle=cycle, finish_reason="stop", input_tokens=2100,
                                  output_tokens=len(words) * 2, ttft=0.36),
            ev.CycleFinished(t=end, turn_id=turn_id, cycle=cycle, duration=end - t),
            ev.TurnFinished(t=end + 0.01, turn_id=turn_id, text=answer, cycles=cycle, stop_reason="complete"),
        ]  # fmt: skip
    return out


CALC = ("calculator", {"expression": "(72 - 32) * 5 / 9"}, "Calculated (72 − 32) × 5 / 9 = 22.22", "22.2222")
TIME = ("current_time", {"timezone": "Asia/Tokyo"}, "Tokyo: Tuesday 21:14 (UTC+9)", "2025-06-10T21:14+09:00")
CHATS: list[tuple[str, float, list[tuple[str, str, list[Tool], bool]]]] = [
    ("Convert 72 °F to Celsius and explain the formula", 0.05, [
        ("Convert 72 °F to Celsius and explain the formula",
         "**72 °F is about 22.2 °C.**\n\nThe formula subtracts the offset between the two zero points, then "
         "rescales the degree size:\n\n```\n°C = (°F − 32) × 5 / 9\n```\n\nSo (72 − 32) × 5 / 9 = 40 × 5 / 9 "
         "≈ **22.2 °C**: a comfortable room temperature.", [CALC], True),
        ("And what time is it in Tokyo?", "It is **21:14 on Tuesday** in Tokyo (UTC+9).", [TIME], True),
    ]),
    ("What's a good salary range for a junior data analyst?", 0.2, [
        ("What's a good salary range for a junior data analyst?",
         "A junior data analyst's salary is typically between $55,000 and $70,000 in the US.", [], True),
    ]),
    ("Summarise the Q3 sales call notes", 1.1, [
        ("Summarise the Q3 sales call notes",
         "Three themes: renewals are up 12 %, two enterprise deals slipped to Q4, and pricing questions "
         "came up in most calls. The salary budget for new hires was approved.", [], True),
    ]),
    ("Regex for ISO 8601 dates", 1.3, [
        ("Regex for ISO 8601 dates", "Use `^\\d{4}-\\d{2}-\\d{2}$` for plain dates.", [], True),
    ]),
    ("Plan a 3-day trip to Lisbon", 3.0, [
        ("Plan a 3-day trip to Lisbon",
         "**Day 1: Alfama and Baixa.** Start at the castle early, walk down through Alfama's lanes and stop "
         "for a pastel de nata. **Day 2: Belém.** The monastery, the tower and the riverside walk to LX "
         "Factory. **Day 3: Sintra.** Take the train from Rossio at nine and see Pena Palace first.", [],
         False),
    ]),
    ("Why is my Docker build slow?", 4.0, [
        ("Why is my Docker build slow?", "Most often the build context is huge: add a .dockerignore.", [], True),
    ]),
    ("Compare Postgres and SQLite for a desktop app", 6.0, [
        ("Compare Postgres and SQLite for a desktop app", "SQLite: one file, no server, WAL mode.", [], True),
    ]),
    ("Explain WAL mode in SQLite", 20.0, [
        ("Explain WAL mode in SQLite", "Writers append to a log; readers keep reading the database.", [], True),
    ]),
    ("Salary negotiation tips for UX designers", 34.0, [
        ("Salary negotiation tips for UX designers",
         "Anchor with market data, negotiate the whole package, and never name a salary first.", [], True),
    ]),
    ("Best pour-over coffee ratio", 60.0, [
        ("Best pour-over coffee ratio", "Start at 1:16, e.g. 15 g of coffee to 250 g of water.", [], True),
    ]),
]  # fmt: skip


def seed(path: Path) -> dict[str, str]:
    """Write the sample conversations; their ids by title."""
    ids: dict[str, str] = {}
    now = datetime.now(UTC)
    with HistoryDB(path) as db:
        for n, (title, days_ago, turns) in enumerate(CHATS):
            cid = f"sample{n:02}"
            when = (now - timedelta(days=days_ago)).isoformat(timespec="microseconds")
            events = [e for k, (q, a, tools, done) in enumerate(turns) for e in _turn(f"{cid}-{k}", cid, q, a, tools,
                                                                                       finished=done)]  # fmt: skip
            db.import_conversation(
                ConversationRow(cid, title, when, when, "qwen2.5-7b-instruct", "openai"), events
            )
            ids[title] = cid
    return ids


class QuietProvider:
    """Answers anything with one short line (nothing is sent in these shots)."""

    name = "demo"

    async def stream(self, request: Any) -> AsyncIterator[Any]:
        yield TextChunk("OK.")
        yield StreamEnd("stop", 10, 2)

    async def aclose(self) -> None:
        pass


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while not condition():  # noqa: ASYNC110 (widget states have no event to wait on)
            await asyncio.sleep(0.02)


async def take_history(folder: Path) -> list[Path]:
    from desktop_app.storage.paths import database_path
    from desktop_app.storage.recovery import open_history
    from desktop_app.tools.builtin import builtin_tools
    from desktop_app.tools.registry import ToolRegistry
    from desktop_app.ui.connect import create_window
    from desktop_app.ui.modes import Mode
    from desktop_app.ui.settings import ServerSettings, WindowSettings

    ids = seed(database_path())
    saved: list[Path] = []
    settings = WindowSettings(Path(tempfile.mkdtemp()) / "window.ini")
    server = ServerSettings("openai", "http://127.0.0.1:8080/v1", "qwen2.5-7b-instruct")
    window = create_window(QuietProvider(), server, settings, ToolRegistry(builtin_tools()))
    window.resize(1320, 860)
    window.set_mode(Mode.STATUS)
    window.show()
    window.history.start_opening()
    sidebar = window.conversations.sidebar
    await _until(lambda: sidebar.model.rowCount() > 0)

    async def shot(name: str) -> None:
        await asyncio.sleep(0.15)  # queued text rendered, layout settled
        path = folder / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)

    await window.conversations.open(ids["Convert 72 °F to Celsius and explain the formula"])
    await _until(lambda: len(window.chat.turns()) == 2)
    view = window.timeline.view
    bar = next(i for i in view.items() if i.tool is not None and i.tool.name == "calculator")
    view._select(bar)
    await shot("history-1-reopened")

    sidebar.focus_search()
    sidebar.search_box.setText("salary")
    await _until(lambda: sidebar.stack.currentWidget() is sidebar.results)
    await shot("history-2-search")
    sidebar.search_box.clear()

    await window.conversations.open(ids["Plan a 3-day trip to Lisbon"])
    await _until(lambda: window.chat.last_turn() is not None and window.chat.last_turn().interrupted_note)
    await shot("history-3-interrupted")

    sidebar.delete(ids["Best pour-over coffee ratio"])
    await shot("history-4-undo")

    damaged = Path(tempfile.mkdtemp()) / "history.db"
    damaged.write_bytes(b"not a database " * 100)
    db, notice = await asyncio.to_thread(open_history, damaged)
    await asyncio.to_thread(db.close)
    window.history.problem.emit(notice or "")
    await shot("history-5-damaged-banner")

    await window.bridge.aclose()
    await window.history.aclose()
    window.close()
    return saved


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BACKSTAGE_HOME", tempfile.mkdtemp())
    import qasync

    from desktop_app.ui.app import application
    from desktop_app.ui.session import close_loop

    loop = qasync.QEventLoop(application())
    asyncio.set_event_loop(loop)
    try:
        saved = loop.run_until_complete(take_history(folder))
    finally:
        close_loop(loop)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
