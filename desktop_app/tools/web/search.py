"""The web_search tool: one query to the configured search service, each result a source."""

from __future__ import annotations

from typing import Any

from ...core.sources import SourceRecord, utc_now_iso
from ..base import Risk, Tool, ToolResult
from .backends import SearchBackend, SearchHit

__all__ = ["WebSearch", "format_hits"]

MAX_QUERY_CHARS = 400


def format_hits(query: str, label: str, hits: list[SearchHit]) -> str:
    """The compact text the model reads: title, address and snippet per result, in rank order.

    Results are not numbered here: the loop appends each source with the number the model
    cites (``[n] title <url>``), and a second numbering would only invite wrong citations.
    """
    if not hits:
        return f"{label} found no results for {query!r}. Try other words, or a shorter query."
    blocks = [f"{label} results for {query!r}, best first:"]
    for hit in hits:
        lines = [f"- {hit.title}", f"  {hit.url}"]
        if hit.snippet:
            lines.append(f"  {hit.snippet}")
        blocks.append("\n".join(lines))
    blocks.append("Snippets are short; read a page with read_page before relying on its figures.")
    return "\n".join(blocks)


class WebSearch(Tool):
    """Searches the web through a :class:`~desktop_app.tools.web.backends.SearchBackend`.

    Every result becomes a :class:`SourceRecord` in rank order; its excerpt starts with
    the rank ("[rank 2] …") followed by the engine's snippet.
    """

    name = "web_search"
    description = (
        "Search the web. Returns titles, addresses and short snippets of the best results. Use it for "
        "facts that change or that you are unsure of, then read the most relevant pages with read_page."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {
                "type": "string",
                "description": "What to search for, as you would type it into a search engine.",
                "minLength": 1,
                "maxLength": MAX_QUERY_CHARS,
            },
            "max_results": {
                "type": "integer",
                "minimum": 1,
                "maximum": 10,
                "description": "How many results to return (5 by default).",
            },
        },
        "required": ["query"],
        "additionalProperties": False,
    }
    risk = Risk.READ_ONLY
    timeout = 30.0

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend

    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Return the results as compact text plus one source per result; ToolError when the service fails."""
        query = " ".join(str(args.get("query", "")).split())
        max_results = int(args.get("max_results") or 5)
        hits = await self.backend.search(query, max_results)
        retrieved_at = utc_now_iso()
        sources = tuple(
            SourceRecord(
                tool=self.name,
                title=hit.title,
                url=hit.url,
                retrieved_at=retrieved_at,
                excerpt=f"[rank {rank}] {hit.snippet}".strip(),
            )
            for rank, hit in enumerate(hits, start=1)
        )
        return ToolResult(format_hits(query, self.backend.label, hits), sources=sources)

    def status(self, args: dict[str, Any]) -> str:
        return f"Searching the web for {_quoted(args)}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        count = len(result.sources)
        return f"Searched the web · {count} result{'s' if count != 1 else ''}"


def _quoted(args: dict[str, Any]) -> str:
    query = " ".join(str(args.get("query", "")).split())
    return f"'{query if len(query) <= 80 else query[:79] + '…'}'"
