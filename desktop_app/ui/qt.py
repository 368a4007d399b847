"""The one module that names the Qt binding; the rest of ``ui/`` imports Qt from here.

Keeping the binding in one place (as qutebrowser's ``qt`` package does) means a
binding switch or a version workaround touches one file, and ruff's banned-API
rule can keep Qt out of the headless packages without exceptions elsewhere.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Property, QObject, Qt, QTimer, Signal, Slot

__all__ = ["Property", "QObject", "QTimer", "Qt", "QtCore", "QtGui", "QtWidgets", "Signal", "Slot"]
