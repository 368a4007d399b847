"""Starting and stopping the window: QApplication, the qasync event loop, the session, a clean quit.

:func:`run_window` is what ``backstage`` runs with no subcommand. With session
options (``--base-url``/``--model``) it connects straight away; otherwise it
uses the saved server, or asks for one in a small dialog. ``--prompt`` sends a
first message at once.

Quitting (window closed, Ctrl+Q, SIGINT, SIGTERM) always takes one path: the
window closes, the running turn is cancelled through the loop's own
cancellation (so its events end properly), the provider is closed, the loop's
leftover tasks and async generators are finished, and only then does the
function return 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import queue
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import qasync

from ..cli.session_options import SessionOptions, build_provider, session_options
from ..core import events as ev
from ..core.errors import BackstageError, ConfigurationError
from ..core.loop import LoopConfig
from ..core.stream import Provider
from ..storage.paths import logs_dir
from ..tools.builtin import builtin_tools
from ..tools.registry import ToolRegistry
from .bridge import Bridge
from .dialogs.server_dialog import ServerDialog
from .main_window import MainWindow
from .qt import QtCore, QtWidgets
from .settings import ServerSettings, WindowSettings

log = logging.getLogger("backstage.window")

EXIT_OK = 0


def run_window(args: argparse.Namespace) -> int:
    """Open the window and run until it is closed; the process exit status."""
    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with _log_to_profile():
        try:
            return loop.run_until_complete(_session(args))
        finally:
            close_loop(loop)


def application() -> QtWidgets.QApplication:
    """The QApplication, created once, styled from the OS palette."""
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        QtWidgets.QApplication.setApplicationName("Backstage")
        QtWidgets.QApplication.setOrganizationName("Backstage")
        QtWidgets.QApplication.setDesktopFileName("backstage")
        app = QtWidgets.QApplication(sys.argv[:1])
    # The session coroutine decides when to stop (after the turn and the provider are closed);
    # Qt quitting by itself on the last window would pull the event loop from under it.
    app.setQuitOnLastWindowClosed(False)
    return app


def create_window(
    provider: Provider,
    server: ServerSettings,
    settings: WindowSettings | None = None,
    tools: ToolRegistry | None = None,
) -> MainWindow:
    """The window and its bridge for one server: the building block tests drive in-process."""
    settings = settings or WindowSettings()
    config = LoopConfig(model=server.model, provider_name=server.provider)
    bridge = Bridge(provider, tools if tools is not None else ToolRegistry(builtin_tools()), config)
    window = MainWindow(bridge, settings, _describe(server))
    bridge.setParent(window)
    bridge.event.connect(_log_event)
    window.server_settings_requested.connect(lambda: _change_server(window))
    return window


async def _session(args: argparse.Namespace) -> int:
    settings = WindowSettings()
    connected = await _connect(args, settings)
    if connected is None:
        return EXIT_OK  # the user closed the server dialog: nothing to do
    provider, server = connected
    window = create_window(provider, server, settings)
    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    with _quit_on_signals(window):
        window.show()
        if args.prompt:
            window.send(args.prompt)
        await closed
        await window.bridge.aclose()
    window.deleteLater()
    return EXIT_OK


async def _connect(
    args: argparse.Namespace, settings: WindowSettings
) -> tuple[Provider, ServerSettings] | None:
    options = session_options(args)
    if options.given:
        if not options.model:
            raise ConfigurationError("No model given: pass --model NAME (the id the server uses).")
        server = ServerSettings(
            options.provider, options.base_url or "", options.model, options.api_key_env or ""
        )
        return build_provider(options), server  # a bad option is a one-line CLI error, not a dialog
    saved = settings.server
    if saved.complete:
        with suppress(BackstageError):  # e.g. the key's variable is gone: ask again
            return build_provider(_options(saved)), saved
    dialog = ServerDialog(saved)
    if not await _dialog_accepted(dialog) or dialog.provider is None:
        return None
    settings.server = dialog.settings()
    return dialog.provider, dialog.settings()


async def _dialog_accepted(dialog: QtWidgets.QDialog) -> bool:
    """Show a dialog without a nested event loop (exec() would re-enter qasync) and wait for it."""
    result: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: result.done() or result.set_result(code))
    dialog.open()
    try:
        return await result == QtWidgets.QDialog.DialogCode.Accepted.value
    finally:
        dialog.deleteLater()


def _change_server(window: MainWindow) -> None:
    dialog = ServerDialog(window.settings.server, window)

    def done(code: int) -> None:
        if code == QtWidgets.QDialog.DialogCode.Accepted.value and dialog.provider is not None:
            server = dialog.settings()
            window.settings.server = server
            window.bridge.switch_provider(
                dialog.provider, LoopConfig(model=server.model, provider_name=server.provider)
            )
            window.server_label.setText(_describe(server))
            window.chat.clear()
            window.timeline.clear()
        dialog.deleteLater()

    dialog.finished.connect(done)
    dialog.open()


@contextmanager
def _quit_on_signals(window: MainWindow) -> Iterator[None]:
    """SIGINT and SIGTERM close the window, so they quit like Ctrl+Q does."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, window.close)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Finish what is left on the loop (cancelled tasks, async generators, deferred deletes), then close it."""
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete.value)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _options(server: ServerSettings) -> SessionOptions:
    return SessionOptions(server.provider, server.base_url, server.model, server.api_key_env or None)


def _describe(server: ServerSettings) -> str:
    model = server.model.replace("\\", "/").rsplit("/", 1)[-1]  # local servers use file paths as ids
    return f"{model} · {server.base_url}" if server.base_url else model


@contextmanager
def _log_to_profile() -> Iterator[None]:
    """One line per finished turn in <profile>/logs/window.log: what support asks for first.

    The file is written by a listener thread, so logging never blocks the event loop.
    """
    try:
        handler = logging.FileHandler(logs_dir() / "window.log", encoding="utf-8", delay=True)
    except OSError:
        yield
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, handler)
    queue_handler = logging.handlers.QueueHandler(records)
    log.addHandler(queue_handler)
    log.setLevel(logging.INFO)
    listener.start()
    try:
        yield
    finally:
        log.removeHandler(queue_handler)
        listener.stop()
        handler.close()


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
