"""A minimal settings dialog: which server, which model, which environment variable holds the key.

It stands in until the fuller onboarding of the providers issue. It checks the
settings the same way the CLI does (``build_provider``, in a worker thread since
it may read the keychain) and shows that check's plain-language message under
the fields, so the dialog cannot close on settings that will not work.
"""

from __future__ import annotations

import asyncio

from ...cli.session_options import SessionOptions, build_provider
from ...core.errors import BackstageError
from ...core.stream import Provider
from .. import theme
from ..qt import QtWidgets
from ..settings import ServerSettings


class ServerDialog(QtWidgets.QDialog):
    def __init__(self, current: ServerSettings, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a model server")
        self.setAccessibleName("Server settings")
        self.provider: Provider | None = None
        self._checking: asyncio.Task[None] | None = None  # kept: a dropped task may be collected mid-check
        self.setMinimumWidth(460)
        layout = QtWidgets.QVBoxLayout(self)
        # The dialog's size is set here and by adjustSize(), not re-imposed by the layout on every change
        # (which some window systems, e.g. Qt's offscreen one, answer with a warning on stderr).
        layout.setSizeConstraint(QtWidgets.QLayout.SizeConstraint.SetNoConstraint)
        layout.setSpacing(theme.SPACE_L)
        intro = QtWidgets.QLabel(
            "Backstage talks to any OpenAI-compatible server: a local one (llama.cpp, Ollama, LM Studio) "
            "or a cloud API."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QtWidgets.QFormLayout()
        self.base_url = QtWidgets.QLineEdit(current.base_url)
        self.base_url.setPlaceholderText("http://127.0.0.1:11434/v1")
        self.base_url.setAccessibleName("Server address")
        self.model = QtWidgets.QLineEdit(current.model)
        self.model.setPlaceholderText("llama3.2")
        self.model.setAccessibleName("Model")
        self.api_key_env = QtWidgets.QLineEdit(current.api_key_env)
        self.api_key_env.setPlaceholderText("OPENAI_API_KEY (leave empty for local servers)")
        self.api_key_env.setAccessibleName("Environment variable holding the API key")
        form.addRow("Server &address", self.base_url)
        form.addRow("&Model", self.model)
        form.addRow("API key &variable", self.api_key_env)
        layout.addLayout(form)

        self.problem = QtWidgets.QLabel()
        self.problem.setObjectName("ErrorNote")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)

        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.connect_button = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setText("Connect")
        ok.setAccessibleName("Connect")
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def settings(self) -> ServerSettings:
        return ServerSettings(
            "openai", self.base_url.text().strip(), self.model.text().strip(), self.api_key_env.text().strip()
        )

    def accept(self) -> None:
        """Check the settings (off the event loop: it may read the keychain), then close if they work."""
        server = self.settings()
        if not server.model:
            return self._show_problem("Enter the model's name as the server knows it.")
        if self._checking is not None and not self._checking.done():
            return
        self._checking = asyncio.get_running_loop().create_task(self._check(server), name="check-server")

    async def _check(self, server: ServerSettings) -> None:
        options = SessionOptions(server.provider, server.base_url, server.model, server.api_key_env or None)
        self.connect_button.setEnabled(False)
        try:
            self.provider = await asyncio.to_thread(build_provider, options)
        except BackstageError as exc:
            self._show_problem(exc.message)
            return
        finally:
            self.connect_button.setEnabled(True)
        super().accept()

    def _show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        self.adjustSize()
