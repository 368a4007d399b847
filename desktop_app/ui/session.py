"""The window's life on the qasync event loop: connect, answer, and quit cleanly.

Quitting (window closed, Ctrl+Q, SIGINT, SIGTERM) always takes one path: the
window closes, the running turn is cancelled through the loop's own
cancellation (so its events end properly), the provider is closed, the loop's
leftover tasks and async generators are finished, and only then does
:func:`run_session` return 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import queue
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import qasync

from ..storage.paths import logs_dir
from .main_window import MainWindow
from .qt import QtCore, QtWidgets

log = logging.getLogger("backstage.window")

EXIT_OK = 0


def run_session(app: QtWidgets.QApplication, window: MainWindow, args: argparse.Namespace) -> int:
    """Connect ``window`` as ``args`` say and run the event loop until it closes; the exit status."""
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with _log_to_profile():
        try:
            return loop.run_until_complete(_session(args, window))
        finally:
            close_loop(loop)


async def _session(args: argparse.Namespace, window: MainWindow) -> int:
    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.history.start_opening()  # in a worker thread; the chats list fills once it is open
    try:
        with _quit_on_signals(window):
            from . import connect  # the loop, tools and HTTP client: imported once the window is up

            connecting = asyncio.ensure_future(connect.connect_session(args, window.settings, window))
            await asyncio.wait({connecting, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not connecting.done():  # closed while the server dialog was open
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
                return EXIT_OK
            connected = connecting.result()  # a bad command-line option raises here: one-line error
            if connected is None:
                return EXIT_OK  # the user declined the server dialog
            connect.attach(window, *connected)
            if args.prompt:
                window.send(args.prompt)
            await closed
            await window.bridge.aclose()
    finally:
        window.hide()
        await window.history.aclose()  # every recorded event is written before the process ends
        window.deleteLater()
    return EXIT_OK


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
