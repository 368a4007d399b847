"""One hierarchy for everything that can go wrong, each with words a user understands.

``message`` is what the user reads; ``detail`` is the technical account for
``--debug`` and logs. Both pass through :func:`redact` so an API key that a
server echoes back never reaches the screen, a log or the history.
"""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{16,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{8,})"
)


def register_secret(value: str) -> None:
    """Remember a secret so that :func:`redact` removes it wherever it appears."""
    if value and len(value) >= 6:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """Replace known secrets and key-shaped strings with a mask."""
    if not text:
        return text
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "•••")
    return _KEY_PATTERNS.sub("•••", text)


class BackstageError(Exception):
    """Base of every error Backstage reports. ``kind`` names the category in events."""

    kind = "internal"
    default_message = "Something went wrong inside Backstage."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = redact(message or self.default_message)
        self.detail = redact(detail)
        super().__init__(self.message)


class ConfigurationError(BackstageError):
    """Raised when settings or command-line options cannot work (missing model, bad URL)."""

    kind = "configuration"
    default_message = "Backstage is not set up correctly."


class ProviderError(BackstageError):
    """Base of errors from a model server. ``retryable`` errors may be retried before the first token."""

    kind = "provider"
    default_message = "The model server reported a problem."
    retryable = False

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        self.status = status
        self.retry_after = retry_after


class AuthenticationError(ProviderError):
    """Raised on 401/403: the key is missing, wrong or lacks access."""

    kind = "authentication"
    default_message = "The server rejected the API key. Check that it is correct and still active."


class RateLimitError(ProviderError):
    """Raised on 429: too many requests or quota exhausted."""

    kind = "rate_limit"
    default_message = "The server is limiting requests right now. Try again in a moment."
    retryable = True


class ServerError(ProviderError):
    """Raised on 5xx or an "overloaded" answer: the server failed, not the request.

    Only the failures that waiting can fix are retried (busy, overloaded, a gateway
    in between); a plain 500 usually repeats on the same request, so it is reported.
    """

    kind = "server"
    default_message = "The model server had an internal problem."
    RETRYABLE_STATUSES = frozenset({408, 409, 502, 503, 504, 529})

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail, status=status, retry_after=retry_after)
        self.retryable = status is None or status in self.RETRYABLE_STATUSES or retry_after is not None


class BadRequestError(ProviderError):
    """Raised on 400/404/422: the server could not accept the request as sent."""

    kind = "bad_request"
    default_message = "The server could not accept the request."


class ContextTooLongError(BadRequestError):
    """Raised when the server says the prompt exceeds the model's context window."""

    kind = "context_too_long"
    default_message = "The conversation is too long for this model's context window."


class ConnectionFailed(ProviderError):
    """Raised when the server cannot be reached at all (refused, DNS, timeout before any answer)."""

    kind = "connection"
    default_message = "Could not reach the model server. Check the address and your connection."
    retryable = True


class StreamInterrupted(ProviderError):
    """Raised when the connection dropped, or the server stopped, in the middle of an answer."""

    kind = "stream_interrupted"
    default_message = "The connection to the model server was lost in the middle of the answer."


class StreamProtocolError(ProviderError):
    """Raised when the stream is malformed, carries an error object, or ends without finishing."""

    kind = "stream_error"
    default_message = "The model server sent an answer Backstage could not read."


class ToolError(BackstageError):
    """Raised inside a tool; its message goes back to the model as the tool's result."""

    kind = "tool"
    default_message = "The tool failed."


def describe(exc: BaseException) -> BackstageError:
    """Turn any exception into a BackstageError with a plain message."""
    if isinstance(exc, BackstageError):
        return exc
    return BackstageError(detail=f"{type(exc).__name__}: {exc}")
