"""The dialogs' look: roomy fields, one accent button, quiet lists. Colours come from :mod:`..theme`."""

from __future__ import annotations

from .. import theme
from ..qt import QtCore, QtWidgets


def dialog_stylesheet(t: theme.Theme) -> str:
    c = t.css
    return f"""
    QLabel#DialogHeading {{ font-size: 17pt; font-weight: 600; }}
    QLabel#SectionHeading {{ font-size: 11pt; font-weight: 600; }}
    QLabel#StepLabel {{ color: {c(t.muted)}; font-weight: 600; }}
    QLabel#Muted {{ color: {c(t.muted)}; }}
    QLabel#ErrorNote {{ color: {c(t.tool_error)}; }}
    QLabel#OkNote {{ color: {c(t.tool_ok)}; }}
    QLabel#Notice {{ background: {c(theme.blend(t.warning, t.base, 0.86))}; border-radius: 8px;
                     padding: 8px 10px; }}
    QLineEdit, QComboBox {{ padding: 6px 8px; border: 1px solid {c(t.border)}; border-radius: 6px;
                            background: {c(t.base)}; }}
    QLineEdit:focus, QComboBox:focus {{ border: 1px solid {c(t.accent)}; }}
    QListWidget#ProviderList, QListWidget#ModelList, QListWidget#SettingsList, QTreeWidget#McpList {{
        border: 1px solid {c(t.border)}; border-radius: 8px; background: {c(t.base)}; padding: 4px; }}
    QListWidget#ModelList::item, QListWidget#SettingsList::item {{ padding: 6px 8px; border-radius: 6px; }}
    QListWidget#ModelList::item:selected, QListWidget#SettingsList::item:selected {{
        background: {c(theme.blend(t.accent, t.base, 0.8))}; color: {c(t.text)}; }}
    QPushButton {{ padding: 6px 14px; border-radius: 6px; border: 1px solid {c(t.border)};
                   background: {c(t.card_background)}; }}
    QPushButton:hover {{ border: 1px solid {c(t.accent)}; }}
    QPushButton:focus {{ border: 1px solid {c(t.accent)}; }}
    QPushButton:disabled {{ color: {c(t.muted)}; }}
    QPushButton#PrimaryButton {{ background: {c(t.accent)}; color: white; border: 1px solid {c(t.accent)};
                                 font-weight: 600; }}
    QPushButton#PrimaryButton:disabled {{ background: {c(theme.blend(t.accent, t.base, 0.6))};
                                          border: 1px solid transparent; }}
    QToolButton {{ padding: 5px 8px; border-radius: 6px; border: 1px solid {c(t.border)}; }}
    QTabWidget::pane {{ border: none; border-top: 1px solid {c(t.border)}; }}
    QTabBar::tab {{ padding: 8px 16px; border: none; margin-right: 4px; }}
    QTabBar::tab:selected {{ border-bottom: 2px solid {c(t.accent)}; font-weight: 600; }}
    QFrame#ConfirmRow {{ background: {c(theme.blend(t.tool_error, t.base, 0.9))}; border-radius: 8px; }}
    QPushButton#DangerButton {{ background: {c(t.tool_error)}; color: white; border: 1px solid {c(t.tool_error)};
                                font-weight: 600; }}
    QFrame#DialogFooter {{ border-top: 1px solid {c(t.border)}; }}
    """


class StyledDialog(QtWidgets.QDialog):
    """A dialog with the shared look, restyled when the OS switches between light and dark."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._restyle()

    def _restyle(self) -> None:
        sheet = dialog_stylesheet(theme.current())
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._restyle()


def primary(button: QtWidgets.QPushButton) -> QtWidgets.QPushButton:
    """Mark the one button a step is about (accent colour, Enter presses it)."""
    button.setObjectName("PrimaryButton")
    button.setDefault(True)
    return button
