"""Starting the demo MCP server for a test: config entries for stdio, a live process for HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DEMO = Path(__file__).with_name("demo_server.py")


def stdio_entry(*flags: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """A claude_desktop_config.json entry that starts the demo server over stdio."""
    entry: dict[str, Any] = {"command": sys.executable, "args": [str(DEMO), *flags]}
    if env:
        entry["env"] = env
    return entry


@pytest.fixture
def http_demo_url() -> Iterator[str]:
    """The /mcp address of a demo server serving Streamable HTTP on a free 127.0.0.1 port.

    The server prints its port once its socket listens; connections made from then on
    wait in the backlog, so the test needs no sleep or polling.
    """
    process = subprocess.Popen(
        [sys.executable, str(DEMO), "--http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline().strip()
        if not line.isdigit():
            pytest.fail(f"the demo HTTP server did not start (exit status {process.poll()})")
        yield f"http://127.0.0.1:{line}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
