"""The main window: chat in the centre, composer below, timeline docked beside, toolbar on top.

It wires widgets to the bridge and nothing more: every event from the bridge
goes to the chat and the timeline, every click becomes a bridge intent. It
remembers its geometry, splitter, dock layout, mode and timeline visibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import events as ev
from . import theme
from .chat.chat_view import ChatView
from .composer import Composer
from .context_meter import ContextMeter
from .history.banner import BannerArea
from .history.controller import HistoryController
from .history.window_history import WindowHistory
from .modes import Mode
from .qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .settings import WindowSettings
from .timeline.panel import TimelinePanel

if TYPE_CHECKING:  # the bridge pulls in the loop; the window can paint before it is imported
    from .bridge import Bridge

_MODE_SHORTCUTS = {Mode.FULL: "Ctrl+1", Mode.STATUS: "Ctrl+2", Mode.HIDDEN: "Ctrl+3"}


class MainWindow(QtWidgets.QMainWindow):
    closed = Signal()
    server_settings_requested = Signal()

    def __init__(
        self, settings: WindowSettings, bridge: Bridge | None = None, server_label: str = ""
    ) -> None:
        """A window that shows at once; it can send once a bridge is attached (see :meth:`attach`)."""
        super().__init__()
        self._bridge: Bridge | None = None
        self.settings = settings
        self.setObjectName("MainWindow")
        self.setWindowTitle("Backstage")
        self.setAccessibleName("Backstage")
        self.setMinimumSize(560, 400)
        _apply_stylesheet()
        mode = settings.mode

        self.chat = ChatView(mode)
        self.composer = Composer()
        composer_area = QtWidgets.QWidget()
        composer_layout = QtWidgets.QVBoxLayout(composer_area)
        composer_layout.setContentsMargins(theme.SPACE_XL, theme.SPACE_S, theme.SPACE_XL, theme.SPACE_L)
        composer_layout.addWidget(self.composer)
        self.splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("ChatSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.chat)
        self.splitter.addWidget(composer_area)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.banners = BannerArea()  # notices that need no answer: a damaged history file, a locked one
        central = QtWidgets.QWidget()
        central_layout = QtWidgets.QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.banners)
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.timeline = TimelinePanel()
        self.dock = QtWidgets.QDockWidget("Timeline", self)
        self.dock.setObjectName("TimelineDock")
        self.dock.setAccessibleName("Timeline panel")
        self.dock.setWidget(self.timeline)
        self.dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea
            | Qt.DockWidgetArea.RightDockWidgetArea
            | Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        # The history file is opened later, off the Qt thread (see session.py); events queue until then.
        self.history = WindowHistory(self)
        self.conversations = HistoryController(self, self.history)

        self._build_actions(mode)
        self.server_label = QtWidgets.QLabel()
        self.server_label.setObjectName("Muted")
        self.statusBar().addPermanentWidget(self.server_label)
        self.context_meter = ContextMeter()
        self.statusBar().insertPermanentWidget(0, self.context_meter)
        self.chat.set_show_provenance(settings.show_provenance)
        self.chat.provenance_toggled.connect(self._provenance_toggled)
        self.statusBar().setSizeGripEnabled(True)

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.chat.approval_answered.connect(self._approve)
        self._restore()
        self.composer.focus()
        if bridge is not None:
            self.attach(bridge, server_label)

    def attach(self, bridge: Bridge, server_label: str) -> None:
        """Connect the window to a chat's bridge (once; the bridge is owned by the window from now on)."""
        self._bridge = bridge
        bridge.setParent(self)
        bridge.add_reader(self.history.record)  # stored in the order the loop said it, before any widget
        bridge.event.connect(self._on_event)
        if self.conversations.pending_conversation is not None:  # a stored chat opened before connecting
            bridge.open_conversation(self.conversations.pending_conversation)
            self.conversations.pending_conversation = None
        bridge.busy_changed.connect(self.composer.set_busy)
        self.server_label.setText(server_label)

    @property
    def bridge(self) -> Bridge:
        assert self._bridge is not None, "no bridge attached yet"
        return self._bridge

    @property
    def connected(self) -> bool:
        return self._bridge is not None

    # -- intents ------------------------------------------------------------------------------

    def send(self, text: str) -> bool:
        if self._bridge is None or not self._bridge.send(text):
            return False
        self.composer.set_text("")
        return True

    def stop(self) -> None:
        if self._bridge is not None:
            self._bridge.stop()

    def _approve(self, call_id: str, answer: str) -> None:
        if self._bridge is not None:
            self._bridge.approve(call_id, answer)

    def new_chat(self) -> None:
        self.conversations.leave()
        if self._bridge is not None:
            self._bridge.new_chat()
        self.chat.clear()
        self.timeline.clear()
        self.context_meter.clear()
        self.composer.focus()

    def set_mode(self, mode: Mode) -> None:
        self.chat.set_mode(mode)
        self.settings.mode = mode
        self.mode_box.setCurrentIndex(list(Mode).index(mode))
        self._mode_actions[mode].setChecked(True)

    def _provenance_toggled(self, shown: bool) -> None:
        self.settings.show_provenance = shown
        self.provenance_action.setChecked(shown)

    def _on_event(self, event: ev.Event) -> None:
        self.chat.apply(event)
        self.timeline.apply(event)
        self.conversations.note_event(event)
        self.context_meter.apply(event)

    # -- building -------------------------------------------------------------------------------

    def _build_actions(self, mode: Mode) -> None:
        toolbar = QtWidgets.QToolBar("Main toolbar")
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

        toolbar.addAction(self.conversations.toggle_action)
        self.new_chat_action = self._action("New chat", "Ctrl+N", self.new_chat, "Start a new chat")
        toolbar.addAction(self.new_chat_action)
        toolbar.addSeparator()

        label = QtWidgets.QLabel("Show ")
        label.setObjectName("Muted")
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.setAccessibleName("Presentation mode")
        self.mode_box.setToolTip(
            "Full: tool calls with arguments and results · Status: one line per tool · Hidden"
        )
        for m in Mode:
            self.mode_box.addItem(m.label, m.value)
        self.mode_box.setCurrentIndex(list(Mode).index(mode))
        self.mode_box.activated.connect(lambda index: self.set_mode(list(Mode)[index]))
        label.setBuddy(self.mode_box)
        toolbar.addWidget(label)
        toolbar.addWidget(self.mode_box)
        group = QtGui.QActionGroup(self)
        self._mode_actions: dict[Mode, QtGui.QAction] = {}
        for m in Mode:
            action = self._action(
                f"{m.label} mode", _MODE_SHORTCUTS[m], lambda _=False, m=m: self.set_mode(m)
            )
            action.setCheckable(True)
            action.setChecked(m is mode)
            group.addAction(action)
            self._mode_actions[m] = action
            self.addAction(action)  # shortcut only; the combo box is the visible control

        spacer = QtWidgets.QWidget()
        spacer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.server_action = self._action(
            "Settings…", "Ctrl+,", self.server_settings_requested.emit, "Providers, models and tools"
        )
        toolbar.addAction(self.server_action)
        self.timeline_action = self.dock.toggleViewAction()
        self.timeline_action.setText("Timeline")
        self.timeline_action.setShortcut(QtGui.QKeySequence("Ctrl+T"))
        self.timeline_action.setToolTip("Show or hide the timeline (Ctrl+T)")
        toolbar.addAction(self.timeline_action)
        self.provenance_action = self._action(
            "Provenance",
            "Ctrl+Shift+P",
            self.chat.set_show_provenance,
            "Tint answers by where each sentence comes from",
        )
        self.provenance_action.setCheckable(True)
        self.provenance_action.setChecked(self.settings.show_provenance)
        toolbar.addAction(self.provenance_action)
        self.quit_action = self._action("Quit", "Ctrl+Q", self.close, "Quit Backstage")
        # Esc stops the answer wherever the focus is (the composer handles it itself when focused).
        self.stop_action = self._action("Stop", "Esc", self.stop, "Stop the answer")
        self._build_menu()
        for action in toolbar.actions():
            button = toolbar.widgetForAction(action)
            if isinstance(button, QtWidgets.QToolButton):
                # Toolbar buttons skip Tab by default; every control must be reachable by keyboard.
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                button.setAccessibleName(action.text().rstrip("…"))

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.new_chat_action)
        menu.addAction(self.conversations.search_action)
        menu.addSeparator()
        menu.addAction(self.conversations.import_action)
        menu.addAction(self.conversations.export_md_action)
        menu.addAction(self.conversations.export_json_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def _action(self, text: str, shortcut: str, slot: object, tip: str = "") -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            tip = f"{tip} ({shortcut})" if tip else shortcut
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- memory -----------------------------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = self.settings.bytes_value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1180, 760)
        state = self.settings.bytes_value("window/state")
        if state is None or not self.restoreState(state):
            self.resizeDocks([self.dock, self.conversations.dock], [380, 250], Qt.Orientation.Horizontal)
        splitter = self.settings.bytes_value("window/splitter")
        if splitter is None or not self.splitter.restoreState(splitter):
            self.splitter.setSizes([10_000, 1])
        timeline_split = self.settings.bytes_value("window/timeline_splitter")
        if timeline_split is not None:
            self.timeline.restoreState(timeline_split)
        self.dock.setVisible(self.settings.timeline_visible)

    def save_state(self) -> None:
        s = self.settings
        s.set_bytes("window/geometry", self.saveGeometry())
        s.set_bytes("window/state", self.saveState())
        s.set_bytes("window/splitter", self.splitter.saveState())
        s.set_bytes("window/timeline_splitter", self.timeline.saveState())
        s.timeline_visible = not self.dock.isHidden()
        s.mode = self.chat.mode
        s.sync()

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.ApplicationPaletteChange, QtCore.QEvent.Type.PaletteChange):
            _apply_stylesheet()  # the OS switched light/dark: colours are derived again
        elif event.type() == QtCore.QEvent.Type.ActivationChange and self.isActiveWindow():
            self.conversations.window_activated()  # chats asked from the terminal meanwhile appear

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_state()
        self.stop()  # the turn's own cancellation path keeps the partial answer and ends cleanly
        event.accept()
        self.closed.emit()


def _apply_stylesheet() -> None:
    app = QtWidgets.QApplication.instance()
    if not isinstance(app, QtWidgets.QApplication):
        return
    sheet = theme.app_stylesheet(theme.current())
    if app.styleSheet() != sheet:  # setting it sends palette events again: stop once it is current
        app.setStyleSheet(sheet)
