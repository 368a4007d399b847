"""The composer's model picker: a compact box showing "Provider · model".

Its popup lists each configured provider as a heading with that provider's
models under it. The lists are fetched lazily, the first time the popup opens,
by a coroutine the window supplies (so nothing here touches the network or the
keychain). Choosing a model emits :attr:`ModelPicker.model_chosen`; whoever
listens decides what that means (the next message goes to that model).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..core.errors import describe
from . import theme
from .qt import Qt, QtCore, QtGui, QtWidgets, Signal

if TYPE_CHECKING:  # the picker is built before the first paint; asyncio is imported after it
    import asyncio

log = logging.getLogger("backstage.window")

Fetch = Callable[[str], Awaitable[list[str]]]
CHOICE = Qt.ItemDataRole.UserRole
_PAD = 10


def _short_name(model: str) -> str:
    from ..providers.detect import short_model_name  # detect pulls in httpx: not before the first paint

    return short_model_name(model)


class ModelPicker(QtWidgets.QComboBox):
    model_chosen = Signal(str, str)  # provider name, model id

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModelPicker")
        self.setAccessibleName("Model")
        self.setToolTip("The model that answers your next message")
        self.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(12)
        self.setMaximumWidth(360)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._items = QtGui.QStandardItemModel(self)
        self.setModel(self._items)
        self._providers: list[tuple[str, str]] = []  # (name, label) in list order
        self._models: dict[str, list[str] | None] = {}  # None: not fetched yet
        self._problems: dict[str, str] = {}
        self._fetch: Fetch | None = None
        self._fetching: dict[str, asyncio.Task[None]] = {}
        self.current: tuple[str, str] = ("", "")
        self.label = ""
        self.activated.connect(self._activated)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._restyle()

    # -- what it lists --------------------------------------------------------------------------

    def set_sources(self, providers: list[tuple[str, str]], fetch: Fetch) -> None:
        """The providers to list as ``(name, label)``; ``fetch(name)`` returns a provider's model ids."""
        for task in self._fetching.values():
            task.cancel()
        self._fetching.clear()
        self._providers = list(providers)
        self._models = {name: None for name, _ in providers}
        self._problems.clear()
        self._fetch = fetch
        self._rebuild()
        if self.view().isVisible():  # the popup was opened before the providers were known
            self.fetch_all()

    @property
    def providers(self) -> list[str]:
        return [name for name, _ in self._providers]

    def set_current(self, provider: str, model: str) -> None:
        self.current = (provider, model)
        label = dict(self._providers).get(provider, provider)
        self.label = f"{label} · {_short_name(model)}" if label else _short_name(model)
        self.setToolTip(f"{label} · {model}\nThe model that answers your next message (Ctrl+Shift+M)")
        self.setAccessibleDescription(f"Current model: {self.label}")
        self._rebuild()
        self.updateGeometry()
        self.update()

    def models_of(self, provider: str) -> list[str] | None:
        return self._models.get(provider)

    def fetch_all(self) -> list[asyncio.Task[None]]:
        """Start fetching every list not fetched yet; the tasks (for tests and for showPopup)."""
        if self._fetch is None:
            return []
        import asyncio  # only once an event loop runs, long after the first paint

        for name, _ in self._providers:
            if self._models.get(name) is None and name not in self._fetching:
                task = asyncio.get_running_loop().create_task(self._load(name), name=f"models-{name}")
                self._fetching[name] = task
        self._rebuild()  # "Loading models…" under each heading being fetched
        return list(self._fetching.values())

    async def _load(self, name: str) -> None:
        assert self._fetch is not None
        try:  # a cancellation is a BaseException: it passes through to the task
            models = await self._fetch(name)
        except Exception as exc:  # shown in the list in plain words; the current choice still works
            self._problems[name] = describe(exc).message
            models = []
        finally:
            self._fetching.pop(name, None)
        self._models[name] = models
        self._rebuild()

    # -- Qt ---------------------------------------------------------------------------------------

    def showPopup(self) -> None:  # noqa: N802 (Qt override)
        self.fetch_all()  # lazily: only a user who opens the list pays for the requests
        super().showPopup()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        text = self.fontMetrics().horizontalAdvance(f"{self.label}  ▾") + 8  # elision needs a little slack
        return QtCore.QSize(
            min(self.maximumWidth(), max(text + 2 * _PAD, 80)), self.fontMetrics().height() + 12
        )

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return self.sizeHint()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        # A quiet chip rather than a boxed field: "Provider · model ▾", outlined on hover and focus.
        t = theme.current()
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        rect = QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        hovered = self.underMouse() or self.view().isVisible()
        if hovered or self.hasFocus():
            painter.setPen(QtGui.QPen(t.accent if self.hasFocus() else t.border, 1))
            painter.setBrush(t.card_background)
            painter.drawRoundedRect(rect, 7, 7)
        painter.setPen(t.text if hovered else t.muted)
        width = self.width() - 2 * _PAD - self.fontMetrics().horizontalAdvance("  ▾")
        label = self.fontMetrics().elidedText(self.label, Qt.TextElideMode.ElideMiddle, max(20, width))
        painter.drawText(
            self.rect().adjusted(_PAD, 0, -_PAD, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{label}  ▾",
        )

    def enterEvent(self, event: QtGui.QEnterEvent) -> None:  # noqa: N802 (Qt override)
        super().enterEvent(event)
        self.update()

    def leaveEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().leaveEvent(event)
        self.update()

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        t = theme.current()
        c = t.css
        sheet = (
            f"QComboBox#ModelPicker QAbstractItemView {{ background: {c(t.base)}; border: 1px solid {c(t.border)};"
            f" padding: 4px; outline: none;"  # no radius: a popup window has square corners
            f" selection-background-color: {c(theme.blend(t.accent, t.base, 0.75))}; selection-color: {c(t.text)}; }}"
            f" QComboBox#ModelPicker QAbstractItemView::item {{ padding: 4px 8px; min-height: 22px; }}"
        )
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)

    # -- rows -------------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self.blockSignals(True)
        self._items.clear()
        current_row = -1
        for name, label in self._providers or [(self.current[0], self.current[0])]:
            header = QtGui.QStandardItem(label)
            header.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading: not selectable, skipped by the keys
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self._items.appendRow(header)
            models = self._models.get(name)
            shown = list(models or [])
            if name == self.current[0] and self.current[1] and self.current[1] not in shown:
                shown.insert(0, self.current[1])  # the model in use is listed even before the list arrives
            for model in shown:
                item = QtGui.QStandardItem(f"    {_short_name(model)}")
                item.setData((name, model), CHOICE)
                item.setToolTip(model)
                item.setData(f"{label}, {_short_name(model)}", Qt.ItemDataRole.AccessibleTextRole)
                self._items.appendRow(item)
                if (name, model) == self.current:
                    current_row = self._items.rowCount() - 1
            note = self._note(name, models)
            if note:
                row = QtGui.QStandardItem(f"    {note}")
                row.setFlags(Qt.ItemFlag.NoItemFlags)
                self._items.appendRow(row)
        self.setCurrentIndex(current_row)
        self.blockSignals(False)

    def _note(self, name: str, models: list[str] | None) -> str:
        if name in self._problems:
            return self._problems[name]
        if models is None:
            return "Loading models…" if name in self._fetching else ""
        return "" if models else "No models listed"

    def _activated(self, row: int) -> None:
        choice = self._items.item(row).data(CHOICE) if row >= 0 else None
        if not choice or tuple(choice) == self.current:
            return
        provider, model = choice
        self.set_current(provider, model)
        self.model_chosen.emit(provider, model)
