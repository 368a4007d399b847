"""The run_python tool: the model's code in a separate, limited Python process.

What the code gets: a fresh temporary folder as its working directory (deleted
afterwards), Python's isolated mode (``-I``: no user site-packages, no PYTHON*
variables, no current folder on ``sys.path``), an environment without the
user's variables (so no API keys), a wall-clock time limit after which its whole
process group is killed, and on POSIX a memory limit (``RLIMIT_AS``, which macOS
does not enforce). Output is captured up to a cap per stream, with a note when
cut. This is containment against accidents, not a security sandbox: the code can
still read the user's files and use the network. That is why the tool's risk is
``EXECUTES`` and every call needs the user's approval.

Limits: on Windows only the process itself is killed, not processes it started.
In a packaged (PyInstaller) build ``sys.executable`` is Backstage itself, so
there is no Python to run: the tool says so plainly unless ``python`` names one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import ToolError
from .base import Risk, Tool, ToolResult

__all__ = ["RunOutcome", "RunPython", "run_code"]

SCRIPT_NAME = "main.py"

# Runs inside the child before the model's code: sets the memory limit from within (a
# preexec_fn can deadlock in a threaded parent), then runs main.py as __main__ with
# tracebacks that start at the model's code, not at this bootstrap.
_BOOTSTRAP = """\
import sys
def _backstage_start(limit):
    if limit:
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ImportError, ValueError, OSError):
            pass
    def hook(kind, value, tb, _default=sys.excepthook):
        while tb is not None and tb.tb_frame.f_code.co_filename == "<string>":
            tb = tb.tb_next
        _default(kind, value.with_traceback(tb), tb)  # the printer reads __traceback__
    sys.excepthook = hook
    sys.argv = ["main.py"]
    with open("main.py", "rb") as script:
        return compile(script.read(), "main.py", "exec")
_backstage_code = _backstage_start(int(sys.argv[1]))
del _backstage_start
__file__ = "main.py"
exec(_backstage_code)
"""

# Variables passed through to the child: enough for Python and subprocesses to work, no secrets.
_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT", "PATHEXT", "COMSPEC", "WINDIR")


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced. ``exit_status`` is None when the time limit stopped it;
    negative when a signal killed it (POSIX). ``*_bytes`` count everything written, kept or not."""

    stdout: str
    stderr: str
    exit_status: int | None
    timed_out: bool
    stdout_bytes: int
    stderr_bytes: int
    stdout_cut: bool = False
    stderr_cut: bool = False


async def _read_capped(stream: asyncio.StreamReader, keep: int) -> tuple[bytes, int]:
    """Read to the end, keeping the first ``keep`` bytes: the child never blocks on a full pipe."""
    kept = bytearray()
    total = 0
    while chunk := await stream.read(65536):
        total += len(chunk)
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return bytes(kept), total


def _cut(kept: bytes, total: int, chars: int) -> tuple[str, bool]:
    """The first ``chars`` characters of the output, and whether anything was left out."""
    text = kept.decode("utf-8", errors="replace")
    return text[:chars], len(text) > chars or total > len(kept)


def _kill_group(process: asyncio.subprocess.Process) -> None:
    """Kill the child and everything it started in its process group (POSIX); the child alone on Windows."""
    try:
        if sys.platform == "win32":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)  # the child leads its own group (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _child_environment(folder: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    # Libraries that cache things in HOME or TMPDIR (matplotlib, pip) write into the run's folder.
    env.update(HOME=folder, USERPROFILE=folder, TMPDIR=folder, TEMP=folder, TMP=folder)
    return env


async def run_code(
    code: str,
    *,
    python: str,
    time_limit: float,
    memory_limit: int | None,
    output_chars: int,
) -> RunOutcome:
    """Run ``code`` once (see the module docstring). Cancelling the caller kills the child too.

    ``memory_limit`` is in bytes (None: no limit). Never blocks the event loop.
    """
    folder = await asyncio.to_thread(tempfile.mkdtemp, prefix="backstage-run-")
    process: asyncio.subprocess.Process | None = None
    readers: list[asyncio.Task[tuple[bytes, int]]] = []
    try:
        await asyncio.to_thread(Path(folder, SCRIPT_NAME).write_text, code, "utf-8")
        options: dict[str, Any]
        if sys.platform == "win32":
            options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        else:
            options = {"start_new_session": True}  # its own process group, killed as a whole
        process = await asyncio.create_subprocess_exec(
            python,
            "-I",
            "-X",
            "utf8",
            "-c",
            _BOOTSTRAP,
            str(memory_limit or 0),
            cwd=folder,
            env=_child_environment(folder),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            **options,
        )
        assert process.stdout is not None and process.stderr is not None
        keep = output_chars * 4 + 4  # enough bytes for output_chars characters of UTF-8
        readers = [
            asyncio.create_task(_read_capped(process.stdout, keep), name="run_python:stdout"),
            asyncio.create_task(_read_capped(process.stderr, keep), name="run_python:stderr"),
        ]
        timed_out = False
        try:
            async with asyncio.timeout(time_limit):
                await process.wait()
        except TimeoutError:
            timed_out = True
        _kill_group(process)  # also after a normal exit: nothing the code started outlives the run
        await process.wait()
        # A grandchild that left the group could hold the pipes open; do not wait on it for long.
        await asyncio.wait(readers, timeout=2.0)
        (out, out_total), (err, err_total) = (
            task.result() if task.done() and not task.cancelled() else (b"", 0) for task in readers
        )
        stdout, stdout_cut = _cut(out, out_total, output_chars)
        stderr, stderr_cut = _cut(err, err_total, output_chars)
        return RunOutcome(
            stdout=stdout,
            stderr=stderr,
            exit_status=None if timed_out else process.returncode,
            timed_out=timed_out,
            stdout_bytes=out_total,
            stderr_bytes=err_total,
            stdout_cut=stdout_cut,
            stderr_cut=stderr_cut,
        )
    finally:
        if process is not None and process.returncode is None:  # cancelled while running
            _kill_group(process)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
        for task in readers:
            task.cancel()
        await asyncio.to_thread(shutil.rmtree, folder, True)


