"""The tool choices a user makes in Settings → Tools, kept in the settings file's typed ``tools`` section.

Nothing secret lives here: a search service's key is in the keychain
(``search:brave``, ``search:tavily``), read by the backend at each search.
:func:`window_tools` builds the tools a chat offers from these choices.

Qt-free on purpose: it belongs with ``tools.selection`` once that exists.
Blocking file I/O: call through ``asyncio.to_thread`` from the event loop.
"""

from __future__ import annotations

from dataclasses import replace

from ...storage.secrets import Keychain
from ...storage.settings import Settings, ToolSettings, load_settings, save_settings
from ...tools.base import Tool
from ...tools.catalog import DEFAULT_TOOL_NAMES, available_tools
from ...tools.python_runner import RunPython
from ...tools.web.backends import BACKEND_NAMES

__all__ = ["ToolSettings", "load_tool_settings", "save_tool_settings", "window_tools"]


def load_tool_settings(settings: Settings | None = None) -> ToolSettings:
    """The saved tool choices; a search service this version does not know reads as DuckDuckGo."""
    settings = settings if settings is not None else load_settings()
    tools = settings.tools
    if tools.search_backend not in BACKEND_NAMES:
        tools = replace(tools, search_backend="duckduckgo")
    return tools


def save_tool_settings(tools: ToolSettings) -> None:
    """Write the tools section, leaving everything else in the file as it is."""
    settings = load_settings()
    settings.tools = tools
    save_settings(settings)


def window_tools(tools: ToolSettings, keychain: Keychain | None = None) -> list[Tool]:
    """The tools a chat in the window offers: the read-only ones, plus run_python when switched on."""
    names = set(DEFAULT_TOOL_NAMES) | ({RunPython.name} if tools.run_python else set())
    made = available_tools(
        allow_local_urls=tools.allow_local_urls,
        keychain=keychain,
        search_backend=tools.search_backend,
        # The address is the SearXNG server's; Brave and Tavily keep their own.
        search_base_url=(tools.search_url or None) if tools.search_backend == "searxng" else None,
    )
    return [tool for tool in made if tool.name in names]
