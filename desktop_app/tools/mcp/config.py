"""Which MCP servers to start: Claude Desktop style config files, the profile's ``mcp.json``, secrets.

The file format is the one Claude Desktop uses (``claude_desktop_config.json``)::

    {"mcpServers": {
        "files":  {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."],
                   "env": {"GITHUB_TOKEN": "${keychain}"}},
        "remote": {"url": "http://127.0.0.1:8000/mcp", "headers": {"Authorization": "${keychain}"}}
    }}

An entry with ``url`` (or ``"type": "http"`` / ``"streamable-http"``) is a Streamable HTTP
server; one with ``command`` is started as a subprocess speaking stdio. A stdio
server's ``env`` is *added* to Backstage's own environment, never put in its place.

Secrets: an ``env`` or ``headers`` value written as ``"${keychain}"`` is read from the
keychain entry ``mcp:<server>:<NAME>`` when the server starts. ``backstage mcp import``
moves secret-looking values (names containing TOKEN, KEY, SECRET, PASSWORD, ...; every
header) into the keychain and writes the placeholder in their place, so the profile's
``mcp.json`` never holds a secret. ``backstage mcp set-secret`` stores one by hand.

File and keychain calls block: from the event loop, run them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ...core.errors import ConfigurationError, register_secret
from ...storage.paths import profile_dir
from ...storage.secrets import Keychain

__all__ = [
    "PROFILE_FILE_NAME",
    "SECRET_PLACEHOLDER",
    "ImportReport",
    "ServerConfig",
    "import_servers",
    "load_config_file",
    "load_profile_servers",
    "looks_secret",
    "parse_config",
    "profile_config_path",
    "resolve_secrets",
    "save_profile_servers",
    "secret_name",
]

PROFILE_FILE_NAME = "mcp.json"
SECRET_PLACEHOLDER = "${keychain}"
_HTTP_TYPES = {"http", "streamable-http", "streamable_http", "streamablehttp"}
_SECRET_WORDS = {"TOKEN", "KEY", "APIKEY", "SECRET", "PASSWORD", "PASSWD", "PAT", "CREDENTIAL", "CREDENTIALS"}


@dataclass(frozen=True)
class ServerConfig:
    """One configured server. ``problem`` says in plain words why an entry cannot start."""

    name: str
    transport: Literal["stdio", "http"] = "stdio"
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    problem: str = ""

    @property
    def target(self) -> str:
        """What the server is, for a listing: its command line or its address."""
        if self.transport == "http":
            return self.url
        return " ".join([self.command, *self.args]).strip()

    def to_json(self) -> dict[str, Any]:
        """The entry as Claude Desktop writes it (placeholders kept as they are)."""
        if self.transport == "http":
            entry: dict[str, Any] = {"type": "http", "url": self.url}
            if self.headers:
                entry["headers"] = dict(self.headers)
            return entry
        entry = {"command": self.command, "args": list(self.args)}
        if self.env:
            entry["env"] = dict(self.env)
        if self.cwd:
            entry["cwd"] = self.cwd
        return entry


def secret_name(server: str, var: str) -> str:
    """The keychain entry holding ``var`` (an env variable or header) for ``server``."""
    return f"mcp:{server}:{var}"


def looks_secret(var: str) -> bool:
    """True for names like GITHUB_TOKEN, OPENAI_API_KEY, DB_PASSWORD (not PATH or KEYBOARD)."""
    parts = var.upper().replace("-", "_").split("_")
    return any(part in _SECRET_WORDS for part in parts) or var.upper().endswith(("TOKEN", "APIKEY"))


def _strings(value: Any, what: str, server: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"'{what}' of server '{server}' must be an object of names to strings.")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _parse_entry(name: str, entry: Any) -> ServerConfig:
    if not isinstance(entry, dict):
        return ServerConfig(name, problem=f"The entry for '{name}' is not an object.")
    kind = str(entry.get("type") or entry.get("transport") or "").strip().lower()
    try:
        if entry.get("url") or kind in _HTTP_TYPES:
            url = str(entry.get("url") or "").strip()
            if kind in ("sse",):
                return ServerConfig(
                    name,
                    "http",
                    url=url,
                    problem="This server uses the older SSE transport, which Backstage does not support; use its Streamable HTTP address (often ending in /mcp).",
                )
            if not url.startswith(("http://", "https://")):
                return ServerConfig(
                    name,
                    "http",
                    url=url,
                    problem=f"The address of '{name}' must start with http:// or https://.",
                )
            return ServerConfig(
                name, "http", url=url, headers=_strings(entry.get("headers"), "headers", name)
            )
        command = entry.get("command")
        if not isinstance(command, str) or not command.strip():
            return ServerConfig(name, problem=f"The entry for '{name}' has neither a 'command' nor a 'url'.")
        args = entry.get("args") or []
        if not isinstance(args, list):
            raise ValueError(f"'args' of server '{name}' must be a list of strings.")
        cwd = entry.get("cwd")
        return ServerConfig(
            name,
            "stdio",
            command=command.strip(),
            args=tuple(str(a) for a in args),
            env=_strings(entry.get("env"), "env", name),
            cwd=str(cwd) if cwd else None,
        )
    except ValueError as exc:
        return ServerConfig(name, problem=str(exc))


def parse_config(data: Any, *, source: str = "the MCP config") -> list[ServerConfig]:
    """The servers of a parsed config, in file order. A bad entry gets a ``problem``, not an exception.

    Raises ConfigurationError when the whole file has the wrong shape.
    """
    if not isinstance(data, dict):
        raise ConfigurationError(f'{source} must hold a JSON object with an "mcpServers" entry.')
    servers = data.get("mcpServers", data.get("servers"))
    if servers is None:
        raise ConfigurationError(f'{source} has no "mcpServers" entry.')
    if not isinstance(servers, dict):
        raise ConfigurationError(f'"mcpServers" in {source} must be an object of server names to entries.')
    configs = []
    for name, entry in servers.items():
        if isinstance(entry, dict) and entry.get("disabled") is True:
            continue
        configs.append(_parse_entry(str(name), entry))
    return configs


def load_config_file(path: str | Path) -> list[ServerConfig]:
    """Read a Claude Desktop style config. Raises ConfigurationError in plain words."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"The MCP config file {path} does not exist.") from None
    except OSError as exc:
        raise ConfigurationError(
            f"Could not read the MCP config file {path}: {exc.strerror or exc}."
        ) from None
    try:
        data = json.loads(text) if text.strip() else {"mcpServers": {}}
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"The MCP config file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return parse_config(data, source=f"The MCP config file {path}")


