"""Running the tool calls of one turn, and saying what happened to each in events.

One :class:`ToolCallRunner` per turn. It owns the approval gate, the
concurrency cap and source numbering, and promises that every call the model
began ends in exactly one ``tool_finished``: run, failed, refused, stopped, or
never run because the turn ended first.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..tools.approvals import ApprovalPolicy, ApprovalRequest, refusal_text
from ..tools.base import Risk, ToolResult
from ..tools.registry import ToolRegistry
from . import events as ev
from .context import SOURCES_HEADER
from .conversation import Conversation, ToolCall
from .sources import SourceRecord, utc_now_iso
from .tokens import count_text

PREVIEW_CHARS = 4000

# The turn's emit: builds the event (adding t, turn_id, cycle) and hands it to the readers.
EmitKind = Callable[..., Any]


class ToolCallRunner:
    """Executes calls concurrently (at most ``concurrency`` at once) for one turn of ``conversation``."""

    def __init__(
        self,
        tools: ToolRegistry,
        approvals: ApprovalPolicy,
        conversation: Conversation,
        emit: EmitKind,
        *,
        concurrency: int,
    ) -> None:
        self.tools = tools
        self.approvals = approvals
        self.conversation = conversation
        self._emit = emit
        self._semaphore = asyncio.Semaphore(max(1, concurrency))
        self._open: dict[str, str] = {}  # call_id -> name, from tool_call_started to tool_finished

    def began(self, call_id: str, name: str) -> None:
        """The model started a call; its arguments are still streaming."""
        self._open[call_id] = name
        self._emit(ev.ToolCallStarted, call_id=call_id, name=name)

    async def run(self, call: ToolCall) -> ToolResult:
        """Validate, gate, execute; never raises except CancelledError (after closing the call)."""
        args, problem = self.tools.parse_arguments(call.name, call.arguments)
        self._emit(
            ev.ToolCallReady, call_id=call.call_id, name=call.name, arguments=_shown_arguments(args, call)
        )
        tool = self.tools.get(call.name)
        if problem is not None or tool is None or args is None:
            return self._finish(call, ToolResult(problem or "Unknown tool.", is_error=True), 0.0, "")

        policy = self.approvals
        if policy.needs_user(tool):
            self._emit(
                ev.ApprovalRequested,
                call_id=call.call_id,
                name=call.name,
                arguments=args,
                risk=str(tool.risk),
                summary=tool.status(args),
            )
        decision = await policy.decide(ApprovalRequest(call.call_id, tool, args))
        if tool.risk is not Risk.READ_ONLY:
            self._emit(
                ev.ApprovalDecided,
                call_id=call.call_id,
                approved=decision.approved,
                decided_by=decision.decided_by,
                scope=decision.scope,
            )
        if not decision.approved:
            refused = ToolResult(refusal_text(call.name), is_error=True)
            return self._finish(call, refused, 0.0, f"Not run: {call.name} needs your approval")
        if decision.arguments is not None:
            args = decision.arguments

        async with self._semaphore:
            self._emit(ev.ToolStarted, call_id=call.call_id, name=call.name, status=tool.status(args))
            started = time.monotonic()
            try:
                result = await self.tools.execute(tool, args)
            except asyncio.CancelledError:
                # Readers close the tool's row with a word, not by guessing from turn_finished.
                stopped = ToolResult(f"{call.name} was stopped before it finished.", is_error=True)
                self._finish(call, stopped, time.monotonic() - started, "Stopped")
                raise
            duration = time.monotonic() - started
        status = _first_line(result.text) if result.is_error else tool.done_status(args, result)
        return self._finish(call, result, duration, status)

    def close_open(self, status: str) -> None:
        """Calls that never reached a result (args still streaming, awaiting approval) still end in an event."""
        for call_id, name in list(self._open.items()):
            what = "stopped" if status == "Stopped" else "interrupted"
            message = f"{name} did not run: the answer was {what}."
            self._finish(ToolCall(call_id, name, ""), ToolResult(message, is_error=True), 0.0, status)

    def _finish(self, call: ToolCall, result: ToolResult, duration: float, status: str) -> ToolResult:
        self._open.pop(call.call_id, None)
        sources = tuple(self._number(s) for s in result.sources)
        result = replace(result, sources=sources)
        if sources:
            self.conversation.sources[call.call_id] = sources
        injected = text_for_model(result)
        self._emit(
            ev.ToolFinished,
            call_id=call.call_id,
            name=call.name,
            ok=not result.is_error,
            result_preview=injected if len(injected) <= PREVIEW_CHARS else injected[:PREVIEW_CHARS] + "…",
            result_tokens=count_text(injected),
            sources=sources,
            duration=duration,
            status=status or _first_line(result.text),
        )
        return result

    def _number(self, source: SourceRecord) -> SourceRecord:
        number = self.conversation.next_source_id
        self.conversation.next_source_id += 1
        return replace(source, id=number, retrieved_at=source.retrieved_at or utc_now_iso())


def text_for_model(result: ToolResult) -> str:
    """The result as injected: its text, then its sources with the ids the model may cite."""
    if not result.sources:
        return result.text
    lines = [f"[{s.id}] {s.title}" + (f" <{s.url}>" if s.url else "") for s in result.sources]
    return f"{result.text}\n\n{SOURCES_HEADER}\n" + "\n".join(lines)


def _first_line(text: str) -> str:
    return text.splitlines()[0][:200] if text else ""


def _shown_arguments(args: dict[str, Any] | None, call: ToolCall) -> Any:
    if args is not None:
        return args
    try:
        return json.loads(call.arguments)
    except (json.JSONDecodeError, ValueError):
        return call.arguments
