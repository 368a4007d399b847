"""McpManager against the demo server written with the SDK, over stdio and Streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import ToolError
from desktop_app.tools.base import Risk
from desktop_app.tools.mcp import McpManager, ServerConfig, ServerState, check_server
from desktop_app.tools.mcp.config import parse_config
from tests.mcp_servers.fixtures import http_demo_url, stdio_entry  # noqa: F401  (a fixture, used by name)


def servers(**entries: dict[str, Any]) -> list[ServerConfig]:
    return parse_config({"mcpServers": entries})


async def with_manager(configs: list[ServerConfig], body: Any, **options: Any) -> Any:
    manager = McpManager(configs, **options)
    try:
        await manager.start()
        return await body(manager)
    finally:
        await manager.stop()


def test_stdio_server_lists_and_calls_tools() -> None:
    async def body(manager: McpManager) -> Any:
        (status,) = manager.statuses()
        assert status.state is ServerState.READY and status.reason == ""
        tools = {t.name: t for t in manager.tools()}
        assert {"demo__lookup", "demo__save_note", "demo__get_env"} <= set(tools)
        lookup = tools["demo__lookup"]
        assert lookup.risk is Risk.READ_ONLY and lookup.tool_name == "lookup"
        assert tools["demo__save_note"].risk is not Risk.READ_ONLY
        assert lookup.parameters["type"] == "object" and "topic" in lookup.parameters["properties"]
        assert lookup.status({"topic": "otters"}) == "Using lookup on demo…"
        result = await lookup.run({"topic": "otters"})
        assert not result.is_error and "hold hands" in result.text
        assert result.sources[0].title == "lookup on demo"
        tested = await manager.test("demo")  # the settings dialog's button: a fresh start and stop
        assert tested.state is ServerState.READY and len(tested.tools) == len(status.tools)
        return await manager.call_tool("demo", "save_note", {"text": "hello"})

    result = asyncio.run(with_manager(servers(demo=stdio_entry()), body))
    assert result.text == "Saved a note of 5 characters."


def test_http_server_lists_and_calls_tools(http_demo_url: str) -> None:  # noqa: F811
    async def body(manager: McpManager) -> Any:
        (status,) = manager.statuses()
        assert status.state is ServerState.READY and status.transport == "http"
        tools = {t.name: t for t in manager.tools()}
        return await tools["remote__lookup"].run({"topic": "otters"})

    configs = servers(remote={"type": "http", "url": http_demo_url})
    result = asyncio.run(with_manager(configs, body))
    assert "hold hands" in result.text


def test_a_tool_error_is_an_error_result_and_the_session_survives() -> None:
    async def body(manager: McpManager) -> Any:
        tools = {t.name: t for t in manager.tools()}
        failed = await tools["demo__fail"].run({"message": "the disk is full"})
        after = await tools["demo__lookup"].run({"topic": "otters"})
        return failed, after

    failed, after = asyncio.run(with_manager(servers(demo=stdio_entry()), body))
    assert failed.is_error and "the disk is full" in failed.text
    assert not after.is_error


def test_a_slow_call_times_out_and_a_cancelled_call_leaves_the_session_usable() -> None:
    async def body(manager: McpManager) -> Any:
        with pytest.raises(ToolError, match="did not finish within 0.3 seconds"):
            await manager.call_tool("demo", "slow", {"seconds": 60}, time_limit=0.3)
        # Cancel one call (as the UI's per-call stop does) while another one runs on.
        slow = asyncio.create_task(manager.call_tool("demo", "slow", {"seconds": 60}))
        quick = asyncio.create_task(manager.call_tool("demo", "slow", {"seconds": 0}))
        assert (await quick).text == "waited 0.0"
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return await manager.call_tool("demo", "lookup", {"topic": "otters"})

    result = asyncio.run(with_manager(servers(demo=stdio_entry()), body))
    assert "hold hands" in result.text


def test_env_is_added_to_the_inherited_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKSTAGE_TEST_INHERITED", "from-parent")

    async def body(manager: McpManager) -> Any:
        names = ("BACKSTAGE_TEST_INHERITED", "DEMO_ADDED", "PATH")
        return [(await manager.call_tool("demo", "get_env", {"name": n})).text for n in names]

    configs = servers(demo=stdio_entry(env={"DEMO_ADDED": "from-config"}))
    inherited, added, path = asyncio.run(with_manager(configs, body))
    assert (inherited, added) == ("from-parent", "from-config")
    assert path == os.environ["PATH"]


def test_missing_command_is_explained_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # a PATH with no npx on it
    configs = servers(
        files={"command": "npx-not-installed-here", "args": ["-y", "x"]}, npx={"command": "npx"}
    )

    async def run() -> list[Any]:
        manager = McpManager(configs)
        try:
            return await manager.start()
        finally:
            await manager.stop()

    first, second = asyncio.run(run())
    assert first.state is ServerState.FAILED
    assert first.reason == (
        "The command 'npx-not-installed-here' was not found. Install it or fix the path in the config."
    )
    assert second.reason == (
        "The command 'npx' was not found. Install Node.js (which provides npx) or fix the path in the config."
    )
    for status in (first, second):
        assert "Errno" not in status.message and "ENOENT" not in status.message


def test_a_missing_absolute_path_is_explained_too(tmp_path: Path) -> None:
    status = asyncio.run(check_server(ServerConfig("gone", command=str(tmp_path / "no-such-server"))))
    assert status.state is ServerState.FAILED
    assert status.reason.startswith(f"The command '{tmp_path / 'no-such-server'}' was not found.")


def test_a_server_that_crashes_at_start_shows_its_stderr_tail() -> None:
    status = asyncio.run(check_server(servers(broken=stdio_entry("--crash-at-start"))[0]))
    assert status.state is ServerState.FAILED
    assert status.reason == "The server exited before it was ready."
    assert "DEMO_API_TOKEN is not set" in status.stderr_tail
    assert "DEMO_API_TOKEN is not set" in status.message


def test_a_server_that_never_answers_times_out() -> None:
    config = servers(mute=stdio_entry("--hang-at-start"))[0]
    status = asyncio.run(check_server(config, start_timeout=0.5))
    assert status.state is ServerState.FAILED
    assert status.reason == "The server did not get ready within 0.5 seconds."


def test_nothing_listening_at_an_http_address() -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago, now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    status = asyncio.run(check_server(ServerConfig("far", "http", url=f"http://127.0.0.1:{port}/mcp")))
    assert status.state is ServerState.FAILED
    assert status.reason.startswith(f"Could not connect to http://127.0.0.1:{port}/mcp")


def test_a_wrong_http_path_names_the_status(http_demo_url: str) -> None:  # noqa: F811
    url = http_demo_url.replace("/mcp", "/nothing-here")
    status = asyncio.run(check_server(ServerConfig("typo", "http", url=url)))
    assert status.state is ServerState.FAILED
    assert "HTTP 404" in status.reason and "/mcp" in status.reason


def test_healthy_servers_stay_usable_when_another_fails() -> None:
    async def body(manager: McpManager) -> Any:
        return [s.state for s in manager.statuses()], [t.name for t in manager.tools()]

    configs = servers(good=stdio_entry(), bad=stdio_entry("--crash-at-start"))
    states, names = asyncio.run(with_manager(configs, body))
    assert states == [ServerState.READY, ServerState.FAILED]
    assert "good__lookup" in names and not any(n.startswith("bad__") for n in names)


def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    configs = servers(demo=stdio_entry(env={"DEMO_PID_FILE": str(pid_file)}))

    async def body(manager: McpManager) -> Any:
        return manager.statuses()[0].state

    assert asyncio.run(with_manager(configs, body)) is ServerState.READY
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_server_dying_mid_call_is_reported_with_its_last_words() -> None:
    async def body(manager: McpManager) -> Any:
        with pytest.raises(ToolError) as caught:
            await manager.call_tool("demo", "crash", {})
        status = manager.status("demo")
        with pytest.raises(ToolError, match="is not running"):
            await manager.call_tool("demo", "lookup", {"topic": "otters"})
        return caught.value.message, status

    message, status = asyncio.run(with_manager(servers(demo=stdio_entry()), body))
    assert message.startswith("The MCP server 'demo' stopped while running crash.")
    assert status.state is ServerState.FAILED
    assert "asked to crash" in status.stderr_tail


def test_stopping_while_servers_are_still_starting_is_clean() -> None:
    async def run() -> list[ServerState]:
        manager = McpManager(servers(a=stdio_entry("--hang-at-start"), b=stdio_entry()), start_timeout=60)
        starting = asyncio.create_task(manager.start())
        await asyncio.sleep(0)  # let the owner tasks begin
        await manager.stop()
        await starting
        return [s.state for s in manager.statuses()]

    states = asyncio.run(run())
    assert set(states) <= {ServerState.STOPPED, ServerState.READY}
    assert states[0] is ServerState.STOPPED


def test_a_bad_entry_fails_alone() -> None:
    configs = servers(empty={"args": []}, good=stdio_entry())
    statuses = asyncio.run(with_manager(configs, lambda m: _statuses(m)))
    assert statuses[0].state is ServerState.FAILED
    assert statuses[0].reason == "The entry for 'empty' has neither a 'command' nor a 'url'."
    assert statuses[1].state is ServerState.READY


async def _statuses(manager: McpManager) -> Any:
    return manager.statuses()
