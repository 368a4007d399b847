"""Onboarding: choose a service → paste the key → test the connection → choose a model → chat.

Shown on first run (nothing configured, no command-line server) and by
Settings → Providers → Add. Every network and keychain step runs as an asyncio
task (see :mod:`.provider_setup`), with a spinner, and reports in plain words.
When accepted, the provider is saved (settings file + keychain) and
:attr:`OnboardingDialog.provider` is open and ready: the caller owns it from then on.
"""

from __future__ import annotations

from ...core.errors import BackstageError
from ...providers.presets import ListingProvider
from ...storage.settings import ProviderEntry
from .. import theme
from ..qt import QtWidgets
from ..settings import ServerSettings
from . import provider_setup as setup
from .onboarding_pages import ChoosePage, ConnectPage, ModelPage
from .style import StyledDialog, primary
from .tasks import DialogTasks, close_later, plain_message

_STEPS = ("Choose a service", "Connect", "Choose a model")
CHOOSE, CONNECT, MODEL = range(3)


class OnboardingDialog(StyledDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None, *, first_run: bool = True) -> None:
        super().__init__(parent)
        self.first_run = first_run
        self.setWindowTitle("Set up Backstage" if first_run else "Add a provider")
        self.setAccessibleName("Onboarding")
        self.provider: ListingProvider | None = None
        self.server: ServerSettings | None = None
        self.entry: ProviderEntry | None = None
        self.tasks = DialogTasks()
        self._choice: setup.ProviderChoice | None = None
        self._passed: tuple[str, str] | None = None  # (address, key) of the last test that worked
        self._listing: ListingProvider | None = None  # the provider the model list came from
        self._name = ""
        self._notice: str | None = None
        self._testing = self._saving = False
        self.setMinimumSize(560, 540)
        self.resize(640, 600)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        body = QtWidgets.QVBoxLayout()
        body.setContentsMargins(28, 24, 28, 20)
        body.setSpacing(theme.SPACE_L)
        self.step_label = QtWidgets.QLabel()
        self.step_label.setObjectName("StepLabel")
        body.addWidget(self.step_label)
        self.stack = QtWidgets.QStackedWidget()
        self.choose_page, self.connect_page, self.model_page = ChoosePage(), ConnectPage(), ModelPage()
        for page in (self.choose_page, self.connect_page, self.model_page):
            self.stack.addWidget(page)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)

        footer = QtWidgets.QFrame()
        footer.setObjectName("DialogFooter")
        row = QtWidgets.QHBoxLayout(footer)
        row.setContentsMargins(28, 14, 28, 14)
        row.setSpacing(theme.SPACE_M)
        self.back_button = QtWidgets.QPushButton("&Back")
        self.back_button.setAccessibleName("Back")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.next_button = primary(QtWidgets.QPushButton("Continue"))
        self.next_button.setAccessibleName("Continue")
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.next_button)
        layout.addWidget(footer)

        self.back_button.clicked.connect(self._back)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.clicked.connect(self._next)
        self.choose_page.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.choose_page.list.picked.connect(self._next)
        self.connect_page.test_button.clicked.connect(lambda: self._test(advance=False))
        self.connect_page.edited.connect(self._inputs_edited)
        self.model_page.models.chosen_changed.connect(self._update_buttons)
        self.model_page.models.activated.connect(self._next)
        self._go(CHOOSE)
        self.tasks.start("detect", self._detect())
        self.tasks.start("keychain", self._read_keychain_notice())

    # -- navigation ------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def _go(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        self.step_label.setText(f"Step {step + 1} of {len(_STEPS)} · {_STEPS[step]}")
        last = "Start chatting" if self.first_run else "Add provider"
        self.next_button.setText(last if step == MODEL else "Continue")
        self.next_button.setAccessibleName(self.next_button.text())
        self.back_button.setVisible(step != CHOOSE)
        focus = {
            CHOOSE: self.choose_page.list,
            CONNECT: self.connect_page.key.edit
            if self.connect_page.key_box.isVisibleTo(self.connect_page)
            else self.connect_page.test_button,
            MODEL: self.model_page.models.search,
        }[step]
        focus.setFocus()
        self._update_buttons()

    def _update_buttons(self) -> None:
        if self.step == CHOOSE:
            ready = self.choose_page.list.chosen is not None
        elif self.step == CONNECT:
            ready = not self._testing
        else:
            ready = bool(self.model_page.models.chosen) and not self._saving
        self.next_button.setEnabled(ready)

    def _next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.step == CHOOSE:
            self._choose()
        elif self.step == CONNECT:
            if self._passed == self._inputs():
                self._enter_models()
            else:
                self._test(advance=True)
        else:
            self.tasks.start("save", self._finish())

    def _back(self) -> None:
        if self.step == MODEL:
            self.tasks.cancel("models")
            close_later(self._listing)
            self._listing = None
        self.tasks.cancel("test")
        self._testing = False
        self._go(max(CHOOSE, self.step - 1))

    # -- step 1: choose ------------------------------------------------------------------------------

    async def _detect(self) -> None:
        try:
            servers = await setup.find_local_servers()
        except Exception as exc:  # detection is a convenience: never in the way
            plain_message(exc)
            servers = []
        self.choose_page.show_found(servers)
        self._update_buttons()

    async def _read_keychain_notice(self) -> None:
        self._notice = (await setup.shared_keychain()).notice

    def _choose(self) -> None:
        choice = self.choose_page.list.chosen
        if choice is None:
            return
        self._choice = choice
        self._passed = None
        self.connect_page.show_choice(choice, self._notice)
        self._go(CONNECT)
        if choice.found is not None:  # a server that just answered: test it at once, one click less
            self._test(advance=False)

    # -- step 2: connect -----------------------------------------------------------------------------

    def _inputs(self) -> tuple[str, str]:
        page = self.connect_page
        return page.address.text().strip(), page.key.text if page.key_box.isVisibleTo(page) else ""

    def _inputs_edited(self) -> None:
        self._passed = None
        if not self.tasks.running("test"):
            self.connect_page.result.clear()

    def _test(self, *, advance: bool) -> None:
        assert self._choice is not None
        address, key = self._inputs()
        result = self.connect_page.result
        if not address.startswith(("http://", "https://")):
            result.error("The server address must start with http:// or https://.")
            return
        if not key and self._choice.key_needed(address):
            result.error(f"Paste your {self._choice.title} API key first.")
            self.connect_page.key.setFocus()
            return
        self.tasks.start("test", self._run_test(address, key, advance))

    async def _run_test(self, address: str, key: str, advance: bool) -> None:
        assert self._choice is not None
        page = self.connect_page
        page.result.working("Testing the connection…")
        page.test_button.setEnabled(False)
        self._testing = True
        self._update_buttons()
        try:
            lines = await setup.test_connection(self._choice.preset.id, address, key or None)
        except Exception as exc:
            page.result.error(plain_message(exc))
            return
        finally:
            self._testing = False
            page.test_button.setEnabled(True)
            self._update_buttons()
        self._passed = (address, key)
        page.result.ok(f"Connected. {' '.join(lines)}")
        if advance:
            self._enter_models()

    def done(self, code: int) -> None:  # noqa: D102 (QDialog override: every way out passes here)
        self.tasks.cancel_all()
        if self.provider is None:
            close_later(self._listing)
            self._listing = None
        super().done(code)

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)  # type: ignore[arg-type]
        self._update_buttons()

    # -- step 3: model -----------------------------------------------------------------------------

    def _enter_models(self) -> None:
        self._go(MODEL)
        self.model_page.models.set_models([])
        self.tasks.start("models", self._load_models())

    async def _load_models(self) -> None:
        assert self._choice is not None
        address, key = self._passed or self._inputs()
        status = self.model_page.status
        status.working("Loading the models…")
        try:
            settings = await setup.load_settings_async()
            self._name = setup.unique_name(self._choice.id, settings)
            close_later(self._listing)
            self._listing = await setup.new_provider(self._choice.preset.id, address, key or None, self._name)
            models = await setup.fetch_models(self._listing)
        except BackstageError as exc:
            status.error(f"{exc.message} You can type the model's name instead.")
            return
        except Exception as exc:
            status.error(plain_message(exc))
            return
        if models:
            status.clear()
        else:
            status.error("The server lists no models. Type the name of the model to use.")
        self.model_page.models.set_models(models, setup.suggested_model(self._choice.preset.id, models))
        self._update_buttons()

    async def _finish(self) -> None:
        assert self._choice is not None
        address, key = self._passed or self._inputs()
        model = self.model_page.models.chosen
        status = self.model_page.status
        status.working("Saving…")
        self._saving = True
        self._update_buttons()
        try:
            if self._listing is None:
                self._name = self._name or setup.unique_name(
                    self._choice.id, await setup.load_settings_async()
                )
                self._listing = await setup.new_provider(
                    self._choice.preset.id, address, key or None, self._name
                )
            self.entry = await setup.save_provider(
                self._name, self._choice.preset.id, address, model, key or None, make_default=self.first_run
            )
        except Exception as exc:
            status.error(plain_message(exc))
            return
        finally:
            self._saving = False
            self._update_buttons()
        status.clear()
        self.provider, self._listing = self._listing, None
        self.server = ServerSettings(self.entry.name, address, model)
        self.accept()
