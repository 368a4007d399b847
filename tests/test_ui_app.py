"""The window end to end: a real local HTTP server speaking OpenAI's wire format.

In-process, the real provider streams into the real window (tool call,
status line, answer). As a subprocess, ``python -m desktop_app --base-url …
--model … --prompt …`` opens no dialog, answers, and quits with status 0 and a
silent stderr on SIGTERM or SIGINT, also mid-answer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.providers.openai_compat import OpenAICompatProvider
from desktop_app.tools.builtin import builtin_tools
from desktop_app.tools.catalog import DEFAULT_TOOL_NAMES
from tests.servers import openai_wire as wire
from tests.servers.scripted import Chunk, Response, ScriptedServer
from tests.ui_helpers import aio, make_window, wait_finished  # noqa: F401 (aio is a fixture)

QUIT_WITHIN = 5.0


def test_real_provider_streams_a_tool_call_and_an_answer(aio, qtbot) -> None:  # noqa: F811
    answer = "17 × 23 is **391**."
    with ScriptedServer(
        [
            Response.sse(wire.tool_call_stream([("calculator", '{"expression": "17 * 23"}')])),
            Response.sse(wire.text_stream(answer, 5)),
        ]
    ) as server:
        window = make_window(qtbot, OpenAICompatProvider(f"{server.url}/v1"), builtin_tools())
        window.send("What is 17 * 23?")
        wait_finished(qtbot, window, timeout=10_000)
        turn = window.chat.last_turn()
        assert turn.finished.stop_reason == "complete"
        assert turn.answer_text() == "17 × 23 is 391."
        [line] = turn.status_lines()
        assert line.startswith("✓ Calculated 17 × 23") and line.endswith((" s", " ms"))
        assert len(window.timeline.view.model.rows()) == 2
        advertised = [t["function"]["name"] for t in server.requests[0].json["tools"]]
        assert set(advertised) == {t.name for t in builtin_tools()}
        closing = aio.create_task(window.bridge.aclose())
        qtbot.waitUntil(closing.done, timeout=5000)


# -- the window as its own process ---------------------------------------------------------------


def _start_window(server: ScriptedServer, profile: Path, prompt: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BACKSTAGE_HOME": str(profile), "QT_QPA_PLATFORM": "offscreen"}
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "desktop_app", "--base-url", f"{server.url}/v1", "--model", "m"]
    return subprocess.Popen(
        [*command, "--prompt", prompt],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _window_log(profile: Path) -> str:
    path = profile / "logs" / "window.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _quit(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str, str, float]:
    started = time.monotonic()
    process.send_signal(sig)
    try:
        out, err = process.communicate(timeout=QUIT_WITHIN + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"the window did not quit; stderr:\n{err}") from None
    return process.returncode, out, err, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_window_process_answers_the_prompt_then_quits_on_sigterm(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    with ScriptedServer([Response.sse(wire.text_stream("Hello from the server.", 4))]) as server:
        process = _start_window(server, profile, "Say hello")
        try:
            _wait_for(lambda: "finished: complete" in _window_log(profile), 30, "the answer")
        finally:
            code, out, err, took = _quit(process, signal.SIGTERM)
        request = server.requests[0].json
    assert code == 0 and err == "" and out == ""
    assert took < QUIT_WITHIN
    assert request["messages"][-1] == {"role": "user", "content": "Say hello"}
    # The window offers what `ask` offers by default (the read-only tools; Settings → Tools adds run_python).
    assert {t["function"]["name"] for t in request["tools"]} == set(DEFAULT_TOOL_NAMES)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_window_process_quits_cleanly_mid_answer_on_sigint(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    body = wire.text_stream("word " * 200, 200)
    events = [e + b"\n\n" for e in body.split(b"\n\n") if e]
    slow = [Chunk(e, delay=0.05) for e in events]
    with ScriptedServer([Response.sse(slow)]) as server:
        process = _start_window(server, profile, "Talk slowly")
        try:
            _wait_for(lambda: bool(server.requests), 30, "the request")
            time.sleep(0.5)  # mid-answer
        finally:
            code, out, err, took = _quit(process, signal.SIGINT)
    assert code == 0 and err == "" and out == ""
    assert took < QUIT_WITHIN
    assert "finished: cancelled" in _window_log(profile)
    assert json.loads(json.dumps(server.requests[0].json))["stream"] is True


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_window_process_uses_the_saved_server_without_a_dialog(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    with ScriptedServer([Response.sse(wire.text_stream("Saved server here.", 3))]) as server:
        (profile / "window.ini").write_text(
            f"[server]\nprovider=openai\nbase_url={server.url}/v1\nmodel=saved-model\n", encoding="utf-8"
        )
        env = {**os.environ, "BACKSTAGE_HOME": str(profile), "QT_QPA_PLATFORM": "offscreen"}
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", "--prompt", "Which server?"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for(lambda: "finished: complete" in _window_log(profile), 30, "the answer")
        finally:
            code, out, err, took = _quit(process, signal.SIGTERM)
        assert server.requests[0].json["model"] == "saved-model"
    assert code == 0 and err == "" and out == "" and took < QUIT_WITHIN


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_window_process_without_a_server_waits_in_the_dialog_and_quits_cleanly(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    env = {**os.environ, "BACKSTAGE_HOME": str(profile), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)  # the dialog is up: nothing else can happen without the user
    assert process.poll() is None
    code, out, err, took = _quit(process, signal.SIGTERM)
    assert code == 0 and err == "" and out == "" and took < QUIT_WITHIN
