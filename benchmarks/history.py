"""How fast the history opens in the window, however much it holds, and how fast events are written.

Run: ``.venv/bin/python benchmarks/history.py`` (offscreen unless QT_QPA_PLATFORM says otherwise).

1. Writes a history of 1,000 conversations and 100,000 events (one of them 500 turns
   long) through :class:`EventWriter`, as the window and the CLI do, and prints the
   write throughput (events/s, the turns' ``turn_finished`` flushing at once as in use)
   and what one ``submit`` costs the caller.
2. Opens the Chats sidebar on it: the first page listed (in a worker thread) and
   painted. Printed divided by the same on an empty history (target ≤ 1.5) and on a
   history of exactly one page (100 conversations): what the other 900 cost.
3. Reopens the 500-turn conversation: its newest turns read (worker thread), the
   newest one rebuilt and painted, then turns added a frame at a time until the screen
   is full (older turns read a page at a time). Printed divided by the same
   conversation in a history holding nothing else (target ≤ 1.5), with the longest
   time the Qt thread was busy without a break (a 2 ms timer's longest gap; the frame
   budget is 16 ms); then until the model-facing history (every event, read in a
   worker thread after the first screen) is in place, and the longest gap meanwhile;
   and the same while the reader scrolls up through all 500 turns.

Also printed: opening the file (``quick_check``, in a worker thread at start).
Figures only; no assertions.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app.core import events as ev  # noqa: E402
from desktop_app.storage.store import HistoryDB  # noqa: E402
from desktop_app.storage.writer import EventWriter  # noqa: E402

CONVERSATIONS = 1_000
EVENTS = 100_000
LONG_TURNS = 500
REPEATS = 18

ANSWER = (
    "The figures for {n} come from three reports. Salaries rose by **4.2 %** on average, while the cost "
    "of living grew faster in the larger cities; see the survey for the method.\n\n"
    "- Entry level: about $61,000\n- Senior roles: about $98,000\n\n"
    "In short, the numbers support a modest rise, but not the doubling some headlines claimed."
)


def turn(cid: str, n: int, with_tool: bool) -> list[ev.Event]:
    """One turn as the loop emits it: word-sized deltas, sometimes a tool cycle first."""
    tid = f"{cid}-t{n}"
    out: list[ev.Event] = [
        ev.TurnStarted(t=0.0, turn_id=tid, conversation_id=cid, user_text=f"Question {n} about salaries in {cid}",
                       model="bench", provider="openai"),
        ev.CycleStarted(t=0.01, turn_id=tid, cycle=1, tools_offered=3),
    ]  # fmt: skip
    cycle = 1
    if with_tool:
        call = f"{tid}-c"
        out += [
            ev.ToolCallReady(t=0.2, turn_id=tid, cycle=1, call_id=call, name="calculator",
                             arguments={"expression": "98000 - 61000"}),
            ev.ToolStarted(t=0.21, turn_id=tid, cycle=1, call_id=call, name="calculator", status="Calculating"),
            ev.ToolFinished(t=0.25, turn_id=tid, cycle=1, call_id=call, ok=True, result_preview="37000",
                            result_tokens=2, name="calculator", status="Calculated 98000 − 61000 = 37000"),
            ev.CycleFinished(t=0.26, turn_id=tid, cycle=1, tool_calls=1),
            ev.CycleStarted(t=0.27, turn_id=tid, cycle=2),
        ]  # fmt: skip
        cycle = 2
    text = ANSWER.format(n=n)
    pieces = text.split(" ")
    out += [
        ev.TextDelta(t=0.3 + i * 0.01, turn_id=tid, cycle=cycle, text=p + " ") for i, p in enumerate(pieces)
    ]
    out += [
        ev.GenerationFinished(t=0.9, turn_id=tid, cycle=cycle, finish_reason="stop", output_tokens=80, ttft=0.2),
        ev.CycleFinished(t=0.9, turn_id=tid, cycle=cycle),
        ev.TurnFinished(t=0.91, turn_id=tid, text=text, cycles=cycle, stop_reason="complete"),
    ]  # fmt: skip
    return out


def long_conversation(cid: str) -> list[ev.Event]:
    return [e for n in range(LONG_TURNS) for e in turn(cid, n, n % 5 == 0)]


def write_history(path: Path, long_cid: str) -> tuple[float, float, int]:
    """The big history, written through the EventWriter; (events/s, µs per submit, events)."""
    long_events = long_conversation(long_cid)
    per_turn = len(turn("x", 0, False))
    rest = EVENTS - len(long_events)
    turns_each = max(1, rest // ((CONVERSATIONS - 1) * per_turn))
    stream: list[tuple[str, ev.Event]] = [(long_cid, e) for e in long_events]
    n = 0
    while len(stream) < EVENTS:
        cid = f"c{n % (CONVERSATIONS - 1):04}"
        stream += [(cid, e) for e in turn(cid, n // (CONVERSATIONS - 1), n % 4 == 0)]
        n += 1
        if n > turns_each * (CONVERSATIONS - 1) * 4:
            break
    stream = stream[:EVENTS]
    with HistoryDB(path) as db:
        writer = EventWriter(db)
        started = time.perf_counter()
        for cid, event in stream:
            writer.submit(cid, event)
        submitted = time.perf_counter()
        writer.close()
        done = time.perf_counter()
        # Spread the conversations over the date groups, as a year of use would.
        now = datetime.now(UTC)
        with db._lock:  # noqa: SLF001 (a benchmark's set-up; the app never rewrites dates)
            rows = db._conn.execute("SELECT id FROM conversations").fetchall()
            for k, (cid,) in enumerate(rows):
                when = (now - timedelta(hours=k * 7)).isoformat(timespec="microseconds")
                db._conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (when, cid))
    return len(stream) / (done - started), (submitted - started) / len(stream) * 1e6, len(stream)


def copy_only(source: Path, target: Path, cid: str) -> None:
    """A history holding nothing but ``cid`` (the same events)."""
    with HistoryDB(source) as src, HistoryDB(target) as dst:
        row = src.get_conversation(cid)
        assert row is not None
        dst.import_conversation(row, src.get_events(cid))


def first_page(source: Path, target: Path) -> None:
    """A history holding exactly the newest page (100 conversations) of ``source``."""
    with HistoryDB(source) as src, HistoryDB(target) as dst:
        for row in src.list_conversations(limit=100):
            dst.import_conversation(row, src.get_events(row.id))


# -- the window ----------------------------------------------------------------------------------


class Ticks:
    """A 2 ms timer; its longest gap is the longest the Qt thread was busy without a break."""

    def __init__(self) -> None:
        from desktop_app.ui.qt import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        return max(self.gaps, default=0.0)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(60):
        while not condition():  # noqa: ASYNC110 (widget states have no event to wait on)
            await asyncio.sleep(0.001)


class QuietProvider:
    name = "bench"

    async def stream(self, request: Any) -> Any:
        from desktop_app.core.stream import StreamEnd

        yield StreamEnd("stop")

    async def aclose(self) -> None:
        pass


async def measure(path: Path, long_cid: str | None) -> dict[str, float]:
    """Open the history at ``path`` in a fresh window: the sidebar, then (if given) the long chat."""
    from desktop_app.ui.connect import create_window
    from desktop_app.ui.qt import QtCore, QtWidgets
    from desktop_app.ui.settings import ServerSettings, WindowSettings

    settings = WindowSettings(Path(tempfile.mkdtemp()) / "window.ini")
    window = create_window(QuietProvider(), ServerSettings(model="bench"), settings)
    window.resize(1320, 860)
    window.show()
    await asyncio.sleep(0.2)
    out: dict[str, float] = {}
    started = time.perf_counter()
    await window.history.open(path)
    out["open_file"] = time.perf_counter() - started
    sidebar = window.conversations.sidebar
    model = sidebar.model

    def painted() -> None:
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest.value)
        sidebar.repaint()

    times = []
    for _ in range(REPEATS):
        await _until(lambda: not model._loading)  # noqa: SLF001
        started = time.perf_counter()
        sidebar.reload()
        await _until(lambda: not model._loading)  # noqa: SLF001
        painted()
        times.append(time.perf_counter() - started)
    out["sidebar"] = statistics.median(times)
    out["listed"] = len(model.rows())

    if long_cid is not None:
        ticks = Ticks()
        firsts, fulls, stalls, readies, ready_stalls = [], [], [], [], []
        for _ in range(REPEATS // 3):
            window.new_chat()
            await asyncio.sleep(0.05)
            ticks.start()
            started = time.perf_counter()
            await window.conversations.open(long_cid)
            QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest.value)
            window.chat.viewport().repaint()
            firsts.append(time.perf_counter() - started)
            replay = window.conversations.replay
            assert replay is not None
            await asyncio.sleep(0.03)
            await _until(lambda r=replay: not r.filling)  # the screen is full
            fulls.append(time.perf_counter() - started)
            stalls.append(max(ticks.gaps, default=0.0))
            reading = window.conversations.model_history
            if reading is not None:  # the model-facing history, read after the first screen
                await reading
            readies.append(time.perf_counter() - started)
            ready_stalls.append(ticks.stop())
        out["reopen_first"] = statistics.median(firsts)
        out["reopen_screen"] = statistics.median(fulls)
        out["reopen_stall_cold"] = stalls[0]  # the first reopen in the process: styles, fonts, caches
        out["reopen_stall"] = statistics.median(stalls[1:])
        out["model_ready"] = statistics.median(readies)
        out["model_ready_stall"] = statistics.median(ready_stalls[1:])
        out["turns_on_screen"] = len(window.chat.turns())
        # The reader scrolls up through everything: each step rebuilds a frame's worth.
        ticks.start()
        started = time.perf_counter()
        bar = window.chat.verticalScrollBar()
        while replay.remaining:
            bar.setValue(0)
            await asyncio.sleep(0.002)
        out["all_turns"] = time.perf_counter() - started
        out["scroll_stall"] = ticks.stop()
        out["scroll_p95"] = sorted(ticks.gaps)[int(0.95 * len(ticks.gaps))] if ticks.gaps else 0.0
        out["turns_total"] = len(window.chat.turns())
        QtWidgets.QApplication.processEvents()
    await window.history.aclose()
    await window.bridge.aclose()
    window.close()
    return out


def main() -> None:
    import qasync

    from desktop_app.ui.app import application
    from desktop_app.ui.session import close_loop

    folder = Path(tempfile.mkdtemp(prefix="backstage-history-bench-"))
    os.environ.setdefault("BACKSTAGE_HOME", str(folder / "profile"))
    big, only_long, one_page, empty = (folder / n for n in ("big.db", "long.db", "page.db", "empty.db"))
    long_cid = "long-conversation"
    print(f"writing {EVENTS:,} events in {CONVERSATIONS:,} conversations through EventWriter…", flush=True)
    rate, submit_us, written = write_history(big, long_cid)
    copy_only(big, only_long, long_cid)
    first_page(big, one_page)
    HistoryDB(empty).close()
    with HistoryDB(big) as db:
        conversations = len(db.list_conversations(limit=10_000))
        long_events = len(db.get_events(long_cid))

    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        full = loop.run_until_complete(measure(big, long_cid))
        alone = loop.run_until_complete(measure(only_long, long_cid))
        page = loop.run_until_complete(measure(one_page, None))
        bare = loop.run_until_complete(measure(empty, None))
    finally:
        close_loop(loop)

    ms = 1000
    print(f"history: {conversations:,} conversations, {written:,} events ({big.stat().st_size / 1e6:.0f} MB);"
          f" the long one: {LONG_TURNS} turns, {long_events:,} events")  # fmt: skip
    print(f"write throughput (EventWriter): {rate:,.0f} events/s; submit costs the caller {submit_us:.1f} µs")
    print(f"open the file (quick_check, worker thread): {full['open_file'] * ms:.1f} ms"
          f" (empty: {bare['open_file'] * ms:.1f} ms)")  # fmt: skip
    print(f"sidebar, first page listed and painted: {full['sidebar'] * ms:.1f} ms ({full['listed']:.0f} listed);"
          f" empty history {bare['sidebar'] * ms:.1f} ms; one-page history {page['sidebar'] * ms:.1f} ms")  # fmt: skip
    print(f"  ratio to empty: {full['sidebar'] / bare['sidebar']:.2f}   ratio to one page: "
          f"{full['sidebar'] / page['sidebar']:.2f}   (target ≤ 1.5)")  # fmt: skip
    print(f"reopen the {LONG_TURNS}-turn chat, newest turns painted: {full['reopen_first'] * ms:.1f} ms"
          f" (alone in its history: {alone['reopen_first'] * ms:.1f} ms) ratio {full['reopen_first'] / alone['reopen_first']:.2f}")  # fmt: skip
    print(f"  screen full ({full['turns_on_screen']:.0f} turns): {full['reopen_screen'] * ms:.1f} ms"
          f" (alone: {alone['reopen_screen'] * ms:.1f} ms) ratio {full['reopen_screen'] / alone['reopen_screen']:.2f}"
          f"   (target ≤ 1.5)")  # fmt: skip
    print(f"  longest Qt-thread stall while reopening: {full['reopen_stall'] * ms:.1f} ms (median of"
          f" {REPEATS // 3 - 1} reopens; the process's first: {full['reopen_stall_cold'] * ms:.1f} ms;"
          f" frame budget 16 ms)")  # fmt: skip
    print(f"  model-facing history in place: {full['model_ready'] * ms:.1f} ms after the click;"
          f" longest stall until then {full['model_ready_stall'] * ms:.1f} ms")  # fmt: skip
    print(f"scrolling up through all {full['turns_total']:.0f} turns: {full['all_turns']:.2f} s,"
          f" 95th-percentile gap {full['scroll_p95'] * ms:.1f} ms, longest {full['scroll_stall'] * ms:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
