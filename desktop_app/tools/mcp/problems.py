"""Why a server did not start, in words a user can act on (never ENOENT or ``[Errno 2]``)."""

from __future__ import annotations

import os

import httpx2
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED

from ...core.errors import BackstageError, redact
from .config import ServerConfig

__all__ = ["CommandNotFound", "StartTimedOut", "explain_start_failure", "leaf_exceptions", "missing_command"]

# Which install provides a command people commonly put in claude_desktop_config.json.
_PROVIDED_BY = {
    "npx": "Node.js (which provides npx)",
    "npm": "Node.js (which provides npm)",
    "node": "Node.js",
    "uvx": "uv (which provides uvx)",
    "uv": "uv",
    "python": "Python",
    "python3": "Python",
    "py": "Python",
    "docker": "Docker",
    "deno": "Deno",
    "bun": "Bun",
    "bunx": "Bun (which provides bunx)",
    "pipx": "pipx",
}

# Commands that fetch the server on first use, so a first start can be slow.
_DOWNLOADERS = {"npx", "uvx", "bunx", "pipx", "docker"}


class CommandNotFound(BackstageError):
    """Raised before spawning when a server's command is not on the PATH."""

    kind = "mcp_command_not_found"


class StartTimedOut(BackstageError):
    """Raised when a server is not ready within the start timeout."""

    kind = "mcp_timeout"


def _base_command(command: str) -> str:
    name = os.path.basename(command).lower()
    for suffix in (".exe", ".cmd", ".bat"):
        name = name.removesuffix(suffix)
    return name


def missing_command(command: str) -> str:
    """The sentence for a command that does not exist."""
    provider = _PROVIDED_BY.get(_base_command(command))
    install = f"Install {provider}" if provider else "Install it"
    return f"The command '{command}' was not found. {install} or fix the path in the config."


def leaf_exceptions(exc: BaseException) -> list[BaseException]:
    """The real errors inside (nested) exception groups, which anyio task groups raise."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaf_exceptions(inner)]
    return [exc]


def _pick(exc: BaseException) -> BaseException:
    leaves = leaf_exceptions(exc)
    # A connection error explains more than the "connection closed" it causes elsewhere.
    for leaf in leaves:
        if not (isinstance(leaf, MCPError) and leaf.code == CONNECTION_CLOSED):
            return leaf
    return leaves[0]


def _http_status_reason(url: str, status: int) -> str:
    if status in (401, 403):
        return (
            f"The server at {url} refused access (HTTP {status}). It may need a token: add an "
            '"Authorization" header to its entry (with the value "${keychain}" to keep it in the keychain).'
        )
    if status == 404:
        return f"Nothing at {url} answers MCP requests (HTTP 404). Check the address; it often ends in /mcp."
    if status == 405:
        return f"The address {url} does not accept MCP requests (HTTP 405). Check the address; it often ends in /mcp."
    return f"The server at {url} answered with an error (HTTP {status})."


def explain_start_failure(
    config: ServerConfig, exc: BaseException, *, timeout: float, http_status: int | None = None
) -> tuple[str, str]:
    """(plain reason, technical detail) for a server that failed before it was ready."""
    leaf = _pick(exc)
    detail = redact(f"{type(leaf).__name__}: {leaf}")
    command = config.command
    if isinstance(leaf, BackstageError):
        return leaf.message, leaf.detail or detail
    if isinstance(leaf, TimeoutError | httpx2.TimeoutException):
        if config.transport == "http":
            return f"The server at {config.url} did not answer within {timeout:g} seconds.", detail
        reason = f"The server did not get ready within {timeout:g} seconds."
        if _base_command(command) in _DOWNLOADERS:
            reason += (
                f" {command} may still be downloading it on first use; try again with a longer --timeout."
            )
        return reason, detail
    if config.transport == "stdio" and isinstance(leaf, OSError) and not isinstance(leaf, ConnectionError):
        if isinstance(leaf, FileNotFoundError):
            return missing_command(command), detail
        if isinstance(leaf, PermissionError):
            return (
                f"The command '{command}' could not be started: permission denied. "
                "Make sure it is a program you may run, or fix the path in the config.",
                detail,
            )
        why = leaf.strerror or "the system refused to start it"
        return f"The command '{command}' could not be started ({why.lower()}).", detail
    if http_status is not None and http_status >= 400:
        return _http_status_reason(config.url, http_status), detail
    if isinstance(leaf, httpx2.ConnectError):
        return (
            f"Could not connect to {config.url}: nothing is answering there. Check that the server "
            "is running and the address is right.",
            detail,
        )
    if isinstance(leaf, httpx2.HTTPError):
        return f"The connection to {config.url} failed ({type(leaf).__name__}).", detail
    if isinstance(leaf, MCPError):
        if leaf.code == CONNECTION_CLOSED:
            if config.transport == "stdio":
                return "The server exited before it was ready.", detail
            return f"The server at {config.url} closed the connection before it was ready.", detail
        return f"The server refused to start a session: {redact(leaf.message)}", detail
    return f"The server could not be started ({type(leaf).__name__}: {redact(str(leaf))}).", detail
