"""Web search backends: DuckDuckGo (no key, the default), Brave, Tavily and a self-hosted SearXNG.

Each backend turns one query into a list of :class:`SearchHit` in rank order, or raises
:class:`~desktop_app.core.errors.ToolError` with a message a user understands. The HTTP
backends take a ``base_url`` (tests point them at a local server); their keys come from
the keychain at each search, so a key added in settings works at once.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ...core.errors import ConfigurationError, ToolError
from ...storage.secrets import Keychain
from .tls import ssl_context

__all__ = [
    "BACKEND_NAMES",
    "BraveBackend",
    "DuckDuckGoBackend",
    "SearchBackend",
    "SearchHit",
    "SearxngBackend",
    "TavilyBackend",
    "make_backend",
]

BACKEND_NAMES: tuple[str, ...] = ("duckduckgo", "brave", "tavily", "searxng")
SNIPPET_CHARS = 400
_TAGS = re.compile(r"<[^>]+>")
_TIMEOUT = httpx.Timeout(15.0, connect=10.0)


@dataclass(frozen=True)
class SearchHit:
    """One search result: its title, address and the engine's snippet (plain text)."""

    title: str
    url: str
    snippet: str = ""


class SearchBackend(Protocol):
    """Anything that can answer a query. ``label`` names it in results ("Brave Search")."""

    label: str

    async def search(self, query: str, max_results: int) -> list[SearchHit]: ...


def clean_snippet(text: object) -> str:
    """Engine snippets carry markup (Brave bolds matches with <strong>) and entities: plain text, capped."""
    plain = " ".join(html.unescape(_TAGS.sub("", str(text or ""))).split())
    return plain if len(plain) <= SNIPPET_CHARS else plain[: SNIPPET_CHARS - 1].rstrip() + "…"


def _hits(items: object, title_key: str, url_key: str, snippet_key: str, limit: int) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = str(item.get(url_key) or "").strip()
        if not url.startswith(("http://", "https://")):
            continue  # a result the model could not read or cite
        title = clean_snippet(item.get(title_key)) or url
        hits.append(SearchHit(title, url, clean_snippet(item.get(snippet_key))))
        if len(hits) >= limit:
            break
    return hits


async def _key(keychain: Keychain | None, name: str, label: str) -> str:
    chain = keychain if keychain is not None else await asyncio.to_thread(Keychain)
    key = await asyncio.to_thread(chain.get, name)  # a keychain may block (D-Bus, a prompt)
    if not key:
        raise ToolError(
            f"{label} needs an API key. Add it in Settings → Web search (it is kept in your system "
            f"keychain as {name}), or switch to DuckDuckGo, which needs none."
        )
    return key


async def _request(
    label: str, method: str, url: str, *, status_messages: Mapping[int, str] | None = None, **kwargs: Any
) -> Any:
    """One JSON API call with plain-language errors for every way it can fail.

    ``status_messages`` replaces the message for a status the service uses in its own way.
    """
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT, verify=await ssl_context()) as client:
            response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ToolError(f"{label} did not answer in time; try the search again in a moment.") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"Could not reach {label} ({type(exc).__name__}: {exc}).") from exc
    code = response.status_code
    if status_messages and code in status_messages:
        raise ToolError(status_messages[code])
    if code in (401, 403):
        raise ToolError(f"{label} refused the request ({code}): check the API key in Settings → Web search.")
    if code == 429:
        raise ToolError(
            f"{label} is limiting searches right now (429); wait a moment, or switch search service."
        )
    if code >= 400:
        raise ToolError(f"{label} could not run the search ({code} {response.reason_phrase}).")
    try:
        return response.json()
    except ValueError as exc:
        raise ToolError(f"{label} sent an answer Backstage could not read (not JSON).") from exc


class BraveBackend:
    """Brave Search API: ``GET /res/v1/web/search`` with the key in ``X-Subscription-Token``."""

    label = "Brave Search"
    key_name = "search:brave"

    def __init__(
        self, *, keychain: Keychain | None = None, base_url: str = "https://api.search.brave.com"
    ) -> None:
        self._keychain = keychain
        self.base_url = base_url.rstrip("/")

    async def search(self, query: str, max_results: int) -> list[SearchHit]:
        key = await _key(self._keychain, self.key_name, self.label)
        data = await _request(
            self.label,
            "GET",
            f"{self.base_url}/res/v1/web/search",
            params={"q": query, "count": min(max_results, 20)},
            headers={"Accept": "application/json", "X-Subscription-Token": key},
        )
        web = data.get("web") if isinstance(data, dict) else None
        results = web.get("results") if isinstance(web, dict) else []
        return _hits(results, "title", "url", "description", max_results)


