"""Pytest fixtures for the scripted server; conftest.py imports them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .scripted import ScriptedServer


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer` with an empty script; closed (threads joined) after the test."""
    with ScriptedServer() as server:
        yield server
