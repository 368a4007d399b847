"""The options that say which model server a session talks to, shared by ``ask``, ``providers test`` and the window.

``--provider`` names a wire format (``openai``, ``anthropic``, ``ollama``), a
known service (``groq``, ``lmstudio``, ... see ``providers.presets``), or a
provider the user added with ``backstage providers add``. The key comes from
``--api-key-env`` when given, else from the keychain for a configured provider.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from ..core.errors import ConfigurationError, register_secret
from ..core.stream import Provider

PROVIDERS = ("openai", "anthropic", "ollama")


@dataclass(frozen=True)
class SessionOptions:
    provider: str
    base_url: str | None
    model: str | None
    api_key_env: str | None

    @property
    def given(self) -> bool:
        return bool(self.base_url or self.model)


def add_session_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model server")
    group.add_argument(
        "--provider",
        metavar="NAME",
        default="openai",
        help="wire format (openai, anthropic, ollama), a known service (groq, lmstudio, ...) "
        "or a provider added with `backstage providers add` (default: openai)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="the provider's base URL: with /v1 for OpenAI-compatible servers (http://127.0.0.1:8080/v1), "
        "without for Anthropic (https://api.anthropic.com) and Ollama (http://127.0.0.1:11434)",
    )
    group.add_argument("--model", metavar="NAME", help="model id as the server names it")
    group.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="name of the environment variable holding the API key (never the key itself)",
    )


def session_options(args: argparse.Namespace) -> SessionOptions:
    return SessionOptions(args.provider, args.base_url, args.model, args.api_key_env)


def read_api_key(options: SessionOptions) -> str | None:
    """The key from ``--api-key-env`` (None without it); ConfigurationError if the variable is empty."""
    if not options.api_key_env:
        return None
    key = os.environ.get(options.api_key_env)
    if not key:
        raise ConfigurationError(f"The environment variable {options.api_key_env} is not set or empty.")
    register_secret(key)
    return key


def build_provider(options: SessionOptions) -> Provider:
    """A provider for these options; raises ConfigurationError with a plain message when they cannot work.

    A configured provider of that name wins over a service of that name, so a
    user's own "openai" entry (with its key) is used. May read the settings file
    and the keychain, which can block: from an event loop, call it in a thread.
    """
    from ..providers.presets import PRESETS, make_provider
    from ..providers.registry import resolve, stored_key

    name = options.provider.strip()
    if options.base_url and not options.base_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"The server address must start with http:// or https:// (got {options.base_url!r})."
        )
    key = read_api_key(options)
    configured = resolve(name) if name else None
    if configured is not None:
        if key is None:
            key = stored_key(configured.entry.name)
        base_url = options.base_url or configured.base_url
        preset = configured.preset
        if key is None and preset.needs_key and base_url.rstrip("/") == preset.base_url:
            raise ConfigurationError(
                f"No API key is stored for {configured.entry.name}. Store it with `backstage providers add "
                f"{configured.entry.name} --preset {preset.id} --api-key-stdin`, or pass --api-key-env VAR."
            )
        return make_provider(preset.id, base_url, key, name=configured.entry.name)
    preset = PRESETS.get(name.lower())
    if preset is None:
        known = ", ".join(PRESETS)
        raise ConfigurationError(
            f"Unknown provider {name!r}. Use one of {known}, or a name from `backstage providers list`."
        )
    if not options.base_url and preset.id == "openai":
        # "openai" is also the wire of every OpenAI-compatible server: guessing the cloud would surprise.
        raise ConfigurationError(
            "No server address given: pass --base-url (for example http://127.0.0.1:11434/v1)."
        )
    base_url = options.base_url or preset.base_url
    if key is None and preset.needs_key and base_url.rstrip("/") == preset.base_url:
        where = f" (get one at {preset.key_url})" if preset.key_url else ""
        raise ConfigurationError(
            f"{preset.display_name} needs an API key{where}. Pass --api-key-env VAR, or store it once with "
            f"`backstage providers add NAME --preset {preset.id} --api-key-stdin`."
        )
    return make_provider(preset.id, base_url, key, name=preset.id)
