"""The history from the terminal: every `ask` is recorded, shown, exported, imported and continued."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.cli_helpers import backstage, events_of, server_args, start_backstage
from tests.servers import openai_wire as wire
from tests.servers.scripted import Chunk, Response, ScriptedServer


def _ask(server: ScriptedServer, prompt: str, *extra: str) -> list[dict]:
    result = backstage("ask", prompt, *server_args(server.url), "--events", "jsonl", *extra)
    assert result.returncode == 0, result.stderr
    return events_of(result.stdout)


def test_ask_is_recorded_shown_exported_imported_and_continued(
    scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(
        [
            Response.sse(wire.tool_call_stream([("calculator", '{"expression": "98400 - 77250"}')])),
            Response.sse(wire.text_stream("The difference is 21,150 dollars.", 3)),
            Response.sse(wire.text_stream("You asked about salaries.", 2)),
        ]
    )
    printed = _ask(scripted_server, "How far apart are 98400 and 77250?")
    conversation_id = printed[0]["conversation_id"]

    shown = backstage("history", "show", conversation_id, "--events", "jsonl")
    assert shown.returncode == 0, shown.stderr
    assert events_of(shown.stdout) == printed  # stored exactly as printed

    listing = backstage("history", "list", "--json")
    rows = json.loads(listing.stdout)
    assert rows[0]["id"] == conversation_id and rows[0]["title"].startswith("How far apart")

    human = backstage("history", "show", conversation_id[:8])
    assert "The difference is 21,150 dollars." in human.stdout

    found = backstage("history", "search", "difference")
    assert conversation_id[:12] in found.stdout

    md = tmp_path / "chat.md"
    assert backstage("history", "export", conversation_id, "--format", "md", "-o", str(md)).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert "How far apart" in text and "21,150" in text and "calculator" in text

    exported = tmp_path / "chat.json"
    assert (
        backstage("history", "export", conversation_id, "--format", "json", "-o", str(exported)).returncode
        == 0
    )
    imported = backstage("history", "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    new_id = imported.stdout.strip()
    assert new_id and new_id != conversation_id
    again = events_of(backstage("history", "show", new_id, "--events", "jsonl").stdout)
    assert [e["type"] for e in again] == [e["type"] for e in printed]

    # Continue the original: its history comes from the store.
    continued = _ask(scripted_server, "What did I ask?", "--continue", conversation_id)
    assert continued[0]["conversation_id"] == conversation_id
    sent = scripted_server.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["content"] == "How far apart are 98400 and 77250?"
    stored = events_of(backstage("history", "show", conversation_id, "--events", "jsonl").stdout)
    assert len(stored) == len(printed) + len(continued)

    assert backstage("history", "delete", conversation_id).returncode == 0
    ids = [r["id"] for r in json.loads(backstage("history", "list", "--json").stdout)]
    assert conversation_id not in ids and new_id in ids


def test_unknown_id_is_one_plain_line() -> None:
    result = backstage("history", "show", "doesnotexist")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_no_history_records_nothing(scripted_server: ScriptedServer) -> None:
    scripted_server.script([Response.sse(wire.text_stream("hi", 1))])
    result = backstage("ask", "hello", *server_args(scripted_server.url), "--no-history")
    assert result.returncode == 0
    assert "conversation" not in result.stderr
    assert json.loads(backstage("history", "list", "--json").stdout) == []


def test_profile_option_before_or_after_the_command(scripted_server: ScriptedServer, tmp_path: Path) -> None:
    scripted_server.script(lambda request: Response.sse(wire.text_stream("ok", 1)))
    a, b = tmp_path / "a", tmp_path / "b"
    assert backstage("--profile", str(a), "ask", "one", *server_args(scripted_server.url)).returncode == 0
    assert backstage("ask", "two", *server_args(scripted_server.url), "--profile", str(b)).returncode == 0
    titles_a = [
        r["title"] for r in json.loads(backstage("history", "list", "--json", "--profile", str(a)).stdout)
    ]
    titles_b = [
        r["title"] for r in json.loads(backstage("--profile", str(b), "history", "list", "--json").stdout)
    ]
    assert titles_a == ["one"] and titles_b == ["two"]
    assert (a / "history.db").exists() and (b / "history.db").exists()


def test_two_processes_on_one_profile(scripted_server: ScriptedServer) -> None:
    scripted_server.script(
        lambda request: Response.sse([Chunk(c, 0.01) for c in [wire.text_stream("same time", 4)]])
    )
    procs = [
        start_backstage("ask", f"q{i}", *server_args(scripted_server.url), "--events", "jsonl")
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outputs]
    rows = json.loads(backstage("history", "list", "--json").stdout)
    assert sorted(r["title"] for r in rows) == ["q0", "q1"]
    for out, _ in outputs:
        printed = events_of(out)
        stored = events_of(
            backstage("history", "show", printed[0]["conversation_id"], "--events", "jsonl").stdout
        )
        assert stored == printed


def test_sigkill_mid_stream_keeps_everything_flushed(scripted_server: ScriptedServer) -> None:
    chunks = [Chunk(wire.encode(wire.chunk({"role": "assistant", "content": "Streaming"})))]
    chunks += [Chunk(wire.encode(wire.chunk({"content": f" word{i}"})), 0.02) for i in range(20)]
    chunks += [Chunk(wire.encode(wire.chunk({"content": " late"})), 30.0)]
    scripted_server.script([Response.sse(chunks)])
    proc = start_backstage("ask", "tell me", *server_args(scripted_server.url), "--events", "jsonl")
    assert proc.stdout is not None
    printed = []
    for line in proc.stdout:
        printed.append(json.loads(line))
        if printed[-1].get("text") == " word19":
            break
    # The stream now pauses for 30 s; give the writer well over its 100 ms to flush, then kill.
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    conversation_id = printed[0]["conversation_id"]
    shown = backstage("history", "show", conversation_id, "--events", "jsonl")
    assert shown.returncode == 0, shown.stderr
    assert events_of(shown.stdout) == printed
    human = backstage("history", "show", conversation_id)
    assert "interrupted" in human.stdout
    # No stale lock: the next process opens the profile and records normally.
    scripted_server.script([Response.sse(wire.text_stream("after the crash", 2))])
    assert backstage("ask", "again", *server_args(scripted_server.url)).returncode == 0


def test_context_window_option_shows_trimming(scripted_server: ScriptedServer) -> None:
    big = "The quick brown fox jumps over the lazy dog. " * 300
    scripted_server.script(
        [
            Response.sse(wire.tool_call_stream([("calculator", json.dumps({"expression": "1+1"}))])),
            Response.sse(wire.text_stream(big, 10)),
            Response.sse(wire.text_stream("short", 1)),
        ]
    )
    first = _ask(scripted_server, "write a lot")
    events = _ask(
        scripted_server, "and now?", "--continue", first[0]["conversation_id"], "--context-window", "2000"
    )
    trims = [e for e in events if e["type"] == "context_trimmed"]
    measured = [e for e in events if e["type"] == "context_measured"]
    assert measured and measured[0]["window"] == 2000
    assert trims and all(t["tokens_freed"] > 0 for t in trims)
    assert events[-1]["stop_reason"] == "complete"
