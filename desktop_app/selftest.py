"""``backstage --self-test``: is this installation whole? One line per check, exit 0 or 1.

Installers run it right after building (CI runs the frozen app's, then the installed .deb's), and
support can ask a user to run it. It needs no display, no network and no profile: the history check
uses a temporary folder and leaves nothing behind. Checks, in order:

- ``encodings``: both shipped tiktoken files load (checksum included) and count a known text exactly;
- ``icon``: the app icon loads through Qt (PNG and SVG), so the image plugins were bundled;
- ``keychain``: which keyring backend is in use; none is a warning, not a failure (the app then keeps
  keys in memory for the session, by design);
- ``history``: a history database opens in a temporary folder, takes an event, reads it back and
  passes SQLite's integrity check;
- ``window``: the window's modules import (the Qt widgets and everything they need are bundled);
- ``tools``: every tool module imports, with the libraries some of them load only on first use (MCP's
  SDK, search, PDF), and the web page extractor finds the text of a small page, so its data files
  were bundled too.

This module stays free of Qt; the two Qt checks live in :mod:`desktop_app.ui.selftest_gui` and are
imported only when they run, after the offscreen platform has been chosen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from . import __version__
from .core.errors import BackstageError

EXIT_OK, EXIT_FAILED = 0, 1

# Token ids of "hello world" in each shipped encoding, as tiktoken itself gives them. A wrong,
# truncated or differently-parsed file would give other ids or another count.
HELLO_WORLD = "hello world"
EXPECTED_TOKENS: dict[str, list[int]] = {
    "o200k_base": [24912, 2375],
    "cl100k_base": [15339, 1917],
}


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``ok`` false means the installation is broken."""

    ok: bool
    detail: str = ""
    warning: bool = False


def ok(detail: str = "") -> Result:
    return Result(True, detail)


def failed(reason: str) -> Result:
    return Result(False, reason)


def warning(detail: str) -> Result:
    return Result(True, detail, warning=True)


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, print one line per check on ``out`` (stdout), return the exit status."""
    out = out or sys.stdout
    use_offscreen_without_display()
    checks: list[tuple[str, Callable[[], Result]]] = [
        ("encodings", check_encodings),
        ("icon", _gui_check("check_icon")),
        ("keychain", check_keychain),
        ("history", check_history),
        ("window", _gui_check("check_window_module")),
        ("tools", check_tools),
    ]
    print(f"Backstage {__version__} self-test", file=out, flush=True)
    broken = 0
    for name, check in checks:
        result = _run(check)
        broken += not result.ok
        print(_line(name, result), file=out, flush=True)
    print("self-test passed" if not broken else f"self-test FAILED: {broken} check(s)", file=out, flush=True)
    return EXIT_OK if not broken else EXIT_FAILED


def use_offscreen_without_display() -> None:
    """Choose Qt's offscreen platform on a Linux/BSD machine with no X11 or Wayland display.

    An explicit ``QT_QPA_PLATFORM`` is respected. Windows and macOS always have their native platform.
    """
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def check_encodings() -> Result:
    from .core.tokens import get_encoding

    counts = []
    for name, expected in EXPECTED_TOKENS.items():
        tokens = get_encoding(name).encode(HELLO_WORLD)
        if tokens != expected:
            return failed(f"{name} encodes {HELLO_WORLD!r} as {tokens}, expected {expected}")
        counts.append(f"{name} {len(tokens)}")
    return ok(f"{HELLO_WORLD!r} = " + ", ".join(counts) + " tokens")


def check_keychain() -> Result:
    import keyring

    from .storage.secrets import Keychain

    keychain = Keychain()
    if not keychain.available:
        backend = type(keyring.get_keyring())
        return warning(
            f"no usable system keychain ({backend.__module__}.{backend.__qualname__}); "
            "API keys would stay in memory for the session"
        )
    return ok(keychain.backend_name)


def check_history() -> Result:
    from .core.events import TurnStarted
    from .storage.recovery import open_history

    with tempfile.TemporaryDirectory(prefix="backstage-selftest-") as tmp:
        db, notice = open_history(Path(tmp) / "history.db")
        try:
            if notice:
                return failed(f"a new database was reported damaged: {notice}")
            event = TurnStarted(t=0.0, turn_id="selftest", conversation_id="selftest", user_text=HELLO_WORLD)
            db.append_events("selftest", [event])
            back = db.get_events("selftest")
            if back != [event]:
                return failed(f"wrote one event, read back {len(back)} different one(s)")
            if not db.integrity_ok():
                return failed("SQLite integrity check failed on a new database")
        finally:
            db.close()
    return ok("an event written and read back in a temporary folder, integrity ok")


# Libraries the tools import inside functions, on first use; a frozen build must still carry them.
LAZY_TOOL_LIBRARIES = ("mcp", "ddgs", "pypdf", "trafilatura")
SAMPLE_PAGE = (
    "<html><head><title>Stage notes</title></head><body><nav>Home | About</nav><article><h1>Stage notes</h1>"
    + "".join(
        f"<p>Paragraph {n}: the curtain rises on a quiet stage, and every answer shows where it came from.</p>"
        for n in range(8)
    )
    + "</article><footer>Contact</footer></body></html>"
)


def check_tools() -> Result:
    import importlib
    import pkgutil

    from . import tools

    modules = [info.name for info in pkgutil.walk_packages(tools.__path__, f"{tools.__name__}.")]
    for name in modules:
        importlib.import_module(name)
    libraries = []
    for name in LAZY_TOOL_LIBRARIES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name or _required(name):
                raise
            continue  # no longer a dependency of this build
        libraries.append(name)
    if "trafilatura" in libraries:
        import trafilatura

        text = trafilatura.extract(SAMPLE_PAGE) or ""
        if "curtain rises" not in text:
            return failed("trafilatura found no text in a sample page (its data files may be missing)")
    return ok(f"{len(modules)} modules; " + ", ".join(libraries))


def _required(distribution: str) -> bool:
    """Whether Backstage's installed metadata lists ``distribution`` (unknown: assume it does)."""
    from importlib import metadata

    try:
        requires = metadata.requires("backstage") or []
    except metadata.PackageNotFoundError:
        return True
    return any(req.split(";")[0].strip().lower().startswith(distribution) for req in requires)


def _gui_check(name: str) -> Callable[[], Result]:
    def check() -> Result:
        from .ui import selftest_gui

        result: Result = getattr(selftest_gui, name)()
        return result

    return check


def _run(check: Callable[[], Result]) -> Result:
    """A check that raises has failed; say why in one line (tracebacks are for --debug, not here)."""
    try:
        return check()
    except BackstageError as exc:
        return failed(f"{exc.message} ({exc.detail})" if exc.detail else exc.message)
    except Exception as exc:
        return failed(f"{type(exc).__name__}: {exc}".splitlines()[0])


def _line(name: str, result: Result) -> str:
    if not result.ok:
        return f"{name}: FAILED: {result.detail}"
    status = "warning" if result.warning else "ok"
    return f"{name}: {status}" + (f" ({result.detail})" if result.detail else "")
