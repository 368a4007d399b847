"""The options that say which model server a session talks to, shared by ``ask`` and the window."""

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
        "--provider", choices=PROVIDERS, default="openai", help="wire format of the server (default: openai)"
    )
    group.add_argument(
        "--base-url", metavar="URL", help="the provider's base URL, e.g. http://127.0.0.1:8080/v1"
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
    if not options.api_key_env:
        return None
    key = os.environ.get(options.api_key_env)
    if not key:
        raise ConfigurationError(f"The environment variable {options.api_key_env} is not set or empty.")
    register_secret(key)
    return key


def build_provider(options: SessionOptions) -> Provider:
    """A provider for these options; raises ConfigurationError with a plain message when they cannot work."""
    if not options.base_url:
        raise ConfigurationError(
            "No server address given: pass --base-url (for example http://127.0.0.1:11434/v1)."
        )
    if not options.base_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"The server address must start with http:// or https:// (got {options.base_url!r})."
        )
    key = read_api_key(options)
    if options.provider == "openai":
        from ..providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(options.base_url, api_key=key)
    raise ConfigurationError(f"The {options.provider} provider is not available yet in this version.")
