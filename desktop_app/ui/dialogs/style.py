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
    QLineEdit {{ padding: 6px 8px; border: 1px solid {c(t.border)}; border-radius: 6px;
                 background: {c(t.base)}; }}
    QLineEdit:focus {{ border: 1px solid {c(t.accent)}; }}
    QComboBox {{ padding: 5px 8px; }}
    QListWidget#ProviderList, QListWidget#ModelList, QListWidget#SettingsList, QTreeWidget#McpList {{
        border: 1px solid {c(t.border)}; border-radius: 8px; background: {c(t.base)}; padding: 4px; }}
    QListWidget#ModelList::item, QTreeWidget#McpList::item {{ padding: 6px 8px; }}
    QListWidget#ModelList::item {{ border-radius: 6px; }}
    QListWidget#ModelList::item:selected, QTreeWidget#McpList::item:selected {{
        background: {c(theme.blend(t.accent, t.base, 0.8))}; color: {c(t.text)}; }}
    QTreeWidget#McpList QHeaderView::section {{ background: transparent; border: none; color: {c(t.muted)};
        border-bottom: 1px solid {c(t.border)}; padding: 6px 8px; font-weight: 600; }}
    QLabel#McpDetails {{ background: {c(t.card_background)}; border: 1px solid {c(t.border)};
                         border-radius: 8px; padding: 10px 12px; }}
    QToolButton#LinkButton {{ border: none; padding: 0; color: {c(t.accent)}; }}
    QToolButton#LinkButton:hover {{ text-decoration: underline; }}
    QScrollBar:vertical {{ width: 10px; background: transparent; margin: 2px; }}
    QScrollBar::handle:vertical {{ background: {c(theme.blend(t.text, t.base, 0.75))}; border-radius: 3px;
                                   min-height: 24px; }}
    QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; }}
    QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
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
    QTabWidget::pane {{ border: none; }}
    QTabBar {{ border-bottom: 1px solid {c(t.border)}; }}
    QTabBar::tab {{ padding: 8px 16px; border: none; margin-right: 4px; color: {c(t.muted)};
                    border-bottom: 2px solid transparent; }}
    QTabBar::tab:selected {{ border-bottom: 2px solid {c(t.accent)}; color: {c(t.text)}; }}
    QTabBar::tab:hover {{ color: {c(t.text)}; }}
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
