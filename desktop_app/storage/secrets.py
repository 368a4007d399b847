"""API keys and other secrets: in the OS keychain through keyring, never in a file.

Backstage uses whatever backend keyring is configured to use (``keyringrc.cfg``,
``PYTHON_KEYRING_BACKEND``). When none is usable (keyring's ``fail`` backend, or
one with priority below 1), secrets live in this process's memory for the session
only and :attr:`Keychain.notice` says so in plain words. There is deliberately no
plain-text fallback.

Calls may block (a keychain can prompt or talk over D-Bus): from the event loop,
run them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import threading

import keyring
import keyring.backend
import keyring.errors

from ..core.errors import register_secret

SERVICE = "Backstage"

log = logging.getLogger(__name__)


def _backend_usable(backend: keyring.backend.KeyringBackend) -> bool:
    try:
        priority = float(backend.priority)  # type: ignore[arg-type]
    except Exception:  # some backends raise from priority when their service is missing
        return False
    return type(backend).__module__ != "keyring.backends.fail" and priority >= 1


class Keychain:
    """Secrets by name (e.g. ``provider:openai``, ``search:brave``, ``mcp:github:GITHUB_TOKEN``)."""

    def __init__(self) -> None:
        self._backend = keyring.get_keyring()
        self.available = _backend_usable(self._backend)
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def backend_name(self) -> str:
        backend = type(self._backend)
        return f"{backend.__module__}.{backend.__qualname__}" if self.available else "none (memory only)"

    @property
    def notice(self) -> str | None:
        if self.available:
            return None
        return (
            "No system keychain is available, so Backstage will keep your API keys in memory only until "
            "you quit. They are never written to a file."
        )

    def get(self, name: str) -> str | None:
        with self._lock:
            value = self._memory.get(name)
        if value is None and self.available:
            try:
                value = self._backend.get_password(SERVICE, name)
            except keyring.errors.KeyringError as exc:
                log.warning("keychain read failed for %s: %s", name, type(exc).__name__)
                value = None
        if value:
            register_secret(value)
        return value

    def set(self, name: str, value: str) -> None:
        """Store ``value``; in memory only when no keychain is usable (see :attr:`notice`)."""
        register_secret(value)
        if self.available:
            try:
                self._backend.set_password(SERVICE, name, value)
                return
            except keyring.errors.KeyringError as exc:
                log.warning("keychain write failed for %s: %s", name, type(exc).__name__)
        with self._lock:
            self._memory[name] = value

    def delete(self, name: str) -> None:
        with self._lock:
            self._memory.pop(name, None)
        if self.available:
            try:
                self._backend.delete_password(SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as exc:
                log.warning("keychain delete failed for %s: %s", name, type(exc).__name__)


def mask(secret: str) -> str:
    """What the UI shows of a key: its first and last few characters."""
    if len(secret) <= 10:
        return "•" * len(secret)
    return f"{secret[:4]}…{secret[-4:]}"
