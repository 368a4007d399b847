"""Shared pieces of the provider UI tests: a clean keychain, path-routed servers, the start-up path.

The start-up path is driven as the session runs it (``connect.connect_session``,
then ``connect.attach``), so a test sees exactly what a user sees on first run.
Fixtures here are autouse only where imported by name (see the test modules).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from desktop_app.ui import connect
from desktop_app.ui.dialogs import provider_setup
from desktop_app.ui.dialogs.onboarding import CONNECT, MODEL, OnboardingDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings import WindowSettings
from tests.keyring_memory import MemoryKeyring
from tests.servers.scripted import RecordedRequest, Response
from tests.ui_helpers import wait_finished

KEY = "sk-test-0a1b2c3d4e5f6a7b8c9d"
ANTHROPIC_KEY = "sk-ant-api03-Zz9Yy8Xx7Ww6Vv5Uu4"


@pytest.fixture
def no_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection looks only where nothing listens (a test that wants a server found says where)."""
    monkeypatch.setenv("BACKSTAGE_LOCAL_PORTS", "ollama=9")


@pytest.fixture
def memory_keychain() -> Iterator[MemoryKeyring]:
    """A fresh in-memory keychain per test, and a fresh shared Keychain in the window."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    provider_setup.forget_shared_keychain()
    yield backend
    keyring.set_keyring(previous)
    provider_setup.forget_shared_keychain()


def routed(routes: dict[str, Callable[[RecordedRequest], Response] | list[Response]]) -> Any:
    """A script answering by path: a function of the request, or the next of a list of responses."""

    def answer(request: RecordedRequest) -> Response:
        route = routes[request.path.split("?")[0]]
        return route.pop(0) if isinstance(route, list) else route(request)

    return answer


def args() -> argparse.Namespace:
    return argparse.Namespace(provider="openai", base_url=None, model=None, api_key_env=None, prompt=None)


def start_window(qtbot: Any, aio: Any) -> tuple[MainWindow, Any]:
    window = MainWindow(WindowSettings())
    qtbot.addWidget(window)
    window.show()
    connecting = aio.create_task(connect.connect_session(args(), window.settings, window))
    return window, connecting


def onboarding(qtbot: Any, window: MainWindow) -> OnboardingDialog:
    qtbot.waitUntil(lambda: isinstance(window.findChild(OnboardingDialog), OnboardingDialog))
    dialog = window.findChild(OnboardingDialog)
    assert isinstance(dialog, OnboardingDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(lambda: dialog.choose_page.detection.state != "working", timeout=5000)
    return dialog


def choose(qtbot: Any, dialog: OnboardingDialog, choice_id: str, *, found: bool = False) -> None:
    assert dialog.choose_page.list.select_id(choice_id, found=found)
    dialog.next_button.click()
    assert dialog.step == CONNECT


def connect_with(qtbot: Any, dialog: OnboardingDialog, address: str, key: str) -> None:
    page = dialog.connect_page
    page.address_toggle.click()
    page.address.setText(address)
    page.key.edit.setText(key)
    dialog.next_button.click()  # tests the connection, then moves on when it worked
    qtbot.waitUntil(lambda: dialog.step == MODEL or page.result.state == "error", timeout=5000)


def pick_model(qtbot: Any, dialog: OnboardingDialog, model: str) -> None:
    page = dialog.model_page
    qtbot.waitUntil(lambda: page.status.state != "working" and page.models.list.count() > 0, timeout=5000)
    page.models.choose(model)
    assert page.models.chosen == model
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.next_button.click()


def finish(qtbot: Any, window: MainWindow, connecting: Any) -> None:
    qtbot.waitUntil(connecting.done, timeout=5000)
    connected = connecting.result()
    assert connected is not None
    connect.attach(window, *connected)


def ask(qtbot: Any, window: MainWindow, question: str, turns: int = 1) -> Any:
    assert window.send(question)
    wait_finished(qtbot, window, turns=turns, timeout=10_000)
    return window.chat.last_turn()


def close_bridge(qtbot: Any, aio: Any, window: MainWindow) -> None:
    closing = aio.create_task(window.bridge.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)


def ask_and_close(qtbot: Any, aio: Any, window: MainWindow, question: str) -> Any:
    assert window.send(question)
    wait_finished(qtbot, window, timeout=10_000)
    turn = window.chat.last_turn()
    closing = aio.create_task(window.bridge.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
    return turn


def profile_files() -> list[Path]:
    return [p for p in Path(os.environ["BACKSTAGE_HOME"]).rglob("*") if p.is_file()]


def assert_key_in_no_file(key: str) -> None:
    files = profile_files()
    assert files, "the profile should hold at least the settings file"
    leaked = [str(p) for p in files if key.encode() in p.read_bytes()]
    assert leaked == []


def saved_settings() -> dict[str, Any]:
    return json.loads((Path(os.environ["BACKSTAGE_HOME"]) / "settings.json").read_text(encoding="utf-8"))


def profile_path(name: str) -> Path:
    return Path(os.environ["BACKSTAGE_HOME"]) / name
