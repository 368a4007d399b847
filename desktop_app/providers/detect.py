"""Finding model servers already running on this computer.

:func:`detect_local_servers` asks the default ports of Ollama (11434,
``/api/tags``), LM Studio (1234, ``/v1/models``) and llama.cpp's server (8080,
``/v1/models``) on 127.0.0.1, all at once, each with a short timeout, and
returns those that answer like model servers, with their model ids. Nothing
leaves the computer; a port where something else listens is simply skipped.

The ports can be overridden, by argument or by the ``BACKSTAGE_LOCAL_PORTS``
environment variable (``ollama=11434,lmstudio=1234,llamacpp=8080``; only the
kinds listed are probed, so tests and unusual set-ups see just their servers).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .presets import PRESETS

ENV_VAR = "BACKSTAGE_LOCAL_PORTS"
DEFAULT_PORTS: Mapping[str, int] = {"ollama": 11434, "lmstudio": 1234, "llamacpp": 8080}
_PATHS = {"ollama": "/api/tags", "lmstudio": "/v1/models", "llamacpp": "/v1/models"}
_WEIGHT_FILE = re.compile(r"\.(gguf|ggml|bin|safetensors)$", re.IGNORECASE)


@dataclass(frozen=True)
class LocalServer:
    """A server that answered. ``kind`` is a preset id (``ollama``, ``lmstudio``, ``llamacpp``);
    ``models`` are the ids exactly as the server gave them (file paths included)."""

    kind: str
    host: str
    port: int
    models: tuple[str, ...]

    @property
    def address(self) -> str:
        """``host:port``, as lists show it."""
        return f"{self.host}:{self.port}"

    @property
    def display_name(self) -> str:
        return PRESETS[self.kind].display_name

    @property
    def base_url(self) -> str:
        """The base URL to connect with (``/v1`` for the OpenAI-compatible ones)."""
        suffix = "" if self.kind == "ollama" else "/v1"
        return f"http://{self.address}{suffix}"


def short_model_name(model_id: str) -> str:
    """A model id short enough to show: the file name without folder or weight-file extension
    (``/models/qwen2.5-7b-q4_k_m.gguf`` → ``qwen2.5-7b-q4_k_m``), Ollama's default ``:latest`` tag
    dropped. Use the full id when talking to the server."""
    name = model_id.strip().replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or model_id
    name = _WEIGHT_FILE.sub("", name)
    return name.removesuffix(":latest")


def ports_from_env(value: str | None = None) -> dict[str, int] | None:
    """The ports ``BACKSTAGE_LOCAL_PORTS`` asks for, or None when it is unset or empty.

    Unknown kinds and bad numbers are ignored, so a typo probes less rather than fails.
    """
    text = os.environ.get(ENV_VAR, "") if value is None else value
    if not text.strip():
        return None
    ports: dict[str, int] = {}
    for item in text.split(","):
        kind, _, port = item.partition("=")
        kind = kind.strip().lower()
        if kind in DEFAULT_PORTS and port.strip().isdigit() and 0 < int(port) < 65536:
            ports[kind] = int(port)
    return ports


async def detect_local_servers(
    ports: Mapping[str, int] | None = None, *, host: str = "127.0.0.1", probe_seconds: float = 0.5
) -> list[LocalServer]:
    """The local servers that answer, in the order Ollama, LM Studio, llama.cpp.

    ``ports`` maps kinds to ports and replaces the defaults (and the
    environment variable) when given. Never raises for a server that is down,
    slow or not a model server; the whole probe takes about ``probe_seconds`` at most.
    """
    wanted = dict(ports) if ports is not None else (ports_from_env() or dict(DEFAULT_PORTS))
    # trust_env=False: a proxy from the environment has no business with 127.0.0.1.
    async with httpx.AsyncClient(timeout=httpx.Timeout(probe_seconds), trust_env=False) as client:
        found = await asyncio.gather(
            *(
                _probe(client, kind, host, port, probe_seconds)
                for kind, port in wanted.items()
                if kind in _PATHS
            )
        )
    order = list(DEFAULT_PORTS)
    return sorted((s for s in found if s is not None), key=lambda s: (order.index(s.kind), s.port))


async def _probe(
    client: httpx.AsyncClient, kind: str, host: str, port: int, seconds: float
) -> LocalServer | None:
    try:
        async with asyncio.timeout(seconds):  # httpx's limit is per phase; this one is for the whole probe
            response = await client.get(f"http://{host}:{port}{_PATHS[kind]}")
            payload: Any = response.json() if response.is_success else None
    except (httpx.HTTPError, ValueError, TimeoutError):  # down, slow, or not JSON: not a model server
        return None
    models = _model_ids(payload, kind)
    return None if models is None else LocalServer(kind, host, port, tuple(models))


def _model_ids(payload: Any, kind: str) -> list[str] | None:
    """The model ids in a listing, or None when it does not look like one."""
    if not isinstance(payload, dict):
        return None
    key = "models" if kind == "ollama" else "data"
    items = payload.get(key)
    if not isinstance(items, list):
        return None
    ids: list[str] = []
    for item in items:
        if isinstance(item, dict):
            value = (item.get("name") or item.get("model")) if kind == "ollama" else item.get("id")
            if isinstance(value, str) and value:
                ids.append(value)
    return ids
