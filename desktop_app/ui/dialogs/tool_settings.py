"""The tool choices a user makes in Settings → Tools, kept in the settings file under ``"tools"``.

Nothing secret lives here: a search service's key is in the keychain
(``search:brave``, ``search:tavily``), read by the backend at each search.
:func:`window_tools` builds the tools a chat offers from these choices.

Qt-free on purpose: it belongs with ``storage.settings`` and ``tools.selection``
once those grow a typed tools section; until then it uses the settings file's
``extra`` keys, which every version keeps as they are. Blocking file I/O: call
through ``asyncio.to_thread`` from the event loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ...storage.secrets import Keychain
from ...storage.settings import Settings, load_settings, save_settings
from ...tools.base import Tool
from ...tools.catalog import DEFAULT_TOOL_NAMES, available_tools
from ...tools.python_runner import RunPython
from ...tools.web.backends import BACKEND_NAMES

SECTION = "tools"


@dataclass(frozen=True)
class ToolSettings:
    search_backend: str = "duckduckgo"
    search_url: str = ""  # a SearXNG server's address
    allow_local_urls: bool = False
    run_python: bool = False


def parse_tool_settings(data: Any) -> ToolSettings:
    """Tool settings from the file's ``"tools"`` object; anything odd falls back to the default."""
    if not isinstance(data, dict):
        return ToolSettings()
    backend = str(data.get("search_backend") or "duckduckgo").strip().lower()
    return ToolSettings(
        search_backend=backend if backend in BACKEND_NAMES else "duckduckgo",
        search_url=str(data.get("search_url") or "").strip(),
        allow_local_urls=data.get("allow_local_urls") is True,
        run_python=data.get("run_python") is True,
    )


def load_tool_settings(settings: Settings | None = None) -> ToolSettings:
    settings = settings if settings is not None else load_settings()
    return parse_tool_settings(settings.extra.get(SECTION))


def save_tool_settings(tools: ToolSettings) -> None:
    """Write the tools section, leaving everything else in the file as it is."""
    settings = load_settings()
    settings.extra[SECTION] = asdict(tools)
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
