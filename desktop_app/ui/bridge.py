"""The one place where the core meets Qt: turns run as asyncio tasks, their events leave as a signal.

Widgets never call the loop. They read :attr:`Bridge.event` (core event objects,
delivered in order on the Qt thread, which is also the asyncio thread under
qasync) and express intents through :meth:`send`, :meth:`stop` and
:meth:`approve`. Approval requests are answered by a future that the chat's
approval card resolves; only those user intents can grant a risky call.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from ..core import events as ev
from ..core.conversation import Conversation
from ..core.loop import AgentLoop, LoopConfig, Turn
from ..core.stream import Provider
from ..tools.approvals import ApprovalMode, ApprovalPolicy, ApprovalRequest, Decision
from ..tools.registry import ToolRegistry
from .intents import ALLOW_CHAT, ALLOW_ONCE, DENY
from .qt import QObject, Signal

__all__ = ["ALLOW_CHAT", "ALLOW_ONCE", "DENY", "Bridge"]

log = logging.getLogger(__name__)


class Bridge(QObject):
    """Runs one chat's turns; at most one turn at a time.

    ``event`` carries every core event of every turn. ``busy_changed`` says
    whether a turn is running (the composer's Send/Stop button follows it).
    """

    event = Signal(object)
    busy_changed = Signal(bool)

    def __init__(
        self,
        provider: Provider,
        tools: ToolRegistry,
        config: LoopConfig,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.provider = provider
        self.tools = tools
        self.config = config
        self._turn: Turn | None = None
        self._task: asyncio.Task[ev.TurnFinished] | None = None
        self._pending_approvals: dict[str, asyncio.Future[Decision]] = {}
        self._announced: set[str] = set()  # call ids of this turn's approval_requested events
        self._early_answers: dict[str, Decision] = {}
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()  # handles kept so no task is collected mid-flight
        self._readers: list[Callable[[ev.Event], None]] = []
        self._on_close: list[Callable[[], Awaitable[None]]] = []
        self.new_chat()

    # -- intents --------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def new_chat(self) -> None:
        """Forget the conversation (and its "allow for this chat" grants); stops a running turn."""
        self.open_conversation(Conversation(id=uuid.uuid4().hex))

    def open_conversation(self, conversation: Conversation) -> None:
        """Continue ``conversation`` (e.g. one read back from the history) from the next message on.

        Stops a running turn; "allow for this chat" grants start empty, as in a new chat.
        """
        self.stop()
        self.conversation = conversation
        self._history_ready: Awaitable[object] | None = None
        # A fresh policy per chat: grants given in one chat never leak into the next.
        policy = ApprovalPolicy(ApprovalMode.ASK, ask_user=self._ask_user)
        self._agent = AgentLoop(self.provider, self.tools, self.config, approvals=policy)

    def hold_turns_until(self, ready: Awaitable[object]) -> None:
        """The next message waits for ``ready`` (the stored history being put in front) before it starts."""
        self._history_ready = ready

    @property
    def turn_running(self) -> bool:
        """A turn has started (and counted the conversation's messages); not merely waiting for the history."""
        return self._turn is not None and self.busy

    def add_reader(self, reader: Callable[[ev.Event], None]) -> None:
        """Hand every event to ``reader`` too (the history), synchronously and before the signal."""
        self._readers.append(reader)

    def send(self, text: str) -> bool:
        """Start a turn answering ``text``; False (and nothing happens) if one is running or text is blank."""
        text = text.strip()
        if not text or self.busy or self._closed:
            return False
        self._turn = None
        self._task = asyncio.get_running_loop().create_task(self._answer(text), name="backstage-turn")
        self._task.add_done_callback(self._turn_done)
        self.busy_changed.emit(True)
        return True

    def stop(self) -> None:
        """Stop the running turn now; its partial answer is kept (the loop promises it)."""
        if not self.busy:
            return
        if self._turn is not None:
            self._turn.cancel()
        elif self._task is not None:
            self._task.cancel()  # still waiting for the stored history: nothing was sent yet

    def approve(self, call_id: str, answer: str) -> None:
        """Answer a pending approval with ALLOW_ONCE, ALLOW_CHAT or DENY; unknown ids are ignored."""
        if answer == DENY:
            decision = Decision(False, "user")
        else:
            decision = Decision(True, "user", ALLOW_CHAT if answer == ALLOW_CHAT else ALLOW_ONCE)
        future = self._pending_approvals.pop(call_id, None)
        if future is not None and not future.done():
            future.set_result(decision)
        elif call_id in self._announced:
            # The loop announces the request just before it asks; an answer given in between is kept.
            self._early_answers[call_id] = decision

    def switch_provider(self, provider: Provider, config: LoopConfig) -> None:
        """Talk to another server from the next message on; the old provider is closed in the background."""
        self.stop()
        old = self.provider
        self.provider, self.config = provider, config
        closing = asyncio.get_running_loop().create_task(old.aclose(), name="close-old-provider")
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        self.new_chat()

    def reconfigure(self, provider: Provider, config: LoopConfig, tools: ToolRegistry | None = None) -> None:
        """Answer the next message with this provider, model and tools; the conversation is kept.

        A running turn finishes with what it started with; a replaced provider is closed after it.
        """
        old, running = self.provider, self._task
        self.provider, self.config = provider, config
        self.tools = tools if tools is not None else self.tools
        self._agent = AgentLoop(provider, self.tools, config, approvals=self._agent.approvals)
        if old is not provider:
            closing = asyncio.get_running_loop().create_task(
                _close_after(old, running), name="close-old-provider"
            )
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Await ``closer()`` when the bridge closes, before the provider (e.g. the servers tools came from)."""
        self._on_close.append(closer)

    async def aclose(self, grace: float = 3.0) -> None:
        """Stop any turn, wait for it to finish its events, close the provider. Safe to call twice."""
        self._closed = True
        task = self._task
        self.stop()
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), grace)
            except TimeoutError:  # a tool that ignores cancellation must not hang the quit
                task.cancel()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        closers, self._on_close = self._on_close, []
        for closer in closers:
            await closer()
        await self.provider.aclose()

    # -- plumbing -------------------------------------------------------------

    async def _answer(self, text: str) -> ev.TurnFinished:
        ready, self._history_ready = self._history_ready, None
        if ready is not None:
            # A reopened long chat: the model must see its older turns, which are still being read.
            await asyncio.wait({asyncio.ensure_future(ready)})
        self._turn = self._agent.turn(self.conversation, text, self._emit)
        return await self._turn.run()

    def _emit(self, event: ev.Event) -> None:
        if isinstance(event, ev.ApprovalRequested):
            self._announced.add(event.call_id)
        for reader in self._readers:
            reader(event)
        self.event.emit(event)

    def _turn_done(self, task: asyncio.Task[ev.TurnFinished]) -> None:
        for future in self._pending_approvals.values():
            future.cancel()
        self._pending_approvals.clear()
        self._announced.clear()
        self._early_answers.clear()
        if task is self._task:
            self.busy_changed.emit(False)
        if not task.cancelled() and task.exception() is not None:
            # Turn.run turns every Exception into an error event; only a bug of ours lands here.
            log.error("turn ended abnormally", exc_info=task.exception())

    async def _ask_user(self, request: ApprovalRequest) -> Decision:
        early = self._early_answers.pop(request.call_id, None)
        if early is not None:
            return early
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._pending_approvals[request.call_id] = future
        try:
            return await future
        finally:
            self._pending_approvals.pop(request.call_id, None)


async def _close_after(provider: Provider, turn: asyncio.Task[ev.TurnFinished] | None) -> None:
    """Close ``provider`` once ``turn`` (which may still be streaming from it) has ended."""
    if turn is not None and not turn.done():
        await asyncio.wait({turn})
    await provider.aclose()
