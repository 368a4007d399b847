"""The providers a user configured: names in the settings file, keys in the keychain.

A configured provider is a :class:`~desktop_app.storage.settings.ProviderEntry`
(name, preset, address, default model) plus, when the service needs one, a key
stored in the keychain as ``provider:<name>``, never in the settings file.
Every function here may block (file and keychain access): from the event loop,
call through ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.core.errors import ConfigurationError
from desktop_app.storage.secrets import Keychain
from desktop_app.storage.settings import ProviderEntry, Settings, load_settings, save_settings

from .presets import ListingProvider, Preset, make_provider, preset_for

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def key_name(provider_name: str) -> str:
    """The keychain entry holding a configured provider's key."""
    return f"provider:{provider_name.strip().lower()}"


@dataclass(frozen=True)
class Resolved:
    """A configured provider with its preset looked up and its address filled in."""

    entry: ProviderEntry
    preset: Preset

    @property
    def base_url(self) -> str:
        return self.entry.base_url or self.preset.base_url


def check_name(name: str) -> str:
    """``name`` if it can name a provider (letters, digits, ``.``, ``_``, ``-``; at most 40), else ConfigurationError."""
    name = name.strip()
    if not _NAME.match(name):
        raise ConfigurationError(
            f"{name!r} cannot name a provider: use up to 40 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return name


def resolve(name: str, settings: Settings | None = None) -> Resolved | None:
    """The configured provider called ``name``, or None."""
    settings = settings if settings is not None else load_settings()
    entry = settings.provider(name)
    return Resolved(entry, preset_for(entry.preset)) if entry else None


def add_provider(
    name: str,
    preset: str,
    *,
    base_url: str = "",
    default_model: str = "",
    api_key: str | None = None,
    make_default: bool = False,
    keychain: Keychain | None = None,
    memory_only_ok: bool = False,
) -> tuple[ProviderEntry, bool]:
    """Add a provider, or update the one of that name; returns it and whether it replaced one.

    The key, if given, goes to the keychain only, never to a file. When no keychain
    can keep it beyond this process, ``memory_only_ok`` decides: False (a CLI
    command, whose memory dies with it) raises ConfigurationError and changes
    nothing; True (the window) keeps the key in ``keychain``'s memory for the
    session, so pass the long-lived Keychain the key will be read from again.
    Also raises ConfigurationError for a bad name, service or address.
    The first provider becomes the default.
    """
    name = check_name(name)
    found = preset_for(preset)
    base_url = base_url.strip()
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"The server address must start with http:// or https:// (got {base_url!r})."
        )
    if api_key:
        keychain = keychain or Keychain()
        if not keychain.available and not memory_only_ok:
            raise ConfigurationError(
                "No system keychain is available, so Backstage cannot keep this key after the command ends "
                "(it never writes keys to a file). Pass the key with --api-key-env each time instead."
            )
    settings = load_settings()
    entry = ProviderEntry(name, found.id, base_url, default_model.strip())
    old = settings.provider(name)
    if old is not None:
        settings.providers[settings.providers.index(old)] = entry
    else:
        settings.providers.append(entry)
    if (
        make_default
        or settings.default_provider is None
        or settings.provider(settings.default_provider) is None
    ):
        settings.default_provider = name
    if api_key:
        assert keychain is not None
        keychain.set(key_name(name), api_key)
    save_settings(settings)
    return entry, old is not None


def remove_provider(name: str, *, keychain: Keychain | None = None) -> bool:
    """Forget a provider and its key; False when there was none of that name."""
    settings = load_settings()
    entry = settings.provider(name)
    if entry is None:
        return False
    settings.providers.remove(entry)
    if settings.default_provider and settings.default_provider.lower() == entry.name.lower():
        settings.default_provider = settings.providers[0].name if settings.providers else None
    save_settings(settings)
    (keychain or Keychain()).delete(key_name(entry.name))
    return True


def stored_key(name: str, keychain: Keychain | None = None) -> str | None:
    """The key kept for a configured provider, or None."""
    return (keychain or Keychain()).get(key_name(name))


def provider_for(
    name: str, *, api_key: str | None = None, keychain: Keychain | None = None
) -> tuple[ListingProvider, Resolved]:
    """A ready provider for the configured provider ``name`` (key from ``api_key`` or the keychain)."""
    resolved = resolve(name)
    if resolved is None:
        raise ConfigurationError(
            f"There is no provider called {name!r}. See `backstage providers list`, "
            "or add one with `backstage providers add`."
        )
    key = api_key or stored_key(resolved.entry.name, keychain)
    provider = make_provider(resolved.preset.id, resolved.base_url, key, name=resolved.entry.name)
    return provider, resolved
