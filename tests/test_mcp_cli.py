"""``backstage mcp``: in a real subprocess, and its handlers in-process."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import mcp as mcp_cli
from desktop_app.cli.main import build_parser
from desktop_app.core.errors import ConfigurationError
from tests.cli_helpers import backstage
from tests.mcp_servers.fixtures import http_demo_url, stdio_entry  # noqa: F401  (a fixture, used by name)


def _registered() -> bool:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return "mcp" in action.choices
    return False


needs_main = pytest.mark.skipif(not _registered(), reason="cli/main.py does not register `mcp` yet")


def config_file(tmp_path: Path, **servers: dict[str, Any]) -> str:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps({"mcpServers": servers}), encoding="utf-8")
    return str(path)


def run(*argv: str) -> int:
    """The handlers, parsed as main.py would (a top-level --debug, then `mcp ...`)."""
    parser = argparse.ArgumentParser(prog="backstage")
    parser.add_argument("--debug", action="store_true")
    common = argparse.ArgumentParser(add_help=False)
    mcp_cli.register(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(["mcp", *argv])
    return int(args.handler(args))


@needs_main
def test_mcp_list_in_a_subprocess_with_one_good_and_one_broken_server(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        good=stdio_entry(),
        files={"command": "npx-is-not-here", "args": ["-y", "@modelcontextprotocol/server-filesystem"]},
        crashy=stdio_entry("--crash-at-start"),
    )
    out = backstage("mcp", "list", "--mcp-config", path)
    assert out.returncode == 1, out.stderr
    assert "good  ready" in out.stdout
    assert "good__lookup" in out.stdout and "read-only" in out.stdout
    assert "good__save_note" in out.stdout and "writes" in out.stdout
    assert "The command 'npx-is-not-here' was not found." in out.stdout
    assert "DEMO_API_TOKEN is not set" in out.stdout
    for noise in ("Errno", "ENOENT", "Traceback (most recent call last)\n  File"):
        assert noise not in out.stdout + out.stderr
    assert out.stderr.strip() == "2 of 3 MCP servers did not start: files, crashy."


@needs_main
def test_mcp_list_json_over_http_exits_0_when_all_are_ready(tmp_path: Path, http_demo_url: str) -> None:  # noqa: F811
    path = config_file(tmp_path, remote={"url": http_demo_url})
    out = backstage("mcp", "list", "--mcp-config", path, "--json")
    assert out.returncode == 0, out.stderr
    (server,) = json.loads(out.stdout)
    assert server["state"] == "ready" and server["transport"] == "http"
    tools = {t["name"]: t["risk"] for t in server["tools"]}
    assert tools["remote__lookup"] == "read-only" and tools["remote__save_note"] == "writes"


@needs_main
def test_mcp_help_has_examples() -> None:
    out = backstage("mcp", "--help")
    assert out.returncode == 0 and "examples:" in out.stdout and "mcp list --mcp-config" in out.stdout


def test_list_prints_tools_and_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config_file(tmp_path, good=stdio_entry(), bad={"command": "npx-is-not-here"})
    assert run("list", "--mcp-config", path) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("good  ready  (stdio: ")
    assert "  good__lookup" in out
    assert "bad  failed" in out and "The command 'npx-is-not-here' was not found." in out
    assert err.strip() == "1 of 2 MCP servers did not start: bad."


def test_import_then_list_and_test_from_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = config_file(tmp_path, demo=stdio_entry(env={"DEMO_API_TOKEN": "tok-1234567890"}))
    assert run("import", source) == 0
    err = capsys.readouterr().err
    assert "Imported 1 MCP server(s)" in err and "demo:DEMO_API_TOKEN" in err
    assert run("test", "demo", "--json") == 0
    (server,) = json.loads(capsys.readouterr().out)
    assert server["name"] == "demo" and server["state"] == "ready"
    with pytest.raises(ConfigurationError, match="There is no MCP server named 'nope'. Configured: demo."):
        run("test", "nope")
    assert run("remove", "demo") == 0
    capsys.readouterr()
    assert run("list") == 0
    assert "No MCP servers are configured" in capsys.readouterr().err


def test_set_secret_reads_stdin_and_points_the_entry_at_the_keychain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run("import", config_file(tmp_path, demo=stdio_entry()))
    monkeypatch.setattr(sys, "stdin", _Stdin("s3cret-value-42\n"))
    assert run("set-secret", "demo", "DEMO_KEY") == 0
    capsys.readouterr()
    # The server now starts with the secret from the keychain in its environment.
    entry = json.loads(Path(os.environ["BACKSTAGE_HOME"], "mcp.json").read_text(encoding="utf-8"))
    assert entry["mcpServers"]["demo"]["env"] == {"DEMO_KEY": "${keychain}"}
    assert run("list") == 0


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.text
