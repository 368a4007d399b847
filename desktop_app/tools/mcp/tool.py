"""An MCP server's tool as a Backstage :class:`Tool`: its name, schema, risk and result text."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any, Protocol

import jsonschema
import mcp_types as types

from ...core.sources import SourceRecord, utc_now_iso
from ..base import Risk, Tool, ToolResult

__all__ = ["McpTool", "model_tool_name", "result_text", "risk_of"]

_INVALID = re.compile(r"[^a-zA-Z0-9_-]+")
_MAX_NAME = 64  # the strictest provider limit (OpenAI: ^[a-zA-Z0-9_-]{1,64}$)
_SEPARATOR = "__"
_EXCERPT = 300


class _Caller(Protocol):
    """What a tool needs of its server (a :class:`~.connection.ServerConnection`)."""

    name: str

    async def call_tool(
        self, tool: str, arguments: dict[str, Any], time_limit: float
    ) -> types.CallToolResult: ...


def _clean(text: str, fallback: str) -> str:
    return _INVALID.sub("_", text).strip("_") or fallback


def model_tool_name(server: str, tool: str, taken: Iterable[str] = ()) -> str:
    """The name the model sees: ``<server>__<tool>``, valid for every provider, unique among ``taken``.

    It always ends with the server's own tool name (made valid), so the model and the
    user recognise it; the server part is shortened, then given a short hash, to fit
    and to stay unique.
    """
    own = _clean(tool, "tool")[:_MAX_NAME]
    prefix = _clean(server, "server")
    taken = set(taken)
    room = _MAX_NAME - len(own) - len(_SEPARATOR)
    if room < 1:  # the tool's own name fills the limit
        return own if own not in taken else own[: _MAX_NAME - 7] + "_" + _digest(server, tool)
    name = f"{prefix[:room]}{_SEPARATOR}{own}"
    if name in taken:
        # Two servers whose cleaned names collide ("my server" / "my_server"): tell them apart.
        marked = f"{prefix[: max(room - 7, 0)]}_{_digest(server, '')}"[-room:]
        name = f"{marked}{_SEPARATOR}{own}"
    return name


def _digest(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()[:6]


def risk_of(tool: types.Tool) -> Risk:
    """Read-only only when the server says so (``readOnlyHint``); anything else needs approval.

    These are hints from the server; the approval card still shows every call of a tool
    that did not declare itself read-only.
    """
    hints = tool.annotations
    if hints is not None and hints.read_only_hint is True:
        return Risk.READ_ONLY
    return Risk.WRITES


def _object_schema(schema: dict[str, Any] | None) -> dict[str, Any]:
    """Providers want a valid object schema; some servers send none, leave out ``type``, or worse."""
    if not isinstance(schema, dict) or not schema:
        return {"type": "object", "properties": {}}
    if "type" not in schema and ("properties" in schema or "required" in schema):
        schema = {**schema, "type": "object"}
    elif schema.get("type") != "object":
        # Anything else (a bare array or string schema) cannot be a function's arguments: wrap it.
        schema = {"type": "object", "properties": {"value": schema}, "required": ["value"]}
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError:
        # A schema the registry would reject must not cost the whole server its tools:
        # accept any object, and let the server check the arguments itself.
        return {"type": "object", "properties": {}}
    return schema


def _size(data: str) -> str:
    try:
        count = len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        count = len(data)
    return f"{count:,} bytes"


def _block_text(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent):
        return f"[image: {block.mime_type}, {_size(block.data)}]"
    if isinstance(block, types.AudioContent):
        return f"[audio: {block.mime_type}, {_size(block.data)}]"
    if isinstance(block, types.ResourceLink):
        return f"[resource link: {block.name} <{block.uri}>]"
    if isinstance(block, types.EmbeddedResource):
        resource = block.resource
        if isinstance(resource, types.TextResourceContents):
            return f"[resource <{resource.uri}>]\n{resource.text}"
        return f"[resource <{resource.uri}>: {resource.mime_type or 'binary'}, {_size(resource.blob)}]"
    return f"[{getattr(block, 'type', 'unknown')} content]"


def result_text(result: types.CallToolResult) -> str:
    """What the model reads: the text blocks in order, other blocks summarised in one line each."""
    parts = [_block_text(block) for block in result.content]
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, indent=1))
    text = "\n".join(p for p in parts if p)
    return text or "(the tool returned no content)"


class McpTool(Tool):
    """One tool of one server. :meth:`run` runs on the caller's task (see ServerConnection.call_tool)."""

    def __init__(self, server: _Caller, remote: types.Tool, name: str, *, timeout: float = 120.0) -> None:
        self.server = server
        self.remote = remote
        self.server_name = server.name
        self.tool_name = remote.name
        self.name = name
        self.description = remote.description or remote.title or f"The {remote.name} tool of {server.name}."
        self.parameters = _object_schema(remote.input_schema)
        self.risk = risk_of(remote)
        self.timeout = timeout

    @property
    def destructive(self) -> bool:
        """True unless the server says the tool only reads or only adds (MCP's default is destructive)."""
        hints = self.remote.annotations
        if hints is None:
            return True
        return hints.read_only_hint is not True and hints.destructive_hint is not False

    async def run(self, args: dict[str, Any]) -> ToolResult:
        result = await self.server.call_tool(self.tool_name, args, self.timeout)
        text = result_text(result)
        if result.is_error:
            return ToolResult(text, is_error=True)
        source = SourceRecord(
            tool=self.name,
            title=f"{self.tool_name} on {self.server_name}",
            retrieved_at=utc_now_iso(),
            excerpt=text[:_EXCERPT],
        )
        return ToolResult(text, sources=(source,))

    def status(self, args: dict[str, Any]) -> str:
        return f"Using {self.tool_name} on {self.server_name}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return f"Used {self.tool_name} on {self.server_name}"
