"""The composer's model picker: a compact box showing "Provider · model".

Its popup lists each configured provider as a heading with that provider's
models under it. The lists are fetched lazily, the first time the popup opens,
by a coroutine the window supplies (so nothing here touches the network or the
keychain). Choosing a model emits :attr:`ModelPicker.model_chosen`; whoever
listens decides what that means (the next message goes to that model).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..core.errors import describe
from ..providers.detect import short_model_name
from .qt import Qt, QtGui, QtWidgets, Signal

log = logging.getLogger("backstage.window")

Fetch = Callable[[str], Awaitable[list[str]]]
CHOICE = Qt.ItemDataRole.UserRole


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
        self.label = f"{label} · {short_model_name(model)}" if label else short_model_name(model)
        self.setToolTip(f"{label} · {model}\nThe model that answers your next message")
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
        for name, _ in self._providers:
            if self._models.get(name) is None and name not in self._fetching:
                task = asyncio.get_running_loop().create_task(self._load(name), name=f"models-{name}")
                self._fetching[name] = task
        self._rebuild()  # "Loading models…" under each heading being fetched
        return list(self._fetching.values())

    async def _load(self, name: str) -> None:
        assert self._fetch is not None
        try:
            models = await self._fetch(name)
        except asyncio.CancelledError:
            raise
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

    def sizeHint(self):  # type: ignore[no-untyped-def]  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        text = self.fontMetrics().horizontalAdvance(self.label) + 48  # arrow and padding
        hint.setWidth(min(self.maximumWidth(), max(text, 120)))
        return hint

    def minimumSizeHint(self):  # type: ignore[no-untyped-def]  # noqa: N802 (Qt override)
        return self.sizeHint()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        # The closed box shows "Provider · model"; the rows in the popup show the bare model names.
        painter = QtWidgets.QStylePainter(self)
        option = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.fontMetrics().elidedText(  # type: ignore[attr-defined]
            self.label, Qt.TextElideMode.ElideMiddle, max(40, self.width() - 40)
        )
        option.currentIcon = QtGui.QIcon()  # type: ignore[attr-defined]
        painter.drawComplexControl(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QtWidgets.QStyle.ControlElement.CE_ComboBoxLabel, option)

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
                item = QtGui.QStandardItem(f"    {short_model_name(model)}")
                item.setData((name, model), CHOICE)
                item.setToolTip(model)
                item.setData(f"{label}, {short_model_name(model)}", Qt.ItemDataRole.AccessibleTextRole)
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
