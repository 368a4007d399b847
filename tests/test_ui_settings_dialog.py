"""Settings (Ctrl+,): providers edited, tested and removed; tool choices saved and used; MCP servers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop_app.providers.registry import add_provider
from desktop_app.storage.secrets import Keychain
from desktop_app.tools.mcp import profile_config_path
from desktop_app.ui.dialogs.onboarding import OnboardingDialog
from desktop_app.ui.dialogs.settings_dialog import SettingsDialog
from desktop_app.ui.mcp_session import McpSession
from desktop_app.ui.qt import Qt, QtWidgets
from tests.mcp_servers.fixtures import stdio_entry
from tests.servers import openai_wire as wire
from tests.servers.scripted import Response, ScriptedServer
from tests.ui_helpers import aio  # noqa: F401 (a fixture)
from tests.ui_provider_helpers import (  # noqa: F401 (fixtures are used by name)
    KEY,
    ask,
    assert_key_in_no_file,
    close_bridge,
    finish,
    memory_keychain,
    no_local_servers,
    routed,
    saved_settings,
    start_window,
)

pytestmark = pytest.mark.usefixtures("aio", "no_local_servers", "memory_keychain")


def open_settings(qtbot: Any, window: Any) -> SettingsDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(window.findChild(SettingsDialog), SettingsDialog))
    dialog = window.findChild(SettingsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


@pytest.fixture
def server() -> Any:
    models = Response.json(wire.models_body(["gpt-4o", "gpt-4o-mini"]))

    def chat(request: Any) -> Response:
        return Response.sse(wire.text_stream("Fine.", 2))

    with ScriptedServer(routed({"/v1/models": lambda r: models, "/v1/chat/completions": chat})) as running:
        yield running


def test_providers_tab_edits_tests_and_removes(qtbot, aio, server) -> None:  # noqa: F811
    add_provider("work", "openai", base_url=f"{server.url}/v1", default_model="gpt-4o", api_key=KEY)
    window, connecting = start_window(qtbot, aio)
    finish(qtbot, window, connecting)
    dialog = open_settings(qtbot, window)
    tab = dialog.providers
    qtbot.waitUntil(lambda: tab.list.count() == 1 and tab.model.count() == 2)
    assert tab.service.text() == "OpenAI" and tab.address.text() == f"{server.url}/v1"
    qtbot.waitUntil(lambda: tab.key.edit.placeholderText().startswith("Stored: sk-t…"))
    assert tab.key.text == "" and KEY not in tab.key.edit.placeholderText()  # never shown, only masked
    tab.test_button.click()
    qtbot.waitUntil(lambda: tab.status.state == "ok")
    assert "2 models available" in tab.status.text
    tab.model.setCurrentText("gpt-4o-mini")
    tab.save_button.click()
    qtbot.waitUntil(lambda: tab.status.state == "ok")
    assert saved_settings()["providers"][0]["default_model"] == "gpt-4o-mini"
    assert Keychain().get("provider:work") == KEY  # saving without typing a key keeps the stored one

    tab.remove_button.click()
    assert tab.confirm_row.isVisibleTo(tab) and "work" in tab.confirm_label.text()
    tab.confirm_button.click()
    qtbot.waitUntil(lambda: tab.list.count() == 0)
    assert Keychain().get("provider:work") is None and saved_settings()["providers"] == []
    assert tab.empty.isVisibleTo(tab)

    tab.add_button.click()
    qtbot.waitUntil(lambda: tab.add_dialog is not None and tab.add_dialog.isVisible())
    assert isinstance(tab.add_dialog, OnboardingDialog) and tab.add_dialog.windowTitle() == "Add a provider"
    tab.add_dialog.reject()
    dialog.done_button.click()
    qtbot.waitUntil(lambda: window.findChild(SettingsDialog) is None)
    close_bridge(qtbot, aio, window)
    assert_key_in_no_file(KEY)


def test_a_new_key_saved_in_settings_is_used_from_the_next_message(qtbot, aio, server) -> None:  # noqa: F811
    add_provider("work", "openai", base_url=f"{server.url}/v1", default_model="gpt-4o", api_key=KEY)
    window, connecting = start_window(qtbot, aio)
    finish(qtbot, window, connecting)
    ask(qtbot, window, "old key")
    dialog = open_settings(qtbot, window)
    tab = dialog.providers
    qtbot.waitUntil(lambda: tab.key.edit.placeholderText().startswith("Stored"))
    tab.key.edit.setText("sk-new-key-1122334455")
    tab.save_button.click()
    qtbot.waitUntil(lambda: tab.status.text.endswith("Saved."))
    old = window.bridge.provider
    dialog.done_button.click()  # the provider in use is opened again with the new key
    qtbot.waitUntil(lambda: window.bridge.provider is not old)
    ask(qtbot, window, "new key", turns=2)
    close_bridge(qtbot, aio, window)
    keys = [r.headers["authorization"] for r in server.requests if r.path == "/v1/chat/completions"]
    assert keys == [f"Bearer {KEY}", "Bearer sk-new-key-1122334455"]
    assert_key_in_no_file("sk-new-key-1122334455")


def test_tools_tab_saves_choices_and_the_next_message_offers_them(qtbot, aio, server) -> None:  # noqa: F811
    add_provider("local", "llamacpp", base_url=f"{server.url}/v1", default_model="gpt-4o")
    window, connecting = start_window(qtbot, aio)
    finish(qtbot, window, connecting)
    ask(qtbot, window, "before")
    dialog = open_settings(qtbot, window)
    dialog.tabs.setCurrentWidget(dialog.tools)
    tools = dialog.tools
    qtbot.waitUntil(lambda: not tools._loading)
    assert tools.backend.currentData() == "duckduckgo" and not tools.key.isVisibleTo(tools)
    tools.run_python.setChecked(True)
    qtbot.waitUntil(lambda: tools.status.state == "ok")
    tools.local_urls.setChecked(True)
    qtbot.waitUntil(lambda: saved_settings().get("tools", {}).get("allow_local_urls") is True)
    tools.backend.setCurrentIndex(1)
    tools.backend.activated.emit(1)
    qtbot.waitUntil(lambda: tools.key.isVisibleTo(tools))
    assert "brave" in tools.key_link.text()
    tools.key.edit.setText("BSA-brave-key-123456")
    tools.key.edit.editingFinished.emit()
    qtbot.waitUntil(lambda: Keychain().get("search:brave") == "BSA-brave-key-123456")
    dialog.done_button.click()
    qtbot.waitUntil(lambda: "run_python" in window.bridge.tools.names())
    ask(qtbot, window, "after", turns=2)
    close_bridge(qtbot, aio, window)
    before, after = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    assert "run_python" not in {t["function"]["name"] for t in before["tools"]}
    assert "run_python" in {t["function"]["name"] for t in after["tools"]}
    assert [m["content"] for m in after["messages"] if m["role"] == "user"] == ["before", "after"]
    assert saved_settings()["tools"] == {
        "search_backend": "brave",
        "search_url": "",
        "allow_local_urls": True,
        "run_python": True,
    }
    assert_key_in_no_file("BSA-brave-key-123456")


def test_mcp_tab_imports_tests_and_removes_servers(qtbot, aio, tmp_path) -> None:  # noqa: F811
    config = tmp_path / "claude_desktop_config.json"
    demo = stdio_entry(env={"DEMO_TOKEN": "tok-secret-98765"})
    missing = {"command": "npx-not-installed-here", "args": ["-y", "server"]}
    config.write_text(json.dumps({"mcpServers": {"demo": demo, "files": missing}}), encoding="utf-8")
    dialog = SettingsDialog(tab="mcp")
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.mcp
    qtbot.waitUntil(lambda: "No MCP servers yet" in tab.details.text())
    chooser = tab.make_file_dialog()  # what Import opens (offscreen Qt cannot show a file dialog quietly)
    assert chooser.nameFilters()[0] == "Claude Desktop config (*.json)"
    chooser.deleteLater()
    task = tab.tasks.start("import", tab.import_file(str(config)))
    qtbot.waitUntil(task.done, timeout=5000)
    assert tab.status.state == "ok" and "Imported 2 servers: demo, files." in tab.status.text
    assert tab.list.topLevelItemCount() == 2
    assert "tok-secret-98765" not in profile_config_path().read_text(encoding="utf-8")
    assert Keychain().get("mcp:demo:DEMO_TOKEN") == "tok-secret-98765"

    for server in tab.servers:
        task = tab.tasks.start(f"test-{server.name}", tab.test(server))
        assert tab.state_of(server.name) in ("not started", "starting")
        qtbot.waitUntil(task.done, timeout=30_000)
    assert tab.state_of("demo") == "ready"
    assert tab.list.topLevelItem(0).text(2).startswith("Ready · ")
    assert tab.state_of("files") == "failed"
    tab.list.setCurrentItem(tab.list.topLevelItem(1))
    assert "The command 'npx-not-installed-here' was not found." in tab.details.text()
    assert tab.list.topLevelItem(1).text(2) == "Failed"

    tab.remove_button.click()
    qtbot.waitUntil(lambda: tab.list.topLevelItemCount() == 1)
    assert [s.name for s in tab.servers] == ["demo"]
    dialog.done_button.click()


def _qt_internal(widget: QtWidgets.QWidget, dialog: QtWidgets.QDialog) -> bool:
    """Parts Qt makes and names itself: headers, a line edit's clear button, a combo box's popup."""
    parent = widget.parent()
    return (
        isinstance(widget, QtWidgets.QHeaderView)
        or isinstance(parent, QtWidgets.QLineEdit | QtWidgets.QComboBox | QtWidgets.QTabBar)
        or widget.window() is not dialog  # a combo box's popup list is a window of its own
    )


@pytest.mark.parametrize("make", [SettingsDialog, OnboardingDialog])
def test_every_control_has_an_accessible_name(qtbot, aio, make) -> None:  # noqa: F811
    dialog = make()
    qtbot.addWidget(dialog)
    dialog.show()
    kinds = (QtWidgets.QLineEdit, QtWidgets.QComboBox, QtWidgets.QAbstractButton, QtWidgets.QAbstractItemView)
    unnamed = [
        f"{type(w).__name__} {type(w.parent()).__name__}"
        for w in dialog.findChildren(QtWidgets.QWidget)
        if isinstance(w, (*kinds, QtWidgets.QTabWidget))
        and not w.accessibleName()
        and not _qt_internal(w, dialog)
    ]
    assert unnamed == []


def test_the_profiles_mcp_servers_start_with_the_window_and_their_tools_run(qtbot, aio) -> None:  # noqa: F811
    from desktop_app.tools.mcp import ServerConfig, save_profile_servers

    entry = stdio_entry()
    save_profile_servers([ServerConfig("demo", command=entry["command"], args=tuple(entry["args"]))])
    chat = [
        Response.sse(wire.tool_call_stream([("demo__lookup", '{"topic": "otters"}')])),
        Response.sse(wire.text_stream("Otters hold hands.", 2)),
    ]
    with ScriptedServer(routed({"/v1/chat/completions": chat})) as server:
        add_provider("local", "llamacpp", base_url=f"{server.url}/v1", default_model="qwen")
        window, connecting = start_window(qtbot, aio)
        finish(qtbot, window, connecting)
        qtbot.waitUntil(lambda: "demo__lookup" in window.bridge.tools.names(), timeout=30_000)
        dialog = open_settings(qtbot, window)
        assert dialog.mcp.state_of("demo") == "ready"  # the live status, not a test's
        dialog.done_button.click()
        turn = ask(qtbot, window, "Tell me about otters")
        mcp = window.findChild(McpSession)
        close_bridge(qtbot, aio, window)  # stops the servers before the loop could end
        second = [r.json for r in server.requests][1]
    assert turn.answer_text() == "Otters hold hands."
    assert "Otters hold hands while sleeping" in second["messages"][-1]["content"]
    assert mcp.tools() == [] and mcp.statuses["demo"].state == "stopped"
