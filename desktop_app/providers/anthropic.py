"""Anthropic's Messages API, streamed natively (``POST {base_url}/v1/messages``).

The pipeline is bytes → :mod:`.sse` events → JSON →
:class:`.anthropic_accumulator.MessageStreamState` → our deltas. This module
owns the HTTP side and the request: the system prompt as the top-level
``system`` field, content blocks, tool calls as ``tool_use`` blocks and their
results as ``tool_result`` blocks inside a user message, and the ``max_tokens``
the API requires.

``base_url`` is the documented base *without* ``/v1`` (``https://api.anthropic.com``);
a trailing ``/v1`` is tolerated and dropped. The key travels only in the
``x-api-key`` header. The provider never retries (the loop does, before the
first token); cancelling the iterating task closes the HTTP stream at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import httpx

from desktop_app.core.conversation import AssistantMessage, ChatRequest, ToolResultMessage, UserMessage
from desktop_app.core.errors import ProviderError, StreamProtocolError, register_secret
from desktop_app.core.models import model_info
from desktop_app.core.stream import StreamDelta

from .anthropic_accumulator import MessageStreamState, error_from_event, events_from_message
from .http_errors import DEFAULT_TIMEOUT, drain, error_from_response, make_client
from .http_stream import get_model_list, json_object, post_stream
from .sse import SSEDecoder, SSEEvent

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
MAX_TOKENS_CAP = 8192  # a default, not a limit: enough for any chat answer, cheap if the model rambles
NOT_FOUND = (
    "The server has no Anthropic Messages API at this address, or does not know this model. "
    "Check the address (for Anthropic it has no /v1: https://api.anthropic.com) and the model name."
)


class AnthropicProvider:
    """A Messages API server at ``base_url``.

    ``api_key`` is registered with :func:`~desktop_app.core.errors.register_secret`
    so no error text can show it. ``timeout`` is an :class:`httpx.Timeout` or a
    number of seconds for reads. An ``http_client`` passed in is used as is and
    left open by :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        *,
        name: str = "anthropic",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = name
        base = base_url.rstrip("/")
        self.base_url = base.removesuffix("/v1")
        self._api_key = api_key or None
        if api_key:
            register_secret(api_key)
        self._owns_client = http_client is None
        self._client = http_client or make_client(timeout)

    def _headers(self, *, streaming: bool) -> dict[str, str]:
        headers = {
            "anthropic-version": API_VERSION,
            "accept": "text/event-stream" if streaming else "application/json",
        }
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        """Stream one message as deltas; see :mod:`desktop_app.core.stream` for the promises.

        Raises a :class:`~desktop_app.core.errors.ProviderError` subclass for
        every failure: the HTTP status, an ``error`` event, a dropped
        connection, or a stream that ends before it says why it stopped.
        """
        state = MessageStreamState()
        async with (
            post_stream(
                self._client,
                f"{self.base_url}/v1/messages",
                body=build_request_body(request),
                headers=self._headers(streaming=True),
                error_from_response=_error_from_response,
                received=lambda: state.received_content,
            ) as chunks,
            aclosing(_deltas(chunks, state)) as deltas,
        ):
            async for delta in deltas:
                yield delta

    async def list_models(self) -> list[str]:
        """Model ids the account may use (``GET {base_url}/v1/models``), newest first as Anthropic lists them."""
        payload = await get_model_list(
            self._client,
            f"{self.base_url}/v1/models",
            params={"limit": 1000},
            headers=self._headers(streaming=False),
            error_from_response=_error_from_response,
        )
        items = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            return []
        return [
            item["id"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
        ]

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_client:
            await self._client.aclose()


def _error_from_response(response: httpx.Response) -> ProviderError:
    return error_from_response(response, not_found=NOT_FOUND)


# -- request --------------------------------------------------------------------


def default_max_tokens(model: str) -> int:
    """``max_tokens`` when the request sets none: the model's output limit, capped at 8192."""
    return min(model_info(model).max_output, MAX_TOKENS_CAP)


def arguments_object(arguments: str) -> dict[str, Any]:
    """A tool call's JSON text as the object the API wants; ``{}`` if it is not an object
    (the model was already told its arguments were invalid when the call failed)."""
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def build_request_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body for ``POST /v1/messages`` (streaming).

    Messages alternate user/assistant as the API requires: consecutive turns of
    one role are merged, tool results become ``tool_result`` blocks at the start
    of a user turn, and empty text (which the API rejects) is left out.
    """
    messages: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})

    for message in request.messages:
        if isinstance(message, UserMessage):
            add("user", [{"type": "text", "text": message.text}] if message.text else [])
        elif isinstance(message, AssistantMessage):
            blocks: list[dict[str, Any]] = []
            if message.text.strip():
                blocks.append({"type": "text", "text": message.text})
            for call in message.tool_calls:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.call_id,
                        "name": call.name,
                        "input": arguments_object(call.arguments),
                    }
                )
            add("assistant", blocks)
        elif isinstance(message, ToolResultMessage):
            result: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.call_id,
                "content": message.text,
            }
            if message.is_error:
                result["is_error"] = True
            add("user", [result])
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_output_tokens or default_max_tokens(request.model),
        "messages": messages,
        "stream": True,
    }
    if request.system:
        body["system"] = request.system
    if request.tools:
        body["tools"] = [
            {
                "name": tool.name,
                "description": tool.description,
                # The API insists on an object schema, even for a tool without parameters.
                "input_schema": tool.parameters or {"type": "object", "properties": {}},
            }
            for tool in request.tools
        ]
    if request.temperature is not None:
        body["temperature"] = request.temperature
    return body


# -- response -------------------------------------------------------------------


def _decode(event: SSEEvent, *, final: bool) -> dict[str, Any] | None:
    """The JSON object an event carries; None for an empty one or a cut-off last line."""
    text = event.data.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        if event.event == "error":
            raise error_from_event(text) from None
        if final:
            return None  # the connection closed inside the last line; finish() judges the stream
        raise StreamProtocolError(detail=f"event data is not JSON: {text[:500]}") from None
    if not isinstance(data, dict):
        raise StreamProtocolError(detail=f"event data is not a JSON object: {text[:500]}")
    return data


async def _deltas(
    chunks: AsyncIterator[bytes], state: MessageStreamState
) -> AsyncGenerator[StreamDelta, None]:
    """Deltas from a 2xx body: an event stream, or one whole JSON message from a proxy."""
    decoder = SSEDecoder()
    sniffed = False
    async for chunk in chunks:
        if not sniffed and chunk.strip():
            sniffed = True
            if chunk.lstrip()[:1] == b"{":  # an event stream never starts with "{"
                body = chunk + b"".join([rest async for rest in chunks])
                for delta in _whole_message(body, state):
                    yield delta
                return
        for event in decoder.feed(chunk):
            data = _decode(event, final=False)
            if data is not None:
                for delta in state.accumulate(data, event.event):
                    yield delta
            if state.stopped:
                for delta in state.finish():
                    yield delta
                await drain(chunks)
                return
    for event in decoder.flush():
        data = _decode(event, final=True)
        if data is not None:
            for delta in state.accumulate(data, event.event):
                yield delta
    for delta in state.finish():
        yield delta


def _whole_message(body: bytes, state: MessageStreamState) -> list[StreamDelta]:
    payload = json_object(body)
    if payload.get("type") == "error" or "error" in payload:
        raise error_from_event(payload.get("error", payload))
    out: list[StreamDelta] = []
    for event in events_from_message(payload):
        out += state.accumulate(event)
    return out + state.finish()
