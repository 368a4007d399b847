"""run_python: a real child process with a time limit, a memory limit, capped output and a clean folder."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import ToolError
from desktop_app.tools.base import Risk, ToolResult
from desktop_app.tools.python_runner import RunPython
from desktop_app.tools.registry import ToolRegistry

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="process groups and RLIMIT_AS are POSIX")


def run(tool: RunPython, code: str) -> ToolResult:
    return asyncio.run(ToolRegistry([tool]).execute(tool, {"code": textwrap.dedent(code)}))


def test_prints_and_exit_status_zero() -> None:
    tool = RunPython()
    result = run(
        tool, "import math\nprint(math.factorial(10))\nprint('ünï', file=__import__('sys').stderr)\n"
    )
    assert not result.is_error
    assert result.text.splitlines()[0] == "The code ran and exited with status 0."
    assert "stdout:\n3628800" in result.text and "stderr:\nünï" in result.text
    assert tool.risk is Risk.EXECUTES
    assert tool.done_status({}, result) == "Ran code · exit status 0"


def test_status_shows_the_first_line() -> None:
    tool = RunPython()
    assert tool.status({"code": "\n\nimport statistics\nprint(1)\nprint(2)\n"}) == (
        "Running code: import statistics (+2 more lines)…"
    )
    assert tool.status({"code": "print(2 + 2)"}) == "Running code: print(2 + 2)…"
    assert tool.status({"code": "  "}) == "Running code…"


def test_crash_gives_the_traceback_and_a_plain_first_line() -> None:
    result = run(RunPython(), "x = 1\nprint('before')\nprint(x / 0)\n")
    assert result.is_error
    assert result.text.splitlines()[0] == (
        "The code failed with exit status 1: ZeroDivisionError: division by zero"
    )
    assert "stdout:\nbefore" in result.text
    assert 'File "main.py", line 3, in <module>' in result.text
    assert "<string>" not in result.text  # the bootstrap stays out of the traceback


def test_syntax_error_and_explicit_exit() -> None:
    broken = run(RunPython(), "print('unclosed'\n")
    assert broken.is_error and "SyntaxError" in broken.text.splitlines()[0]
    exited = run(RunPython(), "import sys\nprint('bye')\nsys.exit(3)\n")
    assert exited.is_error and exited.text.startswith("The code failed with exit status 3")


@posix_only
def test_time_limit_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    code = f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        open({str(marker)!r}, "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(300)
    """
    result = run(RunPython(time_limit=1.0), code)
    assert result.is_error
    assert result.text.splitlines()[0] == "The code was stopped after 1 second (its time limit)."
    assert "started" in result.text
    child = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        _wait_gone(child)


def _wait_gone(pid: int) -> None:
    """Raises ProcessLookupError once ``pid`` is gone (reaped by init after the group kill)."""
    import time

    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise
        # A killed but not yet reaped process still answers; check its state.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            raise ProcessLookupError(pid) from None
        if state == "Z":
            raise ProcessLookupError(pid)
        time.sleep(0.05)


def test_huge_output_is_cut_with_a_note() -> None:
    code = "import sys\nsys.stdout.write('x' * 5_000_000)\nsys.stderr.write('e' * 300_000)\n"
    result = run(RunPython(output_chars=20_000), code)
    assert not result.is_error
    assert "[stdout cut: showing the first 20,000 characters of 5,000,000 bytes written]" in result.text
    assert "[stderr cut: showing the first 20,000 characters of 300,000 bytes written]" in result.text
    assert len(result.text) < 45_000


@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS does not enforce RLIMIT_AS")
def test_memory_limit() -> None:
    result = run(RunPython(memory_limit_mb=300), "block = bytearray(2 * 1024 ** 3)\nprint('allocated')\n")
    assert result.is_error
    assert result.text.splitlines()[0] == (
        "The code failed with exit status 1: MemoryError (the memory limit is 300 MB)"
    )
    assert "allocated" not in result.text


def test_runs_isolated_in_a_fresh_folder_that_is_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak-0123456789")
    monkeypatch.setenv("PYTHONPATH", "/should/not/matter")
    code = """
        import os, sys
        print(os.getcwd())
        print(sorted(os.listdir(".")))
        print(os.environ.get("OPENAI_API_KEY"))
        print(sys.flags.isolated)
        open("scratch.txt", "w").write("temporary")
    """
    result = run(RunPython(), code)
    assert not result.is_error, result.text
    folder, listing, key, isolated = result.text.split("stdout:\n", 1)[1].splitlines()[:4]
    assert "backstage-run-" in folder
    assert listing == "['main.py']"
    assert key == "None" and isolated == "1"
    assert not Path(folder).exists()


def test_cancelling_the_call_kills_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    tool = RunPython(time_limit=60)

    async def main() -> int:
        code = f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n"
        task = asyncio.create_task(tool.run({"code": code}))
        for _ in range(400):
            if marker.exists() and marker.read_text():
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return int(marker.read_text())

    pid = asyncio.run(main())
    with pytest.raises(ProcessLookupError):
        _wait_gone(pid)


def test_frozen_app_says_plainly_that_it_cannot_run_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    args: dict[str, Any] = {"code": "print(1)"}
    with pytest.raises(ToolError, match="not available in this packaged version"):
        asyncio.run(RunPython().run(args))
    # An interpreter named in settings still works.
    result = asyncio.run(RunPython(python=sys.executable).run(args))
    assert "stdout:\n1" in result.text
