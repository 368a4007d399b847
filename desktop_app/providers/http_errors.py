"""The HTTP side every provider shares: one way to build the client, and every failure mapped to an error.

A model server says "no" in many dialects: an HTTP status, a JSON error body
(OpenAI's ``{"error": {...}}``, Anthropic's ``{"type": "error", "error": {...}}``,
Ollama's ``{"error": "..."}``), an error object inside a stream, or a transport
failure (refused, timed out, TLS). This module turns each into the one
:class:`~desktop_app.core.errors.ProviderError` subclass whose plain message a
user can act on, followed by the server's own words (redacted, one line).

No wire format is parsed here beyond finding an error's message and code.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from desktop_app.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectionFailed,
    ContextTooLongError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    StreamProtocolError,
    redact,
)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
DRAIN_LIMIT = 1.0  # seconds spent reading past the end of an answer at most

# Loopback never goes through a proxy, even when HTTP(S)_PROXY is set and NO_PROXY
# forgot it: a local model server behind a corporate proxy is never what anyone means.
NO_PROXY_MOUNTS: dict[str, httpx.AsyncBaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://localhost": None,
    "all://[::1]": None,
}

_CONTEXT_WORDS = re.compile(
    r"context[_ ]length|maximum context|context (?:size|window)|too many tokens|prompt is too long"
    r"|prompt too long|exceeds? the (?:available )?context|exceed_context",
    re.IGNORECASE,
)
_CREDIT_WORDS = re.compile(r"insufficient_quota|billing_error|credit balance|out of credits?", re.IGNORECASE)
_MAX_SERVER_MESSAGE = 400

NOT_FOUND_OPENAI = (
    "The server has no chat service at this address, or does not know this model. "
    "Check the address (it often ends in /v1) and the model name."
)


def as_timeout(timeout: httpx.Timeout | float) -> httpx.Timeout:
    """``timeout`` as an :class:`httpx.Timeout`; a number is the read limit (connecting keeps 10 s)."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(connect=10.0, read=float(timeout), write=30.0, pool=10.0)


