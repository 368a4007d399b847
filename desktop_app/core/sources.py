"""Source records: where a fact in a tool result came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class SourceRecord:
    """One source a tool consulted.

    ``id`` is 0 when a tool creates the record; the loop numbers sources per
    conversation when it injects the result, and that number is what the model
    cites as ``[n]``.
    """

    id: int = 0
    tool: str
    title: str
    url: str = ""
    retrieved_at: str = ""
    excerpt: str = ""
