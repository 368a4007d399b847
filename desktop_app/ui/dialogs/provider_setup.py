"""What onboarding and the settings dialog do away from the Qt thread: detect, test, list, save.

Every function here is a coroutine for the qasync loop. File and keychain work
goes through ``asyncio.to_thread`` (a keychain may prompt or talk over D-Bus);
HTTP is asyncio already. Nothing here imports Qt, so the dialogs stay thin:
they show what these return and the plain message of any BackstageError.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ...core.errors import ConfigurationError, register_secret
from ...providers.connection_check import check_connection
from ...providers.detect import LocalServer, detect_local_servers
from ...providers.presets import PRESETS, ListingProvider, Preset, make_provider
from ...providers.registry import add_provider, provider_for, resolve, stored_key
from ...storage.secrets import Keychain
from ...storage.settings import ProviderEntry, Settings, load_settings, save_settings
from ..settings import ServerSettings

# Shown under each service's name in the list; a few words a non-technical user can choose by.
DESCRIPTIONS: dict[str, str] = {
    "openai": "ChatGPT's models (GPT). Needs an API key.",
    "anthropic": "Claude models. Needs an API key.",
    "gemini": "Google's Gemini models. Free tier with an AI Studio key.",
    "openrouter": "Hundreds of models from many makers with one key.",
    "mistral": "Mistral's models, hosted in Europe.",
    "groq": "Open models with very fast answers.",
    "deepseek": "DeepSeek's chat and reasoning models, low prices.",
    "ollama": "Runs open models on this computer. Free and private.",
    "lmstudio": "Desktop app that downloads and runs models locally.",
    "llamacpp": "The llama.cpp server, on this computer.",
    "vllm": "A vLLM server; on this computer unless you change the address.",
    "custom": "Any server that speaks the OpenAI API; you enter its address.",
}
CLOUD_ORDER = ("openai", "anthropic", "gemini", "openrouter", "mistral", "groq", "deepseek")
LOCAL_ORDER = ("ollama", "lmstudio", "llamacpp", "vllm")
# A good first model per service, when the server lists it (else the list's first is taken).
SUGGESTED: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4.1-mini", "gpt-4o-mini", "gpt-4o"),
    "gemini": ("gemini-2.5-flash", "gemini-2.0-flash"),
    "groq": ("llama-3.3-70b-versatile",),
    "mistral": ("mistral-small-latest", "mistral-medium-latest"),
    "deepseek": ("deepseek-chat",),
    "openrouter": ("openai/gpt-4o-mini",),
}
# Model ids that are not chat models, left out of pickers (the OpenAI list is full of them).
_NOT_CHAT = ("embed", "tts", "whisper", "dall-e", "moderation", "transcribe", "davinci", "babbage", "image")


@dataclass(frozen=True)
class ProviderChoice:
    """One line of the provider list: a known service, perhaps found running, or "another server"."""

    preset: Preset
    found: LocalServer | None = None
    custom: bool = False

    @property
    def id(self) -> str:
        return "custom" if self.custom else self.preset.id

    @property
    def title(self) -> str:
        if self.custom:
            return "Another OpenAI-compatible server"
        return self.preset.display_name

    @property
    def description(self) -> str:
        if self.found is not None:
            return f"Running at {self.found.address}. No key needed."
        return DESCRIPTIONS.get(self.id, "")

    @property
    def badge(self) -> str:
        if self.found is None:
            return ""
        count = len(self.found.models)
        return f"{count} model{'' if count == 1 else 's'}"

    @property
    def base_url(self) -> str:
        if self.found is not None:
            return self.found.base_url
        return "" if self.custom else self.preset.base_url

    def key_needed(self, base_url: str) -> bool:
        """A key is asked for only at the service's own address (a proxy or local copy may need none)."""
        return self.preset.needs_key and base_url.strip().rstrip("/") == self.preset.base_url


def all_choices(
    found: list[LocalServer],
) -> tuple[list[ProviderChoice], list[ProviderChoice], list[ProviderChoice]]:
    """The list's three sections: found on this computer, cloud services, local servers not found."""
    running = [ProviderChoice(PRESETS[server.kind], server) for server in found]
    kinds = {server.kind for server in found}
    cloud = [ProviderChoice(PRESETS[pid]) for pid in CLOUD_ORDER]
    local = [ProviderChoice(PRESETS[pid]) for pid in LOCAL_ORDER if pid not in kinds]
    local.append(ProviderChoice(PRESETS["openai"], custom=True))
    return running, cloud, local


def chat_models(ids: list[str]) -> list[str]:
    """``ids`` without embedding, speech and image models, in the server's order."""
    return [m for m in ids if not any(word in m.lower() for word in _NOT_CHAT)]


def suggested_model(preset_id: str, models: list[str]) -> str:
    """The model to preselect: a known good one for the service, else the first listed."""
    for wanted in SUGGESTED.get(preset_id, ()):
        for model in models:
            if model.removeprefix("models/") == wanted:
                return model
    return models[0] if models else ""


# -- the keychain ------------------------------------------------------------------------

_keychain: Keychain | None = None


async def shared_keychain() -> Keychain:
    """The window's one Keychain. One instance, so a key kept in memory (no keychain) is found again."""
    global _keychain
    if _keychain is None:
        opened = await asyncio.to_thread(Keychain)  # finding the backend may touch D-Bus
        if _keychain is None:  # two callers may race here: the first one's instance is kept
            _keychain = opened
    return _keychain


