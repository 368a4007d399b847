"""Any server that speaks OpenAI Chat Completions: OpenAI, OpenRouter, Groq, vLLM, llama.cpp, Ollama, LM Studio.

The pipeline is bytes → :mod:`.sse` events → JSON chunks →
:class:`.openai_accumulator.ChatStreamState` → our deltas. This module owns
only the HTTP side: building the request, mapping transport failures and
non-2xx answers to :mod:`desktop_app.core.errors`, and closing the stream.

The provider never retries (the loop does, before the first token). Cancelling
the task that iterates :meth:`OpenAICompatProvider.stream` closes the HTTP
stream at once; so does closing the iterator (``contextlib.aclosing``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from email.utils import parsedate_to_datetime
from typing import Any, cast
from urllib.parse import urlsplit

import httpx

from desktop_app.core.conversation import (
    AssistantMessage,
    ChatRequest,
    ToolResultMessage,
    UserMessage,
)
from desktop_app.core.errors import (
    ConnectionFailed,
    ProviderError,
    StreamInterrupted,
    StreamProtocolError,
    register_secret,
)
from desktop_app.core.stream import StreamDelta

from .openai_accumulator import ChatStreamState, error_for, server_message
from .sse import SSEDecoder, SSEEvent

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
_DRAIN_LIMIT = 1.0  # seconds spent reading past [DONE] at most

# Loopback never goes through a proxy, even when HTTP(S)_PROXY is set and NO_PROXY
# forgot it: a local model server behind a corporate proxy is never what anyone means.
_NO_PROXY_MOUNTS: dict[str, httpx.AsyncBaseTransport | None] = {
    "all://127.0.0.1": None,
    "all://localhost": None,
    "all://[::1]": None,
}


class OpenAICompatProvider:
    """A Chat Completions server at ``base_url`` (the part before ``/chat/completions``).

    ``api_key`` is sent only as ``Authorization: Bearer``; it is registered
    with :func:`~desktop_app.core.errors.register_secret` so no error text can
    show it. ``timeout`` is an :class:`httpx.Timeout` or a number of seconds
    for reads (connecting keeps its 10 s limit). An ``http_client`` passed in
    is used as is and left open by :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "openai",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        if api_key:
            register_secret(api_key)
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(connect=10.0, read=float(timeout), write=30.0, pool=10.0)
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(timeout=timeout, mounts=_NO_PROXY_MOUNTS)
        # OpenAI's newer models refuse max_tokens; most other servers only know max_tokens.
        self._max_tokens_key = (
            "max_completion_tokens" if urlsplit(self.base_url).hostname == "api.openai.com" else "max_tokens"
        )

    def _headers(self, *, streaming: bool) -> dict[str, str]:
        headers = {"Accept": "text/event-stream" if streaming else "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        """Stream one completion as deltas; see :mod:`desktop_app.core.stream` for the promises.

        Raises a :class:`~desktop_app.core.errors.ProviderError` subclass for
        every failure: the HTTP status, an error object inside the stream, a
        dropped connection, or a stream that ends before it finished.
        """
        body = build_request_body(request, max_tokens_key=self._max_tokens_key)
        url = f"{self.base_url}/chat/completions"
        state = ChatStreamState()
        answered = False  # response headers arrived
        try:
            async with self._client.stream(
                "POST", url, json=body, headers=self._headers(streaming=True)
            ) as response:
                answered = True
                if not response.is_success:
                    await response.aread()
                    raise error_from_response(response)
                # aiter_bytes is an async generator (typed as a mere iterator): close it with the response.
                body_chunks = cast(AsyncGenerator[bytes, None], response.aiter_bytes())
                async with (
                    aclosing(body_chunks) as chunks,
                    aclosing(_deltas(chunks, state)) as deltas,
                ):
                    async for delta in deltas:
                        yield delta
        except httpx.TimeoutException as exc:
            raise _timeout_error(exc, answered=answered, state=state) from None
        except (httpx.RequestError, httpx.InvalidURL) as exc:  # RequestError covers every transport error
            raise _transport_error(exc, answered=answered, url=url) from None

    async def list_models(self) -> list[str]:
        """Model ids the server offers (``GET {base_url}/models``), in the server's order."""
        url = f"{self.base_url}/models"
        try:
            response = await self._client.get(url, headers=self._headers(streaming=False))
        except httpx.TimeoutException as exc:
            raise _timeout_error(exc, answered=False, state=ChatStreamState()) from None
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            raise _transport_error(exc, answered=False, url=url) from None
        if not response.is_success:
            raise error_from_response(response)
        try:
            payload = response.json()
        except ValueError:
            raise StreamProtocolError(
                "The model server's list of models could not be read.",
                detail=f"GET {url}: not JSON: {response.text[:500]}",
            ) from None
        items = payload.get("data", payload.get("models")) if isinstance(payload, dict) else payload
        ids: list[str] = []
        for item in items if isinstance(items, list) else ():
            model_id = (item.get("id") or item.get("name")) if isinstance(item, dict) else item
            if isinstance(model_id, str) and model_id:
                ids.append(model_id)
        return ids

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_client:
            await self._client.aclose()


# -- request --------------------------------------------------------------------


def build_request_body(request: ChatRequest, *, max_tokens_key: str = "max_tokens") -> dict[str, Any]:
    """The JSON body for ``POST /chat/completions`` (streaming, usage requested)."""
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    for message in request.messages:
        if isinstance(message, UserMessage):
            messages.append({"role": "user", "content": message.text})
        elif isinstance(message, AssistantMessage):
            # Always a string: llama.cpp rejects a null content next to tool calls.
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or ""}
            if message.tool_calls:
                entry["tool_calls"] = [
                    {
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments or "{}"},
                    }
                    for call in message.tool_calls
                ]
            messages.append(entry)
        elif isinstance(message, ToolResultMessage):
            messages.append({"role": "tool", "tool_call_id": message.call_id, "content": message.text})
    body: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
    if request.max_output_tokens is not None:
        body[max_tokens_key] = request.max_output_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    return body


