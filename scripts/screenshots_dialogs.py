"""Screenshots of onboarding, Settings and the model picker, for looking at before calling them done.

Run on its own (``.venv/bin/python scripts/screenshots_dialogs.py [FOLDER]``) or as part of
``scripts/screenshots.py``. The demo keys go to an in-memory keychain, never the real one. Local
stand-ins answer as Ollama (found on "this computer") and as an OpenAI-compatible
cloud service that rejects one key and accepts another, so every step shows real
results: each onboarding step (searching, the list, a 401 in plain words, a local
server tested at once, the model list, the no-keychain notice), each Settings tab
(an MCP server ready and one failed), the composer's model picker open, and the
list again with a dark palette.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import ollama_wire  # noqa: E402
from tests.servers import openai_wire as wire  # noqa: E402
from tests.servers.scripted import RecordedRequest, Response, ScriptedServer  # noqa: E402

GOOD_KEY = "sk-proj-4f2a9c1e7b3d5a8f6c0e"
OLLAMA_MODELS = ["llama3.2:latest", "qwen2.5:7b", "mistral-nemo:latest"]
CLOUD_MODELS = [
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "o3-mini",
    "o4-mini",
    "text-embedding-3-small",
]


def ollama(request: RecordedRequest) -> Response:
    return Response.json(ollama_wire.tags_body(OLLAMA_MODELS))


def cloud(request: RecordedRequest) -> Response:
    if request.headers.get("authorization") != f"Bearer {GOOD_KEY}":
        body = wire.error_body(401, "Incorrect API key provided: sk-wron****4321.", code="invalid_api_key")
        return Response.json(body, status=401)
    return Response.json(wire.models_body(CLOUD_MODELS))


async def _until(condition: Callable[[], bool], seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (widget states have no event to wait on)
            await asyncio.sleep(0.02)


def _save(widget: Any, folder: Path, name: str, saved: list[Path]) -> None:
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    saved.append(path)


async def onboarding(folder: Path, cloud_url: str, saved: list[Path]) -> None:
    from desktop_app.ui.dialogs.onboarding import MODEL, OnboardingDialog

    dialog = OnboardingDialog()
    dialog.show()

    async def shot(name: str) -> None:
        await asyncio.sleep(0.15)
        _save(dialog, folder, name, saved)

    await shot("20-onboarding-searching")
    await _until(lambda: dialog.choose_page.detection.state != "working")
    await shot("21-onboarding-choose")
    dialog.choose_page.list.select_id("openai", found=False)
    dialog.next_button.click()
    await shot("22-onboarding-key")
    page = dialog.connect_page
    page.address_toggle.click()
    page.address.setText(f"{cloud_url}/v1")
    page.key.edit.setText("sk-wrong-key-000054321")
    page.test_button.click()
    await _until(lambda: page.result.state == "error")
    await shot("23-onboarding-wrong-key")
    page.key.edit.setText(GOOD_KEY)
    page.test_button.click()
    await _until(lambda: page.result.state == "ok")
    await shot("24-onboarding-key-ok")
    dialog.next_button.click()
    await _until(lambda: dialog.step == MODEL and dialog.model_page.models.list.count() > 0)
    await shot("25-onboarding-models")
    dialog.model_page.models.search.setText("mini")
    await shot("26-onboarding-models-search")
    dialog.back_button.click()
    dialog.back_button.click()
    dialog.choose_page.list.select_id("ollama", found=True)
    dialog.next_button.click()
    await _until(lambda: page.result.state == "ok")
    await shot("27-onboarding-local-tested")
    dialog.reject()


async def no_keychain(folder: Path, saved: list[Path]) -> None:
    import keyring
    import keyring.backends.fail

    from desktop_app.ui.dialogs import provider_setup
    from desktop_app.ui.dialogs.onboarding import OnboardingDialog

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    provider_setup.forget_shared_keychain()
    dialog = OnboardingDialog()
    dialog.show()
    await _until(lambda: dialog.choose_page.detection.state != "working" and dialog._notice is not None)
    dialog.choose_page.list.select_id("anthropic")
    dialog.next_button.click()
    await asyncio.sleep(0.15)
    _save(dialog, folder, "28-onboarding-no-keychain", saved)
    dialog.reject()
    keyring.set_keyring(previous)
    provider_setup.forget_shared_keychain()


async def settings_and_picker(folder: Path, ollama_url: str, cloud_url: str, saved: list[Path]) -> None:
    from desktop_app.providers.registry import add_provider
    from desktop_app.tools.registry import ToolRegistry
    from desktop_app.ui.connect import create_window
    from desktop_app.ui.qt import QtCore, QtGui
    from desktop_app.ui.settings import WindowSettings

    add_provider(
        "openai", "openai", base_url=f"{cloud_url}/v1", default_model="gpt-4.1-mini", api_key=GOOD_KEY
    )
    add_provider("ollama", "ollama", base_url=ollama_url, default_model="qwen2.5:7b", make_default=True)
    config = Path(tempfile.mkdtemp()) / "claude_desktop_config.json"
    demo = {"command": sys.executable, "args": [str(ROOT / "tests" / "mcp_servers" / "demo_server.py")]}
    github = {"command": "npx-not-installed", "args": ["-y", "@modelcontextprotocol/server-github"]}
    config.write_text(json.dumps({"mcpServers": {"demo": demo, "github": github}}), encoding="utf-8")

    from desktop_app.ui.dialogs.provider_setup import configured_provider

    provider, server = await configured_provider("ollama", "")
    settings = WindowSettings(Path(tempfile.mkdtemp()) / "window.ini")
    window = create_window(provider, server, settings, ToolRegistry([]))
    window.resize(1180, 760)
    window.show()
    picker = window.composer.model_picker
    await _until(lambda: picker.providers == ["openai", "ollama"])
    picker.fetch_all()
    await _until(lambda: all(picker.models_of(p) is not None for p in picker.providers))
    window.composer.set_text("Which model should I use for long documents?")
    await asyncio.sleep(0.15)
    _save(window, folder, "30-model-picker", saved)
    picker.showPopup()
    await asyncio.sleep(0.3)
    # The popup is a window of its own: paint it onto the window's picture where it sits on screen.
    shot = window.grab()
    popup = picker.view().window()
    painter = QtGui.QPainter(shot)
    offset = popup.mapToGlobal(QtCore.QPoint(0, 0)) - window.mapToGlobal(QtCore.QPoint(0, 0))
    painter.drawPixmap(offset, popup.grab())
    painter.end()
    path = folder / "31-model-picker-open.png"
    shot.save(str(path))
    saved.append(path)
    picker.hidePopup()

    controls = window.findChild(QtCore.QObject, "ModelControls")
    dialog = controls.open_settings()
    tab = dialog.providers
    await _until(lambda: tab.list.count() == 2 and tab.model.count() > 0)
    await _until(lambda: tab.key.edit.placeholderText() != "" or tab.selected.preset == "ollama")
    tab.list.setCurrentRow(0)
    await _until(lambda: tab.key.edit.placeholderText().startswith("Stored"))
    await asyncio.sleep(0.2)
    _save(dialog, folder, "32-settings-providers", saved)
    dialog.show_tab("tools")
    await _until(lambda: not dialog.tools._loading)
    await asyncio.sleep(0.15)
    _save(dialog, folder, "33-settings-tools", saved)
    dialog.show_tab("mcp")
    mcp = dialog.mcp
    await mcp.import_file(str(config))
    for server_config in mcp.servers:
        await mcp.test(server_config)
    mcp.list.setCurrentItem(mcp.list.topLevelItem(1))
    await asyncio.sleep(0.2)
    _save(dialog, folder, "34-settings-mcp", saved)
    dialog.accept()
    await window.bridge.aclose()
    window.close()


async def dark(folder: Path, saved: list[Path]) -> None:
    from desktop_app.ui.dialogs.onboarding import OnboardingDialog
    from desktop_app.ui.qt import QtWidgets

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import _dark_palette

    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    light = app.palette()
    app.setPalette(_dark_palette())
    dialog = OnboardingDialog()
    dialog.show()
    await _until(lambda: dialog.choose_page.detection.state != "working")
    await asyncio.sleep(0.2)
    _save(dialog, folder, "29-onboarding-dark", saved)
    dialog.reject()
    app.setPalette(light)


async def take_dialogs(folder: Path) -> list[Path]:
    import keyring

    from desktop_app.ui.dialogs import provider_setup
    from tests.keyring_memory import MemoryKeyring

    # Whatever keychain this computer has, the demo keys go to one that lives in memory only.
    keyring.set_keyring(MemoryKeyring())
    provider_setup.forget_shared_keychain()
    saved: list[Path] = []
    with ScriptedServer(ollama) as local, ScriptedServer(cloud) as remote:
        os.environ["BACKSTAGE_LOCAL_PORTS"] = f"ollama={local.url.rsplit(':', 1)[1]}"
        await onboarding(folder, remote.url, saved)
        await no_keychain(folder, saved)
        await dark(folder, saved)
        await settings_and_picker(folder, local.url, remote.url, saved)
    return saved


def main() -> int:
    folder = Path(
        sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BACKSTAGE_SCREENSHOTS", "screenshots")
    )
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["BACKSTAGE_HOME"] = tempfile.mkdtemp()  # a clean profile: onboarding as on first run
    import qasync

    from desktop_app.ui.app import application
    from desktop_app.ui.session import close_loop

    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        saved = loop.run_until_complete(take_dialogs(folder))
    finally:
        close_loop(loop)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
