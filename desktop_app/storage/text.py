"""Text rules of the history: automatic titles, what search indexes, and safe search queries."""

from __future__ import annotations

from ..core.events import Event, ToolFinished, TurnFinished, TurnStarted

TITLE_LENGTH = 60


def title_from(text: str, limit: int = TITLE_LENGTH) -> str:
    """A conversation title from a user message: one line, cut at a word boundary."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit]
    space = cut.rfind(" ")
    if space >= limit // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def searchable(event: Event) -> tuple[str, str] | None:
    """The (text, role) an event contributes to full-text search, if any."""
    if isinstance(event, TurnStarted):
        return event.user_text, "user"
    if isinstance(event, TurnFinished):
        return event.text, "answer"
    if isinstance(event, ToolFinished):
        return event.result_preview, "tool"
    return None


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must appear, the last as a prefix.

    Each word becomes a quoted phrase, so quotes, ``AND``/``OR``/``NEAR``, ``*``,
    ``-`` and parentheses are searched for as text instead of parsed as syntax.
    """
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    phrases = ['"' + w.replace('"', '""') + '"' for w in words]
    if phrases:
        phrases[-1] += "*"
    return " ".join(phrases)
