"""The composer's model picker: lists fetched lazily, and the next message goes to the chosen model."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.providers.registry import add_provider
from desktop_app.ui.model_picker import CHOICE, ModelPicker
from desktop_app.ui.qt import Qt
from tests.servers import ollama_wire
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer
from tests.ui_helpers import aio  # noqa: F401 (a fixture)
from tests.ui_provider_helpers import (  # noqa: F401 (fixtures are used by name)
    ask,
    close_bridge,
    finish,
    memory_keychain,
    no_local_servers,
    routed,
    saved_settings,
    start_window,
)

pytestmark = pytest.mark.usefixtures("aio", "no_local_servers", "memory_keychain")


def row_of(picker: ModelPicker, provider: str, model: str) -> int:
    items = picker.model()
    for row in range(items.rowCount()):
        if items.index(row, 0).data(CHOICE) == (provider, model):
            return row
    raise AssertionError(f"{provider} · {model} is not listed")


def key_down_to(qtbot: Any, picker: ModelPicker, row: int) -> None:
    """Move to ``row`` with the Down key, as a user can without opening the popup (the offscreen
    platform cannot show popups without warnings); headings are skipped by the combo box itself."""
    picker.setFocus()
    for _ in range(picker.model().rowCount()):
        if picker.currentIndex() == row:
            return
        qtbot.keyClick(picker, Qt.Key.Key_Down)
    raise AssertionError(f"row {row} was not reached with the Down key")


def test_switching_models_and_providers_applies_to_the_next_message(qtbot, aio) -> None:  # noqa: F811
    local_chat = [Response.sse(wire.text_stream("One.", 2)), Response.sse(wire.text_stream("Two.", 2))]
    models = Response.json(wire.models_body(["m-one", "/models/m-two-q4_k_m.gguf"]))
    local = routed({"/v1/models": lambda r: models, "/v1/chat/completions": local_chat})
    tags = Response.json(ollama_wire.tags_body(["llama3.2:latest"]))
    ollama = routed(
        {
            "/api/tags": lambda r: tags,
            "/api/chat": [ollama_wire.response(ollama_wire.text_stream("Three.", 2))],
        }
    )
    with ScriptedServer(local) as first, ScriptedServer(ollama) as second:
        add_provider("local", "llamacpp", base_url=f"{first.url}/v1", default_model="m-one")
        add_provider("ollama", "ollama", base_url=second.url, default_model="llama3.2:latest")
        window, connecting = start_window(qtbot, aio)
        finish(qtbot, window, connecting)
        picker = window.composer.model_picker
        qtbot.waitUntil(lambda: picker.providers == ["local", "ollama"])
        assert picker.isVisible() and picker.label == "local · m-one"
        assert picker.models_of("local") is None  # nothing fetched before the list is opened
        ask(qtbot, window, "first")

        picker.fetch_all()  # what opening the popup does first
        qtbot.waitUntil(
            lambda: picker.models_of("local") is not None and picker.models_of("ollama") is not None
        )
        assert picker.models_of("ollama") == ["llama3.2:latest"]
        key_down_to(qtbot, picker, row_of(picker, "local", "/models/m-two-q4_k_m.gguf"))
        assert picker.label == "local · m-two-q4_k_m"  # file-path ids shown by their short name
        qtbot.waitUntil(lambda: window.bridge.config.model == "/models/m-two-q4_k_m.gguf")
        ask(qtbot, window, "second", turns=2)

        key_down_to(qtbot, picker, row_of(picker, "ollama", "llama3.2:latest"))
        qtbot.waitUntil(lambda: window.bridge.provider.name == "ollama")
        turn = ask(qtbot, window, "third", turns=3)
        close_bridge(qtbot, aio, window)
        chats = [r.json for r in first.requests if r.path == "/v1/chat/completions"]
        [third] = [r.json for r in second.requests if r.path == "/api/chat"]
    assert [c["model"] for c in chats] == ["m-one", "/models/m-two-q4_k_m.gguf"]
    assert third["model"] == "llama3.2:latest"
    # The chat is kept across switches: the third request carries the first two exchanges.
    assert [m["content"] for m in third["messages"] if m["role"] == "user"] == ["first", "second", "third"]
    assert turn.answer_text() == "Three."
    assert window.server_label.text().startswith("llama3.2 · ")
    saved = saved_settings()
    assert saved["default_provider"] == "ollama"  # the next start opens with the last choice


def test_a_provider_whose_list_fails_says_so_in_the_popup(qtbot, aio) -> None:  # noqa: F811
    broken = routed(
        {
            "/v1/models": lambda r: Response.json(wire.error_body(401, "bad key"), status=401),
            "/v1/chat/completions": [],
        }
    )
    with ScriptedServer(broken) as server:
        add_provider(
            "work", "openai", base_url=f"{server.url}/v1", default_model="gpt-4o", api_key="sk-zzzzzzzz11"
        )
        window, connecting = start_window(qtbot, aio)
        finish(qtbot, window, connecting)
        picker = window.composer.model_picker
        qtbot.waitUntil(lambda: picker.providers == ["work"])
        picker.fetch_all()
        qtbot.waitUntil(lambda: picker.models_of("work") == [])
        rows = [picker.model().index(r, 0).data() for r in range(picker.model().rowCount())]
        close_bridge(qtbot, aio, window)
    assert rows[0] == "work" and rows[1].strip() == "gpt-4o"  # the model in use stays listed
    assert rows[2].strip().startswith("The server rejected the API key.")
