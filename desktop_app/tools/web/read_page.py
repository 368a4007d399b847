"""The read_page tool: the main text of a web page or PDF, one token-budgeted slice at a time.

A long page is read in slices of about ``token_budget`` tokens: each result ends
with the ``offset`` (a character position in the extracted text) to pass for the
next slice. Slices after the first come from a small cache of recently read
pages, so reading on does not download the page again; ``offset=0`` always fetches.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from ...core.errors import ToolError
from ...core.sources import SourceRecord, utc_now_iso
from ...core.tokens import count_text
from ..base import Risk, Tool, ToolResult
from .extract import Extracted, extract_html, extract_pdf, extract_text
from .fetch import Fetched, describe_url, fetch
from .tls import ssl_context
from .url_safety import IPNetwork, Resolver, check_url, guarded_transport, resolve_host

__all__ = ["ReadPage", "slice_text"]

# Some sites refuse clients that do not look like a browser; this says who we are all the same.
USER_AGENT = "Mozilla/5.0 (compatible; Backstage/0.1; read_page)"
_CACHE_SIZE = 8


@dataclass(frozen=True)
class _Page:
    url: str
    title: str
    text: str
    notes: tuple[str, ...]
    retrieved_at: str


def slice_text(text: str, offset: int, budget: int) -> tuple[str, int]:
    """The slice of ``text`` from ``offset`` that fits ``budget`` tokens, and where it ends.

    The cut falls on a paragraph, line, sentence or word boundary when one is near the
    end, so a slice does not stop mid-word; the next slice starts where this one ended.
    """
    rest = text[offset:]
    window = rest[: budget * 8]  # no text runs above ~8 characters per token
    if len(window) == len(rest) and count_text(rest) <= budget:
        return rest, len(text)
    low, high = 0, len(window)  # count(window[:low]) fits; count(window[:high]) does not
    if count_text(window) <= budget:
        low = high
    while high - low > 32:
        middle = (low + high) // 2
        if count_text(window[:middle]) <= budget:
            low = middle
        else:
            high = middle
    end = low
    floor = int(end * 0.7)  # a boundary in the last 30% is worth the shorter slice
    for mark in ("\n\n", "\n", ". ", " "):
        at = window.rfind(mark, floor, end)
        if at > 0:
            end = at + len(mark)
            break
    end = max(end, 1)
    return window[:end], offset + end


class ReadPage(Tool):
    """Reads a URL the model chose. Refuses local and private addresses unless ``allow_local_urls``.

    ``allowed_networks`` and ``resolve`` exist for tests (opening 127.0.0.1 alone, or faking DNS).
    """

    name = "read_page"
    description = (
        "Read a web page or PDF and return its main text (menus, ads and footers left out), about "
        "3,000 tokens at a time. Long pages end with the offset to pass to read on. Use it on URLs from "
        "web_search results or that the user gave, to check facts before citing them."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "The http or https address to read.", "maxLength": 4000},
            "offset": {
                "type": "integer",
                "minimum": 0,
                "description": "Where to start in the page's text (from a previous read_page result); 0 by default.",
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    }
    risk = Risk.READ_ONLY
    timeout = 60.0  # above fetch_timeout, so the plain message of our own timeout wins

    def __init__(
        self,
        *,
        allow_local_urls: bool = False,
        token_budget: int = 3000,
        max_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 5,
        fetch_timeout: float = 30.0,
        allowed_networks: Iterable[IPNetwork] = (),
        resolve: Resolver = resolve_host,
    ) -> None:
        self.allow_local_urls = allow_local_urls
        self.token_budget = token_budget
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.fetch_timeout = fetch_timeout
        self._allowed_networks = tuple(allowed_networks)
        self._resolve = resolve
        self._cache: collections.OrderedDict[str, _Page] = collections.OrderedDict()

    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Return the slice at ``offset`` with a note on how to read on; ToolError for anything unreadable."""
        url = str(args.get("url", "")).strip()
        offset = int(args.get("offset") or 0)
        page = self._cache.get(url) if offset > 0 else None
        if page is None:
            page = await self._load(url)
            self._cache[url] = page
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        self._cache.move_to_end(url)
        return self._result(page, offset)

    def status(self, args: dict[str, Any]) -> str:
        return f"Reading {describe_url(str(args.get('url', '')))}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        where = describe_url(result.sources[0].url if result.sources else str(args.get("url", "")))
        words = len(result.sources[0].excerpt.split()) if result.sources else 0
        return f"Read {where} · {words:,} word{'s' if words != 1 else ''}"

    # -- work -----------------------------------------------------------------

    async def _check(self, url: str) -> None:
        await check_url(
            url,
            allow_local_urls=self.allow_local_urls,
            allowed_networks=self._allowed_networks,
            resolve=self._resolve,
        )

    async def _load(self, url: str) -> _Page:
        transport = guarded_transport(
            verify=await ssl_context(),
            allow_local_urls=self.allow_local_urls,
            allowed_networks=self._allowed_networks,
            resolve=self._resolve,
        )
        timeout = httpx.Timeout(self.fetch_timeout, connect=min(10.0, self.fetch_timeout))
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,application/pdf,text/*;q=0.9,*/*;q=0.5",
        }
        where = describe_url(url)
        try:
            async with (
                httpx.AsyncClient(
                    transport=transport,
                    timeout=timeout,
                    headers=headers,
                    follow_redirects=False,
                    trust_env=False,
                ) as client,
                asyncio.timeout(self.fetch_timeout),
            ):
                fetched = await fetch(
                    client,
                    url,
                    max_bytes=self.max_bytes,
                    max_redirects=self.max_redirects,
                    check_hop=self._check,
                )
        except TimeoutError as exc:
            raise ToolError(
                f"{where} did not finish sending the page within {self.fetch_timeout:g} seconds; "
                "try again later or read another source."
            ) from exc
        extracted = await asyncio.to_thread(_extract, fetched)
        notes: list[str] = []
        if fetched.truncated:
            megabytes = self.max_bytes / (1024 * 1024)
            notes.append(
                f"The page is larger than {megabytes:g} MB; only its first {megabytes:g} MB were read."
            )
        if extracted.note:
            notes.append(extracted.note)
        if not extracted.text:
            raise ToolError(
                f"{describe_url(fetched.url)} has no readable text (the page may need JavaScript)."
            )
        return _Page(fetched.url, extracted.title, extracted.text, tuple(notes), utc_now_iso())

    def _result(self, page: _Page, offset: int) -> ToolResult:
        total = len(page.text)
        if offset >= total:
            raise ToolError(
                f"offset {offset:,} is past the end of this page's text ({total:,} characters); "
                "read it from offset 0, or from an offset a previous result gave."
            )
        excerpt, end = slice_text(page.text, offset, self.token_budget)
        header = [page.title or describe_url(page.url), page.url]
        if offset > 0 or end < total:
            header.append(f"[Characters {offset:,}–{end:,} of {total:,}]")
        lines = ["\n".join(header), excerpt.strip()]
        footer = [f"[{note}]" for note in page.notes]
        if end < total:
            footer.append(f"[The text continues. To read on, call read_page with this url and offset={end}.]")
        else:
            footer.append("[End of the page's text.]")
        lines.append("\n".join(footer))
        source = SourceRecord(
            tool=self.name,
            title=page.title or describe_url(page.url),
            url=page.url,
            retrieved_at=page.retrieved_at,
            excerpt=excerpt.strip(),
        )
        return ToolResult("\n\n".join(lines), sources=(source,))


def _extract(fetched: Fetched) -> Extracted:
    if fetched.kind == "pdf":
        if fetched.truncated:
            raise ToolError(
                "This PDF is larger than Backstage reads (its end was cut off), so it cannot be opened."
            )
        return extract_pdf(fetched.data)
    if fetched.kind == "html":
        return extract_html(fetched.data, fetched.url)
    return extract_text(fetched.data, fetched.charset)