class RunPython(Tool):
    """Runs Python code the model wrote; always behind the user's approval (risk ``EXECUTES``).

    ``python`` is the interpreter to use (default: the one running Backstage).
    """

    name = "run_python"
    description = (
        "Run a Python 3 program and return what it printed (stdout and stderr) and its exit status. "
        "Use it for calculations, data processing or checks that need real code. It runs in an empty "
        "temporary folder with a time limit; print the results you need. The user sees the code and "
        "must approve each run."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "description": "The complete program to run, as the contents of a .py file.",
                "minLength": 1,
                "maxLength": 100_000,
            }
        },
        "required": ["code"],
        "additionalProperties": False,
    }
    risk = Risk.EXECUTES

    def __init__(
        self,
        *,
        time_limit: float = 20.0,
        memory_limit_mb: int | None = 2048,
        output_chars: int = 20_000,
        python: str | None = None,
    ) -> None:
        self.time_limit = time_limit
        self.memory_limit_mb = memory_limit_mb
        self.output_chars = output_chars
        self.python = python
        # Above our own limit, so our plain "stopped after N seconds" (and the cleanup) comes first.
        self.timeout = time_limit + 15.0

    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Run ``args["code"]``; a non-zero exit or the time limit gives an error result with the output."""
        python = self.python or sys.executable
        if self.python is None and getattr(sys, "frozen", False):
            raise ToolError(
                "Running Python code is not available in this packaged version of Backstage yet: it has "
                "no separate Python to run the code with. It works when Backstage runs from source."
            )
        if not python:
            raise ToolError("No Python interpreter was found to run the code with.")
        memory = self.memory_limit_mb * 1024 * 1024 if self.memory_limit_mb else None
        outcome = await run_code(
            str(args.get("code", "")),
            python=python,
            time_limit=self.time_limit,
            memory_limit=memory,
            output_chars=self.output_chars,
        )
        return ToolResult(self._describe(outcome), is_error=outcome.timed_out or outcome.exit_status != 0)

    def status(self, args: dict[str, Any]) -> str:
        lines = [line.strip() for line in str(args.get("code", "")).splitlines() if line.strip()]
        if not lines:
            return "Running code…"
        first = lines[0] if len(lines[0]) <= 60 else lines[0][:59] + "…"
        more = f" (+{len(lines) - 1} more line{'s' if len(lines) > 2 else ''})" if len(lines) > 1 else ""
        return f"Running code: {first}{more}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Ran code · exit status 0"

    # -- result text ------------------------------------------------------------

    def _describe(self, outcome: RunOutcome) -> str:
        """The result for the model; its first line says in words how the run ended."""
        parts = [self._headline(outcome)]
        for label, text, total, cut in (
            ("stdout", outcome.stdout, outcome.stdout_bytes, outcome.stdout_cut),
            ("stderr", outcome.stderr, outcome.stderr_bytes, outcome.stderr_cut),
        ):
            if not total:
                if label == "stdout":
                    parts.append("stdout: (nothing printed)")
                continue
            note = f"\n[{label} cut: showing the first {len(text):,} characters of {total:,} bytes written]"
            parts.append(f"{label}:\n{text.rstrip()}{note if cut else ''}")
        return "\n\n".join(parts)

    def _headline(self, outcome: RunOutcome) -> str:
        if outcome.timed_out:
            unit = "second" if self.time_limit == 1 else "seconds"
            return f"The code was stopped after {self.time_limit:g} {unit} (its time limit)."
        status = outcome.exit_status
        if status == 0:
            return "The code ran and exited with status 0."
        if status is not None and status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            return f"The code was killed by {name} (exit status {status})."
        last = next((line.strip() for line in reversed(outcome.stderr.splitlines()) if line.strip()), "")
        if last.startswith("MemoryError") and self.memory_limit_mb:
            last = f"MemoryError (the memory limit is {self.memory_limit_mb:,} MB)"
        return f"The code failed with exit status {status}" + (f": {last[:200]}" if last else ".")