# -- response -------------------------------------------------------------------


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` (normally only the end of the body) so the connection is reused.

    The openai SDK does the same; a server that keeps the body open after
    ``[DONE]`` only costs us that connection, never the answer.
    """
    try:
        async with asyncio.timeout(_DRAIN_LIMIT):
            async for _ in chunks:
                pass
    except (TimeoutError, httpx.HTTPError):
        pass


def _is_done(event: SSEEvent) -> bool:
    return event.data.strip() == "[DONE]"


def _decode(event: SSEEvent, *, final: bool) -> dict[str, Any]:
    """The chunk dict an event carries; ``{}`` for an empty one."""
    text = event.data.strip()
    if not text:
        return {}
    try:
        chunk = json.loads(text)
    except ValueError:
        if event.event == "error":
            return {"error": text}
        if final:
            # The connection closed in the middle of the last line; finish() tells whether that matters.
            return {}
        raise StreamProtocolError(detail=f"event data is not JSON: {text[:500]}") from None
    if event.event == "error":
        return {"error": chunk.get("error", chunk) if isinstance(chunk, dict) else chunk}
    if not isinstance(chunk, dict):
        raise StreamProtocolError(detail=f"event data is not a JSON object: {text[:500]}")
    return chunk


async def _deltas(chunks: AsyncIterator[bytes], state: ChatStreamState) -> AsyncGenerator[StreamDelta, None]:
    """Deltas from a 2xx body: an event stream, or one whole JSON completion."""
    decoder = SSEDecoder()
    sniffed = False
    async for chunk in chunks:
        if not sniffed and chunk.strip():
            sniffed = True
            # An event stream never starts with "{"; a server that ignored "stream" sends a whole object.
            if chunk.lstrip()[:1] == b"{":
                body = chunk + b"".join([rest async for rest in chunks])
                for delta in _whole_completion(body, state):
                    yield delta
                return
        for event in decoder.feed(chunk):
            if _is_done(event):
                for delta in state.finish(done=True):
                    yield delta
                await _drain(chunks)
                return
            for delta in state.accumulate(_decode(event, final=False)):
                yield delta
    done = False
    for event in decoder.flush():
        done = _is_done(event)
        if not done:
            for delta in state.accumulate(_decode(event, final=True)):
                yield delta
    for delta in state.finish(done=done):
        yield delta


def _whole_completion(body: bytes, state: ChatStreamState) -> list[StreamDelta]:
    """Deltas for a non-streamed ``chat.completion`` body, through the same accumulator."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        raise StreamProtocolError(detail=f"body is not JSON: {text[:500]}") from None
    if not isinstance(payload, dict):
        raise StreamProtocolError(detail=f"body is not a JSON object: {text[:500]}")
    choices = []
    for choice in payload.get("choices") or ():
        if isinstance(choice, dict):
            message = dict(choice.get("message") or {})
            calls = message.get("tool_calls") or []
            message["tool_calls"] = [
                {"index": n, **call} for n, call in enumerate(calls) if isinstance(call, dict)
            ]
            choices.append({**choice, "delta": message})
    chunk = {"error": payload.get("error"), "choices": choices, "usage": payload.get("usage")}
    return state.accumulate(chunk) + state.finish(done=False)


def error_from_response(response: httpx.Response) -> ProviderError:
    """The ProviderError for a non-2xx answer whose body has been read."""
    text = response.text
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    message = server_message(payload)
    payload_code = _code_of(payload)
    if not message:
        stripped = text.strip()
        # An HTML error page says nothing a user can act on; the status line does.
        message = response.reason_phrase if stripped.startswith("<") else stripped
    return error_for(
        response.status_code,
        message,
        code=payload_code,
        retry_after=retry_after_seconds(response.headers),
        detail=f"HTTP {response.status_code} from {response.request.url}: {text[:2000]}",
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


def _timeout_error(exc: httpx.TimeoutException, *, answered: bool, state: ChatStreamState) -> ProviderError:
    if not answered:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            message = "Could not reach the model server in time. Check the address and your connection."
        else:
            message = "The model server did not answer in time. It may be busy or still loading the model."
        return ConnectionFailed(message, detail=f"{type(exc).__name__}: {exc}")
    if state.received_content:
        return StreamInterrupted(
            "The model server stopped sending in the middle of the answer.",
            detail=f"{type(exc).__name__}: {exc}",
        )
    return StreamProtocolError(
        "The model server started an answer but sent nothing in time.",
        detail=f"{type(exc).__name__}: {exc}",
    )


def _transport_error(exc: Exception, *, answered: bool, url: str) -> ProviderError:
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
    return ConnectionFailed(
        f"Could not reach the model server at {_origin(url)}. Check the address and that the server is running.",
        detail=detail,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
