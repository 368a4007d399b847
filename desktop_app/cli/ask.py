"""``backstage ask``: one question answered headless, on the same loop and events as the window."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import uuid

from ..core import events as ev
from ..core.conversation import Conversation
from ..core.errors import ConfigurationError
from ..core.loop import AgentLoop, LoopConfig
from ..storage.recorder import HistoryRecorder, load_conversation
from ..tools.approvals import ApprovalMode, ApprovalPolicy, ApprovalRequest, Decision
from ..tools.registry import ToolRegistry
from ..tools.selection import select_tools
from .printer import HumanPrinter, JsonLinesPrinter
from .session_options import add_session_options, build_provider, session_options

EXAMPLES = """\
examples:
  backstage ask "What is 17 * 23?" --base-url http://127.0.0.1:11434/v1 --model llama3.2
  backstage ask "Time in Tokyo?" --base-url https://api.openai.com/v1 --model gpt-4o-mini --api-key-env OPENAI_API_KEY
  backstage ask "Hello" --base-url http://127.0.0.1:8080/v1 --model m --tools none --events jsonl

exit status: 0 answered (also when the cycle limit was reached), 1 error, 2 bad usage, 130 interrupted"""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "ask",
        parents=[common],
        help="ask one question and stream the answer",
        description="Ask one question; the answer streams to stdout, tool statuses to stderr.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prompt", metavar="PROMPT", help="the message to send")
    add_session_options(parser)
    parser.add_argument(
        "--tools",
        default="default",
        metavar="LIST",
        help="comma-separated tool names (calculator, current_time, web_search, read_page, run_python), "
        "'default' (the read-only ones), 'builtin', 'all', or 'none'",
    )
    parser.add_argument(
        "--allow-local-urls",
        action="store_true",
        help="let read_page fetch loopback and private-network addresses (refused by default)",
    )
    parser.add_argument(
        "--search-backend",
        choices=["duckduckgo", "brave", "tavily", "searxng"],
        default="duckduckgo",
        help="web search service (keys for Brave and Tavily come from the keychain)",
    )
    parser.add_argument(
        "--search-url", metavar="URL", help="base URL of the search service (e.g. your SearXNG)"
    )
    parser.add_argument(
        "--max-cycles", type=int, default=8, metavar="N", help="tool cycles before a final answer (default 8)"
    )
    parser.add_argument("--system", metavar="TEXT", default="", help="system prompt")
    parser.add_argument(
        "--context-window",
        type=int,
        metavar="N",
        help="override the model's context window in tokens (to see trimming at work)",
    )
    parser.add_argument(
        "--approve",
        choices=[m.value for m in ApprovalMode],
        default=ApprovalMode.READ_ONLY.value,
        help="which tool calls may run: read-only (default), ask on the terminal, or all",
    )
    parser.add_argument(
        "--mcp-config",
        metavar="FILE",
        help="a claude_desktop_config.json; its servers' tools are offered whatever --tools says",
    )
    parser.add_argument("--events", choices=["jsonl"], help="print every event as one JSON line on stdout")
    parser.add_argument(
        "--continue", dest="continue_id", metavar="ID", help="add this message to a stored conversation"
    )
    parser.add_argument("--no-history", action="store_true", help="do not record this conversation")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = session_options(args)
    if not options.model:
        raise ConfigurationError("No model given: pass --model NAME (the id the server uses).")
    if args.max_cycles < 1:
        raise ConfigurationError("--max-cycles must be at least 1.")
    if args.context_window is not None and args.context_window < 256:
        raise ConfigurationError("--context-window must be at least 256 tokens.")
    tools = ToolRegistry(
        select_tools(
            args.tools,
            allow_local_urls=args.allow_local_urls,
            search_backend=args.search_backend,
            search_base_url=args.search_url,
        )
    )
    provider = build_provider(options)
    printer = JsonLinesPrinter() if args.events == "jsonl" else HumanPrinter()
    approvals = ApprovalPolicy(ApprovalMode(args.approve), ask_user=_ask_on_terminal)
    loop = AgentLoop(
        provider,
        tools,
        LoopConfig(
            model=options.model,
            system=args.system,
            provider_name=options.provider,
            max_cycles=args.max_cycles,
            context_window=args.context_window,
        ),
        approvals=approvals,
    )
    if args.no_history and args.continue_id:
        raise ConfigurationError("--continue needs the history; it cannot be combined with --no-history.")
    recorder = None if args.no_history else HistoryRecorder()
    try:
        if recorder is not None and recorder.notice:
            print(recorder.notice, file=sys.stderr)
        if args.continue_id:
            assert recorder is not None
            conversation = load_conversation(recorder.db, args.continue_id)
        else:
            conversation = Conversation(id=uuid.uuid4().hex)
        emit: ev.Emit = printer
        if recorder is not None:
            recorder.start(conversation, model=options.model, provider=options.provider)
            emit = ev.fan_out(recorder.record, printer)
        finished = asyncio.run(
            _run_turn(
                loop,
                conversation,
                args.prompt,
                emit,
                mcp_config=args.mcp_config,
                quiet=args.events == "jsonl",
            )
        )
    finally:
        if recorder is not None:
            recorder.close()
    if args.events != "jsonl" and recorder is not None:
        print(f"conversation {conversation.id}", file=sys.stderr)
    return {"complete": 0, "max_cycles": 0, "cancelled": 130}.get(finished.stop_reason, 1)


async def _run_turn(
    loop: AgentLoop,
    conversation: Conversation,
    prompt: str,
    emit: ev.Emit,
    *,
    mcp_config: str | None = None,
    quiet: bool = False,
) -> ev.TurnFinished:
    manager = None
    try:
        if mcp_config:
            from ..tools.mcp import mcp_tools_from_config

            manager, mcp_tools = await mcp_tools_from_config(mcp_config)
            for tool in mcp_tools:
                loop.tools.add(tool)
            if not quiet:  # with --events, stderr carries exactly one line, and only for an error
                for failure in manager.failures():
                    print(f"MCP server {failure.name} did not start: {failure.reason}", file=sys.stderr)
        turn = loop.turn(conversation, prompt, emit)
        aio = asyncio.get_running_loop()
        try:
            aio.add_signal_handler(signal.SIGINT, turn.cancel)
        except (NotImplementedError, RuntimeError):  # Windows: KeyboardInterrupt handles Ctrl+C instead
            pass
        return await turn.run()
    finally:
        if manager is not None:
            await manager.stop()
        await loop.provider.aclose()


async def _ask_on_terminal(request: ApprovalRequest) -> Decision:
    """Ask y/N on the terminal; without one, refuse (a script cannot say yes)."""
    if not sys.stdin.isatty():
        return Decision(False, "policy")
    tool = request.tool
    question = f"\nAllow {tool.name} ({tool.risk}) to run: {tool.status(request.arguments)}? [y/N] "
    answer = await asyncio.to_thread(input, question)
    return Decision(answer.strip().lower() in ("y", "yes"), "user")
