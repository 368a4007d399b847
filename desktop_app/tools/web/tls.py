"""One TLS context shared by every request the web tools make.

Building one loads the CA bundle, about 25 ms of CPU; done per request on the event
loop, eight parallel page reads would queue behind each other for 200 ms. So it is
built once, in a worker thread, and reused (an SSLContext is safe to share).
"""

from __future__ import annotations

import asyncio
import ssl

import httpx

__all__ = ["ssl_context"]

_context: ssl.SSLContext | None = None


async def ssl_context() -> ssl.SSLContext:
    """The shared context (SSL_CERT_FILE / SSL_CERT_DIR are honoured), built off the event loop."""
    global _context
    if _context is None:
        # Two first callers may both build one; the spare is simply dropped.
        _context = await asyncio.to_thread(httpx.create_ssl_context)
    return _context