def forget_shared_keychain() -> None:
    """Tests switch keyring backends between cases; the next call opens a fresh Keychain."""
    global _keychain
    _keychain = None


async def stored_key_of(name: str) -> str | None:
    keychain = await shared_keychain()
    return await asyncio.to_thread(stored_key, name, keychain)


# -- the network ---------------------------------------------------------------------------


async def find_local_servers() -> list[LocalServer]:
    """Model servers answering on 127.0.0.1 (``BACKSTAGE_LOCAL_PORTS`` narrows the ports)."""
    return await detect_local_servers()


async def new_provider(preset_id: str, base_url: str, key: str | None, name: str = "") -> ListingProvider:
    if key:
        register_secret(key)  # from the first request on, an error that echoes the key shows it masked
    # Building the HTTP client loads the OS certificate store: not on the Qt thread.
    return await asyncio.to_thread(make_provider, preset_id, base_url or None, key or None, name=name or None)


async def test_connection(preset_id: str, base_url: str, key: str | None, model: str = "") -> list[str]:
    """Plain lines about the smallest real request that works; raises ProviderError in plain words."""
    # The same check as `backstage providers test`, so the window and the CLI agree on what "works" means.
    provider = await new_provider(preset_id, base_url, key)
    return (await check_connection(provider, model)).lines  # closes the provider


async def fetch_models(provider: ListingProvider) -> list[str]:
    return chat_models(await provider.list_models())


# -- the settings --------------------------------------------------------------------------


def unique_name(preset_id: str, settings: Settings) -> str:
    """``openai``, or ``openai-2`` … when a provider of that name is configured already."""
    base = "openai-compatible" if preset_id == "custom" else preset_id
    name, n = base, 2
    while settings.provider(name) is not None:
        name, n = f"{base}-{n}", n + 1
    return name


async def save_provider(
    name: str, preset_id: str, base_url: str, model: str, key: str | None, *, make_default: bool = False
) -> ProviderEntry:
    """Save a provider: its settings to the settings file, its key to the keychain only.

    With no usable keychain the key stays in the shared Keychain's memory for this
    session (what :attr:`Keychain.notice` tells the user) and is never written anywhere.
    """
    keychain = await shared_keychain()
    preset = PRESETS[preset_id].id
    address = "" if base_url.rstrip("/") == PRESETS[preset_id].base_url else base_url

    def save() -> ProviderEntry:
        entry, _ = add_provider(
            name,
            preset,
            base_url=address,
            default_model=model,
            api_key=key,
            make_default=make_default,
            keychain=keychain,
            memory_only_ok=True,  # the window lives on, and so does the shared Keychain's memory
        )
        return entry

    return await asyncio.to_thread(save)


def provider_label(entry: ProviderEntry) -> str:
    """How pickers name a configured provider: the service ("OpenAI"), or the user's own name for it."""
    preset = PRESETS.get(entry.preset)
    if preset is None or entry.name.lower() != preset.id:
        return entry.name
    return preset.display_name.split(" (")[0]  # "Anthropic (Claude)" → "Anthropic"


async def remember_choice(name: str, model: str) -> None:
    """Make ``name`` the default provider and ``model`` its default model: the next start uses them."""

    def save() -> None:
        settings = load_settings()
        entry = settings.provider(name)
        if entry is None:
            return
        entry.default_model = model
        settings.default_provider = entry.name
        save_settings(settings)

    await asyncio.to_thread(save)


async def load_settings_async() -> Settings:
    return await asyncio.to_thread(load_settings)


async def configured_provider(name: str, model: str | None = None) -> tuple[ListingProvider, ServerSettings]:
    """A ready provider for the configured provider ``name`` and the descriptor the window shows.

    ``model`` picks the model (``""``: the provider's default model, which must then be set;
    ``None``: no model needed, e.g. only to list them). Raises ConfigurationError when the
    provider is gone, has no model, or needs a key the keychain lacks.
    """
    keychain = await shared_keychain()

    def build() -> tuple[ListingProvider, ServerSettings]:
        resolved = resolve(name)
        if resolved is None:
            raise ConfigurationError(f"There is no provider called {name!r} any more.")
        chosen = model or resolved.entry.default_model
        if model is not None and not chosen:
            raise ConfigurationError(f"Choose a model for {resolved.entry.name} first.")
        key = stored_key(resolved.entry.name, keychain)
        at_home = resolved.base_url.rstrip("/") == resolved.preset.base_url
        if key is None and resolved.preset.needs_key and at_home:
            raise ConfigurationError(
                f"No API key is stored for {resolved.entry.name}. Add it in Settings → Providers."
            )
        provider, _ = provider_for(resolved.entry.name, api_key=key, keychain=keychain)
        return provider, ServerSettings(resolved.entry.name, resolved.base_url, chosen)

    return await asyncio.to_thread(build)


async def open_default() -> tuple[ListingProvider, ServerSettings] | None:
    """The saved default provider with its default model, ready to chat; None when there is none that works."""
    settings = await load_settings_async()
    if not settings.default_provider:
        return None
    try:
        return await configured_provider(settings.default_provider, "")
    except ConfigurationError:
        return None  # onboarding will ask (e.g. the key lived in memory only last time)
