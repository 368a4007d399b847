"""Onboarding end to end: from a clean profile to a streamed answer with a tool call, per wire format.

The start-up path (``connect.connect_session`` then ``connect.attach``, as the
session runs them) is driven in-process against real local servers speaking
OpenAI's, Anthropic's and Ollama's wire formats. The keychain is the tests'
in-memory keyring backend; after each path every file of the profile is read
to prove the key never reached one.
"""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from desktop_app.core.errors import AuthenticationError
from desktop_app.storage.secrets import Keychain
from desktop_app.ui.dialogs import provider_setup
from desktop_app.ui.dialogs.onboarding import CONNECT, MODEL, OnboardingDialog
from tests.servers import anthropic_wire, ollama_wire
from tests.servers import openai_wire as wire
from tests.servers.scripted import RecordedRequest, Response, ScriptedServer
from tests.ui_helpers import aio  # noqa: F401 (a fixture)
from tests.ui_provider_helpers import (  # noqa: F401 (fixtures are used by name)
    ANTHROPIC_KEY,
    KEY,
    ask_and_close,
    assert_key_in_no_file,
    choose,
    connect_with,
    finish,
    memory_keychain,
    no_local_servers,
    onboarding,
    pick_model,
    routed,
    saved_settings,
    start_window,
)

pytestmark = pytest.mark.usefixtures("aio", "no_local_servers", "memory_keychain")


# -- the three wire formats --------------------------------------------------------------------------


