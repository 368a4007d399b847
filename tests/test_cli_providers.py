"""`backstage providers` and `ask --provider anthropic|ollama` end to end: real subprocesses, real
local servers speaking each wire format, a temporary profile (BACKSTAGE_HOME, set by conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from desktop_app.cli import main as cli_main
from tests.cli_helpers import ROOT, backstage, events_of
from tests.servers import anthropic_wire, ollama_wire
from tests.servers import openai_wire as wire
from tests.servers.scripted import RecordedRequest, Response, ScriptedServer

KEY = "sk-ant-api03-CliProvidersKey0123456789"


def run(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", "BACKSTAGE_LOCAL_PORTS": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=input,
        env=full_env,
        cwd=ROOT,
    )


def profile_bytes() -> bytes:
    home = Path(os.environ["BACKSTAGE_HOME"])
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def port_of(server: ScriptedServer) -> str:
    return server.url.rsplit(":", 1)[1]


@pytest.fixture(autouse=True)
def _empty_keychain() -> None:
    store = getattr(keyring.get_keyring(), "_store", None)
    if store is not None:
        store.clear()


# -- list / add / remove ---------------------------------------------------------------


def test_help_has_examples() -> None:
    result = run("providers", "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and "--api-key-stdin" in result.stdout
    result = run("providers", "add", "--help")
    assert "https://console.anthropic.com/settings/keys" in result.stdout


def test_add_refuses_a_key_without_a_keychain_and_changes_nothing() -> None:
    result = run(
        "providers",
        "add",
        "claude",
        "--preset",
        "anthropic",
        "--api-key-stdin",
        input=KEY + "\n",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert result.returncode == 1 and "No system keychain is available" in result.stderr
    assert KEY not in result.stderr + result.stdout
    assert KEY.encode() not in profile_bytes() and b"claude" not in profile_bytes()


def test_add_list_remove_and_the_key_never_reaches_the_profile() -> None:
    result = run("providers", "add", "claude", "--preset", "anthropic", "--api-key-stdin", input=KEY + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "keychain" in result.stderr and KEY not in result.stderr
    result = run(
        "providers",
        "add",
        "grq",
        "--preset",
        "groq",
        "--api-key-env",
        "GROQ_TEST",
        env={"GROQ_TEST": KEY + "g"},
    )
    assert result.returncode == 0, result.stderr
    assert run("providers", "add", "local", "--preset", "ollama", "--model", "llama3.2").returncode == 0
    assert KEY.encode() not in profile_bytes()

    result = run("providers", "list", "--json", "--no-detect")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["default_provider"] == "claude"
    assert [(p["name"], p["preset"], p["wire"]) for p in listing["configured"]] == [
        ("claude", "anthropic", "anthropic"),
        ("grq", "groq", "openai"),
        ("local", "ollama", "ollama"),
    ]
    assert (
        listing["configured"][2]["key"] == "not needed"
        and listing["configured"][2]["default_model"] == "llama3.2"
    )
    assert KEY not in result.stdout

    result = run("providers", "remove", "claude")
    assert result.returncode == 0 and "Removed" in result.stderr
    result = run("providers", "remove", "claude")
    assert result.returncode == 1 and result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert json.loads(run("providers", "list", "--json", "--no-detect").stdout)["default_provider"] == "grq"


def test_bad_usage_exits_2() -> None:
    assert run("providers", "add", "x", "--preset", "nowhere").returncode == 2
    assert (
        run("providers", "add", "x", "--preset", "groq", "--api-key-env", "A", "--api-key-stdin").returncode
        == 2
    )
    assert run("providers").returncode == 2


def test_in_one_process_the_key_is_stored_and_listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The test keychain lives in memory per process, so add and list run in this one."""
    monkeypatch.setenv("CLAUDE_TEST_KEY", KEY)
    args = ["providers", "add", "claude", "--preset", "anthropic", "--api-key-env", "CLAUDE_TEST_KEY"]
    assert cli_main.main(args) == 0
    assert cli_main.main(["providers", "list", "--no-detect"]) == 0
    out = capsys.readouterr()
    assert "claude" in out.out and "key in keychain" in out.out
    assert KEY not in out.out + out.err and KEY.encode() not in profile_bytes()


def test_list_shows_detected_local_servers_by_address() -> None:
    def ollama(request: RecordedRequest) -> Response:
        return Response.json(ollama_wire.tags_body(["llama3.2:latest"]))

    def llamacpp(request: RecordedRequest) -> Response:
        return Response.json(wire.models_body(["/models/qwen2.5-7b-instruct-q4_k_m.gguf"]))

    with ScriptedServer(ollama) as a, ScriptedServer(llamacpp) as b:
        ports = {"BACKSTAGE_LOCAL_PORTS": f"ollama={port_of(a)},llamacpp={port_of(b)}"}
        result = run("providers", "list", env=ports)
        assert result.returncode == 0, result.stderr
        assert f"127.0.0.1:{port_of(a)}" in result.stdout and "llama3.2:latest" in result.stdout
        assert f"127.0.0.1:{port_of(b)}" in result.stdout
        assert "/models/qwen2.5-7b-instruct-q4_k_m.gguf" in result.stdout  # ids pass through unchanged
        detected = json.loads(run("providers", "list", "--json", env=ports).stdout)["detected"]
        assert [(d["kind"], d["address"]) for d in detected] == [
            ("ollama", f"127.0.0.1:{port_of(a)}"),
            ("llamacpp", f"127.0.0.1:{port_of(b)}"),
        ]


