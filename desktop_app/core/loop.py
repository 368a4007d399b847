"""The orchestration loop: generate → tool calls → tool results → generate again.

One :class:`Turn` answers one user message. It speaks only through events
(``emit`` is called synchronously, in order, on the event loop's thread; a
reader must not block). Promises:

- tool calls of one model turn run concurrently (capped), each dispatched as
  soon as its arguments are complete in the stream;
- results enter the context in the order the model emitted the calls;
- anything a tool or the model gets wrong becomes a tool result, not a crash;
- after ``max_cycles`` cycles that used tools, the model is asked once more
  without tools, so the user still gets an answer;
- :meth:`Turn.cancel` stops the stream and every running tool at once and keeps
  the partial answer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, TypeVar

from ..tools.approvals import ApprovalPolicy
from ..tools.base import ToolResult
from ..tools.registry import ToolRegistry
from . import events as ev
from .context import SERVER_REJECTION_MARGIN, ContextBudget, Fitted
from .conversation import (
    AssistantMessage,
    ChatRequest,
    Conversation,
    Message,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
)
from .errors import BackstageError, ContextTooLongError, ProviderError, describe
from .provenance import check_answer, sources_from_result
from .retry import RetryPolicy
from .sources import utc_now_iso
from .stream import (
    Provider,
    ReasoningChunk,
    StreamDelta,
    StreamEnd,
    TextChunk,
    ToolCallBegin,
    ToolCallComplete,
)
from .tokens import count_text
from .tool_calls import ToolCallRunner, text_for_model

Emit = ev.Emit
E = TypeVar("E", bound=ev.Event)

CITATION_INSTRUCTIONS = (
    "When you use a fact from a tool result, cite its source with the number the result lists, "
    "like [2]. Cite only sources you were given; do not invent numbers or sources."
)


@dataclass(frozen=True)
class LoopConfig:
    model: str
    system: str = ""
    provider_name: str = ""
    max_cycles: int = 8
    tool_concurrency: int = 8  # a model rarely asks for more at once; 4 made 8 calls queue in two waves
    max_output_tokens: int | None = None
    context_window: int | None = None  # None: the model table's window
    retry: RetryPolicy = RetryPolicy()


class AgentLoop:
    """Holds what every turn of one chat shares: provider, tools, policy, settings."""

    def __init__(
        self,
        provider: Provider,
        tools: ToolRegistry | None = None,
        config: LoopConfig | None = None,
        *,
        approvals: ApprovalPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.tools = tools or ToolRegistry()
        self.config = config or LoopConfig(model="")
        self.approvals = approvals or ApprovalPolicy()
        # One budget per chat: it caches token counts per message across turns.
        self.budget = ContextBudget(
            self.config.model, window=self.config.context_window, reserve=self.config.max_output_tokens
        )

    def turn(self, conversation: Conversation, user_text: str, emit: Emit) -> Turn:
        return Turn(self, conversation, user_text, emit)

    async def run_turn(self, conversation: Conversation, user_text: str, emit: Emit) -> ev.TurnFinished:
        return await self.turn(conversation, user_text, emit).run()


@dataclass
class _PendingCall:
    call: ToolCall
    task: asyncio.Task[ToolResult] | None = None


class Turn:
    """One user message answered. Create through :meth:`AgentLoop.turn`, then ``await run()``."""

    def __init__(self, loop: AgentLoop, conversation: Conversation, user_text: str, emit: Emit) -> None:
        self.loop = loop
        self.conversation = conversation
        self.user_text = user_text
        self.turn_id = uuid.uuid4().hex
        self._emit_to = emit
        self._start = time.monotonic()
        self._cycle = 0
        self._answer: list[str] = []
        self._cycle_text: list[str] = []
        self._runner: asyncio.Task[Any] | None = None
        self._cancel_requested = False
        self._streamed = False
        self._current_index = len(conversation.messages)
        self._last_trims: tuple[tuple[str, int], ...] = ()
        self._last_sent: tuple[Message, ...] = ()
        self._calls = ToolCallRunner(
            loop.tools, loop.approvals, conversation, self._emit, concurrency=loop.config.tool_concurrency
        )

    # -- public -------------------------------------------------------------

    def cancel(self) -> None:
        """Stop now: the HTTP stream and running tools are cancelled; the partial answer is kept."""
        self._cancel_requested = True
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()

    @property
    def text(self) -> str:
        return "".join(self._answer)

    async def run(self) -> ev.TurnFinished:
        self._runner = asyncio.current_task()
        cfg = self.loop.config
        self._emit(
            ev.TurnStarted,
            conversation_id=self.conversation.id,
            user_text=self.user_text,
            model=cfg.model,
            provider=cfg.provider_name or self.loop.provider.name,
            started_at=utc_now_iso(),
        )
        self.conversation.messages.append(UserMessage(self.user_text))
        try:
            if self._cancel_requested:
                raise asyncio.CancelledError
            stop_reason = await self._cycles()
            self._check_provenance()
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            self._runner.uncancel()
            self._keep_partial()
            self._calls.close_open("Stopped")
            stop_reason = "cancelled"
        except BackstageError as exc:
            self._keep_partial()
            self._calls.close_open("Not run")
            self._emit(ev.ErrorEvent, error_kind=exc.kind, message=exc.message, detail=exc.detail)
            stop_reason = "error"
        except Exception as exc:  # a bug of ours still ends the turn in words, keeping the text
            err = describe(exc)
            self._keep_partial()
            self._calls.close_open("Not run")
            self._emit(ev.ErrorEvent, error_kind=err.kind, message=err.message, detail=err.detail)
            stop_reason = "error"
        return self._emit(ev.TurnFinished, text=self.text, cycles=self._cycle, stop_reason=stop_reason)

    # -- cycles -------------------------------------------------------------

    async def _cycles(self) -> str:
        cfg = self.loop.config
        while True:
            self._cycle += 1
            final = self._cycle > cfg.max_cycles
            cycle_start = time.monotonic()
            # The last request of a runaway loop offers no tools at all: some servers ignore tool_choice.
            tools = () if final else self.loop.tools.specs()
            self._emit(ev.CycleStarted, tools_offered=len(tools))
            margin = 1.0
            while True:
                fitted = self._fit(tools, margin)
                self._last_sent = fitted.messages
                request = ChatRequest(
                    model=cfg.model,
                    messages=fitted.messages,
                    system=self._system_prompt(),
                    tools=tools,
                    max_output_tokens=cfg.max_output_tokens,
                )
                try:
                    calls = await self._generate_and_run_tools(request, fitted, allow_tools=not final)
                    break
                except ContextTooLongError:
                    # Our count can be off for models without a public tokenizer: re-trim harder, once.
                    if margin > 1.0 or self._streamed:
                        raise
                    margin = SERVER_REJECTION_MARGIN
            self._emit(ev.CycleFinished, duration=time.monotonic() - cycle_start, tool_calls=len(calls))
            if final:
                return "max_cycles"
            if not calls:
                return "complete"

    def _system_prompt(self) -> str:
        """The user's system prompt, plus how to cite when tools can bring sources."""
        system = self.loop.config.system
        if not len(self.loop.tools):
            return system
        return f"{system}\n\n{CITATION_INSTRUCTIONS}" if system else CITATION_INSTRUCTIONS

    def _check_provenance(self) -> None:
        """After the answer: which sentences rest on which source the model actually saw."""
        if not self.conversation.sources or not self.text.strip():
            return
        sent = {m.call_id: m.text for m in self._last_sent if isinstance(m, ToolResultMessage)}
        texts = [
            text
            for call_id, records in self.conversation.sources.items()
            for text in sources_from_result(records, sent.get(call_id))
        ]
        report = check_answer(self.text, texts)
        self._emit(ev.ProvenanceChecked, **report.to_event_fields())

    def _fit(self, tools: tuple[ToolSpec, ...], margin: float) -> Fitted:
        """Measure this cycle's prompt, trim it to the window, and say so in events."""
        fitted = self.loop.budget.fit(
            self._system_prompt(),
            tools,
            self.conversation.messages,
            current_index=self._current_index,
            margin=margin,
        )
        self._emit(
            ev.ContextMeasured, segments=dict(fitted.segments), window=fitted.window, reserved=fitted.reserved
        )
        trims = tuple((trim.what, trim.tokens_freed) for trim in fitted.trims)
        if trims != self._last_trims:  # the same trims every cycle would only repeat themselves
            for what, freed in trims:
                self._emit(ev.ContextTrimmed, what=what, tokens_freed=freed)
            self._last_trims = trims
        if not fitted.fits:
            raise fitted.error()
        return fitted

    async def _generate_and_run_tools(
        self, request: ChatRequest, fitted: Fitted, *, allow_tools: bool
    ) -> list[ToolCall]:
        pending: list[_PendingCall] = []
        self._cycle_text = []
        self._streamed = False
        sent = time.monotonic()
        ttft: float | None = None
        end: StreamEnd | None = None
        calls: list[ToolCall] = []
        assistant_added = False
        try:
            async with asyncio.TaskGroup() as group, aclosing(self._stream_with_retry(request)) as stream:
                async for delta in stream:
                    self._streamed = True
                    if ttft is None and not isinstance(delta, StreamEnd):
                        ttft = time.monotonic() - sent
                    if isinstance(delta, TextChunk):
                        self._add_text(delta.text)
                    elif isinstance(delta, ReasoningChunk):
                        self._emit(ev.ReasoningDelta, text=delta.text)
                    elif isinstance(delta, ToolCallBegin):
                        if allow_tools:
                            self._calls.began(delta.call_id, delta.name)
                    elif isinstance(delta, ToolCallComplete):
                        if allow_tools:
                            call = ToolCall(delta.call_id, delta.name, delta.arguments)
                            task = group.create_task(
                                self._calls.run(call), name=f"tool:{call.name}:{call.call_id}"
                            )
                            pending.append(_PendingCall(call, task))
                    elif isinstance(delta, StreamEnd):
                        end = delta
                        self._finish_generation(request, fitted, delta, ttft)
                if end is None:  # providers promise a StreamEnd; guard against one that breaks it
                    self._finish_generation(request, fitted, StreamEnd("unknown"), ttft)
                # The assistant message goes in before its tool results, whatever order they finish in.
                calls = [p.call for p in pending]
                self.conversation.messages.append(AssistantMessage("".join(self._cycle_text), tuple(calls)))
                self._cycle_text = []
                assistant_added = True
        except BaseExceptionGroup as group_error:
            # The group only wraps what the stream raised (tool tasks never raise): re-raise it as itself.
            self._add_results(pending, assistant_added)
            raise group_error.exceptions[0] from None
        except BaseException:
            self._add_results(pending, assistant_added)
            raise
        self._add_results(pending, assistant_added)
        return calls

    def _add_results(self, pending: list[_PendingCall], assistant_added: bool) -> None:
        """Every tool call in the history gets its result, even a stopped one: servers reject orphans."""
        if not assistant_added:
            return
        for entry in pending:
            task = entry.task
            if task is not None and task.done() and not task.cancelled() and task.exception() is None:
                result = task.result()
            else:
                result = ToolResult(f"{entry.call.name} was stopped before it finished.", is_error=True)
            self.conversation.messages.append(
                ToolResultMessage(
                    entry.call.call_id, entry.call.name, text_for_model(result), result.is_error
                )
            )

    def _finish_generation(
        self, request: ChatRequest, fitted: Fitted, end: StreamEnd, ttft: float | None
    ) -> None:
        estimated = end.input_tokens is None or end.output_tokens is None
        if end.input_tokens:
            self.loop.budget.calibration.observe(request.model, end.input_tokens, fitted.counted)
        input_tokens = end.input_tokens
        output_tokens = end.output_tokens
        if input_tokens is None:
            input_tokens = fitted.prompt_tokens
        if output_tokens is None:
            output_tokens = count_text("".join(self._cycle_text))
        self._emit(
            ev.GenerationFinished,
            finish_reason=end.finish_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            ttft=ttft,
            usage_estimated=estimated,
        )

    async def _stream_with_retry(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        """The provider's stream; failures before the first delta are retried with backoff."""
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            stream = self.loop.provider.stream(request)
            started = False
            try:
                async for delta in stream:
                    started = True
                    yield delta
                return
            except ProviderError as exc:
                if started:
                    raise
                delay = self.loop.config.retry.delay(exc, attempt, waited)
                if delay is None:
                    raise
                self._emit(ev.Retrying, attempt=attempt, delay=delay, reason=exc.message)
                waited += delay
                await asyncio.sleep(delay)
            finally:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()

    # -- events -------------------------------------------------------------

    def _add_text(self, text: str) -> None:
        if not text:
            return
        if not self._cycle_text and self._answer and not self._answer[-1].endswith("\n\n"):
            # A new cycle's text starts a new paragraph; emitted as text so every reader agrees.
            self._answer.append("\n\n")
            self._emit(ev.TextDelta, text="\n\n")
        self._cycle_text.append(text)
        self._answer.append(text)
        self._emit(ev.TextDelta, text=text)

    def _keep_partial(self) -> None:
        """After a stop or an error mid-stream, the text so far stays in the conversation."""
        if self._cycle_text:
            self.conversation.messages.append(AssistantMessage("".join(self._cycle_text)))
            self._cycle_text = []

    def _emit(self, cls: type[E], **fields: Any) -> E:
        event = cls(t=time.monotonic() - self._start, turn_id=self.turn_id, cycle=self._cycle, **fields)
        self._emit_to(event)
        return event
