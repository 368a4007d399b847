"""The words for a timeline item: a short tooltip, and the full details shown on click.

Every figure comes from the events (via the model); only units and layout are added here.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .geometry import Item
from .model import CycleRow, ToolSpan


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def tooltip(item: Item) -> str:
    if item.kind == "tool" and item.tool is not None:
        tool = item.tool
        state = "running" if tool.running else ("ok" if tool.ok else "failed")
        extra = " · the one you waited for" if tool.waited_for else ""
        return f"{tool.name} · {state} · {_seconds(_tool_seconds(tool))}{extra}\n{tool.status}"
    if item.kind == "generation" and item.row is not None:
        row = item.row
        lines = [f"Cycle {row.cycle} · model"]
        if row.first_token is not None:
            lines.append(f"first token after {_seconds(row.first_token - row.start)}")
        if row.generation_end is not None:
            lines.append(f"{_tokens(row)} in {_seconds(row.generation_end - row.start)}")
        return "\n".join(lines)
    if item.kind == "row" and item.row is not None:
        row = item.row
        lines = [f"Cycle {row.cycle}"]
        if row.context_used is not None and row.context_window:
            lines[0] += f" · context {row.context_used:,} of {row.context_window:,} tokens"
        lines += [f"Trimmed: {what} · {freed:,} tokens freed" for what, freed in row.trims]
        return "\n".join(lines)
    return f"Turn: {item.turn.user_text[:80]}"


def details_html(item: Item) -> str:
    """Rich text for the details pane."""
    if item.kind == "tool" and item.tool is not None and item.row is not None:
        return _tool_html(item.tool, item.row)
    if item.row is not None:
        return _row_html(item.row)
    turn = item.turn
    return _table(
        f"Turn · {html.escape(turn.user_text[:120])}",
        [
            ("Cycles", str(len(turn.rows))),
            ("Duration", _seconds(turn.end)),
            ("Ended", turn.stop_reason or "running"),
        ],
    )


def _tokens(row: CycleRow) -> str:
    approx = "≈" if row.usage_estimated else ""
    return f"{approx}{row.output_tokens} tokens out"


def _tool_seconds(tool: ToolSpan) -> float | None:
    if tool.end is None or tool.start is None:
        return None
    return tool.duration or (tool.end - tool.start)


def _row_html(row: CycleRow) -> str:
    ttft = None if row.first_token is None else row.first_token - row.start
    gen = None if row.generation_end is None else row.generation_end - row.start
    rate = row.tokens_per_second
    approx = " (estimated)" if row.usage_estimated else ""
    facts = [
        ("Time to first token", _seconds(ttft)),
        ("Generation", _seconds(gen)),
        ("Output tokens", f"{row.output_tokens}{approx}"),
        ("Input tokens", f"{row.input_tokens}{approx}"),
        ("Tokens / s", "—" if rate is None else f"{rate:.1f}"),
        ("Finish reason", row.finish_reason or "—"),
        ("Tool calls", str(len(row.tools))),
        ("Cycle", _seconds(None if row.end is None else row.end - row.start)),
        ("Added by the app", _seconds(row.app_gap())),
    ]
    if row.context_used is not None and row.context_window:
        # Loaded with the loop, which sent these events; not imported before the window's first paint.
        from ...core.context import SEGMENT_LABELS

        facts.append(("Context sent", f"{row.context_used:,} of {row.context_window:,} tokens"))
        facts += [
            (f"&nbsp;&nbsp;{html.escape(SEGMENT_LABELS.get(name, name))}", f"{tokens:,}")  # type: ignore[call-overload]
            for name, tokens in row.context_segments.items()
            if tokens
        ]
        facts.append(("Kept for the answer", f"{row.context_reserved:,}"))
    facts += [("Trimmed", f"{html.escape(what)} · {freed:,} tokens freed") for what, freed in row.trims]
    return _table(f"Cycle {row.cycle}", facts)


def _tool_html(tool: ToolSpan, row: CycleRow) -> str:
    state = "running" if tool.running else ("succeeded" if tool.ok else "failed")
    facts = [
        ("Status", html.escape(tool.status) or "—"),
        ("State", state),
        ("Duration", _seconds(_tool_seconds(tool))),
        ("Lane", str(tool.lane + 1)),
        ("Result tokens", str(tool.result_tokens) if not tool.running else "—"),
    ]
    if tool.waited_for:
        facts.append(("", "The slowest of its parallel group: the one you waited for."))
    body = _table(f"{html.escape(tool.name)} · cycle {row.cycle}", facts)
    body += "<p><b>Arguments</b></p>" + _pre(_pretty(tool.arguments))
    if not tool.running:
        body += "<p><b>Result</b></p>" + _pre(tool.result_preview)
    return body


def _table(title: str, facts: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><td style='padding-right:12px; color:gray'>{k}</td><td>{v}</td></tr>" for k, v in facts
    )
    return f"<h4>{title}</h4><table cellspacing='0' cellpadding='2'>{rows}</table>"


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


def _pretty(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, indent=2, ensure_ascii=False)