def test_openai_compatible_path_shows_a_401_in_plain_words_then_answers_with_a_tool(qtbot, aio) -> None:  # noqa: F811
    def models(request: RecordedRequest) -> Response:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            body = wire.error_body(401, "Incorrect API key provided.", code="invalid_api_key")
            return Response.json(body, status=401)
        return Response.json(wire.models_body(["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]))

    chat = [
        Response.sse(wire.tool_call_stream([("calculator", '{"expression": "17 * 23"}')])),
        Response.sse(wire.text_stream("17 × 23 is 391.", 3)),
    ]
    with ScriptedServer(routed({"/v1/models": models, "/v1/chat/completions": chat})) as server:
        window, connecting = start_window(qtbot, aio)
        dialog = onboarding(qtbot, window)
        assert dialog.choose_page.list.choices()[0].id == "openai"  # no local server: cloud first
        choose(qtbot, dialog, "openai")
        connect_with(qtbot, dialog, f"{server.url}/v1", "sk-wrong-key-000000000")
        result = dialog.connect_page.result
        assert result.state == "error" and dialog.step == CONNECT
        assert result.text.startswith(AuthenticationError.default_message)
        dialog.connect_page.key.edit.setText(KEY)
        dialog.next_button.click()
        qtbot.waitUntil(lambda: dialog.step == MODEL, timeout=5000)
        pick_model(qtbot, dialog, "gpt-4o-mini")
        assert dialog.model_page.models.list.count() == 2  # the embedding model is not offered
        finish(qtbot, window, connecting)
        turn = ask_and_close(qtbot, aio, window, "What is 17 * 23?")
        chats = [r for r in server.requests if r.path == "/v1/chat/completions"]
        address = f"{server.url}/v1"
    assert turn.answer_text() == "17 × 23 is 391."
    assert turn.status_lines()[0].startswith("✓ Calculated 17 × 23")
    assert [r.json["model"] for r in chats] == ["gpt-4o-mini", "gpt-4o-mini"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in chats)
    entry = saved_settings()["providers"][0]
    assert entry == {
        "name": "openai",
        "preset": "openai",
        "base_url": address,
        "default_model": "gpt-4o-mini",
    }
    assert Keychain().get("provider:openai") == KEY
    assert_key_in_no_file(KEY)


def test_anthropic_path_reaches_a_streamed_answer_with_a_tool(qtbot, aio) -> None:  # noqa: F811
    chat = [
        Response.sse(
            anthropic_wire.stream(
                [
                    anthropic_wire.Text("Let me calculate."),
                    anthropic_wire.ToolUse("calculator", '{"expression": "17*23"}'),
                ]
            )
        ),
        Response.sse(anthropic_wire.text_stream("It is 391.", 3)),
    ]
    models = Response.json(anthropic_wire.models_body(["claude-sonnet-4-5", "claude-haiku-4-5"]))
    with ScriptedServer(routed({"/v1/models": [models, models], "/v1/messages": chat})) as server:
        window, connecting = start_window(qtbot, aio)
        dialog = onboarding(qtbot, window)
        choose(qtbot, dialog, "anthropic")
        assert "console.anthropic.com" in dialog.connect_page.key_link.text()
        connect_with(qtbot, dialog, server.url, ANTHROPIC_KEY)
        pick_model(qtbot, dialog, "claude-haiku-4-5")
        finish(qtbot, window, connecting)
        turn = ask_and_close(qtbot, aio, window, "What is 17*23?")
        messages = [r for r in server.requests if r.path == "/v1/messages"]
    assert turn.answer_text().endswith("It is 391.")
    assert [line.startswith("✓ Calculated") for line in turn.status_lines()] == [True]
    assert [r.json["model"] for r in messages] == ["claude-haiku-4-5"] * 2
    assert all(r.headers["x-api-key"] == ANTHROPIC_KEY for r in server.requests)
    assert Keychain().get("provider:anthropic") == ANTHROPIC_KEY
    assert_key_in_no_file(ANTHROPIC_KEY)


def test_ollama_found_on_this_computer_needs_no_key(qtbot, aio, monkeypatch) -> None:  # noqa: F811
    tags = Response.json(ollama_wire.tags_body(["llama3.2:latest", "qwen2.5:7b"]))
    chat = [
        ollama_wire.response(ollama_wire.tool_call_stream([("calculator", {"expression": "17*23"})])),
        ollama_wire.response(ollama_wire.text_stream("It is 391.", 2)),
    ]
    with ScriptedServer(routed({"/api/tags": lambda r: tags, "/api/chat": chat})) as server:
        monkeypatch.setenv("BACKSTAGE_LOCAL_PORTS", f"ollama={server.url.rsplit(':', 1)[1]}")
        window, connecting = start_window(qtbot, aio)
        dialog = onboarding(qtbot, window)
        assert dialog.choose_page.detection.text == "✓  Found on this computer: Ollama (2 models)"
        first = dialog.choose_page.list.chosen
        assert first is not None and first.found is not None  # found servers come first, selected
        dialog.next_button.click()
        page = dialog.connect_page
        assert not page.key_box.isVisibleTo(page)  # no key for a local server
        qtbot.waitUntil(lambda: page.result.state == "ok", timeout=5000)  # tested at once
        assert "2 models available" in page.result.text
        dialog.next_button.click()
        pick_model(qtbot, dialog, "qwen2.5:7b")
        finish(qtbot, window, connecting)
        turn = ask_and_close(qtbot, aio, window, "What is 17*23?")
        chats = [r for r in server.requests if r.path == "/api/chat"]
        address = server.url
    assert turn.answer_text() == "It is 391."
    assert [r.json["model"] for r in chats] == ["qwen2.5:7b"] * 2
    entry = saved_settings()["providers"][0]
    assert (entry["preset"], entry["base_url"], entry["default_model"]) == (
        "ollama",
        address,
        "qwen2.5:7b",
    )


def test_without_a_keychain_the_key_is_kept_in_memory_and_said_so(qtbot, aio) -> None:  # noqa: F811
    keyring.set_keyring(keyring.backends.fail.Keyring())
    provider_setup.forget_shared_keychain()
    models = Response.json(wire.models_body(["m1"]))
    chat = [Response.sse(wire.text_stream("Hello.", 2))]
    with ScriptedServer(routed({"/v1/models": lambda r: models, "/v1/chat/completions": chat})) as server:
        window, connecting = start_window(qtbot, aio)
        dialog = onboarding(qtbot, window)
        choose(qtbot, dialog, "groq")
        notice = dialog.connect_page.notice
        assert notice.isVisibleTo(dialog) and "in memory only until you quit" in notice.text()
        connect_with(qtbot, dialog, f"{server.url}/v1", KEY)
        pick_model(qtbot, dialog, "m1")
        finish(qtbot, window, connecting)
        ask_and_close(qtbot, aio, window, "Hi")
        assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert saved_settings()["providers"][0]["name"] == "groq"
    assert_key_in_no_file(KEY)


def test_a_configured_default_provider_opens_no_dialog(qtbot, aio) -> None:  # noqa: F811
    from desktop_app.providers.registry import add_provider

    chat = [Response.sse(wire.text_stream("Straight in.", 2))]
    with ScriptedServer(routed({"/v1/chat/completions": chat})) as server:
        add_provider("local", "llamacpp", base_url=f"{server.url}/v1", default_model="qwen")
        window, connecting = start_window(qtbot, aio)
        finish(qtbot, window, connecting)
        assert window.findChild(OnboardingDialog) is None
        turn = ask_and_close(qtbot, aio, window, "Hi")
        assert server.requests[0].json["model"] == "qwen"
    assert turn.answer_text() == "Straight in."


def test_cancelling_onboarding_ends_the_start(qtbot, aio) -> None:  # noqa: F811
    window, connecting = start_window(qtbot, aio)
    dialog = onboarding(qtbot, window)
    dialog.cancel_button.click()
    qtbot.waitUntil(connecting.done)
    assert connecting.result() is None


QUOTA = wire.error_body(
    429, "You exceeded your current quota.", type="insufficient_quota", code="insufficient_quota"
)
ERRORS = {
    "wrong key": (
        Response.json(wire.error_body(403, "Forbidden."), status=403),
        "The server rejected the API key.",
    ),
    "out of credit": (Response.json(QUOTA, status=429), "Your account with this service is out of credit"),
    "rate limited": (
        Response.json(wire.error_body(429, "Slow down."), status=429, headers=[("Retry-After", "20")]),
        "The server is limiting requests right now.",
    ),
    "overloaded": (
        Response.json(wire.error_body(503, "Overloaded."), status=503),
        "The model server is overloaded",
    ),
    "no such address": (Response.text("nope", status=404), "The server has no chat service at this address"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_mapped_error_reads_in_plain_words(qtbot, aio, case) -> None:  # noqa: F811
    answer, words = ERRORS[case]
    with ScriptedServer(lambda r: answer) as server:
        dialog = OnboardingDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        choose(qtbot, dialog, "mistral")
        connect_with(qtbot, dialog, f"{server.url}/v1", KEY)
    result = dialog.connect_page.result
    assert result.state == "error" and dialog.step == CONNECT
    assert result.text.startswith(words)
    assert KEY not in result.text and "Traceback" not in result.text


def test_a_server_that_is_not_running_reads_in_plain_words(qtbot, aio) -> None:  # noqa: F811
    dialog = OnboardingDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    choose(qtbot, dialog, "lmstudio")
    page = dialog.connect_page
    assert page.address.isVisibleTo(page) and page.address.text() == "http://127.0.0.1:1234/v1"
    page.address.setText("http://127.0.0.1:9/v1")
    dialog.next_button.click()
    qtbot.waitUntil(lambda: page.result.state == "error", timeout=5000)
    assert page.result.text.startswith("Could not reach the model server at http://127.0.0.1:9.")


def test_a_key_the_server_echoes_back_is_masked(qtbot, aio) -> None:  # noqa: F811
    plain_key = "Qm9vZ2llV29vZ2llMTIzNDU2Nzg5MGFi"  # no sk- prefix: only knowing the key can mask it
    body = wire.error_body(401, f"Invalid API key: {plain_key}")
    with ScriptedServer(lambda r: Response.json(body, status=401)) as server:
        dialog = OnboardingDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        choose(qtbot, dialog, "mistral")
        connect_with(qtbot, dialog, f"{server.url}/v1", plain_key)
    text = dialog.connect_page.result.text
    assert text.startswith("The server rejected the API key.") and "•••" in text
    assert plain_key not in text
