"""``backstage mcp``: check MCP servers and manage the profile's list of them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigurationError, redact
from ..storage.secrets import Keychain
from ..tools.mcp.config import (
    SECRET_PLACEHOLDER,
    ServerConfig,
    import_servers,
    load_config_file,
    load_profile_servers,
    profile_config_path,
    remove_profile_server,
    save_profile_servers,
    secret_name,
)

if TYPE_CHECKING:  # the SDK loads only when a server is started (see tools/mcp/__init__.py)
    from ..tools.mcp import McpTool, ServerStatus

EXAMPLES = """\
examples:
  backstage mcp list                                   the servers saved in the profile
  backstage mcp list --mcp-config ~/Library/Application\\ Support/Claude/claude_desktop_config.json
  backstage mcp list --json | jq '.[] | select(.state == "failed") | .reason'
  backstage mcp test github --timeout 120              (npx may download the server first)
  backstage mcp import claude_desktop_config.json      copy servers into the profile
  backstage mcp set-secret github GITHUB_TOKEN         then write "${keychain}" as its value

secrets: an "env" or "headers" value written as "${keychain}" is read from the keychain
entry mcp:<server>:<NAME>; `mcp import` moves secret-looking values there for you.

exit status: 0 every server ready, 1 a server failed or another error, 2 bad usage"""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "mcp",
        parents=[common],
        help="check MCP servers and manage the profile's list of them",
        description="Start MCP servers to check them, and manage the servers saved in the profile.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def add_check_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--mcp-config",
            metavar="FILE",
            help="a claude_desktop_config.json style file (default: the servers saved in the profile)",
        )
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument(
            "--timeout",
            type=float,
            default=30.0,
            metavar="S",
            help="seconds each server has to start (default 30)",
        )

    p = actions.add_parser(
        "list", parents=[common], help="start every server, show its state and tools, then stop them"
    )
    add_check_options(p)
    p.set_defaults(handler=_list)

    p = actions.add_parser("test", parents=[common], help="start one server, list its tools, stop it")
    p.add_argument("name", metavar="NAME")
    add_check_options(p)
    p.set_defaults(handler=_test)

    p = actions.add_parser(
        "import", parents=[common], help="copy the servers of a Claude Desktop config into the profile"
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_import)

    p = actions.add_parser(
        "set-secret", parents=[common], help="keep a server's env or header value in the keychain"
    )
    p.add_argument("name", metavar="NAME", help="the server")
    p.add_argument("var", metavar="VAR", help="the environment variable or header, e.g. GITHUB_TOKEN")
    p.set_defaults(handler=_set_secret)

    p = actions.add_parser("remove", parents=[common], help="remove a server from the profile")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_remove)


def _servers(args: argparse.Namespace) -> list[ServerConfig]:
    return load_config_file(args.mcp_config) if args.mcp_config else load_profile_servers()


def _check(args: argparse.Namespace, servers: list[ServerConfig]) -> int:
    if args.timeout <= 0:
        raise ConfigurationError("--timeout must be more than 0 seconds.")
    if not servers:
        print(
            "No MCP servers are configured. Import them with `backstage mcp import FILE`, "
            "or pass --mcp-config FILE.",
            file=sys.stderr,
        )
        if args.json:
            print("[]")
        return 0
    report = asyncio.run(_start_and_stop(servers, args.timeout))
    if args.json:
        print(json.dumps([_as_json(status, tools) for status, tools in report], ensure_ascii=False, indent=1))
    else:
        for status, tools in report:
            _print_server(status, tools, debug=args.debug)
    failed = [status.name for status, _ in report if status.state != "ready"]
    if failed:
        print(
            f"{len(failed)} of {len(report)} MCP servers did not start: {', '.join(failed)}.", file=sys.stderr
        )
    return 1 if failed else 0


async def _start_and_stop(
    servers: list[ServerConfig], start_timeout: float
) -> list[tuple[ServerStatus, list[McpTool]]]:
    from ..tools.mcp import McpManager

    async with McpManager(servers, start_timeout=start_timeout) as manager:
        return [(status, manager.tools_of(status.name)) for status in manager.statuses()]


def _list(args: argparse.Namespace) -> int:
    return _check(args, _servers(args))


def _test(args: argparse.Namespace) -> int:
    servers = _servers(args)
    chosen = [s for s in servers if s.name == args.name]
    if not chosen:
        known = ", ".join(s.name for s in servers) or "none"
        raise ConfigurationError(f"There is no MCP server named '{args.name}'. Configured: {known}.")
    return _check(args, chosen)


def _first_line(text: str, width: int = 72) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _print_server(status: ServerStatus, tools: list[McpTool], *, debug: bool) -> None:
    print(f"{status.name}  {status.state}  ({status.transport}: {redact(status.target)})")
    if status.state == "ready":
        width = max((len(t.name) for t in tools), default=0)
        for tool in tools:
            print(f"  {tool.name:<{width}}  {tool.risk:<9}  {_first_line(tool.description)}")
        if not tools:
            print("  (no tools)")
        return
    print(f"  {status.reason}")
    if status.stderr_tail:
        print("  Last output on stderr:")
        for line in status.stderr_tail.splitlines():
            print(f"    {line}")
    if debug and status.detail:
        print(f"  detail: {status.detail}")


def _as_json(status: ServerStatus, tools: list[McpTool]) -> dict[str, Any]:
    return {
        "name": status.name,
        "state": str(status.state),
        "transport": status.transport,
        "target": redact(status.target),
        "reason": status.reason,
        "stderr_tail": status.stderr_tail,
        "tools": [
            {
                "name": tool.name,
                "server_tool": tool.tool_name,
                "risk": str(tool.risk),
                "description": tool.description,
            }
            for tool in tools
        ],
    }


def _import(args: argparse.Namespace) -> int:
    report = import_servers(args.file, Keychain())
    names = [*report.added, *report.replaced]
    if not names:
        print(f"{args.file} lists no MCP servers; nothing was imported.", file=sys.stderr)
        return 0
    print(
        f"Imported {len(names)} MCP server(s) into {profile_config_path()}: {', '.join(names)}.",
        file=sys.stderr,
    )
    if report.replaced:
        print(f"Replaced the earlier entries of: {', '.join(report.replaced)}.", file=sys.stderr)
    if report.secrets_moved:
        print(f"Kept in the keychain, not in the file: {', '.join(report.secrets_moved)}.", file=sys.stderr)
    for problem in report.problems:
        print(f"Not imported: {problem}", file=sys.stderr)
    return 0


def _set_secret(args: argparse.Namespace) -> int:
    servers = load_profile_servers()
    server = next((s for s in servers if s.name == args.name), None)
    if server is None:
        known = ", ".join(s.name for s in servers) or "none"
        raise ConfigurationError(
            f"There is no MCP server named '{args.name}' in the profile. Configured: {known}."
        )
    keychain = Keychain()
    if not keychain.available:
        raise ConfigurationError(
            "No system keychain is available, so the secret cannot be kept (Backstage never writes one to a file)."
        )
    if sys.stdin.isatty():
        value = getpass.getpass(f"Value of {args.var} for {args.name} (not shown): ")
    else:
        value = sys.stdin.readline().strip()
    if not value:
        raise ConfigurationError("No value given; nothing was stored.")
    keychain.set(secret_name(args.name, args.var), value)
    # Point the entry at the keychain: as a header for an HTTP server, else as an env variable.
    if server.transport == "http":
        updated = replace(server, headers={**server.headers, args.var: SECRET_PLACEHOLDER})
    else:
        updated = replace(server, env={**server.env, args.var: SECRET_PLACEHOLDER})
    save_profile_servers(updated if s.name == args.name else s for s in servers)
    print(f"Stored {args.var} for {args.name} in the keychain.", file=sys.stderr)
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not remove_profile_server(args.name, Keychain()):
        raise ConfigurationError(f"There is no MCP server named '{args.name}' in the profile.")
    print(f"Removed {args.name} from {profile_config_path()}.", file=sys.stderr)
    return 0