def make_client(timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """The HTTP client a provider owns: proxies from the environment except for loopback,
    and the operating system's certificate store when ``truststore`` is installed (so a
    corporate proxy's own certificate authority is trusted, as the browser trusts it)."""
    verify: ssl.SSLContext | bool = True
    try:
        import truststore

        verify = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except ImportError:  # certifi's bundle (httpx's default) still works for the public APIs
        pass
    return httpx.AsyncClient(timeout=as_timeout(timeout), mounts=NO_PROXY_MOUNTS, verify=verify)


async def drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows the end of an answer (normally only the end of the body) so the
    connection is reused. A server that keeps the body open only costs us that connection."""
    try:
        async with asyncio.timeout(DRAIN_LIMIT):
            async for _ in chunks:
                pass
    except (TimeoutError, httpx.HTTPError):
        pass


# -- messages and codes ------------------------------------------------------------


def server_message(payload: object) -> str:
    """The human-readable message inside an error payload, or ``""``.

    Understands ``{"error": {"message": ...}}``, ``{"error": "..."}``,
    ``{"message": ...}``, ``{"detail": ...}`` and a list holding one of these.
    """
    if isinstance(payload, list) and payload:
        return server_message(payload[0])
    if isinstance(payload, str):
        return payload
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        return server_message(error) or ""
    if isinstance(error, str) and error:
        return error
    for key in ("message", "detail", "msg"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list | dict) and value:
            return server_message(value) or json.dumps(value, ensure_ascii=False)
    return ""


def one_line(text: str) -> str:
    """Collapse whitespace and cap the length, so a server message fits in one line."""
    text = " ".join(text.split())
    if len(text) > _MAX_SERVER_MESSAGE:
        text = text[: _MAX_SERVER_MESSAGE - 1].rstrip() + "…"
    return text


def error_for(
    status: int | None,
    message: str,
    *,
    code: str = "",
    retry_after: float | None = None,
    detail: str = "",
    not_found: str = NOT_FOUND_OPENAI,
) -> ProviderError:
    """The ProviderError for an HTTP status and/or an error ``code``/``type`` string.

    The user-facing message is the class's plain explanation followed by the
    server's own words (redacted, one line). ``not_found`` is what a 404 means
    for this kind of server (where its address usually ends, say).
    """
    code = code.lower()
    said = one_line(redact(message))
    cls = _class_for(status, code)
    if cls in (BadRequestError, StreamProtocolError) and (
        _CONTEXT_WORDS.search(message) or _CONTEXT_WORDS.search(code)
    ):
        cls = ContextTooLongError
    out_of_credit = bool(_CREDIT_WORDS.search(code) or _CREDIT_WORDS.search(message))
    text = cls.default_message
    if out_of_credit:
        text = "Your account with this service is out of credit or over its quota. Add credit on its website."
    elif status == 404 and cls is BadRequestError:
        text = not_found
    elif cls is ServerError and (status in (503, 529) or "overloaded" in code):
        text = "The model server is overloaded right now. Try again in a little while."
    elif cls is StreamProtocolError:
        text = "The model server reported an error."
    if said:
        text = f"{text} The server said: {said}"
    error = cls(
        text,
        detail=detail or f"status={status} code={code!r}: {message}",
        status=status,
        retry_after=retry_after,
    )
    if out_of_credit:
        error.retryable = False  # an empty account does not refill by waiting
    return error


def _class_for(status: int | None, code: str) -> type[ProviderError]:
    if status is not None:
        if status in (401, 403):
            return AuthenticationError
        if status == 429:
            return RateLimitError
        if status >= 500 or status in (408, 409):
            return ServerError
        if 400 <= status < 500:
            return BadRequestError
    if "auth" in code or "api_key" in code or "permission" in code:
        return AuthenticationError
    if "rate_limit" in code or "quota" in code:
        return RateLimitError
    if any(word in code for word in ("server_error", "overloaded", "api_error", "internal")):
        return ServerError
    if any(word in code for word in ("invalid_request", "not_found", "too_large")):
        return BadRequestError
    return StreamProtocolError


def error_from_object(error: object) -> ProviderError:
    """The ProviderError for an ``"error"`` value found inside a stream (OpenAI's shape)."""
    message = server_message(error) or (error if isinstance(error, str) else "")
    status: int | None = None
    code = ""
    if isinstance(error, dict):
        for key in ("code", "status"):
            value = error.get(key)
            if isinstance(value, int) and 100 <= value < 600:
                status = value
            elif isinstance(value, str) and value.isdigit():
                status = int(value)
            elif isinstance(value, str):
                code = f"{code} {value}".strip()
        kind = error.get("type")
        if isinstance(kind, str):
            code = f"{code} {kind}".strip()
    detail = f"error object in stream: {json.dumps(error, ensure_ascii=False)[:2000]}"
    return error_for(status, message, code=code, detail=detail)


def error_from_response(response: httpx.Response, *, not_found: str = NOT_FOUND_OPENAI) -> ProviderError:
    """The ProviderError for a non-2xx answer whose body has been read."""
    text = response.text
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    message = server_message(payload)
    if not message:
        stripped = text.strip()
        # An HTML error page says nothing a user can act on; the status line does.
        message = response.reason_phrase if stripped.startswith("<") else stripped
    return error_for(
        response.status_code,
        message,
        code=_code_of(payload),
        retry_after=retry_after_seconds(response.headers),
        detail=f"HTTP {response.status_code} from {response.request.url}: {text[:2000]}",
        not_found=not_found,
    )


def _code_of(payload: object) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return ""
    return " ".join(str(error[key]) for key in ("code", "type") if isinstance(error.get(key), str))


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, or ``Retry-After`` seconds or HTTP date."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(float(value) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


# -- transport failures --------------------------------------------------------------


def timeout_error(exc: httpx.TimeoutException, *, answered: bool, received: bool) -> ProviderError:
    """The error for a timeout: before the headers (``answered`` false), or after
    some of the answer arrived (``received``), or after the headers but before any of it."""
    if not answered:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            message = "Could not reach the model server in time. Check the address and your connection."
        else:
            message = "The model server did not answer in time. It may be busy or still loading the model."
        return ConnectionFailed(message, detail=f"{type(exc).__name__}: {exc}")
    if received:
        return StreamInterrupted(
            "The model server stopped sending in the middle of the answer.",
            detail=f"{type(exc).__name__}: {exc}",
        )
    return StreamProtocolError(
        "The model server started an answer but sent nothing in time.",
        detail=f"{type(exc).__name__}: {exc}",
    )


def transport_error(exc: Exception, *, answered: bool, url: str) -> ProviderError:
    """The error for a transport failure (bad address, refused, TLS, dropped) talking to ``url``."""
    detail = f"{type(exc).__name__} for {url}: {exc}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        error = ConnectionFailed(
            f"The server address {url!r} is not a valid web address; it should start with http:// or https://.",
            detail=detail,
        )
        error.retryable = False  # waiting will not fix a typo
        return error
    if answered:
        return StreamInterrupted(detail=detail)
    if _is_tls_failure(exc):
        error = ConnectionFailed(
            f"The secure connection to {origin(url)} could not be verified (its certificate is not trusted). "
            "On a company network, a proxy may be inspecting traffic; ask your IT team for its certificate.",
            detail=detail,
        )
        error.retryable = False
        return error
    return ConnectionFailed(
        f"Could not reach the model server at {origin(url)}. Check the address and that the server is running.",
        detail=detail,
    )


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):  # httpx wraps the ssl error once or twice
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: enough to say which server, never a path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
