"""MCP servers as tool sources, on the official ``mcp`` SDK (stdio and Streamable HTTP).

- :mod:`.config`: which servers (Claude Desktop style files, the profile's ``mcp.json``, keychain secrets)
- :mod:`.connection`: one server's owner task, status and calls
- :mod:`.manager`: all servers of a session; :func:`mcp_tools_from_config` for ``ask``
- :mod:`.tool`: :class:`McpTool`, the model-facing name, risk and result text
"""

from __future__ import annotations

import logging

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

# The SDK logs transport trouble (a server's stray stdout line, a broken pipe) with
# tracebacks; with no logging set up, Python's last-resort handler would print them on
# the user's terminal. We report the same failures in plain words through ServerStatus,
# so the SDK's records go only where the application's logging configuration sends them.
logging.getLogger("mcp").addHandler(logging.NullHandler())
