"""Small formatting helpers for sources and token counts: a URL's domain, "3 min ago", "4.1k"."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit


def domain(url: str) -> str:
    """The host a link points to, without "www." ("" for a link without one)."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def relative_time(iso: str, now: datetime | None = None) -> str:
    """When something happened, as people say it: "just now", "3 min ago", "2 h ago", "yesterday", a date.

    ``iso`` is an ISO 8601 time (a missing zone means UTC, as the loop writes it); "" if unreadable.
    """
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    seconds = (now - then).total_seconds()
    if seconds < 45:
        return "just now"  # also a clock a little ahead of ours: never "in 3 s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = (now.date() - then.astimezone(now.tzinfo).date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return f"{then:%d %b %Y}".lstrip("0")


def compact_tokens(count: int) -> str:
    """A token count short enough for a status bar: 950, 4.1k, 128k, 1.2M."""
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    if count < 1_000_000:
        return f"{round(count / 1000)}k"
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 source", "4 sources"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
