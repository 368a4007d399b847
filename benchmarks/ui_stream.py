"""How smooth the window stays while a long answer streams, and how fast it opens.

Run: ``.venv/bin/python benchmarks/ui_stream.py`` (offscreen unless QT_QPA_PLATFORM says otherwise).

1. Streams 20,000 tokens at 500 tokens/s into one answer (headings, paragraphs,
   lists, tables, code blocks) through the real window, bridge and loop, with a
   provider that plays the tokens on a schedule. Meanwhile a 5 ms timer ticks;
   the gaps between its ticks are the event-loop stalls a user would feel.
   Prints their p99 and max (target p99 < 16 ms).
2. Times each frame's work (rendering the queued text, the layout it causes, a
   repaint of the visible chat) and prints the mean cost per update in the last
   10 % of the answer divided by the first 10 % (target ≤ 1.5).
3. Starts a bare PySide6 window and the Backstage window in fresh processes and
   prints the ratio of their times to first paint (target ≤ 1.5).

Figures only; no assertions.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKENS = 20_000
RATE = 500.0  # tokens per second
TICK_MS = 5


# -- the answer ---------------------------------------------------------------------------------


def markdown_tokens(count: int) -> list[str]:
    """A realistic Markdown answer cut into word-sized tokens, as a server streams them."""
    section = (
        "## Section {n}: what the sources say\n\n"
        "The figures for {n} come from three reports. Salaries rose by **4.2 %** on average, "
        "while the cost of living grew faster in the larger cities; see [the survey](https://example.org/{n}) "
        "for the method, and note that `median` and `mean` differ here by almost a tenth.\n\n"
        "- Entry level: about $61,000, up from $58,500\n"
        "- Senior roles: about $98,000, with a wide spread\n"
        "- Contract work: day rates between $350 and $600\n\n"
        "| City | Median | Change |\n|------|--------|--------|\n"
        "| Berlin | €58,000 | +3.1 % |\n| Lisbon | €31,000 | +5.4 % |\n| Oslo | kr 640,000 | +2.2 % |\n\n"
        "```python\ndef growth(before: float, after: float) -> float:\n"
        '    """Relative change, as a percentage."""\n'
        "    return (after - before) / before * 100\n\n"
        "print(round(growth(58_500, 61_000), 1))\n```\n\n"
        "In short, the numbers support a modest rise, but not the doubling some headlines claimed.\n\n"
    )
    tokens: list[str] = []
    n = 1
    while len(tokens) < count:
        tokens += re.findall(r"\s*\S+|\s+", section.format(n=n))
        n += 1
    return tokens[:count]


class PacedProvider:
    """Plays tokens at a steady rate, each as its own delta (as servers send them)."""

    name = "benchmark"

    def __init__(self, tokens: list[str], rate: float) -> None:
        self.tokens = tokens
        self.rate = rate

    async def stream(self, request: object) -> AsyncIterator[object]:
        from desktop_app.core.stream import StreamEnd, TextChunk

        started = time.perf_counter()
        for index, token in enumerate(self.tokens):
            due = started + index / self.rate
            delay = due - time.perf_counter()
            if delay > 0.002:
                await asyncio.sleep(delay)
            yield TextChunk(token)
        yield StreamEnd("stop", 100, len(self.tokens))

    async def aclose(self) -> None:
        pass


# -- streaming ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_stream() -> None:
    import qasync

    from desktop_app.ui.app import application
    from desktop_app.ui.chat.chat_view import ChatView
    from desktop_app.ui.connect import create_window
    from desktop_app.ui.qt import QtCore, QTimer
    from desktop_app.ui.session import close_loop
    from desktop_app.ui.settings import ServerSettings, WindowSettings

    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    tokens = markdown_tokens(TOKENS)
    costs: list[tuple[int, float]] = []  # (characters rendered so far, seconds)
    original_flush = ChatView.flush

    def measured_flush(self: ChatView) -> None:
        started = time.perf_counter()
        original_flush(self)
        # The layout this render causes, and painting what is visible, are part of the update's cost.
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest.value)
        self.viewport().repaint()
        turn = self.last_turn()
        costs.append((len(turn.events) if turn else 0, time.perf_counter() - started))

    ChatView.flush = measured_flush  # type: ignore[method-assign]

    async def main() -> list[float]:
        settings = WindowSettings(Path(tempfile.mkdtemp()) / "window.ini")
        window = create_window(PacedProvider(tokens, RATE), ServerSettings(model="bench"), settings)
        window.resize(1200, 800)
        window.show()
        await asyncio.sleep(0.3)
        gaps: list[float] = []
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            gaps.append((now - last) * 1000)
            last = now

        timer = QTimer()
        timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        done = asyncio.get_running_loop().create_future()
        window.bridge.busy_changed.connect(
            lambda busy: None if busy or done.done() else done.set_result(None)
        )
        started = time.perf_counter()
        timer.start()
        window.send("Summarise the salary reports.")
        await done
        timer.stop()
        elapsed = time.perf_counter() - started
        turn = window.chat.last_turn()
        assert turn is not None and turn.finished is not None
        print(f"streamed {TOKENS} tokens ({len(turn.finished.text):,} characters) in {elapsed:.1f} s")
        print(
            f"rendered frames: {len(costs)}, blocks: {sum(len(s.blocks()) for s in turn._segments if hasattr(s, 'blocks'))}"
        )
        await window.bridge.aclose()
        window.close()
        window.deleteLater()
        return gaps[1:]

    try:
        gaps = loop.run_until_complete(main())
    finally:
        ChatView.flush = original_flush  # type: ignore[method-assign]
        close_loop(loop)

    print(
        f"event-loop stall (gap between {TICK_MS} ms ticks): p99 {percentile(gaps, 0.99):.1f} ms, "
        f"max {max(gaps):.1f} ms, median {statistics.median(gaps):.1f} ms  (target p99 < 16 ms)"
    )
    streaming = [c for c in costs if c[0] > 0]
    tenth = max(1, len(streaming) // 10)
    first = statistics.mean(c for _, c in streaming[:tenth]) * 1000
    last = statistics.mean(c for _, c in streaming[-tenth:]) * 1000
    print(
        f"per-update cost: first 10 % {first:.2f} ms, last 10 % {last:.2f} ms, "
        f"ratio {last / first:.2f}  (target ≤ 1.5)"
    )


# -- cold start -------------------------------------------------------------------------------------

_FIRST_PAINT = """
import os, sys, time
from PySide6 import QtCore, QtWidgets