def profile_config_path() -> Path:
    """The profile's own list of servers (created by ``backstage mcp import``)."""
    return profile_dir() / PROFILE_FILE_NAME


def load_profile_servers() -> list[ServerConfig]:
    """The servers saved in the profile; none when the file does not exist yet."""
    path = profile_config_path()
    return load_config_file(path) if path.exists() else []


def save_profile_servers(servers: Iterable[ServerConfig]) -> Path:
    """Write the profile's ``mcp.json`` (atomically: a crash leaves the old file whole)."""
    path = profile_config_path()
    data = {"mcpServers": {s.name: s.to_json() for s in servers}}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def remove_profile_server(name: str, keychain: Keychain) -> bool:
    """Drop a server from the profile and its secrets from the keychain; False if there was none.

    Blocks on the file and the keychain: call it from a worker thread in the window.
    """
    servers = load_profile_servers()
    server = next((s for s in servers if s.name == name), None)
    if server is None:
        return False
    save_profile_servers(s for s in servers if s.name != name)
    for var, value in (*server.env.items(), *server.headers.items()):
        if value == SECRET_PLACEHOLDER:
            keychain.delete(secret_name(server.name, var))
    return True


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    secrets_moved: tuple[str, ...]  # "server:VAR" for each value now kept in the keychain
    problems: tuple[str, ...]  # "name: reason" for each entry left out because it cannot work


def import_servers(path: str | Path, keychain: Keychain) -> ImportReport:
    """Copy a Claude Desktop config's servers into the profile, secrets into the keychain.

    A server of the same name is replaced; an entry that cannot work (see ``problem``) is
    left out and named in the report. Nothing is written when the secrets cannot be kept.
    Blocks (file and keychain I/O).
    """
    parsed = load_config_file(path)
    incoming = [s for s in parsed if s.name and not s.problem]
    current = {s.name: s for s in load_profile_servers()}
    moves: list[tuple[str, str, str]] = []  # (server, var, value)
    updated: list[ServerConfig] = []
    for server in incoming:
        env, headers = dict(server.env), dict(server.headers)
        for values, is_header in ((env, False), (headers, True)):
            for var, value in values.items():
                if value and value != SECRET_PLACEHOLDER and (is_header or looks_secret(var)):
                    moves.append((server.name, var, value))
                    values[var] = SECRET_PLACEHOLDER
        updated.append(replace(server, env=env, headers=headers))
    if moves and not keychain.available:
        raise ConfigurationError(
            "No system keychain is available, so the secrets in this config cannot be kept and nothing "
            "was imported (Backstage never writes a secret to a file). Use it directly with --mcp-config."
        )
    for server_name, var, value in moves:
        keychain.set(secret_name(server_name, var), value)
    added = [s.name for s in updated if s.name not in current]
    replaced = [s.name for s in updated if s.name in current]
    current.update((s.name, s) for s in updated)
    save_profile_servers(current.values())
    problems = tuple(f"{s.name}: {s.problem}" for s in parsed if s.problem)
    moved = tuple(f"{server_name}:{var}" for server_name, var, _ in moves)
    return ImportReport(tuple(added), tuple(replaced), moved, problems)


def resolve_secrets(server: ServerConfig, keychain: Keychain | None) -> ServerConfig:
    """The same server with every ``${keychain}`` value read from the keychain.

    Raises ConfigurationError naming the missing secret and how to store it. Blocks.
    Plain values that look secret are registered for redaction too, so a server
    that echoes its token on stderr never puts it on the screen.
    """

    chain = keychain

    def fill(values: Mapping[str, str], is_header: bool) -> dict[str, str]:
        nonlocal chain
        filled = {}
        for var, value in values.items():
            if value == SECRET_PLACEHOLDER:
                chain = chain or Keychain()  # opened only when a secret is needed
                stored = chain.get(secret_name(server.name, var))
                if not stored:
                    raise ConfigurationError(
                        f"The secret {var} for MCP server '{server.name}' is not in the keychain. "
                        f"Store it with: backstage mcp set-secret {server.name} {var}"
                    )
                value = stored
            elif is_header or looks_secret(var):
                register_secret(value)
            filled[var] = value
        return filled

    return replace(server, env=fill(server.env, False), headers=fill(server.headers, True))
