"""The HTTP exchanges every provider makes, with every failure turned into a ProviderError.

A provider streams one answer with :func:`post_stream` and reads its list of
models with :func:`get_model_list`; :func:`json_object` reads a whole JSON
body (a server that ignored ``"stream": true``). What the bytes *mean* stays in
each provider: this module never looks inside a 2xx body.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing, asynccontextmanager
from typing import Any, cast

import httpx

from desktop_app.core.errors import ProviderError, StreamProtocolError

from .http_errors import timeout_error, transport_error

ErrorFromResponse = Callable[[httpx.Response], ProviderError]


@asynccontextmanager
async def post_stream(
    client: httpx.AsyncClient,
    url: str,
    *,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    error_from_response: ErrorFromResponse,
    received: Callable[[], bool],
) -> AsyncIterator[AsyncIterator[bytes]]:
    """POST ``body`` as JSON and hand back the 2xx response body as chunks of bytes.

    A non-2xx answer is read whole and raised as ``error_from_response(response)``.
    A timeout or transport failure, while connecting or while the caller reads
    the chunks inside the ``async with``, is raised as the matching
    ProviderError; ``received()`` tells whether some of the answer had already
    arrived (a timeout then means an interrupted answer). Leaving the block,
    by an exception, a cancellation or ``aclose`` of the caller, closes the
    HTTP stream at once.
    """
    answered = False  # response headers arrived
    try:
        async with client.stream("POST", url, json=body, headers=headers) as response:
            answered = True
            if not response.is_success:
                await response.aread()
                raise error_from_response(response)
            # aiter_bytes is an async generator (typed as a mere iterator): close it with the response.
            body_chunks = cast(AsyncGenerator[bytes, None], response.aiter_bytes())
            async with aclosing(body_chunks) as chunks:
                yield chunks
    except httpx.TimeoutException as exc:
        raise timeout_error(exc, answered=answered, received=received()) from None
    except (httpx.RequestError, httpx.InvalidURL) as exc:  # RequestError covers every transport error
        raise transport_error(exc, answered=answered, url=url) from None


async def get_model_list(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    error_from_response: ErrorFromResponse,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """GET ``url`` and return its JSON payload, whatever its shape (the provider picks the ids out).

    A transport failure, a non-2xx answer (``error_from_response``) or a body
    that is not JSON is raised as a ProviderError.
    """
    try:
        response = await client.get(url, params=params, headers=headers)
    except httpx.TimeoutException as exc:
        raise timeout_error(exc, answered=False, received=False) from None
    except (httpx.RequestError, httpx.InvalidURL) as exc:
        raise transport_error(exc, answered=False, url=url) from None
    if not response.is_success:
        raise error_from_response(response)
    try:
        return response.json()
    except ValueError:
        raise StreamProtocolError(
            "The model server's list of models could not be read.",
            detail=f"GET {url}: not JSON: {response.text[:500]}",
        ) from None


def json_object(body: bytes) -> dict[str, Any]:
    """A whole response body as a JSON object; StreamProtocolError if it is not JSON or not an object."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        raise StreamProtocolError(detail=f"body is not JSON: {text[:500]}") from None
    if not isinstance(payload, dict):
        raise StreamProtocolError(detail=f"body is not a JSON object: {text[:500]}")
    return payload
