"""``backstage history``: list, show, search, export, import and delete stored conversations."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from ..core import events as ev
from ..core.errors import BackstageError
from ..storage.export import export_json, export_markdown, import_json
from ..storage.recorder import resolve_id
from ..storage.recovery import open_history
from ..storage.replay import interrupted_turns
from ..storage.store import ConversationRow, HistoryDB

EXAMPLES = """\
examples:
  backstage history list
  backstage history list --json | jq '.[0].id'
  backstage history show 3fa2 --events jsonl      (an id, or a unique prefix of one)
  backstage history search "bootcamp"
  backstage history export 3fa2 --format md -o chat.md
  backstage history import chat.json
  backstage history delete 3fa2"""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "history",
        parents=[common],
        help="list, show, search, export and import stored conversations",
        description="Work with the conversations stored in the profile's history.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("list", parents=[common], help="conversations, newest first")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N conversations (default 50)")
    p.set_defaults(handler=_list)

    p = actions.add_parser("show", parents=[common], help="one conversation, or its stored events")
    p.add_argument("id", metavar="ID")
    p.add_argument(
        "--events", choices=["jsonl"], help="the stored events, as `ask --events jsonl` prints them"
    )
    p.set_defaults(handler=_show)

    p = actions.add_parser(
        "search", parents=[common], help="full-text search over messages, answers and tool results"
    )
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_search)

    p = actions.add_parser("export", parents=[common], help="write a conversation as Markdown or JSON")
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(handler=_export)

    p = actions.add_parser("import", parents=[common], help="add a conversation exported as JSON")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_import)

    p = actions.add_parser("delete", parents=[common], help="move a conversation to the trash")
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=_delete)


@contextmanager
def _opened() -> Iterator[HistoryDB]:
    """The profile's history, closed afterwards; a recovery notice goes to stderr."""
    db, notice = open_history()
    if notice:
        print(notice, file=sys.stderr)
    try:
        yield db
    finally:
        db.close()


def _list(args: argparse.Namespace) -> int:
    with _opened() as db:
        rows = db.list_conversations(limit=args.limit)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
        return 0
    for row in rows:
        print(f"{row.id[:12]}  {row.updated_at[:16].replace('T', ' ')}  {row.title or '(untitled)'}")
    if not rows:
        print("No conversations yet.", file=sys.stderr)
    return 0


def _load(conversation_id: str) -> tuple[ConversationRow, list[ev.Event]]:
    """A conversation (by id or unique prefix) and its stored events."""
    with _opened() as db:
        full_id = resolve_id(db, conversation_id)
        row = db.get_conversation(full_id)
        events = db.get_events(full_id)
    assert row is not None  # resolve_id found it
    return row, events


def _show(args: argparse.Namespace) -> int:
    row, events = _load(args.id)
    full_id = row.id
    if args.events == "jsonl":
        for event in events:
            sys.stdout.write(ev.to_json(event) + "\n")
        return 0
    print(f"# {row.title or '(untitled)'}\n")
    for event in events:
        if isinstance(event, ev.TurnStarted):
            print(f"> {event.user_text}\n")
        elif isinstance(event, ev.ToolFinished):
            print(f"  {'✓' if event.ok else '✗'} {event.status}")
        elif isinstance(event, ev.ErrorEvent):
            print(f"  Error: {event.message}")
        elif isinstance(event, ev.TurnFinished):
            suffix = {"cancelled": " [stopped]", "error": " [failed]", "max_cycles": " [cycle limit]"}
            print(f"\n{event.text}{suffix.get(event.stop_reason, '')}\n")
    for turn_id in interrupted_turns(events):
        print(
            f"(turn {turn_id[:8]} was interrupted before it finished; continue it with `ask --continue {full_id[:12]}`)"
        )
    return 0


def _search(args: argparse.Namespace) -> int:
    with _opened() as db:
        hits = db.search(args.text)
    if args.json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=1))
        return 0
    for hit in hits:
        print(f"{hit.conversation_id[:12]}  {hit.title}  [{hit.role}]  {hit.snippet}")
    if not hits:
        print("No matches.", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    row, events = _load(args.id)
    text = export_markdown(row, events) if args.format == "md" else export_json(row, events)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Exported to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _import(args: argparse.Namespace) -> int:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackstageError(f"Could not read {args.file}: {exc.strerror or exc}.") from exc
    with _opened() as db:
        new_id = import_json(db, text)
    print(new_id)
    return 0


def _delete(args: argparse.Namespace) -> int:
    with _opened() as db:
        full_id = resolve_id(db, args.id)
        db.soft_delete(full_id)
    print(f"Moved {full_id[:12]} to the trash.", file=sys.stderr)
    return 0
