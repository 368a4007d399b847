"""Starting the window: the QApplication and a first paint, before anything heavy is imported.

:func:`run_window` is what ``backstage`` runs with no subcommand. The window is
shown and painted first; only then are asyncio, qasync, the loop, the tools and
the HTTP client imported and connected (see :mod:`.session` and :mod:`.connect`),
so the window appears about as fast as an empty Qt window would.
"""

from __future__ import annotations

import argparse
import sys

from .main_window import MainWindow
from .qt import QtWidgets
from .settings import WindowSettings


def run_window(args: argparse.Namespace) -> int:
    """Open the window and run until it is closed; the process exit status."""
    app = application()
    window = MainWindow(WindowSettings())
    window.show()
    app.processEvents()  # painted before asyncio, qasync and the loop are even imported
    from .session import run_session

    return run_session(app, window, args)


def application() -> QtWidgets.QApplication:
    """The QApplication, created once."""
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        QtWidgets.QApplication.setApplicationName("Backstage")
        QtWidgets.QApplication.setOrganizationName("Backstage")
        QtWidgets.QApplication.setDesktopFileName("backstage")
        app = QtWidgets.QApplication(sys.argv[:1])
    # The session decides when to stop (after the turn and the provider are closed);
    # Qt quitting by itself on the last window would pull the event loop from under it.
    app.setQuitOnLastWindowClosed(False)
    return app
