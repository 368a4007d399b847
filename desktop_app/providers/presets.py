"""The model services Backstage knows by name, and the one factory that turns a choice into a provider.

A :class:`Preset` is what onboarding needs to show a service and connect to
it: its wire format, documented base URL, where a user gets a key, whether one
is needed, and where its model list lives. Most services speak OpenAI Chat
Completions and differ only in address; Anthropic and Ollama have native
providers of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from desktop_app.core.errors import ConfigurationError
from desktop_app.core.stream import Provider

Wire = Literal["openai", "anthropic", "ollama"]
WIRES: tuple[Wire, ...] = ("openai", "anthropic", "ollama")


@dataclass(frozen=True)
class Preset:
    """One known service.

    ``base_url`` is the documented base (with ``/v1`` for OpenAI-compatible
    services, without for Anthropic and Ollama). ``key_url`` is the page where a
    user creates a key (``""`` for local servers). ``models_path`` is appended
    to ``base_url`` to list models. ``key_env`` is the environment variable the
    service's own tools read the key from, offered as a hint.
    """

    id: str
    display_name: str
    wire: Wire
    base_url: str
    key_url: str = ""
    needs_key: bool = True
    models_path: str = "/models"
    key_env: str = ""
    local: bool = False


PRESETS: Mapping[str, Preset] = {
    preset.id: preset
    for preset in (
        Preset(
            "openai",
            "OpenAI",
            "openai",
            "https://api.openai.com/v1",
            "https://platform.openai.com/api-keys",
            key_env="OPENAI_API_KEY",
        ),
        Preset(
            "anthropic",
            "Anthropic (Claude)",
            "anthropic",
            "https://api.anthropic.com",
            "https://console.anthropic.com/settings/keys",
            models_path="/v1/models",
            key_env="ANTHROPIC_API_KEY",
        ),
        Preset(
            "gemini",
            "Google Gemini",
            "openai",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "https://aistudio.google.com/apikey",
            key_env="GEMINI_API_KEY",
        ),
        Preset(
            "openrouter",
            "OpenRouter",
            "openai",
            "https://openrouter.ai/api/v1",
            "https://openrouter.ai/settings/keys",
            key_env="OPENROUTER_API_KEY",
        ),
        Preset(
            "mistral",
            "Mistral",
            "openai",
            "https://api.mistral.ai/v1",
            "https://console.mistral.ai/api-keys",
            key_env="MISTRAL_API_KEY",
        ),
        Preset(
            "groq",
            "Groq",
            "openai",
            "https://api.groq.com/openai/v1",
            "https://console.groq.com/keys",
            key_env="GROQ_API_KEY",
        ),
        Preset(
            "deepseek",
            "DeepSeek",
            "openai",
            "https://api.deepseek.com/v1",
            "https://platform.deepseek.com/api_keys",
            key_env="DEEPSEEK_API_KEY",
        ),
        Preset(
            "ollama",
            "Ollama",
            "ollama",
            "http://127.0.0.1:11434",
            needs_key=False,
            models_path="/api/tags",
            local=True,
        ),
        Preset("lmstudio", "LM Studio", "openai", "http://127.0.0.1:1234/v1", needs_key=False, local=True),
        Preset(
            "llamacpp", "llama.cpp server", "openai", "http://127.0.0.1:8080/v1", needs_key=False, local=True
        ),
        # vLLM runs without a key unless started with --api-key; the field stays optional.
        Preset("vllm", "vLLM", "openai", "http://127.0.0.1:8000/v1", needs_key=False, local=True),
    )
}


class ListingProvider(Provider, Protocol):
    """A provider that can also list the models its server offers (every provider here can)."""

    async def list_models(self) -> list[str]: ...


def preset_for(preset_or_wire: str) -> Preset:
    """The preset with this id (the wire names are preset ids too); ConfigurationError if unknown."""
    preset = PRESETS.get(preset_or_wire.strip().lower())
    if preset is None:
        known = ", ".join(PRESETS)
        raise ConfigurationError(
            f"Backstage does not know the service {preset_or_wire!r}. Known services: {known}."
        )
    return preset


def make_provider(
    preset_or_wire: str,
    base_url: str | None = None,
    api_key: str | None = None,
    *,
    name: str | None = None,
) -> ListingProvider:
    """A provider for a preset id or a wire name (``openai``, ``anthropic``, ``ollama``).

    ``base_url`` defaults to the preset's. ``name`` is the provider's
    :attr:`~desktop_app.core.stream.Provider.name` (default: the preset id). The
    key is only held by the provider and sent in its auth header. Raises
    ConfigurationError for an unknown preset or an address that is not http(s).
    """
    preset = preset_for(preset_or_wire)
    url = (base_url or preset.base_url).strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"The server address must start with http:// or https:// (got {url!r}).")
    label = name or preset.id
    if preset.wire == "anthropic":
        from .anthropic import AnthropicProvider

        return AnthropicProvider(url, api_key, name=label)
    if preset.wire == "ollama":
        from .ollama import OllamaProvider

        return OllamaProvider(url, api_key, name=label)
    from .openai_compat import OpenAICompatProvider

    return OpenAICompatProvider(url, api_key, name=label)
