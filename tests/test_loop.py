"""The orchestration loop, driven by an in-process scripted provider."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop_app.core import events as ev
from desktop_app.core.conversation import (
    AssistantMessage,
    Conversation,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)
from desktop_app.core.errors import RateLimitError, ServerError, StreamInterrupted, ToolError
from desktop_app.core.loop import AgentLoop, LoopConfig
from desktop_app.core.retry import RetryPolicy
from desktop_app.core.sources import SourceRecord
from desktop_app.core.stream import StreamEnd, TextChunk, ToolCallBegin, ToolCallComplete
from desktop_app.tools.approvals import ApprovalMode, ApprovalPolicy, ApprovalRequest, Decision
from desktop_app.tools.base import Risk, Tool, ToolResult
from desktop_app.tools.registry import ToolRegistry
from tests.scripted_provider import Pause, ScriptedProvider, text_reply, tool_reply


class SleepTool(Tool):
    name = "sleep"
    description = "Wait, then echo."
    parameters = {"type": "object", "properties": {"seconds": {"type": "number"}, "tag": {"type": "string"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        await asyncio.sleep(args.get("seconds", 0))
        return ToolResult(f"slept {args.get('tag', '')}")


class SearchTool(Tool):
    name = "search"
    description = "Pretend web search."
    parameters = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult(
            f"results for {args['q']}",
            sources=(SourceRecord(tool="search", title=f"About {args['q']}", url="https://example.org/a"),),
        )

    def status(self, args: dict[str, Any]) -> str:
        return f"Searching the web for '{args['q']}'…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        return "Searched the web · 1 result"


class BrokenTool(Tool):
    name = "broken"
    description = "Always fails."
    parameters = {"type": "object", "properties": {}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        raise RuntimeError("disk on fire")


class PlainFailTool(Tool):
    name = "plainfail"
    description = "Fails politely."
    parameters = {"type": "object", "properties": {}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        raise ToolError("The page could not be read (404).")


class RiskyTool(Tool):
    name = "risky"
    description = "Writes things."
    parameters = {"type": "object", "properties": {}}
    risk = Risk.EXECUTES

    async def run(self, args: dict[str, Any]) -> ToolResult:
        return ToolResult("did it")


def run_turn(
    provider: ScriptedProvider,
    tools: list[Tool] | None = None,
    *,
    prompt: str = "hi",
    conversation: Conversation | None = None,
    approvals: ApprovalPolicy | None = None,
    **config: Any,
) -> tuple[list[ev.Event], Conversation]:
    events: list[ev.Event] = []
    conversation = conversation or Conversation(id="c1")
    loop = AgentLoop(
        provider,
        ToolRegistry(tools or [], default_timeout=config.pop("tool_timeout", None)),
        LoopConfig(model="m", **config),
        approvals=approvals,
    )
    asyncio.run(loop.run_turn(conversation, prompt, events.append))
    return events, conversation


def of(events: list[ev.Event], cls: type[ev.Event]) -> list[Any]:
    return [e for e in events if isinstance(e, cls)]


def test_three_cycle_conversation_reaches_an_answer() -> None:
    provider = ScriptedProvider(
        [
            tool_reply(("c1", "search", '{"q": "UX designer salary 2025"}'), text="Let me look."),
            tool_reply(("c2", "search", '{"q": "UX bootcamps"}')),
            text_reply("UX designers earn about $98,000 [1]; see bootcamps [2]."),
        ]
    )
    events, conversation = run_turn(provider, [SearchTool()])
    finished = events[-1]
    assert isinstance(finished, ev.TurnFinished)
    assert finished.stop_reason == "complete" and finished.cycles == 3
    assert finished.text == "Let me look.\n\nUX designers earn about $98,000 [1]; see bootcamps [2]."
    assert "".join(e.text for e in of(events, ev.TextDelta)) == finished.text
    assert [e.cycle for e in of(events, ev.CycleStarted)] == [1, 2, 3]
    assert len(of(events, ev.CycleFinished)) == 3
    statuses = [(e.status, e.ok) for e in of(events, ev.ToolFinished)]
    assert statuses == [("Searched the web · 1 result", True)] * 2
    assert [e.status for e in of(events, ev.ToolStarted)][
        0
    ] == "Searching the web for 'UX designer salary 2025'…"
    # Sources are numbered per conversation, and the model sees the numbers it may cite.
    ids = [s.id for e in of(events, ev.ToolFinished) for s in e.sources]
    assert ids == [1, 2]
    third = provider.requests[2]
    tool_msgs = [m for m in third.messages if isinstance(m, ToolResultMessage)]
    assert "[2] About UX bootcamps <https://example.org/a>" in tool_msgs[1].text
    # The conversation holds the whole exchange in order.
    roles = [m.role for m in conversation.messages]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert events[0].type == "turn_started" and events[0].conversation_id == "c1"
    assert all(a.t <= b.t for a, b in zip(events, events[1:], strict=False))


def test_parallel_tools_overlap_and_results_keep_call_order() -> None:
    provider = ScriptedProvider(
        [
            tool_reply(
                ("slow", "sleep", '{"seconds": 0.3, "tag": "slow"}'),
                ("fast", "sleep", '{"seconds": 0.05, "tag": "fast"}'),
            ),
            text_reply("done"),
        ]
    )
    events, conversation = run_turn(provider, [SleepTool()])
    started = {e.call_id: e.t for e in of(events, ev.ToolStarted)}
    finished = {e.call_id: e.t for e in of(events, ev.ToolFinished)}
    assert max(started.values()) < min(finished.values()), "both tools must run at the same time"
    assert finished["fast"] < finished["slow"]
    results = [m for m in conversation.messages if isinstance(m, ToolResultMessage)]
    assert [m.call_id for m in results] == ["slow", "fast"]
    assert [m.text for m in results] == ["slept slow", "slept fast"]


def test_tool_dispatched_before_the_stream_ends() -> None:
    provider = ScriptedProvider(
        [
            [
                ToolCallBegin("a", "sleep"),
                ToolCallComplete("a", "sleep", '{"seconds": 0}'),
                Pause(0.2),
                TextChunk(""),
                StreamEnd("tool_calls"),
            ],
            text_reply("ok"),
        ]
    )
    events, _ = run_turn(provider, [SleepTool()])
    tool_done = of(events, ev.ToolFinished)[0]
    generation_done = of(events, ev.GenerationFinished)[0]
    assert tool_done.t < generation_done.t
    assert generation_done.usage_estimated is True  # the stream sent no usage: counted locally
    assert generation_done.input_tokens > 0


def test_every_tool_failure_goes_back_to_the_model() -> None:
    provider = ScriptedProvider(
        [
            tool_reply(
                ("u", "nosuchtool", "{}"),
                ("j", "sleep", '{"seconds": '),
                ("s", "sleep", '{"seconds": "soon"}'),
                ("b", "broken", "{}"),
                ("p", "plainfail", "{}"),
                ("t", "sleep", '{"seconds": 5}'),
            ),
            text_reply("I could not do it."),
        ]
    )
    events, conversation = run_turn(provider, [SleepTool(), BrokenTool(), PlainFailTool()], tool_timeout=0.2)
    finished = {e.call_id: e for e in of(events, ev.ToolFinished)}
    assert not any(e.ok for e in finished.values())
    results = {m.call_id: m for m in conversation.messages if isinstance(m, ToolResultMessage)}
    assert all(m.is_error for m in results.values())
    assert "no tool named 'nosuchtool'" in results["u"].text
    assert "not valid JSON" in results["j"].text
    assert "do not match its schema" in results["s"].text
    assert "disk on fire" in results["b"].text
    assert results["p"].text == "The page could not be read (404)."
    assert "did not finish within 0.2 seconds" in results["t"].text
    assert of(events, ev.ToolCallReady)[1].arguments == '{"seconds": '  # raw text when not JSON
    assert events[-1].stop_reason == "complete"


def test_max_cycles_asks_once_more_without_tools() -> None:
    calls = iter(range(100))

    def script(request: Any, index: int) -> list[Any]:
        if not request.tools:
            return text_reply("Here is what I found so far.")
        n = next(calls)
        return tool_reply((f"c{n}", "sleep", '{"seconds": 0}'))

    provider = ScriptedProvider(script)
    events, _ = run_turn(provider, [SleepTool()], max_cycles=3)
    finished = events[-1]
    assert finished.stop_reason == "max_cycles"
    assert finished.text == "Here is what I found so far."
    assert [len(r.tools) for r in provider.requests] == [1, 1, 1, 0]
    assert of(events, ev.CycleStarted)[-1].tools_offered == 0


def test_cancel_mid_stream_keeps_partial_text() -> None:
    provider = ScriptedProvider([[TextChunk("Partial "), TextChunk("answer"), Pause(60), StreamEnd("stop")]])
    events: list[ev.Event] = []
    conversation = Conversation(id="c")

    async def main() -> ev.TurnFinished:
        loop = AgentLoop(provider, ToolRegistry(), LoopConfig(model="m"))
        seen = asyncio.Event()

        def emit(event: ev.Event) -> None:
            events.append(event)
            if isinstance(event, ev.TextDelta) and event.text == "answer":
                seen.set()

        turn = loop.turn(conversation, "hi", emit)
        task = asyncio.create_task(turn.run())
        await seen.wait()
        turn.cancel()
        return await asyncio.wait_for(task, 1)

    finished = asyncio.run(main())
    assert finished.stop_reason == "cancelled"
    assert finished.text == "Partial answer"
    assert conversation.messages[-1] == AssistantMessage("Partial answer")


def test_cancel_mid_tool_stops_the_tool() -> None:
    provider = ScriptedProvider([tool_reply(("c", "sleep", '{"seconds": 60}')), text_reply("never")])
    events: list[ev.Event] = []

    async def main() -> ev.TurnFinished:
        loop = AgentLoop(provider, ToolRegistry([SleepTool()]), LoopConfig(model="m"))
        seen = asyncio.Event()

        def emit(event: ev.Event) -> None:
            events.append(event)
            if isinstance(event, ev.ToolStarted):
                seen.set()

        turn = loop.turn(Conversation(id="c"), "hi", emit)
        task = asyncio.create_task(turn.run())
        await seen.wait()
        turn.cancel()
        return await asyncio.wait_for(task, 1)

    finished = asyncio.run(main())
    assert finished.stop_reason == "cancelled"
    stopped = of(events, ev.ToolFinished)
    assert len(stopped) == 1 and not stopped[0].ok and stopped[0].status == "Stopped"
    assert len(provider.requests) == 1


def test_retry_before_first_token_then_success() -> None:
    provider = ScriptedProvider([[RateLimitError(retry_after=0.01)], [ServerError()], text_reply("fine")])
    events, _ = run_turn(provider, retry=RetryPolicy(base_delay=0.01))
    retries = of(events, ev.Retrying)
    assert [(r.attempt, r.delay) for r in retries] == [(1, 0.01), (2, 0.02)]
    assert events[-1].stop_reason == "complete" and events[-1].text == "fine"


def test_no_retry_after_first_token_and_partial_kept() -> None:
    provider = ScriptedProvider([[TextChunk("Half an"), StreamInterrupted()], text_reply("unused")])
    events, conversation = run_turn(provider)
    errors = of(events, ev.ErrorEvent)
    assert len(errors) == 1 and errors[0].error_kind == "stream_interrupted"
    assert events[-1].stop_reason == "error" and events[-1].text == "Half an"
    assert conversation.messages == [UserMessage("hi"), AssistantMessage("Half an")]
    assert len(provider.requests) == 1


def test_retries_give_up_within_budget() -> None:
    provider = ScriptedProvider([[ServerError("Overloaded.")]])
    events, _ = run_turn(provider, retry=RetryPolicy(base_delay=0.01, budget=0.05))
    assert len(of(events, ev.Retrying)) >= 2
    assert of(events, ev.ErrorEvent)[0].message == "Overloaded."
    assert events[-1].stop_reason == "error"


def test_read_only_policy_refuses_risky_tool() -> None:
    provider = ScriptedProvider([tool_reply(("r", "risky", "{}")), text_reply("ok")])
    events, conversation = run_turn(provider, [RiskyTool()])
    decided = of(events, ev.ApprovalDecided)
    assert [(d.approved, d.decided_by) for d in decided] == [(False, "policy")]
    assert not of(events, ev.ToolStarted)
    finished = of(events, ev.ToolFinished)[0]
    assert not finished.ok
    result = [m for m in conversation.messages if isinstance(m, ToolResultMessage)][0]
    assert "refused" in result.text and "approval" in result.text


def test_ask_policy_lets_the_user_allow_for_the_chat() -> None:
    asked: list[str] = []

    async def ask(request: ApprovalRequest) -> Decision:
        asked.append(request.call_id)
        return Decision(True, "user", "chat")

    provider = ScriptedProvider(
        [tool_reply(("r1", "risky", "{}")), tool_reply(("r2", "risky", "{}")), text_reply("ok")]
    )
    events, _ = run_turn(provider, [RiskyTool()], approvals=ApprovalPolicy(ApprovalMode.ASK, ask))
    assert asked == ["r1"]
    assert [e.call_id for e in of(events, ev.ApprovalRequested)] == ["r1"]
    assert [(d.approved, d.decided_by, d.scope) for d in of(events, ev.ApprovalDecided)] == [
        (True, "user", "chat"),
        (True, "user", "chat"),
    ]
    assert all(e.ok for e in of(events, ev.ToolFinished))


def test_reasoning_is_its_own_event() -> None:
    from desktop_app.core.stream import ReasoningChunk

    provider = ScriptedProvider([[ReasoningChunk("thinking"), TextChunk("answer"), StreamEnd("stop", 1, 1)]])
    events, _ = run_turn(provider)
    assert [e.text for e in of(events, ev.ReasoningDelta)] == ["thinking"]
    assert events[-1].text == "answer"


def test_connection_failures_give_up_quickly() -> None:
    from desktop_app.core.errors import ConnectionFailed

    provider = ScriptedProvider([[ConnectionFailed()]])
    events, _ = run_turn(provider, retry=RetryPolicy(base_delay=0.01))
    assert len(of(events, ev.Retrying)) == 2
    assert events[-1].stop_reason == "error"


def test_plain_500_is_not_retried_but_503_is() -> None:
    assert not ServerError(status=500).retryable
    assert ServerError(status=503).retryable and ServerError().retryable


def test_cancel_mid_tool_leaves_no_orphaned_call() -> None:
    provider = ScriptedProvider([tool_reply(("c", "sleep", '{"seconds": 60}')), text_reply("never")])
    conversation = Conversation(id="c")

    async def main() -> None:
        loop = AgentLoop(provider, ToolRegistry([SleepTool()]), LoopConfig(model="m"))
        started = asyncio.Event()

        def emit(event: ev.Event) -> None:
            if isinstance(event, ev.ToolStarted):
                started.set()

        turn = loop.turn(conversation, "hi", emit)
        task = asyncio.create_task(turn.run())
        await started.wait()
        turn.cancel()
        await task

    asyncio.run(main())
    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool"]
    assert conversation.messages[-1].is_error and "stopped" in conversation.messages[-1].text


def test_context_is_measured_and_trimmed_every_cycle() -> None:
    big = "word " * 3000
    provider = ScriptedProvider([text_reply("ok")])
    conversation = Conversation(
        id="c",
        messages=[
            UserMessage("old question"),
            AssistantMessage("", (ToolCall("o1", "sleep", "{}"),)),
            ToolResultMessage("o1", "sleep", big),
            AssistantMessage("old answer"),
        ],
    )
    events, _ = run_turn(provider, conversation=conversation, context_window=3000)
    measured = of(events, ev.ContextMeasured)
    assert measured and measured[0].window == 3000 and measured[0].reserved > 0
    assert set(measured[0].segments) >= {"system", "tools", "history", "current_message"}
    trimmed = of(events, ev.ContextTrimmed)
    assert trimmed and trimmed[0].tokens_freed > 0
    sent = provider.requests[0].messages
    assert sum(len(getattr(m, "text", "")) for m in sent) < len(big)
    assert events[-1].stop_reason == "complete"


def test_prompt_that_cannot_fit_is_not_sent() -> None:
    provider = ScriptedProvider([text_reply("never")])
    events, _ = run_turn(provider, prompt="x " * 5000, context_window=1000)
    errors = of(events, ev.ErrorEvent)
    assert errors and errors[0].error_kind == "context_too_long"
    assert provider.requests == []


def test_server_context_error_retrims_once() -> None:
    from desktop_app.core.errors import ContextTooLongError

    provider = ScriptedProvider([[ContextTooLongError()], text_reply("fits now")])
    events, _ = run_turn(provider)
    assert events[-1].stop_reason == "complete" and len(provider.requests) == 2
    assert len(of(events, ev.ContextMeasured)) == 2


class SalarySearch(Tool):
    name = "web_search"
    description = "Search."
    parameters = {"type": "object", "properties": {"query": {"type": "string"}}}

    async def run(self, args: dict[str, Any]) -> ToolResult:
        text = "UX designers earn $98,400 on average; senior roles $103,000. Accountants earn $77,250."
        return ToolResult(
            text,
            sources=(
                SourceRecord(tool="web_search", title="Salary survey", url="https://e.org", excerpt=text),
            ),
        )


def test_provenance_is_checked_after_an_answer_with_sources() -> None:
    answer = (
        "UX designers earn approximately $98,000 to $103,000 [1]. "
        "Accountants earn around $77,000 [1]. "
        "That is roughly 27% to 34% more. "
        "Bootcamps cost $12,345 on average [1]. "
        "Many people enjoy design [7]."
    )
    provider = ScriptedProvider(
        [tool_reply(("s", "web_search", '{"query": "salaries"}')), text_reply(answer)]
    )
    events, _ = run_turn(provider, [SalarySearch()])
    checked = of(events, ev.ProvenanceChecked)
    assert len(checked) == 1 and events[-2] is checked[0]
    classes = [s["class"] for s in checked[0].sentences]
    assert classes[:4] == ["supported", "supported", "derived", "unsupported_figure"]
    assert checked[0].sentences[0]["source_ids"] == [1]
    bad = [c for c in checked[0].citations if not c["ok"]]
    assert [c["n"] for c in bad] == [7]
    # The model was asked to cite.
    assert "cite" in provider.requests[0].system


def test_no_provenance_without_sources() -> None:
    events, _ = run_turn(ScriptedProvider([text_reply("hello")]))
    assert not of(events, ev.ProvenanceChecked)


def test_every_started_call_finishes_even_when_stopped_early() -> None:
    """A call still streaming its arguments, and one waiting for approval, both get a closing tool_finished."""

    async def never(request: ApprovalRequest) -> Decision:
        await asyncio.sleep(60)
        raise AssertionError("unreachable")

    provider = ScriptedProvider(
        [
            [
                ToolCallBegin("r", "risky"),
                ToolCallComplete("r", "risky", "{}"),
                ToolCallBegin("p", "sleep"),
                Pause(60),
            ]
        ]
    )
    events: list[ev.Event] = []

    async def main() -> None:
        loop = AgentLoop(
            provider,
            ToolRegistry([RiskyTool(), SleepTool()]),
            LoopConfig(model="m"),
            approvals=ApprovalPolicy(ApprovalMode.ASK, never),
        )
        asked = asyncio.Event()

        def emit(event: ev.Event) -> None:
            events.append(event)
            if isinstance(event, ev.ToolCallStarted) and event.call_id == "p":
                asked.set()

        turn = loop.turn(Conversation(id="c"), "hi", emit)
        task = asyncio.create_task(turn.run())
        await asked.wait()
        await asyncio.sleep(0)
        turn.cancel()
        await task

    asyncio.run(main())
    started = {e.call_id for e in of(events, ev.ToolCallStarted)}
    finished = {e.call_id: e for e in of(events, ev.ToolFinished)}
    assert started == set(finished) == {"r", "p"}
    assert all(not e.ok and e.status == "Stopped" for e in finished.values())


def test_a_follow_up_may_cite_an_earlier_turns_source() -> None:
    conversation = Conversation(id="c")
    provider = ScriptedProvider(
        [
            tool_reply(("s", "web_search", '{"query": "salaries"}')),
            text_reply("UX designers earn approximately $98,000 [1]."),
            text_reply("As I said, accountants earn around $77,000 [1]."),
        ]
    )
    run_turn(provider, [SalarySearch()], conversation=conversation)
    events, _ = run_turn(provider, [SalarySearch()], conversation=conversation, prompt="and accountants?")
    checked = of(events, ev.ProvenanceChecked)
    assert checked and all(c["ok"] for c in checked[0].citations)
    assert checked[0].sentences[0]["class"] == "supported"
