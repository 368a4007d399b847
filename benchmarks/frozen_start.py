"""Does freezing slow Backstage's start? Time to a shown window, frozen app / ``python -m desktop_app``.

Both are started the same way, alternately, on a private Xvfb display, pointed at a model server
(``--base-url http://127.0.0.1:9/v1 --model m``; nothing listens there and nothing is sent, since no
prompt is given) so the window opens straight away with no dialog. "Shown" is the moment the X server
maps the app's first top-level window (a MapNotify on the root window, watched through libX11), so
neither app needs a hook of its own. Each run gets a fresh profile folder; the app is then sent
SIGTERM. Also timed: ``--self-test`` (no window, offscreen) for both.

Prints the medians, the ratio frozen / source (target: at most 1.2), and the sizes of the onedir and
the .deb (target: at most 120 MB). Start-up is measured with a warm file cache: dropping the cache
needs privileges a container seldom has (``--drop-caches`` tries).

    .venv/bin/python -m benchmarks.frozen_start                # builds dist into build/bench first
    .venv/bin/python -m benchmarks.frozen_start --reuse        # reuses that build
    .venv/bin/python -m benchmarks.frozen_start --app DIR --deb FILE --runs 9

Linux only (Xvfb and libX11; without them only the self-test figures are printed).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOW_ARGS = ["--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
RATIO_TARGET, DEB_TARGET_MB = 1.2, 120
MAP_NOTIFY, SUBSTRUCTURE_NOTIFY_MASK = 19, 1 << 19


class MapWatcher:
    """Reports when any top-level window is mapped on an X display (a MapNotify on its root window)."""

    def __init__(self, display: str) -> None:
        self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        for name in ("XPending", "XFlush", "XConnectionNumber", "XCloseDisplay"):
            getattr(self.x11, name).argtypes = [ctypes.c_void_p]
        self.x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.display = self.x11.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open X display {display}")
        self.x11.XSelectInput(
            self.display, self.x11.XDefaultRootWindow(self.display), SUBSTRUCTURE_NOTIFY_MASK
        )
        self.x11.XFlush(self.display)
        self.fd = self.x11.XConnectionNumber(self.display)
        self.event = (ctypes.c_long * 24)()  # an XEvent is 192 bytes on 64-bit systems

    def drain(self) -> None:
        while self.x11.XPending(self.display):
            self.x11.XNextEvent(self.display, self.event)

    def wait_for_map(self, timeout: float) -> float | None:
        """perf_counter() when the next window is mapped, or None after ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        while True:
            while self.x11.XPending(self.display):
                self.x11.XNextEvent(self.display, self.event)
                if self.event[0] & 0xFFFFFFFF == MAP_NOTIFY:
                    return time.perf_counter()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            select.select([self.fd], [], [], remaining)

    def close(self) -> None:
        self.x11.XCloseDisplay(self.display)


def start_xvfb() -> tuple[subprocess.Popen[bytes], str] | None:
    if not shutil.which("Xvfb"):
        return None
    for number in range(90, 110):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        display = f":{number}"
        server = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return server, display
            time.sleep(0.05)
        server.terminate()
        server.wait()
    return None


def time_window(command: list[str], watcher: MapWatcher, env: dict[str, str]) -> float:
    """Seconds from starting ``command`` to its first mapped window; the app is then terminated."""
    watcher.drain()
    with tempfile.TemporaryDirectory(prefix="backstage-bench-") as profile:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command + WINDOW_ARGS,
            env={**env, "BACKSTAGE_HOME": profile},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=profile,
        )
        shown = watcher.wait_for_map(timeout=60)
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if shown is None:
        raise RuntimeError(
            f"{command[0]} showed no window within 60 s: {err.decode(errors='replace')[-500:]}"
        )
    return shown - started


