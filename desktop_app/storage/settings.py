"""Backstage's own settings: a small JSON file in the profile (``paths.settings_path()``).

It holds nothing secret. The providers a user configured are listed by name,
service, address and default model; their keys live only in the keychain
(``storage.secrets``) under ``provider:<name>``. The choices made in
Settings → Tools are the ``"tools"`` object (:class:`ToolSettings`). Keys this
version does not know, at the top level or inside ``"tools"``, are kept as they
are, so an older and a newer Backstage can share a profile without erasing each
other's settings.

Writes are atomic (a temporary file in the same folder, then ``os.replace``):
a crash leaves the old file or the new one, never half of one. File I/O
blocks: from the event loop, call through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..core.errors import ConfigurationError
from .paths import settings_path

VERSION = 1
TOOLS = "tools"


@dataclass
class ProviderEntry:
    """One configured provider. ``preset`` is a preset id (``openai``, ``anthropic``, ``groq``, ...);
    ``base_url`` and ``default_model`` may be empty (the preset's address, no default model)."""

    name: str
    preset: str
    base_url: str = ""
    default_model: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "preset": self.preset,
            "base_url": self.base_url,
            "default_model": self.default_model,
        }


@dataclass(frozen=True)
class ToolSettings:
    """The tool choices made in Settings → Tools; nothing secret (search keys are in the keychain).

    ``search_backend`` is kept as the file names it, lower-cased: which names a
    search tool knows is ``tools.web``'s business, not the file's. ``search_url``
    is a SearXNG server's address, empty for none.
    """

    search_backend: str = "duckduckgo"
    search_url: str = ""
    allow_local_urls: bool = False
    run_python: bool = False


@dataclass
class Settings:
    """Everything in ``settings.json``. ``extra`` holds the top-level keys this version does not know,
    ``tools_extra`` the keys inside ``"tools"`` it does not know."""

    providers: list[ProviderEntry] = field(default_factory=list)
    default_provider: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tools: ToolSettings = field(default_factory=ToolSettings)
    tools_extra: dict[str, Any] = field(default_factory=dict)

    def provider(self, name: str) -> ProviderEntry | None:
        """The configured provider called ``name`` (names compare without regard to case)."""
        wanted = name.strip().lower()
        return next((p for p in self.providers if p.name.lower() == wanted), None)

    def to_json(self) -> dict[str, Any]:
        data = {
            **self.extra,
            "version": VERSION,
            "default_provider": self.default_provider,
            "providers": [p.to_json() for p in self.providers],
        }
        # Untouched defaults are left out, as before the section was typed, so they are not pinned
        # in the file and a later version's defaults still apply.
        data.pop(TOOLS, None)
        if self.tools != ToolSettings() or self.tools_extra:
            data[TOOLS] = {**self.tools_extra, **asdict(self.tools)}
        return data


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_settings(data: object) -> Settings:
    """Settings from decoded JSON; entries that make no sense are dropped rather than fatal."""
    if not isinstance(data, dict):
        return Settings()
    providers: list[ProviderEntry] = []
    for item in data.get("providers") or ():
        if isinstance(item, dict) and _text(item.get("name")) and _text(item.get("preset")):
            providers.append(
                ProviderEntry(
                    _text(item["name"]),
                    _text(item["preset"]),
                    _text(item.get("base_url")),
                    _text(item.get("default_model")),
                )
            )
    default = _text(data.get("default_provider")) or None
    extra = {k: v for k, v in data.items() if k not in ("version", "default_provider", "providers", TOOLS)}
    tools, tools_extra = parse_tool_settings(data.get(TOOLS))
    return Settings(providers, default, extra, tools, tools_extra)


def parse_tool_settings(data: object) -> tuple[ToolSettings, dict[str, Any]]:
    """The ``"tools"`` object as typed settings, plus its keys this version does not know.

    A value of the wrong type falls back to its default; so does a missing or odd section.
    """
    if not isinstance(data, dict):
        return ToolSettings(), {}
    known = {f.name for f in fields(ToolSettings)}
    tools = ToolSettings(
        search_backend=_text(data.get("search_backend")).lower() or "duckduckgo",
        search_url=_text(data.get("search_url")),
        allow_local_urls=data.get("allow_local_urls") is True,
        run_python=data.get("run_python") is True,
    )
    return tools, {k: v for k, v in data.items() if k not in known}


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or empty ones when the file does not exist yet.

    Raises ConfigurationError, in plain words, when the file exists but is not
    valid JSON: overwriting it silently would lose what the user set up.
    """
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigurationError(
            f"Backstage could not read its settings file {path}.", detail=f"{type(exc).__name__}: {exc}"
        ) from None
    if not text.strip():
        return Settings()
    try:
        return parse_settings(json.loads(text))
    except ValueError as exc:
        raise ConfigurationError(
            f"The settings file {path} is damaged. Fix it in a text editor, or delete it to start afresh.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from None


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write ``settings`` atomically (temporary file + ``os.replace``)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n"
    fd, temp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
