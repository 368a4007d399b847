"""Fetching one model-chosen URL: redirects followed by hand, a byte cap, a content-type check.

Promises of :func:`fetch`:

- at most ``max_redirects`` redirects, each hop checked by ``check_hop`` before it is requested;
- the body is read as it streams and cut at ``max_bytes`` (decoded bytes, so a compressed
  bomb is cut too); a longer body is not an error, ``Fetched.truncated`` says it was cut;
- a body that is neither HTML, text nor PDF is refused from its headers (or its first bytes
  when the server does not say), before the rest is downloaded;
- every failure is a :class:`~desktop_app.core.errors.ToolError` with a plain message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from ...core.errors import ToolError

__all__ = ["Fetched", "Kind", "classify", "describe_url", "fetch"]

Kind = Literal["html", "text", "pdf"]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
_TEXT_APPLICATION_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
# Servers send these when they do not know: the first bytes decide.
_UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})


@dataclass(frozen=True)
class Fetched:
    """A fetched body. ``url`` is the final address, after redirects."""

    url: str
    kind: Kind
    content_type: str
    charset: str | None
    data: bytes
    truncated: bool


def describe_url(url: str | httpx.URL) -> str:
    """The host (without "www.") for status lines and messages: "example.org"."""
    try:
        host = httpx.URL(str(url)).host
    except httpx.InvalidURL:
        return str(url)[:80]
    return host.removeprefix("www.") or str(url)[:80]


def classify(content_type: str, head: bytes) -> Kind | None:
    """What a body is, from its media type or, when the server does not say, its first bytes."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _HTML_TYPES:
        return "html"
    if media in _PDF_TYPES:
        return "pdf"
    if media.startswith("text/") or media in _TEXT_APPLICATION_TYPES:
        return "text"
    if media.startswith("application/") and media.endswith(("+xml", "+json")):
        return "text"
    if media not in _UNKNOWN_TYPES:
        return None
    if head.startswith(b"%PDF-"):
        return "pdf"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return "html"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return None
    return "text"


def _status_message(where: str, response: httpx.Response) -> str:
    code = response.status_code
    label = f"{code} {response.reason_phrase}".strip()
    if code in (404, 410):
        return f"{where} answered {label}: the page does not exist (or no longer does)."
    if code in (401, 403):
        return f"{where} refused access ({label}); the page may need a login, or it blocks automated readers."
    if code == 429:
        return f"{where} is limiting requests right now ({label}); try again later or read another source."
    if code >= 500:
        return f"{where} had a problem on its side ({label}); try again later or read another source."
    return f"{where} did not send the page ({label})."


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    max_redirects: int,
    check_hop: Callable[[str], Awaitable[object]],
) -> Fetched:
    """GET ``url`` with ``client`` (which must not follow redirects itself); see the module docstring."""
    current = url
    for hop in range(max_redirects + 1):
        await check_hop(current)
        where = describe_url(current)
        try:
            response = await client.send(client.build_request("GET", current), stream=True)
        except httpx.TimeoutException as exc:
            raise ToolError(f"{where} did not answer in time.") from exc
        except httpx.ConnectError as exc:
            detail = str(exc) or type(exc).__name__
            if "CERTIFICATE" in detail.upper():
                raise ToolError(
                    f"{where} has an invalid security certificate, so Backstage did not read it."
                ) from exc
            raise ToolError(f"Could not connect to {where} ({detail}).") from exc
        except httpx.HTTPError as exc:
            raise ToolError(f"Could not read {where} ({type(exc).__name__}: {exc}).") from exc
        try:
            if response.is_redirect:
                if hop == max_redirects:
                    raise ToolError(
                        f"{where} redirected more than {max_redirects} times, so Backstage stopped following it."
                    )
                current = str(response.url.join(response.headers["location"]))
                continue
            if response.status_code >= 400:
                raise ToolError(_status_message(where, response))
            return await _read_body(response, where, max_bytes)
        finally:
            await response.aclose()
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


async def _read_body(response: httpx.Response, where: str, max_bytes: int) -> Fetched:
    content_type = response.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    kind = classify(content_type, b"") if media not in _UNKNOWN_TYPES else None
    if kind is None and media not in _UNKNOWN_TYPES:
        raise ToolError(_binary_message(where, media))
    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        async for chunk in response.aiter_bytes():
            if kind is None:  # the server did not say: the first bytes decide before we read on
                kind = classify(content_type, chunk[:1024])
                if kind is None:
                    raise ToolError(_binary_message(where, media or "unlabelled binary"))
            if size + len(chunk) > max_bytes:
                chunks.append(chunk[: max_bytes - size])
                size = max_bytes
                truncated = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except httpx.TimeoutException as exc:
        raise ToolError(f"{where} stopped sending the page part-way.") from exc
    except httpx.HTTPError as exc:
        raise ToolError(
            f"The connection to {where} broke off while reading the page ({type(exc).__name__})."
        ) from exc
    return Fetched(
        url=str(response.url),
        kind=kind or "text",  # an empty body with no type: nothing to read, but not binary
        content_type=media,
        charset=response.charset_encoding,
        data=b"".join(chunks),
        truncated=truncated,
    )


def _binary_message(where: str, media: str) -> str:
    return (
        f"{where} sent a file of type {media}, not a web page. Backstage reads HTML pages, plain text "
        "and PDFs only."
    )
