"""The history in the window: the sidebar dock, reopening stored chats, Continue, export and import.

:class:`HistoryController` is the window's half of the history; the window
gives it every event (:meth:`note_event`) and asks it to forget the shown chat
(:meth:`leave`). Opening a conversation reads its newest turns in a worker
thread and replays them into the chat and the timeline (older turns follow as
the reader scrolls up). The model-facing history the next message continues
needs every event: a short chat's come with its newest turns; a long chat's
are read once that first screen is built, in a worker thread too.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ...core import events as ev
from ..qt import QObject, Qt, QtGui, QtWidgets
from .replay import FIRST_TURNS, ConversationReplay
from .sidebar import Sidebar
from .window_history import WindowHistory

if TYPE_CHECKING:
    import asyncio

    from ...core.conversation import Conversation
    from ..chat.turn_view import TurnView
    from ..main_window import MainWindow

CONTINUE_TEXT = "Continue."


class HistoryController(QObject):
    def __init__(self, window: MainWindow, history: WindowHistory) -> None:
        super().__init__(window)
        self.window = window
        self.history = history
        self.replay: ConversationReplay | None = None
        self.pending_conversation: Conversation | None = None  # opened before a server was connected
        self._opening = ""  # the conversation asked for last: a slower earlier load must not win
        # Reads the reopened conversation's model-facing history (tests and the benchmark await it).
        self.model_history: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        self.sidebar = Sidebar(history)
        self.dock = QtWidgets.QDockWidget("Chats", window)
        self.dock.setObjectName("ChatsDock")
        self.dock.setAccessibleName("Chats panel")
        self.dock.setWidget(self.sidebar)
        self.dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.dock.setFeatures(
            QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        self.sidebar.open_requested.connect(lambda cid, turn: self.spawn(self.open(cid, turn)))
        self.sidebar.export_requested.connect(lambda cid, fmt: self.spawn(self.export(cid, fmt)))
        self.sidebar.deleted.connect(self._deleted)
        window.chat.continue_requested.connect(self.continue_turn)
        history.problem.connect(self._problem)

        self.search_action = self._action("Search chats", "Ctrl+K", self.focus_search)
        self.toggle_action = self.dock.toggleViewAction()
        self.toggle_action.setText("Chats")
        self.toggle_action.setShortcut(QtGui.QKeySequence("Ctrl+B"))
        self.toggle_action.setToolTip("Show or hide the list of chats (Ctrl+B)")
        self.import_action = self._action("Import conversation…", "", lambda: self.spawn(self.import_()))
        self.export_md_action = self._action(
            "Export as Markdown…", "", lambda: self.spawn(self.export(self.current_id, "md"))
        )
        self.export_json_action = self._action(
            "Export as JSON…", "", lambda: self.spawn(self.export(self.current_id, "json"))
        )

    # -- what the window tells it -------------------------------------------------------------

    @property
    def current_id(self) -> str:
        """The conversation in the chat (its id even before its first message is stored)."""
        if self.window.connected:
            return self.window.bridge.conversation.id
        return self.pending_conversation.id if self.pending_conversation else ""

    def note_event(self, event: ev.Event) -> None:
        self.sidebar.note_event(event)

    def leave(self) -> None:
        """The chat is cleared (New chat): stop rebuilding the old one."""
        self._stop_replay()
        self.pending_conversation = None
        self._opening = ""
        self.sidebar.set_current("")

    def window_activated(self) -> None:
        self.sidebar.refresh_if_idle()

    def focus_search(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.sidebar.focus_search()

    # -- intents ---------------------------------------------------------------------------------

    async def open(self, conversation_id: str, reveal_turn: str = "") -> bool:
        """Show a stored conversation and make it the one the next message continues.

        Only its newest turns are read before they are shown, however long it is. What the
        model is sent next comes with them for a short chat, and for a long one is read after
        the first screen (:meth:`_read_model_history`).
        """
        if conversation_id == self.current_id:  # already shown, maybe live: never rebuild (or stop) it
            if reveal_turn and not self.window.chat.reveal(reveal_turn) and self.replay is not None:
                self.replay.reveal(reveal_turn)
            return True
        self._opening = conversation_id
        head = await self.history.load_head(conversation_id, FIRST_TURNS)
        if head is None or self._opening != conversation_id:
            return False
        import asyncio  # the controller is built before the first paint; asyncio is imported after it

        from ...core.conversation import Conversation

        window = self.window
        self._stop_replay()
        # A long chat's stored messages go in front once read.
        conversation = head.conversation or Conversation(id=conversation_id)
        if window.connected:
            window.bridge.open_conversation(conversation)
        else:
            self.pending_conversation = conversation
        window.chat.clear()
        window.timeline.clear()
        self.replay = ConversationReplay(
            window.chat,
            window.timeline,
            head.turns,
            head.older,
            lambda turn_ids: self.history.load_turns(conversation_id, turn_ids),
            reveal_turn,
            parent=self,
        )
        if head.conversation is None:
            first_screen = asyncio.Event()
            self.replay.settled.connect(first_screen.set)
            reading = self._read_model_history(conversation, head.turn_ids, first_screen)
            self.model_history = self.spawn(reading)
            if window.connected:
                window.bridge.hold_turns_until(self.model_history)
        self.replay.start()
        self.sidebar.set_current(conversation_id)
        return True

    def continue_turn(self, turn_id: str) -> None:
        """Finish an interrupted answer in its own conversation.

        With a partial answer or tool results saved, the model is sent "Continue.": it sees
        what it had written and what the tools returned, so it carries on without redoing
        them. With nothing saved after the question, the question itself is asked again.
        """
        turn = next((t for t in self.window.chat.turns() if t.turn_id == turn_id), None)
        if turn is None or turn.interrupted_note is None:
            return
        started = next((e for e in turn.events if isinstance(e, ev.TurnStarted)), None)
        partial = any(isinstance(e, ev.TextDelta | ev.ToolFinished) for e in turn.events)
        text = CONTINUE_TEXT if partial or started is None else started.user_text
        reading = self.model_history
        if reading is not None and not reading.done():
            self.spawn(self._continue_after(reading, turn, text))  # the model must see what came before
        else:
            self._continue(turn, text)

    def _continue(self, turn: TurnView, text: str) -> None:
        note = turn.interrupted_note
        if note is None or not note.can_continue:
            return  # continued already
        if self.window.send(text):
            note.continued()
        else:
            self.window.statusBar().showMessage("Connect to a model server to continue this answer.", 6000)

    async def _continue_after(self, reading: asyncio.Task[None], turn: TurnView, text: str) -> None:
        import asyncio

        await asyncio.wait([reading])
        if turn in self.window.chat.turns():  # still shown: the reader did not leave the chat
            self._continue(turn, text)

    async def _read_model_history(
        self, conversation: Conversation, turn_ids: list[str], first_screen: asyncio.Event
    ) -> None:
        """Put the stored turns' messages in front of ``conversation``, the one the next message continues.

        Waits for the first screen of turns, so that reading and rebuilding every event of a long
        chat (a quarter of a second for 30,000) never delays what the reader sees first. A message
        sent before it is done waits for it (the bridge holds it); a turn that started before the
        conversation was reopened here has counted its messages, so the older turns go in front once it ends.
        """
        await first_screen.wait()
        stored = await self.history.load_model_history(conversation.id, turn_ids)
        if stored is None:
            return  # the history showed why
        while self._continued() is conversation and self.window.connected and self.window.bridge.turn_running:
            await self._bridge_idle()
        if self._continued() is conversation:
            conversation.messages[:0] = stored.messages
            # Sources a turn sent meanwhile numbered from 1 keep their numbers; new ones follow all.
            conversation.next_source_id += stored.next_source_id - 1
            conversation.sources = {**stored.sources, **conversation.sources}

    def _continued(self) -> Conversation | None:
        """The conversation the next message continues."""
        return self.window.bridge.conversation if self.window.connected else self.pending_conversation

    async def _bridge_idle(self) -> None:
        import asyncio

        idle = asyncio.Event()

        def changed(busy: bool) -> None:
            if not busy:
                idle.set()

        bridge = self.window.bridge
        bridge.busy_changed.connect(changed)
        try:
            await idle.wait()
        finally:
            bridge.busy_changed.disconnect(changed)

    async def export(self, conversation_id: str, fmt: str) -> None:
        row = self.sidebar.model.row(conversation_id)
        if not conversation_id or row is None:
            self.window.statusBar().showMessage("There is nothing saved to export yet.", 5000)
            return
        from .transfer import export_conversation  # file dialogs and the export formats: only when used

        path = await export_conversation(self.window, self.history, conversation_id, fmt, row.title)
        if path is not None:
            self.window.statusBar().showMessage(f"Exported to {path}", 8000)

    async def import_(self) -> None:
        from .transfer import import_conversation  # file dialogs and the export formats: only when used

        conversation_id = await import_conversation(self.window, self.history)
        if conversation_id:
            self.sidebar.reload()
            await self.open(conversation_id)

    # -- plumbing ----------------------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        import asyncio  # the controller is built before the first paint; asyncio is imported after it

        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _deleted(self, conversation_id: str) -> None:
        if conversation_id == self.current_id:
            self.window.new_chat()

    def _problem(self, message: str) -> None:
        actions = []
        if not self.history.ready:  # locked: trying again later is what helps
            actions.append(("Try again", lambda: self.history.start_opening()))
        self.window.banners.show_message(message, actions)

    def _stop_replay(self) -> None:
        if self.model_history is not None:
            self.model_history.cancel()  # its conversation is no longer the one continued
            self.model_history = None
        if self.replay is not None:
            self.replay.stop()
            self.replay.deleteLater()
            self.replay = None

    def _action(self, text: str, shortcut: str, slot: Any) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setToolTip(f"{text} ({shortcut})")
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action
