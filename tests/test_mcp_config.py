"""MCP pieces without a server: config files, secrets, tool names, risk and result text."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest

from desktop_app.core.errors import ConfigurationError, redact
from desktop_app.storage.secrets import Keychain
from desktop_app.tools.base import Risk
from desktop_app.tools.mcp import (
    McpTool,
    ServerConfig,
    import_servers,
    load_config_file,
    load_profile_servers,
    model_tool_name,
    profile_config_path,
    secret_name,
)
from desktop_app.tools.mcp.config import looks_secret, parse_config, resolve_secrets
from desktop_app.tools.mcp.tool import result_text
from desktop_app.tools.registry import ToolRegistry

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_claude_desktop_config_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "claude_desktop_config.json",
        {
            "mcpServers": {
                "files": {"command": "npx", "args": ["-y", "server-filesystem", "/tmp"], "env": {"A": "1"}},
                "remote": {"url": "http://127.0.0.1:9000/mcp"},
                "typed": {"type": "streamable-http", "url": "https://example.org/mcp", "headers": {"X": "y"}},
                "old": {"type": "sse", "url": "http://127.0.0.1:9000/sse"},
                "off": {"command": "x", "disabled": True},
            }
        },
    )
    files, remote, typed, old = load_config_file(path)
    assert (files.transport, files.command, files.args, dict(files.env)) == (
        "stdio",
        "npx",
        ("-y", "server-filesystem", "/tmp"),
        {"A": "1"},
    )
    assert (remote.transport, remote.url, remote.problem) == ("http", "http://127.0.0.1:9000/mcp", "")
    assert typed.transport == "http" and dict(typed.headers) == {"X": "y"}
    assert "SSE" in old.problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ("[]", 'must hold a JSON object with an "mcpServers" entry'),
        ('{"other": 1}', 'has no "mcpServers" entry'),
    ],
)
def test_a_broken_file_is_one_plain_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        load_config_file(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_config_file(tmp_path / "nope.json")


def test_secret_names() -> None:
    assert all(looks_secret(n) for n in ("GITHUB_TOKEN", "OPENAI_API_KEY", "DB_PASSWORD", "GITLAB_PAT"))
    assert not any(looks_secret(n) for n in ("PATH", "KEYBOARD", "HOME", "LOG_LEVEL"))


def test_import_moves_secrets_to_the_keychain_and_never_into_the_profile(tmp_path: Path) -> None:
    source = write(
        tmp_path / "claude.json",
        {
            "mcpServers": {
                "github": {"command": "npx", "env": {"GITHUB_TOKEN": "ghp_secret_value_123", "LOG": "info"}},
                "remote": {
                    "url": "http://127.0.0.1:9/mcp",
                    "headers": {"Authorization": "Bearer abcdefghijk"},
                },
                "empty": {"args": []},
            }
        },
    )
    keychain = Keychain()
    report = import_servers(source, keychain)
    assert report.added == ("github", "remote")
    assert report.secrets_moved == ("github:GITHUB_TOKEN", "remote:Authorization")
    assert report.problems == ("empty: The entry for 'empty' has neither a 'command' nor a 'url'.",)
    saved = profile_config_path().read_text(encoding="utf-8")
    assert "ghp_secret_value_123" not in saved and "abcdefghijk" not in saved
    github, remote = load_profile_servers()
    assert dict(github.env) == {"GITHUB_TOKEN": "${keychain}", "LOG": "info"}
    assert keychain.get(secret_name("github", "GITHUB_TOKEN")) == "ghp_secret_value_123"
    resolved = resolve_secrets(remote, keychain)
    assert dict(resolved.headers) == {"Authorization": "Bearer abcdefghijk"}
    # Importing again replaces rather than duplicates.
    assert import_servers(source, keychain).replaced == ("github", "remote")
    assert [s.name for s in load_profile_servers()] == ["github", "remote"]


def test_a_missing_keychain_secret_says_how_to_store_it() -> None:
    server = ServerConfig("gh", command="npx", env={"GITHUB_TOKEN": "${keychain}"})
    with pytest.raises(ConfigurationError) as caught:
        resolve_secrets(server, Keychain())
    assert caught.value.message == (
        "The secret GITHUB_TOKEN for MCP server 'gh' is not in the keychain. "
        "Store it with: backstage mcp set-secret gh GITHUB_TOKEN"
    )


def test_plain_secret_values_are_redacted_from_output() -> None:
    resolve_secrets(ServerConfig("s", command="x", env={"MY_API_KEY": "plain-key-987654"}), None)
    assert redact("auth failed for plain-key-987654") == "auth failed for •••"


@pytest.mark.parametrize(
    ("server", "tool", "expected"),
    [
        ("github", "create_issue", "github__create_issue"),
        ("my server", "search.files", "my_server__search_files"),
        ("ünïcode", "lookup", "n_code__lookup"),
        ("", "x", "server__x"),
    ],
)
def test_model_tool_names(server: str, tool: str, expected: str) -> None:
    assert model_tool_name(server, tool) == expected


def test_long_and_colliding_names_stay_valid_unique_and_end_with_the_tool_name() -> None:
    long_server = "a-very-long-server-name-that-goes-on-and-on-and-on"
    name = model_tool_name(long_server, "read_multiple_files")
    assert VALID.match(name) and name.endswith("__read_multiple_files")
    first = model_tool_name("my server", "lookup")
    second = model_tool_name("my_server", "lookup", taken={first})
    assert first != second and VALID.match(second) and second.endswith("__lookup")
    huge = model_tool_name("s", "t" * 100)
    assert VALID.match(huge)


def remote_tool(**kwargs: Any) -> types.Tool:
    return types.Tool(**{"name": "t", "input_schema": {"type": "object", "properties": {}}, **kwargs})


class _Server:
    name = "srv"

    def __init__(self, result: types.CallToolResult) -> None:
        self.result = result

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], time_limit: float
    ) -> types.CallToolResult:
        return self.result


def test_risk_follows_the_read_only_hint() -> None:
    ro = types.ToolAnnotations(read_only_hint=True)
    assert McpTool(_Server(None), remote_tool(annotations=ro), "srv__t").risk is Risk.READ_ONLY  # type: ignore[arg-type]
    for hints in (
        None,
        types.ToolAnnotations(read_only_hint=False),
        types.ToolAnnotations(destructive_hint=False),
    ):
        assert McpTool(_Server(None), remote_tool(annotations=hints), "srv__t").risk is Risk.WRITES  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({}, {"type": "object", "properties": {}}),
        (
            {"properties": {"q": {"type": "string"}}},
            {"properties": {"q": {"type": "string"}}, "type": "object"},
        ),
        (
            {"type": "string"},
            {"type": "object", "properties": {"value": {"type": "string"}}, "required": ["value"]},
        ),
        ({"type": "object", "properties": {"q": {"type": 12}}}, {"type": "object", "properties": {}}),
    ],
)
def test_parameters_are_always_an_object_schema(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    tool = McpTool(_Server(None), types.Tool.model_construct(name="t", input_schema=schema), "srv__t")  # type: ignore[arg-type]
    assert tool.parameters == expected
    ToolRegistry([tool])  # the registry accepts it as a schema


def test_result_text_keeps_text_and_summarises_the_rest() -> None:
    result = types.CallToolResult(
        content=[
            types.TextContent(text="first"),
            types.ImageContent(data="aGVsbG8=", mime_type="image/png"),
            types.ResourceLink(name="report", uri="file:///r.txt"),
            types.EmbeddedResource(resource=types.TextResourceContents(uri="file:///a.txt", text="inside")),
            types.TextContent(text="last"),
        ]
    )
    assert result_text(result) == (
        "first\n[image: image/png, 5 bytes]\n[resource link: report <file:///r.txt>]\n"
        "[resource <file:///a.txt>]\ninside\nlast"
    )
    assert result_text(types.CallToolResult(content=[], structured_content={"n": 1})) == '{\n "n": 1\n}'
    assert result_text(types.CallToolResult(content=[])) == "(the tool returned no content)"


def test_an_error_result_becomes_an_error_tool_result() -> None:
    failing = types.CallToolResult(content=[types.TextContent(text="no such repo")], is_error=True)
    tool = McpTool(_Server(failing), remote_tool(name="get_repo"), "srv__get_repo")
    result = asyncio.run(tool.run({}))
    assert result.is_error and result.text == "no such repo" and result.sources == ()
    assert (
        tool.status({}) == "Using get_repo on srv…" and tool.done_status({}, result) == "Used get_repo on srv"
    )


def test_parse_config_rejects_a_non_object() -> None:
    with pytest.raises(ConfigurationError):
        parse_config({"mcpServers": []})


def test_the_cli_loads_the_sdk_only_when_a_server_starts() -> None:
    import subprocess
    import sys

    from desktop_app.tools import mcp

    assert sorted(mcp.__all__) == sorted(mcp._WHERE)
    code = "import sys, desktop_app.cli.mcp, desktop_app.tools.mcp.config; print('mcp' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"
