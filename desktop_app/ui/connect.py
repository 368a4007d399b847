"""Connecting a window to a model server: provider, built-in tools, loop settings, bridge.

Everything here pulls in the heavy half of Backstage (the loop, the tool
schemas, the HTTP client), which is why :mod:`.app` imports this module only
after the window has painted once. Tests and benchmarks use :func:`create_window`
to get a connected window in one call.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from contextlib import suppress

from ..cli.session_options import SessionOptions, build_provider, session_options
from ..core import events as ev
from ..core.errors import BackstageError, ConfigurationError
from ..core.loop import LoopConfig
from ..core.stream import Provider
from ..tools.builtin import builtin_tools
from ..tools.registry import ToolRegistry
from . import model_controls
from .bridge import Bridge
from .dialogs import provider_setup
from .dialogs.onboarding import OnboardingDialog
from .dialogs.tool_settings import load_tool_settings, window_tools
from .main_window import MainWindow
from .qt import QtWidgets
from .settings import ServerSettings, WindowSettings

log = logging.getLogger("backstage.window")


def create_window(
    provider: Provider,
    server: ServerSettings,
    settings: WindowSettings | None = None,
    tools: ToolRegistry | None = None,
) -> MainWindow:
    """A window already connected to ``provider`` (not shown yet)."""
    window = MainWindow(settings or WindowSettings())
    attach(window, provider, server, tools)
    return window


def attach(
    window: MainWindow, provider: Provider, server: ServerSettings, tools: ToolRegistry | None = None
) -> None:
    """Give ``window`` a bridge to ``provider``, offering ``tools`` (default: the built-in tools)."""
    config = LoopConfig(model=server.model, provider_name=server.provider)
    bridge = Bridge(provider, tools if tools is not None else ToolRegistry(builtin_tools()), config)
    bridge.event.connect(_log_event)
    window.attach(bridge, describe(server))
    model_controls.install(window, server)  # the model picker and Settings (Ctrl+,)


async def connect_session(
    args: argparse.Namespace, settings: WindowSettings, window: MainWindow
) -> tuple[Provider, ServerSettings, ToolRegistry] | None:
    """The server to use and the tools to offer (None: the user declined onboarding).

    The server comes from the command line, else the default configured provider,
    else the server an older version saved, else onboarding (first run).
    """
    connected = await _connect_server(args, settings, window)
    if connected is None:
        return None
    keychain = await provider_setup.shared_keychain()
    tools = await asyncio.to_thread(lambda: window_tools(load_tool_settings(), keychain))
    return connected[0], connected[1], ToolRegistry(tools)


async def _connect_server(
    args: argparse.Namespace, settings: WindowSettings, window: MainWindow
) -> tuple[Provider, ServerSettings] | None:
    options = session_options(args)
    if options.given:
        if not options.model:
            raise ConfigurationError("No model given: pass --model NAME (the id the server uses).")
        server = ServerSettings(
            options.provider, options.base_url or "", options.model, options.api_key_env or ""
        )
        # A bad option is a one-line CLI error, not a dialog. build_provider may read the keychain: off the loop.
        return await asyncio.to_thread(build_provider, options), server
    configured = await provider_setup.open_default()
    if configured is not None:
        return configured
    saved = settings.server
    if saved.complete:
        with suppress(BackstageError):  # e.g. the key's variable is gone: ask again
            return await asyncio.to_thread(build_provider, _options(saved)), saved
    dialog = OnboardingDialog(window, first_run=True)
    if not await dialog_accepted(dialog) or dialog.provider is None or dialog.server is None:
        return None
    return dialog.provider, dialog.server


async def dialog_accepted(dialog: QtWidgets.QDialog) -> bool:
    """Show a dialog without a nested event loop (exec() would re-enter qasync) and wait for it."""
    result: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: result.done() or result.set_result(code))
    dialog.open()
    try:
        return await result == QtWidgets.QDialog.DialogCode.Accepted.value
    finally:
        dialog.deleteLater()


def describe(server: ServerSettings) -> str:
    model = server.model.replace("\\", "/").rsplit("/", 1)[-1]  # local servers use file paths as ids
    return f"{model} · {server.base_url}" if server.base_url else model


def _options(server: ServerSettings) -> SessionOptions:
    return SessionOptions(server.provider, server.base_url, server.model, server.api_key_env or None)


def _log_event(event: ev.Event) -> None:
    if isinstance(event, ev.TurnFinished):
        log.info(
            "turn %s finished: %s after %d cycle(s), %d characters",
            event.turn_id,
            event.stop_reason,
            event.cycles,
            len(event.text),
        )
    elif isinstance(event, ev.ErrorEvent):
        log.warning("turn %s error %s: %s", event.turn_id, event.error_kind, event.message)
