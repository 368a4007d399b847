"""Keys go to the keychain keyring is configured with, or to memory; never to a file."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from desktop_app.core.errors import redact
from desktop_app.storage.secrets import Keychain, mask


def test_round_trip_through_the_configured_backend() -> None:
    chain = Keychain()
    assert chain.available and "MemoryKeyring" in chain.backend_name
    chain.set("provider:openai", "sk-test-0123456789abcdef")
    assert chain.get("provider:openai") == "sk-test-0123456789abcdef"
    assert keyring.get_keyring().get_password("Backstage", "provider:openai") == "sk-test-0123456789abcdef"
    chain.delete("provider:openai")
    assert chain.get("provider:openai") is None
    chain.delete("provider:openai")  # deleting twice is fine


def test_no_keychain_means_memory_only_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    chain = Keychain()
    assert not chain.available
    assert chain.notice and "memory" in chain.notice
    chain.set("provider:x", "secret-value-123456")
    assert chain.get("provider:x") == "secret-value-123456"


def test_stored_keys_are_redacted_everywhere() -> None:
    Keychain().set("provider:y", "zz-very-secret-key-42")
    assert "zz-very-secret-key-42" not in redact("server said: bad key zz-very-secret-key-42")


def test_mask() -> None:
    assert mask("sk-abcdefghijklmnop") == "sk-a…mnop"
    assert mask("short") == "•••••"
