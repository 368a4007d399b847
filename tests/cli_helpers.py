"""Running the real CLI in a subprocess, the way users and scripts do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def backstage(
    *args: str, timeout: float = 60, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        env=full_env,
        cwd=ROOT,
    )


def events_of(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def server_args(url: str, model: str = "test-model") -> list[str]:
    return ["--base-url", f"{url}/v1", "--model", model]


def start_backstage(*args: str) -> subprocess.Popen[str]:
    """The CLI as a running process whose stdout can be read line by line while it works."""
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
