"""When to retry a failed request, and how long to wait."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ProviderError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for requests that failed before any token arrived.

    ``budget`` bounds the total waiting when the server gives no Retry-After,
    so a dead server gives up in about that long; a Retry-After is honoured up
    to ``max_server_delay``.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 16.0
    budget: float = 45.0
    max_server_delay: float = 120.0
    # A server that refuses connections is usually not running; say so after a short try, not 45 s.
    max_connection_attempts: int = 3

    def delay(self, error: ProviderError, attempt: int, waited: float) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if error.kind == "connection" and attempt >= self.max_connection_attempts:
            return None
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_server_delay)
        delay = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        if waited + delay > self.budget:
            return None
        return delay