def time_self_test(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command + ["--self-test"], env={**env, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "self-test" not in result.stdout:
        raise RuntimeError(f"{command[0]} --self-test failed: {(result.stdout + result.stderr)[-500:]}")
    return elapsed


def alternate(
    runs: int, frozen: Callable[[], float], source: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """Time both, interleaved, after one unmeasured warm-up each (so both read from the file cache)."""
    frozen(), source()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(frozen())
        b.append(source())
    return a, b


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def build(dist: Path, work: Path, reuse: bool) -> tuple[Path, Path]:
    existing = sorted(dist.glob("backstage_*.deb"))
    if not (reuse and existing and (dist / "backstage").is_dir()):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "packaging" / "build.py"),
                "deb",
                "--dist",
                str(dist),
                "--work",
                str(work),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"built onedir + .deb in {time.perf_counter() - started:.0f} s")
        existing = sorted(dist.glob("backstage_*.deb"))
    return dist / "backstage", existing[-1]


def report(name: str, frozen: list[float], source: list[float]) -> float:
    f, s = statistics.median(frozen), statistics.median(source)
    print(f"{name}: frozen {f * 1000:.0f} ms, source {s * 1000:.0f} ms (medians of {len(frozen)})")
    print(f"  frozen runs: {', '.join(f'{x * 1000:.0f}' for x in frozen)} ms")
    print(f"  source runs: {', '.join(f'{x * 1000:.0f}' for x in source)} ms")
    return f / s


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", type=Path, help="an existing onedir (default: build one into build/bench)")
    parser.add_argument("--deb", type=Path, help="the .deb built from it, for its size")
    parser.add_argument("--reuse", action="store_true", help="reuse build/bench if it is there")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--drop-caches", action="store_true", help="drop the file cache before each run (root)"
    )
    args = parser.parse_args()
    if args.app:
        app, deb = args.app, args.deb
    else:
        app, deb = build(ROOT / "build" / "bench" / "dist", ROOT / "build" / "bench" / "work", args.reuse)
    frozen_cmd = [str(app / "backstage")]
    source_cmd = [sys.executable, "-m", "desktop_app"]
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYTHON_KEYRING_BACKEND")}
    env["PYTHONPATH"] = str(ROOT)  # the source run uses this checkout; the frozen one ignores it

    cold = args.drop_caches and drop_caches()
    print(f"file cache: {'dropped before each run (cold)' if cold else 'warm (not dropped)'}")

    def fresh(fn: Callable[[], float]) -> Callable[[], float]:
        return (lambda: (drop_caches(), fn())[1]) if cold else fn

    ratios = {}
    a, b = alternate(
        args.runs,
        fresh(lambda: time_self_test(frozen_cmd, env)),
        fresh(lambda: time_self_test(source_cmd, env)),
    )
    ratios["self-test"] = report("--self-test (offscreen)", a, b)
    xvfb = start_xvfb()
    if xvfb is None:
        print("window: Xvfb not available, not measured")
    else:
        server, display = xvfb
        watcher = MapWatcher(display)
        try:
            win_env = {**env, "DISPLAY": display}
            a, b = alternate(
                args.runs,
                fresh(lambda: time_window(frozen_cmd, watcher, win_env)),
                fresh(lambda: time_window(source_cmd, watcher, win_env)),
            )
            ratios["window"] = report("start to a shown window (Xvfb)", a, b)
        finally:
            watcher.close()
            server.terminate()
            server.wait()

    for name, ratio in ratios.items():
        verdict = "ok" if ratio <= RATIO_TARGET else "OVER TARGET"
        print(f"ratio frozen / source, {name}: {ratio:.2f} (target <= {RATIO_TARGET}: {verdict})")
    print(f"onedir size: {size_mb(app):.1f} MB ({app.name})")
    if deb:
        deb_mb = size_mb(deb)
        verdict = "ok" if deb_mb <= DEB_TARGET_MB else "OVER TARGET"
        print(f".deb size: {deb_mb:.1f} MB (target <= {DEB_TARGET_MB} MB: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
