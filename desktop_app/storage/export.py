"""Conversations out of and into the history: Markdown to read or share, JSON to move losslessly."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from ..core.events import (
    Event,
    TextDelta,
    ToolCallReady,
    ToolFinished,
    TurnFinished,
    TurnStarted,
    from_dict,
    to_dict,
)
from ..core.sources import SourceRecord
from .store import ConversationRow, HistoryDB, HistoryError

FORMAT = "backstage-conversation"
VERSION = 1


def _fence(text: str, lang: str = "") -> str:
    # A fence longer than any backtick run inside keeps tool output from ending the block early.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _tool_section(call: ToolCallReady | None, done: ToolFinished | None) -> str:
    name = (call.name if call else "") or (done.name if done else "") or "tool"
    status = done.status if done and done.status else ("failed" if done and not done.ok else "")
    summary = f"Tool: {name}" + (f" · {status}" if status else "")
    parts = [f"<details><summary>{html.escape(summary)}</summary>", ""]
    if call is not None:
        args = (
            call.arguments
            if isinstance(call.arguments, str)
            else json.dumps(call.arguments, indent=2, ensure_ascii=False)
        )
        parts += ["Arguments:", "", _fence(args, "json"), ""]
    if done is not None:
        parts += ["Result" + ("" if done.ok else " (error)") + ":", "", _fence(done.result_preview), ""]
    else:
        parts += ["_No result: the turn was interrupted._", ""]
    parts.append("</details>")
    return "\n".join(parts)


def _cite(text: str, known: set[int]) -> str:
    # The model cites sources as [n]; make those Markdown footnote references.
    return re.sub(r"\[(\d+)\]", lambda m: f"[^{m[1]}]" if int(m[1]) in known else m[0], text)


def export_markdown(conversation: ConversationRow, events: Sequence[Event]) -> str:
    """A readable Markdown document: title, each question and answer, tool calls folded
    in ``<details>`` sections, and sources as numbered footnotes."""
    sources: dict[int, SourceRecord] = {}
    for e in events:
        if isinstance(e, ToolFinished):
            for s in e.sources:
                sources.setdefault(s.id, s)
    out = [f"# {conversation.title or 'Untitled conversation'}", ""]
    meta = " · ".join(x for x in (conversation.model, conversation.provider, conversation.created_at) if x)
    if meta:
        out += [f"_{meta}_", ""]

    calls: dict[str, ToolCallReady] = {}
    deltas: list[str] = []
    in_turn = False

    def end_turn(answer: str | None) -> None:
        nonlocal in_turn
        for call in calls.values():  # calls that never got a result
            out.extend([_tool_section(call, None), ""])
        calls.clear()
        text = answer if answer is not None else "".join(deltas)
        out.extend(["**Backstage:**", "", _cite(text, set(sources)) if text else "_(no answer)_", ""])
        if answer is None:
            out.extend(["_This turn was interrupted._", ""])
        deltas.clear()
        in_turn = False

    for e in events:
        if isinstance(e, TurnStarted):
            if in_turn:
                end_turn(None)
            out += ["## You", "", e.user_text, ""]
            in_turn = True
        elif isinstance(e, TextDelta):
            deltas.append(e.text)
        elif isinstance(e, ToolCallReady):
            calls[e.call_id] = e
        elif isinstance(e, ToolFinished):
            out += [_tool_section(calls.pop(e.call_id, None), e), ""]
        elif isinstance(e, TurnFinished):
            end_turn(e.text)
    if in_turn:
        end_turn(None)

    if sources:
        out += ["---", ""]
        for n in sorted(sources):
            s = sources[n]
            bits = [s.title or s.url or s.tool]
            if s.url:
                bits.append(f"<{s.url}>")
            if s.retrieved_at:
                bits.append(f"retrieved {s.retrieved_at}")
            out.append(f"[^{n}]: " + " · ".join(bits))
        out.append("")
    return "\n".join(out)


def export_json(conversation: ConversationRow, events: Sequence[Event]) -> str:
    """The conversation and every event, lossless; :func:`import_json` reads it back."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "conversation": asdict(conversation),
        "events": [to_dict(e) for e in events],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def import_json(db: HistoryDB, text: str) -> str:
    """Store an :func:`export_json` document; return the conversation's id in this history.

    The original id is kept unless this history already has it, then a new one is
    made (and written into the events that name it). Raises :class:`HistoryError`
    with a plain message when the text is not such a document.
    """
    try:
        doc: dict[str, Any] = json.loads(text)
        if doc.get("format") != FORMAT:
            raise ValueError("not a Backstage conversation")
        if doc.get("version") != VERSION:
            raise ValueError(f"unsupported version {doc.get('version')!r}")
        row = ConversationRow(**doc["conversation"])
        events = [from_dict(d) for d in doc["events"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise HistoryError(
            "This file is not a conversation exported from Backstage, or it is damaged.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    if db.get_conversation(row.id) is not None:
        new_id = uuid.uuid4().hex
        events = [replace(e, conversation_id=new_id) if isinstance(e, TurnStarted) else e for e in events]
        row = replace(row, id=new_id)
    # Importing means the user wants to see it, even if it had been in the trash.
    db.import_conversation(replace(row, deleted_at=None), events)
    return row.id
