"""Ollama's own chat API, streamed natively (``POST {base_url}/api/chat``, one JSON object per line).

``base_url`` is the server itself, without ``/v1`` or ``/api``
(``http://127.0.0.1:11434``); either suffix is tolerated and dropped.

Each line carries ``message.content`` (text), ``message.thinking`` (reasoning)
and ``message.tool_calls`` (whole calls whose ``arguments`` are an *object*,
often without an id); the last line has ``"done": true`` with ``done_reason``,
``prompt_eval_count`` and ``eval_count``. A failure is a line, or a non-2xx
body, ``{"error": "..."}``. :class:`OllamaChatState` turns lines into our
deltas without any I/O; :class:`OllamaProvider` owns the HTTP side.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import httpx

from desktop_app.core.conversation import AssistantMessage, ChatRequest, ToolResultMessage, UserMessage
from desktop_app.core.errors import (
    BadRequestError,
    ProviderError,
    StreamInterrupted,
    StreamProtocolError,
    register_secret,
)
from desktop_app.core.stream import (
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)

from .http_errors import (
    DEFAULT_TIMEOUT,
    drain,
    error_for,
    error_from_response,
    make_client,
    one_line,
    server_message,
)
from .http_stream import get_model_list, post_stream

DEFAULT_BASE_URL = "http://127.0.0.1:11434"
NOT_FOUND = (
    "There is no Ollama server at this address. Check the address: for Ollama's own API it has no "
    "/v1 (for example http://127.0.0.1:11434)."
)


def _new_call_id(_: int) -> str:
    # Ollama often sends no ids; ours must stay unique across the turn (the timeline keys on them).
    return f"call_{uuid.uuid4().hex[:24]}"


class OllamaChatState:
    """Accumulates one streamed ``/api/chat`` answer, one decoded line at a time.

    ``new_id`` makes an id for a call that came without one (given the call's
    number in this answer). Tool calls arrive whole, so each yields its
    ``ToolCallBegin`` and ``ToolCallComplete`` together.
    """

    def __init__(self, new_id: Callable[[int], str] = _new_call_id) -> None:
        self._new_id = new_id
        self.calls = 0
        self.done = False
        self.done_reason: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.received_content = False

    def accumulate(self, line: dict[str, Any]) -> list[StreamDelta]:
        """Take one decoded line; return the deltas it produces, in order."""
        if "error" in line:
            raise stream_error(line["error"])
        out: list[StreamDelta] = []
        message = line.get("message")
        if isinstance(message, dict):
            thinking = message.get("thinking")
            if isinstance(thinking, str) and thinking:
                out.append(ReasoningChunk(thinking))
            content = message.get("content")
            if isinstance(content, str) and content:
                out.append(TextChunk(content))
            for call in message.get("tool_calls") or ():
                if isinstance(call, dict):
                    self._take_call(call, out)
        if out:
            self.received_content = True
        if line.get("done") is True:
            self.done = True
            reason = line.get("done_reason")
            self.done_reason = reason if isinstance(reason, str) else None
            if isinstance(line.get("prompt_eval_count"), int):
                self.input_tokens = line["prompt_eval_count"]
            if isinstance(line.get("eval_count"), int):
                self.output_tokens = line["eval_count"]
        return out

    def finish(self) -> list[StreamDelta]:
        """The body ended: the one ``StreamEnd``, or an error if ``done`` never came."""
        if not self.done:
            if self.received_content:
                raise StreamInterrupted(
                    "The model server stopped in the middle of the answer.",
                    detail="stream closed before the line with done: true",
                )
            raise StreamProtocolError(
                "The model server closed the connection without sending an answer.",
                detail="stream closed before any line with done: true",
            )
        # Ollama says "stop" even when the model called tools; the loop wants to know it did.
        if self.calls:
            reason = "tool_calls"
        elif self.done_reason == "length":
            reason = "length"
        else:
            reason = "stop"
        return [StreamEnd(reason, self.input_tokens, self.output_tokens)]

    def _take_call(self, call: dict[str, Any], out: list[StreamDelta]) -> None:
        function = call.get("function")
        if not isinstance(function, dict):
            return
        name = function.get("name")
        if not isinstance(name, str) or not name:
            return
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            text = arguments if arguments.strip() else "{}"
        else:
            text = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            call_id = self._new_id(self.calls)
        self.calls += 1
        out.append(ToolCallBegin(call_id, name))
        out.append(ToolCallComplete(call_id, name, text))


def stream_error(
    error: object, *, status: int | None = None, model: str = "", detail: str = ""
) -> ProviderError:
    """The ProviderError for Ollama's ``{"error": ...}`` (in a stream, or a non-2xx body)."""
    message = server_message(error) or (error if isinstance(error, str) else "")
    lowered = message.lower()
    said = one_line(message)
    detail = detail or f"ollama error (status={status}): {message}"
    if "not found" in lowered and ("model" in lowered or "pull" in lowered):
        name = model or "this model"
        return BadRequestError(
            f"Ollama does not have the model {name!r}. Download it with `ollama pull {model or 'MODEL'}`, "
            "or choose one that `ollama list` shows.",
            detail=detail,
            status=status,
        )
    if "does not support tools" in lowered:
        return BadRequestError(
            "This model cannot use tools. Choose a model that can, or turn tools off "
            f"(for example --tools none). The server said: {said}",
            detail=detail,
            status=status,
        )
    return error_for(status, message, detail=detail, not_found=NOT_FOUND)