# -- test ----------------------------------------------------------------------------


def test_test_a_configured_ollama(scripted_server: ScriptedServer) -> None:
    scripted_server.script(lambda r: Response.json(ollama_wire.tags_body(["llama3.2:latest", "qwen3:8b"])))
    assert (
        run("providers", "add", "local", "--preset", "ollama", "--base-url", scripted_server.url).returncode
        == 0
    )
    result = run("providers", "test", "local", "--model", "llama3.2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Connected to local at {scripted_server.url}.",
        "2 models available: llama3.2:latest, qwen3:8b",
        "The model llama3.2 is available.",
    ]
    assert scripted_server.requests[0].path == "/api/tags"


def test_test_anthropic_with_a_wrong_key_fails_in_one_line(scripted_server: ScriptedServer) -> None:
    body = anthropic_wire.error_body("authentication_error", "invalid x-api-key")
    scripted_server.script(lambda r: Response.json(body, status=401))
    args = ["--provider", "anthropic", "--base-url", scripted_server.url, "--api-key-env", "K"]
    result = run("providers", "test", *args, env={"K": KEY})
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The test of anthropic") and "API key" in lines[0]
    assert KEY not in result.stderr
    assert scripted_server.requests[0].headers["x-api-key"] == KEY


def test_a_server_without_a_model_list_is_tested_with_one_token(scripted_server: ScriptedServer) -> None:
    def script(request: RecordedRequest) -> Response:
        if request.method == "GET":
            return Response.text("404 page not found", status=404)
        return Response.sse(wire.text_stream("OK", 1))

    scripted_server.script(script)
    result = run("providers", "test", "--base-url", f"{scripted_server.url}/v1", "--model", "m")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "The model m answered."
    assert scripted_server.requests[1].json["max_tokens"] == 1


def test_nothing_to_test() -> None:
    result = run("providers", "test")
    assert result.returncode == 1 and "Nothing to test" in result.stderr


# -- ask with the native providers ---------------------------------------------------------


def test_ask_with_anthropic_and_a_tool_call(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        [
            Response.sse(
                anthropic_wire.stream(
                    [
                        anthropic_wire.Text("Let me calculate."),
                        anthropic_wire.ToolUse("calculator", '{"expression": "17*23"}'),
                    ]
                )
            ),
            Response.sse(anthropic_wire.text_stream("17 × 23 = 391.", 3)),
        ]
    )
    result = backstage(
        "ask",
        "What is 17*23?",
        *(
            "--provider",
            "anthropic",
            "--base-url",
            scripted_server.url,
            "--model",
            "claude-sonnet-4-20250514",
        ),
        *("--api-key-env", "ANTHROPIC_TEST_KEY", "--events", "jsonl"),
        env={"ANTHROPIC_TEST_KEY": KEY},
    )
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["stop_reason"] == "complete" and events[-1]["text"].endswith("17 × 23 = 391.")
    finished = [e for e in events if e["type"] == "tool_finished"]
    assert len(finished) == 1 and finished[0]["ok"] and "391" in finished[0]["status"]
    assert all(r.path == "/v1/messages" and r.headers["x-api-key"] == KEY for r in scripted_server.requests)
    second = scripted_server.requests[1].json
    assert second["max_tokens"] > 0 and second["tools"][0]["input_schema"]["type"] == "object"
    assistant, results = second["messages"][1], second["messages"][2]
    assert assistant["content"][-1] == {
        "type": "tool_use",
        "id": anthropic_wire.tool_id(0),
        "name": "calculator",
        "input": {"expression": "17*23"},
    }
    assert results["role"] == "user" and results["content"][0]["tool_use_id"] == anthropic_wire.tool_id(0)
    assert "391" in results["content"][0]["content"]
    assert KEY not in result.stdout + result.stderr and KEY.encode() not in profile_bytes()


def test_ask_with_ollama_and_a_tool_call(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        [
            ollama_wire.response(ollama_wire.tool_call_stream([("calculator", {"expression": "17*23"})])),
            ollama_wire.response(ollama_wire.text_stream("It is 391.", 2)),
        ]
    )
    result = backstage(
        "ask",
        "What is 17*23?",
        *(
            "--provider",
            "ollama",
            "--base-url",
            scripted_server.url,
            "--model",
            "llama3.2",
            "--events",
            "jsonl",
        ),
    )
    assert result.returncode == 0, result.stderr
    events = events_of(result.stdout)
    assert events[-1]["stop_reason"] == "complete" and events[-1]["text"] == "It is 391."
    assert [e["ok"] for e in events if e["type"] == "tool_finished"] == [True]
    assert all(r.path == "/api/chat" for r in scripted_server.requests)
    messages = scripted_server.requests[1].json["messages"]
    assert messages[-2]["tool_calls"] == [
        {"function": {"name": "calculator", "arguments": {"expression": "17*23"}}}
    ]
    assert messages[-1]["role"] == "tool" and messages[-1]["tool_name"] == "calculator"
    assert "391" in messages[-1]["content"]


def test_ask_with_ollama_and_a_missing_model(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        lambda r: ollama_wire.error_response(404, 'model "llama9" not found, try pulling it first')
    )
    result = backstage(
        "ask", "hi", "--provider", "ollama", "--base-url", scripted_server.url, "--model", "llama9"
    )
    assert result.returncode == 1
    assert result.stderr.count("Error: ") == 1 and "ollama pull llama9" in result.stderr
    assert "Traceback" not in result.stderr
