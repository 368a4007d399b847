"""Small, shared ways of writing figures for people (every reader says them the same way)."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """ "340 ms", "1.2 s", "2 min 5 s": precise when short, readable when long."""
    if seconds < 1:
        return f"{max(seconds * 1000, 0):.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def format_tokens(count: int) -> str:
    """ "850", "12.4k", "1.2M"."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"