def _arguments_object(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def build_request_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body for ``POST /api/chat`` (streaming).

    Assistant tool calls carry their arguments as objects; tool results go
    back as ``role: tool`` messages naming the tool (``tool_name``).
    """
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    for message in request.messages:
        if isinstance(message, UserMessage):
            messages.append({"role": "user", "content": message.text})
        elif isinstance(message, AssistantMessage):
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or ""}
            if message.tool_calls:
                entry["tool_calls"] = [
                    {"function": {"name": call.name, "arguments": _arguments_object(call.arguments)}}
                    for call in message.tool_calls
                ]
            messages.append(entry)
        elif isinstance(message, ToolResultMessage):
            messages.append({"role": "tool", "content": message.text, "tool_name": message.name})
    body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
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
    options: dict[str, Any] = {}
    if request.max_output_tokens is not None:
        options["num_predict"] = request.max_output_tokens
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if options:
        body["options"] = options
    return body


class OllamaProvider:
    """An Ollama server at ``base_url``. ``api_key`` (rarely needed: a proxy in front of
    Ollama, or ollama.com) travels only as ``Authorization: Bearer``."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        *,
        name: str = "ollama",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
        new_id: Callable[[int], str] = _new_call_id,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/").removesuffix("/v1").removesuffix("/api")
        self._api_key = api_key or None
        if api_key:
            register_secret(api_key)
        self._new_id = new_id
        self._owns_client = http_client is None
        self._client = http_client or make_client(timeout)

    def _headers(self) -> dict[str, str]:
        headers = {"accept": "application/x-ndjson, application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        return headers

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        """Stream one answer as deltas; see :mod:`desktop_app.core.stream` for the promises."""
        state = OllamaChatState(self._new_id)
        async with (
            post_stream(
                self._client,
                f"{self.base_url}/api/chat",
                body=build_request_body(request),
                headers=self._headers(),
                error_from_response=lambda response: _error_from_response(response, request.model),
                received=lambda: state.received_content,
            ) as chunks,
            aclosing(_deltas(chunks, state)) as deltas,
        ):
            async for delta in deltas:
                yield delta

    async def list_models(self) -> list[str]:
        """The models this server has downloaded (``GET {base_url}/api/tags``), as Ollama names them."""
        payload = await get_model_list(
            self._client,
            f"{self.base_url}/api/tags",
            headers=self._headers(),
            error_from_response=lambda response: _error_from_response(response, ""),
        )
        models = payload.get("models") if isinstance(payload, dict) else None
        names: list[str] = []
        for item in models if isinstance(models, list) else ():
            name = (item.get("name") or item.get("model")) if isinstance(item, dict) else None
            if isinstance(name, str) and name:
                names.append(name)
        return names

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_client:
            await self._client.aclose()


def _error_from_response(response: httpx.Response, model: str) -> ProviderError:
    try:
        payload = json.loads(response.text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "error" in payload:
        detail = f"HTTP {response.status_code} from {response.request.url}: {response.text[:2000]}"
        return stream_error(payload["error"], status=response.status_code, model=model, detail=detail)
    return error_from_response(response, not_found=NOT_FOUND)


def _decode(line: bytes, *, final: bool) -> dict[str, Any] | None:
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        if final:
            return None  # the connection closed inside the last line; finish() judges the stream
        raise StreamProtocolError(detail=f"line is not JSON: {text[:500]}") from None
    if not isinstance(data, dict):
        raise StreamProtocolError(detail=f"line is not a JSON object: {text[:500]}")
    return data


async def _deltas(chunks: AsyncIterator[bytes], state: OllamaChatState) -> AsyncGenerator[StreamDelta, None]:
    """Deltas from a 2xx NDJSON body, whose lines may be split across chunks anywhere."""
    pending = b""
    async for chunk in chunks:
        pending += chunk
        if b"\n" not in chunk:
            continue
        *lines, pending = pending.split(b"\n")
        for line in lines:
            data = _decode(line, final=False)
            if data is None:
                continue
            for delta in state.accumulate(data):
                yield delta
            if state.done:
                for delta in state.finish():
                    yield delta
                await drain(chunks)
                return
    data = _decode(pending, final=True)
    if data is not None:
        for delta in state.accumulate(data):
            yield delta
    for delta in state.finish():
        yield delta
