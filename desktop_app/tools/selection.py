"""Choosing tools by name, the same way from the command line and the window."""

from __future__ import annotations

from ..core.errors import ConfigurationError
from .base import Tool
from .builtin import BUILTIN_TOOL_NAMES
from .catalog import ALL_TOOL_NAMES, DEFAULT_TOOL_NAMES, available_tools


def select_tools(
    spec: str = "default",
    *,
    allow_local_urls: bool = False,
    search_backend: str = "duckduckgo",
    search_base_url: str | None = None,
) -> list[Tool]:
    """Tools for ``spec``: comma-separated names, or ``default`` (the read-only tools), ``builtin``, ``all``, ``none``.

    Raises ConfigurationError naming the unknown tools and what is available.
    """
    wanted = spec.strip().lower()
    if wanted == "none":
        return []
    groups = {"default": DEFAULT_TOOL_NAMES, "builtin": BUILTIN_TOOL_NAMES, "all": ALL_TOOL_NAMES}
    names = list(groups[wanted]) if wanted in groups else [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_TOOL_NAMES]
    if unknown:
        raise ConfigurationError(
            f"Unknown tool {', '.join(unknown)}. Available: {', '.join(ALL_TOOL_NAMES)}, "
            "or 'default', 'builtin', 'all', 'none'."
        )
    tools = available_tools(
        allow_local_urls=allow_local_urls, search_backend=search_backend, search_base_url=search_base_url
    )
    return [tool for tool in tools if tool.name in names]