class _Painted(QtCore.QObject):
    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget):
            if obj.window().objectName() == WINDOW:
                print(time.time(), flush=True)
                os._exit(0)  # the figure is taken; how the process ends is not what is measured
        return False
"""

BARE = (
    _FIRST_PAINT
    + """
WINDOW = "bare"
app = QtWidgets.QApplication(sys.argv[:1])
watch = _Painted()
app.installEventFilter(watch)
window = QtWidgets.QMainWindow()
window.setObjectName(WINDOW)
window.setCentralWidget(QtWidgets.QLabel("Hello"))
window.resize(1200, 800)
window.show()
app.exec()
"""
)

# The real start: ``python -m desktop_app --base-url … --model …``, watched from inside.
BACKSTAGE = (
    _FIRST_PAINT
    + """
WINDOW = "MainWindow"
import desktop_app.ui.app as ui_app
make_app = ui_app.application
def watched_application():
    app = make_app()
    app.installEventFilter(_PAINT_WATCH)
    return app
_PAINT_WATCH = _Painted()
ui_app.application = watched_application
from desktop_app.__main__ import main
main(["--base-url", "http://127.0.0.1:9/v1", "--model", "m"])
"""
)

# The same window without the command-line layer's imports (what desktop_app/ui itself costs).
WINDOW_ONLY = BACKSTAGE.replace(
    'from desktop_app.__main__ import main\nmain(["--base-url", "http://127.0.0.1:9/v1", "--model", "m"])',
    "import argparse\nui_app.run_window(argparse.Namespace(provider='openai', base_url='http://127.0.0.1:9/v1',"
    " model='m', api_key_env=None, prompt=None))",
)


def first_paint(script: str, profile: str) -> float:
    env = {**os.environ, "BACKSTAGE_HOME": profile, "PYTHONPATH": str(ROOT)}
    started = time.time()
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return float(out.stdout.strip().splitlines()[-1]) - started


def run_cold_start(repeats: int = 5) -> None:
    profile = tempfile.mkdtemp()
    for script in (BARE, BACKSTAGE, WINDOW_ONLY):
        first_paint(script, profile)  # warm the OS file cache for each
    bare = statistics.median(first_paint(BARE, profile) for _ in range(repeats))
    ours = statistics.median(first_paint(BACKSTAGE, profile) for _ in range(repeats))
    window_only = statistics.median(first_paint(WINDOW_ONLY, profile) for _ in range(repeats))
    print(
        f"cold start to first paint: bare PySide6 {bare * 1000:.0f} ms, "
        f"python -m desktop_app {ours * 1000:.0f} ms (ratio {ours / bare:.2f}), "
        f"ui.app.run_window alone {window_only * 1000:.0f} ms (ratio {window_only / bare:.2f})  (target ≤ 1.5)"
    )


if __name__ == "__main__":
    os.environ.setdefault("BACKSTAGE_HOME", tempfile.mkdtemp())
    run_cold_start()
    run_stream()
