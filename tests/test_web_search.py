"""web_search: each backend's real API shape on a local server (DuckDuckGo faked at the library call)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app.core.errors import ConfigurationError, ToolError
from desktop_app.storage.secrets import Keychain
from desktop_app.tools.base import Risk, ToolResult
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.web import backends
from desktop_app.tools.web.backends import (
    BraveBackend,
    DuckDuckGoBackend,
    SearchHit,
    SearxngBackend,
    TavilyBackend,
    make_backend,
)
from desktop_app.tools.web.search import WebSearch
from tests.servers.scripted import Response, ScriptedServer

QUERY = "UX designer salary 2025"


@pytest.fixture
def keychain() -> Iterator[Keychain]:
    chain = Keychain()
    yield chain
    for name in ("search:brave", "search:tavily"):
        chain.delete(name)


def search(tool: WebSearch, **args: Any) -> ToolResult:
    return asyncio.run(ToolRegistry([tool]).execute(tool, args))


def brave_answer(n: int) -> dict[str, Any]:
    return {
        "type": "search",
        "query": {"original": QUERY, "more_results_available": True},
        "web": {
            "type": "search",
            "family_friendly": True,
            "results": [
                {
                    "type": "search_result",
                    "title": f"UX Designer Salary {i} &amp; more",
                    "url": f"https://salaries.example/{i}",
                    "description": f"The average <strong>UX designer salary</strong> is {60 + i},000 euros.",
                    "age": "2 days ago",
                    "profile": {"name": "Example"},
                    "meta_url": {"hostname": "salaries.example"},
                }
                for i in range(1, n + 1)
            ],
        },
    }


def test_brave_api_shape(scripted_server: ScriptedServer, keychain: Keychain) -> None:
    keychain.set("search:brave", "BSA-test-key-123456")
    scripted_server.push(Response.json(brave_answer(7)))
    tool = WebSearch(BraveBackend(keychain=keychain, base_url=scripted_server.url))
    result = search(tool, query=QUERY, max_results=5)
    (request,) = scripted_server.requests
    assert request.method == "GET"
    assert request.path.startswith("/res/v1/web/search?")
    assert "q=UX+designer+salary+2025" in request.path and "count=5" in request.path
    assert request.headers["x-subscription-token"] == "BSA-test-key-123456"
    assert request.headers["accept"] == "application/json"
    assert not result.is_error
    assert [s.url for s in result.sources] == [f"https://salaries.example/{i}" for i in range(1, 6)]
    first = result.sources[0]
    assert first.tool == "web_search" and first.title == "UX Designer Salary 1 & more"
    assert first.excerpt == "[rank 1] The average UX designer salary is 61,000 euros."
    assert first.retrieved_at
    assert result.sources[4].excerpt.startswith("[rank 5] ")
    assert "<strong>" not in result.text and "https://salaries.example/3" in result.text
    assert result.text.startswith(f"Brave Search results for {QUERY!r}")
    assert tool.done_status({"query": QUERY}, result) == "Searched the web · 5 results"
    assert tool.status({"query": QUERY}) == "Searching the web for 'UX designer salary 2025'…"
    assert tool.risk is Risk.READ_ONLY


def test_brave_without_a_key_says_where_to_add_one(
    scripted_server: ScriptedServer, keychain: Keychain
) -> None:
    tool = WebSearch(BraveBackend(keychain=keychain, base_url=scripted_server.url))
    result = search(tool, query=QUERY)
    assert (
        result.is_error and "Brave Search needs an API key" in result.text and "search:brave" in result.text
    )
    assert scripted_server.requests == []


def test_brave_rejected_key_and_rate_limit(scripted_server: ScriptedServer, keychain: Keychain) -> None:
    keychain.set("search:brave", "BSA-wrong-key-123456")
    scripted_server.push(
        Response.json({"type": "ErrorResponse", "error": {"code": "SUBSCRIPTION_TOKEN_INVALID"}}, status=401),
        Response.json({"type": "ErrorResponse", "error": {"code": "RATE_LIMITED"}}, status=429),
    )
    tool = WebSearch(BraveBackend(keychain=keychain, base_url=scripted_server.url))
    rejected = search(tool, query=QUERY)
    assert rejected.is_error and "check the API key" in rejected.text
    assert "BSA-wrong-key-123456" not in rejected.text
    limited = search(tool, query=QUERY)
    assert limited.is_error and "limiting searches" in limited.text


def test_tavily_api_shape(scripted_server: ScriptedServer, keychain: Keychain) -> None:
    keychain.set("search:tavily", "tvly-test-key-123456")
    scripted_server.push(
        Response.json(
            {
                "query": QUERY,
                "answer": None,
                "images": [],
                "results": [
                    {
                        "title": "Bootcamps compared",
                        "url": "https://bootcamps.example/list",
                        "content": "Six UX bootcamps, from 4,900 to 12,500 euros.",
                        "score": 0.91,
                        "raw_content": None,
                    },
                    {"title": "No address", "url": "", "content": "dropped", "score": 0.5},
                    {"title": "Second", "url": "https://b.example/", "content": "", "score": 0.4},
                ],
                "response_time": 1.02,
            }
        )
    )
    tool = WebSearch(TavilyBackend(keychain=keychain, base_url=scripted_server.url))
    result = search(tool, query=QUERY, max_results=3)
    (request,) = scripted_server.requests
    assert (request.method, request.path) == ("POST", "/search")
    assert request.headers["authorization"] == "Bearer tvly-test-key-123456"
    assert request.json["query"] == QUERY and request.json["max_results"] == 3
    assert [s.url for s in result.sources] == ["https://bootcamps.example/list", "https://b.example/"]
    assert result.sources[0].excerpt == "[rank 1] Six UX bootcamps, from 4,900 to 12,500 euros."
    assert result.sources[1].excerpt == "[rank 2]"


def test_searxng_api_shape(scripted_server: ScriptedServer) -> None:
    scripted_server.push(
        Response.json(
            {
                "query": QUERY,
                "number_of_results": 0,
                "results": [
                    {
                        "url": f"https://r{i}.example/",
                        "title": f"Result {i}",
                        "content": f"Snippet {i}",
                        "engine": "duckduckgo",
                        "parsed_url": ["https", f"r{i}.example", "/", "", "", ""],
                        "engines": ["duckduckgo", "brave"],
                        "positions": [i],
                        "score": 2.0 / i,
                        "category": "general",
                    }
                    for i in range(1, 21)
                ],
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [],
            }
        )
    )
    tool = WebSearch(SearxngBackend(base_url=scripted_server.url + "/"))
    result = search(tool, query=QUERY)
    (request,) = scripted_server.requests
    assert (
        request.path.startswith("/search?")
        and "format=json" in request.path
        and "q=UX+designer" in request.path
    )
    assert len(result.sources) == 5 and result.sources[0].title == "Result 1"


def test_searxng_without_json_output_or_address(scripted_server: ScriptedServer) -> None:
    scripted_server.push(Response.text("Forbidden", status=403))
    result = search(WebSearch(SearxngBackend(base_url=scripted_server.url)), query=QUERY)
    assert result.is_error and "search.formats" in result.text
    unset = search(WebSearch(SearxngBackend()), query=QUERY)
    assert unset.is_error and "address of your SearXNG server" in unset.text


def test_unreachable_service_is_plain(scripted_server: ScriptedServer) -> None:
    url = scripted_server.url
    scripted_server.close()
    result = search(WebSearch(SearxngBackend(base_url=url)), query=QUERY)
    assert result.is_error and result.text.startswith("Could not reach SearXNG")


def test_duckduckgo_backend_maps_library_results() -> None:
    calls: list[tuple[str, int]] = []

    def fake_text(query: str, max_results: int) -> list[dict[str, Any]]:
        calls.append((query, max_results))
        return [
            {
                "title": "Salary guide",
                "href": "https://guide.example/ux",
                "body": "UX designers earn 62,000 euros.",
            },
            {"title": "Accountants", "href": "https://acc.example/", "body": "Accountants earn 55,000."},
        ]

    tool = WebSearch(DuckDuckGoBackend(text_search=fake_text))
    result = search(tool, query=f"  {QUERY}  ", max_results=4)
    assert calls == [(QUERY, 4)]
    assert [s.title for s in result.sources] == ["Salary guide", "Accountants"]
    assert result.text.startswith("DuckDuckGo results for")


class FakeDDGS:
    """Stands in for ddgs.DDGS at the library boundary (the real one talks to duckduckgo.com)."""

    answer: list[dict[str, Any]] | BaseException = []
    seen: list[dict[str, Any]] = []

    def __init__(self, timeout: int | None = 5) -> None:
        self.timeout = timeout

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        FakeDDGS.seen.append({"query": query, **kwargs})
        if isinstance(FakeDDGS.answer, BaseException):
            raise FakeDDGS.answer
        return FakeDDGS.answer


@pytest.fixture
def fake_ddgs(monkeypatch: pytest.MonkeyPatch) -> type[FakeDDGS]:
    import ddgs

    monkeypatch.setattr(ddgs, "DDGS", FakeDDGS)
    FakeDDGS.answer, FakeDDGS.seen = [], []
    return FakeDDGS


def test_default_duckduckgo_call_and_its_errors(fake_ddgs: type[FakeDDGS]) -> None:
    from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

    tool = WebSearch(make_backend("duckduckgo"))
    fake_ddgs.answer = [{"title": "A", "href": "https://a.example/", "body": "alpha"}]
    assert [s.url for s in search(tool, query=QUERY).sources] == ["https://a.example/"]
    assert fake_ddgs.seen[0] == {"query": QUERY, "max_results": 5, "backend": "duckduckgo"}

    fake_ddgs.answer = DDGSException("No results found.")
    empty = search(tool, query=QUERY)
    assert not empty.is_error and "found no results" in empty.text and empty.sources == ()
    assert tool.done_status({"query": QUERY}, empty) == "Searched the web · 0 results"

    for error, words in [
        (RatelimitException("202 Ratelimit"), "limiting searches"),
        (TimeoutException("timed out"), "did not answer in time"),
        (DDGSException("https://html.duckduckgo.com/html 403 Forbidden"), "could not run the search"),
        (RuntimeError("engine layout changed"), "DuckDuckGo search failed"),
    ]:
        fake_ddgs.answer = error
        result = search(tool, query=QUERY)
        assert result.is_error and words in result.text


def test_make_backend_and_base_urls(keychain: Keychain) -> None:
    assert isinstance(make_backend("duckduckgo"), DuckDuckGoBackend)
    brave = make_backend("Brave", keychain=keychain, base_url="http://127.0.0.1:9/")
    assert isinstance(brave, BraveBackend) and brave.base_url == "http://127.0.0.1:9"
    assert isinstance(make_backend("tavily"), TavilyBackend)
    assert make_backend("tavily").base_url == "https://api.tavily.com"  # type: ignore[attr-defined]
    assert isinstance(make_backend("searxng", base_url="http://127.0.0.1:8888"), SearxngBackend)
    with pytest.raises(ConfigurationError, match="Unknown search service"):
        make_backend("altavista")


def test_snippets_are_plain_and_capped() -> None:
    long = "word " * 300
    assert backends.clean_snippet("<b>Fish</b> &amp; chips\n\n  today") == "Fish & chips today"
    capped = backends.clean_snippet(long)
    assert len(capped) <= backends.SNIPPET_CHARS and capped.endswith("…")


def test_tool_errors_inside_a_backend_become_error_results() -> None:
    class Broken:
        label = "Broken"

        async def search(self, query: str, max_results: int) -> list[SearchHit]:
            raise ToolError("Broken is down.")

    result = search(WebSearch(Broken()), query="x")
    assert result.is_error and result.text == "Broken is down."