class TavilyBackend:
    """Tavily: ``POST /search`` with a JSON body and the key as a bearer token."""

    label = "Tavily"
    key_name = "search:tavily"

    def __init__(self, *, keychain: Keychain | None = None, base_url: str = "https://api.tavily.com") -> None:
        self._keychain = keychain
        self.base_url = base_url.rstrip("/")

    async def search(self, query: str, max_results: int) -> list[SearchHit]:
        key = await _key(self._keychain, self.key_name, self.label)
        data = await _request(
            self.label,
            "POST",
            f"{self.base_url}/search",
            json={"query": query, "max_results": max_results, "search_depth": "basic"},
            headers={"Authorization": f"Bearer {key}"},
        )
        results = data.get("results") if isinstance(data, dict) else []
        return _hits(results, "title", "url", "content", max_results)


class SearxngBackend:
    """A self-hosted SearXNG: ``GET /search?format=json`` (JSON output must be enabled on the server)."""

    label = "SearXNG"

    def __init__(self, *, base_url: str | None = None) -> None:
        self.base_url = (base_url or "").rstrip("/")

    async def search(self, query: str, max_results: int) -> list[SearchHit]:
        if not self.base_url:
            raise ToolError(
                "SearXNG needs the address of your SearXNG server; set it in Settings → Web search."
            )
        # SearXNG answers 403 when the JSON format is switched off in its settings.
        no_json = (
            f"The SearXNG server at {self.base_url} refused JSON results (403). Add json to "
            "search.formats in its settings.yml and restart it."
        )
        data = await _request(
            self.label,
            "GET",
            f"{self.base_url}/search",
            params={"q": query, "format": "json"},
            status_messages={403: no_json},
        )
        results = data.get("results") if isinstance(data, dict) else []
        return _hits(results, "title", "url", "content", max_results)


TextSearch = Callable[[str, int], list[dict[str, Any]]]


def _ddgs_text(query: str, max_results: int) -> list[dict[str, Any]]:
    """The ddgs library call (blocking; run it in a thread). Its exceptions become ToolError."""
    from ddgs import DDGS  # imported here: it loads several engines' modules
    from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

    try:
        return DDGS(timeout=10).text(query, max_results=max_results, backend="duckduckgo")
    except RatelimitException as exc:
        raise ToolError(
            "DuckDuckGo is limiting searches right now; wait a minute, or switch search service."
        ) from exc
    except TimeoutException as exc:
        raise ToolError("DuckDuckGo did not answer in time; try the search again in a moment.") from exc
    except DDGSException as exc:
        if "no results" in str(exc).lower():
            return []
        raise ToolError(f"DuckDuckGo could not run the search ({exc}).") from exc


class DuckDuckGoBackend:
    """DuckDuckGo through the ``ddgs`` library (no key). ``text_search`` replaces the library call in tests."""

    label = "DuckDuckGo"

    def __init__(self, *, text_search: TextSearch | None = None) -> None:
        self._text_search = text_search or _ddgs_text

    async def search(self, query: str, max_results: int) -> list[SearchHit]:
        try:
            items = await asyncio.to_thread(self._text_search, query, max_results)
        except ToolError:
            raise
        except Exception as exc:  # the library talks to a web page that changes; say so plainly
            raise ToolError(f"DuckDuckGo search failed ({type(exc).__name__}: {exc}).") from exc
        return _hits(items, "title", "href", "body", max_results)


def make_backend(
    name: str, *, keychain: Keychain | None = None, base_url: str | None = None
) -> SearchBackend:
    """The backend called ``name`` (one of :data:`BACKEND_NAMES`), pointed at ``base_url`` when given.

    Raises ConfigurationError for an unknown name.
    """
    key = name.strip().lower()
    if key == "duckduckgo":
        return DuckDuckGoBackend()
    if key == "brave":
        return BraveBackend(keychain=keychain, **({"base_url": base_url} if base_url else {}))
    if key == "tavily":
        return TavilyBackend(keychain=keychain, **({"base_url": base_url} if base_url else {}))
    if key == "searxng":
        return SearxngBackend(base_url=base_url)
    raise ConfigurationError(f"Unknown search service {name!r}; choose one of {', '.join(BACKEND_NAMES)}.")
