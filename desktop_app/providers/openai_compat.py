"""Any server that speaks OpenAI Chat Completions: OpenAI, OpenRouter, Groq, vLLM, llama.cpp, Ollama, LM Studio.

The pipeline is bytes → :mod:`.sse` events → JSON chunks →
:class:`.openai_accumulator.ChatStreamState` → our deltas. This module owns
the wire format: building the request and reading the body;
:mod:`.http_stream` opens and closes the stream, and :mod:`.http_errors` maps
transport failures and non-2xx answers.

The provider never retries (the loop does, before the first token). Cancelling
the task that iterates :meth:`OpenAICompatProvider.stream` closes the HTTP
stream at once; so does closing the iterator (``contextlib.aclosing``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop_app.core.conversation import (
    AssistantMessage,
    ChatRequest,
    ToolResultMessage,
    UserMessage,
)
from desktop_app.core.errors import StreamProtocolError, register_secret
from desktop_app.core.stream import StreamDelta

from .http_errors import DEFAULT_TIMEOUT, drain, error_from_response, make_client
from .http_stream import get_model_list, json_object, post_stream
from .openai_accumulator import ChatStreamState
from .sse import SSEDecoder, SSEEvent


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
        self._owns_client = http_client is None
        self._client = http_client or make_client(timeout)
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
        state = ChatStreamState()
        async with (
            post_stream(
                self._client,
                f"{self.base_url}/chat/completions",
                body=body,
                headers=self._headers(streaming=True),
                error_from_response=error_from_response,
                received=lambda: state.received_content,
            ) as chunks,
            aclosing(_deltas(chunks, state)) as deltas,
        ):
            async for delta in deltas:
                yield delta

    async def list_models(self) -> list[str]:
        """Model ids the server offers (``GET {base_url}/models``), in the server's order."""
        payload = await get_model_list(
            self._client,
            f"{self.base_url}/models",
            headers=self._headers(streaming=False),
            error_from_response=error_from_response,
        )
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
                await drain(chunks)
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
    payload = json_object(body)
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
