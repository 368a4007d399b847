"""Every tool Backstage ships, built from the user's settings, in the order the model sees them."""

from __future__ import annotations

from ..storage.secrets import Keychain
from .base import Tool
from .builtin import BUILTIN_TOOL_NAMES, builtin_tools
from .python_runner import RunPython
from .web.backends import make_backend
from .web.read_page import ReadPage
from .web.search import WebSearch

__all__ = ["ALL_TOOL_NAMES", "DEFAULT_TOOL_NAMES", "available_tools"]

ALL_TOOL_NAMES: tuple[str, ...] = (*BUILTIN_TOOL_NAMES, WebSearch.name, ReadPage.name, RunPython.name)
# Offered when the user names none: the read-only tools, which run without asking. run_python
# needs an approval each time, so it is offered only when asked for (or with "all").
DEFAULT_TOOL_NAMES: tuple[str, ...] = (*BUILTIN_TOOL_NAMES, WebSearch.name, ReadPage.name)


def available_tools(
    *,
    allow_local_urls: bool = False,
    keychain: Keychain | None = None,
    search_backend: str = "duckduckgo",
    search_base_url: str | None = None,
) -> list[Tool]:
    """Fresh instances of every shipped tool, in the order of :data:`ALL_TOOL_NAMES`.

    ``search_backend`` is one of ``duckduckgo``, ``brave``, ``tavily``, ``searxng``
    (ConfigurationError otherwise); ``search_base_url`` points it elsewhere (a SearXNG
    server, a test server). Nothing here touches the network or the keychain: keys are
    read when a search runs. Pick a subset by name with ``[t for t in tools if t.name in names]``.
    """
    backend = make_backend(search_backend, keychain=keychain, base_url=search_base_url)
    return [
        *builtin_tools(),
        WebSearch(backend),
        ReadPage(allow_local_urls=allow_local_urls),
        RunPython(),
    ]
