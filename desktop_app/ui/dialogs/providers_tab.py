"""Settings → Providers: the configured providers; add, edit, remove, test, default model.

The list is on the left, the selected provider's details on the right. Keys are
never shown: the field stays empty with the stored key's mask as placeholder,
and typing a new key replaces it in the keychain when saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

from ...providers.detect import short_model_name
from ...providers.presets import PRESETS
from ...providers.registry import remove_provider
from ...storage.secrets import mask
from ...storage.settings import ProviderEntry, Settings
from .. import theme
from ..qt import Qt, QtWidgets, Signal
from . import provider_setup as setup
from .onboarding import OnboardingDialog
from .provider_list import RowDelegate, set_row
from .tasks import DialogTasks, close_later, plain_message
from .widgets import SecretField, StatusLine, muted


class ProvidersTab(QtWidgets.QWidget):
    changed = Signal()  # providers were added, removed or edited: pickers should reload

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = DialogTasks()
        self._settings = Settings()
        self.add_dialog: OnboardingDialog | None = None
        outer = QtWidgets.QHBoxLayout(self)
        outer.setContentsMargins(0, theme.SPACE_L, 0, 0)
        outer.setSpacing(theme.SPACE_XL)

        left = QtWidgets.QVBoxLayout()
        left.setSpacing(theme.SPACE_M)
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("SettingsList")
        self.list.setAccessibleName("Configured providers")
        self.list.setItemDelegate(RowDelegate(self.list))
        self.list.setMouseTracking(True)  # hover highlight
        self.list.setMinimumWidth(200)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        left.addWidget(self.list, 1)
        buttons = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QPushButton("&Add…")
        self.add_button.setAccessibleName("Add a provider")
        self.remove_button = QtWidgets.QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the provider")
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        self.confirm_row = QtWidgets.QFrame()
        self.confirm_row.setObjectName("ConfirmRow")
        confirm = QtWidgets.QHBoxLayout(self.confirm_row)
        confirm.setContentsMargins(theme.SPACE_M, theme.SPACE_M, theme.SPACE_M, theme.SPACE_M)
        self.confirm_label = QtWidgets.QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_button = QtWidgets.QPushButton("Remove")
        self.confirm_button.setObjectName("DangerButton")
        self.confirm_button.setAccessibleName("Confirm removal")
        self.confirm_cancel = QtWidgets.QPushButton("Keep")
        self.confirm_cancel.setAccessibleName("Keep the provider")
        confirm.addWidget(self.confirm_label, 1)
        confirm.addWidget(self.confirm_cancel)
        confirm.addWidget(self.confirm_button)
        self.confirm_row.hide()
        left.addWidget(self.confirm_row)
        outer.addLayout(left, 2)

        self.details = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(theme.SPACE_L)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.service = QtWidgets.QLabel()
        self.address = QtWidgets.QLineEdit()
        self.address.setAccessibleName("Server address")
        self.key = SecretField("API key")
        self.model = QtWidgets.QComboBox()
        self.model.setEditable(True)
        self.model.setAccessibleName("Default model")
        self.model.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.model.lineEdit().setAccessibleName("Default model name")
        self.default_box = QtWidgets.QCheckBox("Use when Backstage starts")
        self.default_box.setAccessibleName("Default provider")
        form.addRow("Service", self.service)
        form.addRow("A&ddress", self.address)
        form.addRow("API &key", self.key)
        form.addRow("Default &model", self.model)
        form.addRow("", self.default_box)
        actions = QtWidgets.QHBoxLayout()
        actions.setSpacing(theme.SPACE_M)
        self.test_button = QtWidgets.QPushButton("&Test")
        self.test_button.setAccessibleName("Test the connection")
        self.save_button = QtWidgets.QPushButton("&Save changes")
        self.save_button.setAccessibleName("Save changes")
        actions.addWidget(self.test_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        form.addRow("", actions)
        self.status = StatusLine()
        form.addRow("", self.status)
        self.empty = muted("No provider yet. Add one to start chatting.")
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.details)
        right.addWidget(self.empty)
        right.addStretch(1)
        outer.addLayout(right, 3)

        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.confirm_button.clicked.connect(self._removal_confirmed)
        self.confirm_cancel.clicked.connect(self.confirm_row.hide)
        self.test_button.clicked.connect(lambda: self._start("test", self._test(), "Testing the connection…"))
        self.save_button.clicked.connect(lambda: self._start("save", self._save(), "Saving…"))
        self.tasks.start("load", self.reload())

    # -- list ---------------------------------------------------------------------------------------

    async def reload(self, select: str = "") -> None:
        current = select or (self.selected.name if self.selected else "")
        self._settings = await setup.load_settings_async()
        self.list.clear()
        for entry in self._settings.providers:
            preset = PRESETS.get(entry.preset)
            host = urlsplit(entry.base_url or (preset.base_url if preset else "")).netloc
            model = short_model_name(entry.default_model) if entry.default_model else "no model chosen"
            item = QtWidgets.QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, entry.name)
            badge = "Default" if entry.name == self._settings.default_provider else ""
            set_row(item, setup.provider_label(entry), f"{model} · {host}", badge)
            self.list.addItem(item)
        names = [e.name for e in self._settings.providers]
        self.list.setCurrentRow(names.index(current) if current in names else 0 if names else -1)
        self._show_selected()

    @property
    def selected(self) -> ProviderEntry | None:
        item = self.list.currentItem()
        return self._settings.provider(str(item.data(Qt.ItemDataRole.UserRole))) if item else None

    def _show_selected(self) -> None:
        entry = self.selected
        self.details.setVisible(entry is not None)
        self.empty.setVisible(entry is None)
        self.remove_button.setEnabled(entry is not None)
        self.confirm_row.hide()
        self.status.clear()
        if entry is None:
            return
        preset = PRESETS.get(entry.preset)
        self.service.setText(preset.display_name if preset else entry.preset)
        self.address.setText(entry.base_url or (preset.base_url if preset else ""))
        self.key.clear()
        self.key.set_placeholder("")
        self.model.clear()
        self.model.setEditText(entry.default_model)
        self.default_box.setChecked(entry.name == self._settings.default_provider)
        self.default_box.setEnabled(not self.default_box.isChecked())  # there is always one default
        self.tasks.start("key", self._show_key(entry.name))
        self.tasks.start("models", self._load_models(entry))

    async def _show_key(self, name: str) -> None:
        key = await setup.stored_key_of(name)
        self.key.set_placeholder(f"Stored: {mask(key)} (type to replace)" if key else "No key stored")

    async def _load_models(self, entry: ProviderEntry) -> None:
        try:
            provider, _ = await setup.configured_provider(entry.name)
            try:
                models = await setup.fetch_models(provider)
            finally:
                await provider.aclose()
        except Exception as exc:  # the field stays editable: a model can be typed
            self.model.setToolTip(plain_message(exc))
            return
        typed = self.model.currentText()
        self.model.addItems(models)
        self.model.setEditText(typed)

    # -- actions ------------------------------------------------------------------------------------

    def _start(self, name: str, coro: Coroutine[Any, Any, None], working: str) -> None:
        self.status.working(working)  # at once, on the click: the task starts on the next loop turn
        self.tasks.start(name, coro)

    def _inputs(self) -> tuple[ProviderEntry, str, str]:
        entry = self.selected
        assert entry is not None
        return entry, self.address.text().strip(), self.key.text

    async def _test(self) -> None:
        entry, address, key = self._inputs()
        try:
            key = key or (await setup.stored_key_of(entry.name) or "")
            lines = await setup.test_connection(entry.preset, address, key or None, self.model.currentText())
        except Exception as exc:
            self.status.error(plain_message(exc))
            return
        self.status.ok(f"Connected. {' '.join(lines)}")

    async def _save(self) -> None:
        entry, address, key = self._inputs()
        if not address.startswith(("http://", "https://")):
            self.status.error("The server address must start with http:// or https://.")
            return
        try:
            await setup.save_provider(
                entry.name,
                entry.preset,
                address,
                self.model.currentText().strip(),
                key or None,
                make_default=self.default_box.isChecked(),
            )
        except Exception as exc:
            self.status.error(plain_message(exc))
            return
        await self.reload(entry.name)
        self.status.ok("Saved.")
        self.changed.emit()

    def _confirm_remove(self) -> None:
        # Asked inline rather than in a message box: no second window, and Esc still closes Settings.
        entry = self.selected
        if entry is None:
            return
        self.confirm_label.setText(f"Remove {entry.name} and the key stored for it?")
        self.confirm_row.show()
        self.confirm_cancel.setFocus()

    def _removal_confirmed(self) -> None:
        entry = self.selected
        self.confirm_row.hide()
        if entry is not None:
            self.tasks.start("remove", self._remove(entry.name))

    async def _remove(self, name: str) -> None:
        keychain = await setup.shared_keychain()
        await asyncio.to_thread(remove_provider, name, keychain=keychain)
        await self.reload()
        self.changed.emit()

    def _add(self) -> None:
        dialog = OnboardingDialog(self, first_run=False)
        self.add_dialog = dialog

        def finished(code: int) -> None:
            if dialog.entry is not None:
                close_later(
                    dialog.provider
                )  # the dialog's provider was for the model list; the picker makes its own
                self.tasks.start("load", self.reload(dialog.entry.name))
                self.changed.emit()
            dialog.deleteLater()
            self.add_dialog = None

        dialog.finished.connect(finished)
        dialog.open()
