"""MCP servers as tool sources, on the official ``mcp`` SDK (stdio and Streamable HTTP).

- :mod:`.config`: which servers (Claude Desktop style files, the profile's ``mcp.json``, keychain secrets)
- :mod:`.connection`: one server's owner task, status and calls
- :mod:`.manager`: all servers of a session; :func:`mcp_tools_from_config` for ``ask``
- :mod:`.tool`: :class:`McpTool`, the model-facing name, risk and result text

The SDK takes most of a second to import, so the names below load on first use:
``backstage`` commands and the window that never touch MCP do not pay for it.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import (
        SECRET_PLACEHOLDER,
        ImportReport,
        ServerConfig,
        import_servers,
        load_config_file,
        load_profile_servers,
        profile_config_path,
        save_profile_servers,
        secret_name,
    )
    from .connection import ServerState, ServerStatus
    from .manager import McpManager, check_server, mcp_tools_from_config
    from .tool import McpTool, model_tool_name

_WHERE = {
    "SECRET_PLACEHOLDER": "config",
    "ImportReport": "config",
    "ServerConfig": "config",
    "import_servers": "config",
    "load_config_file": "config",
    "load_profile_servers": "config",
    "profile_config_path": "config",
    "save_profile_servers": "config",
    "secret_name": "config",
    "ServerState": "connection",
    "ServerStatus": "connection",
    "McpManager": "manager",
    "check_server": "manager",
    "mcp_tools_from_config": "manager",
    "McpTool": "tool",
    "model_tool_name": "tool",
}

__all__ = [
    "SECRET_PLACEHOLDER",
    "ImportReport",
    "McpManager",
    "McpTool",
    "ServerConfig",
    "ServerState",
    "ServerStatus",
    "check_server",
    "import_servers",
    "load_config_file",
    "load_profile_servers",
    "mcp_tools_from_config",
    "model_tool_name",
    "profile_config_path",
    "save_profile_servers",
    "secret_name",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


# The SDK logs transport trouble (a server's stray stdout line, a broken pipe) with
# tracebacks; with no logging set up, Python's last-resort handler would print them on
# the user's terminal. We report the same failures in plain words through ServerStatus,
# so the SDK's records go only where the application's logging configuration sends them.
logging.getLogger("mcp").addHandler(logging.NullHandler())
