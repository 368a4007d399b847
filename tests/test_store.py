"""The history store: round trips, titles, search, trash, migrations, recovery, locking, batching."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.events import TextDelta, TurnFinished, TurnStarted, to_json
from desktop_app.storage import paths
from desktop_app.storage.aio import AsyncHistory
from desktop_app.storage.migrations import MIGRATIONS, applied_migrations, migrate
from desktop_app.storage.recovery import open_history
from desktop_app.storage.store import HistoryDB, HistoryError, HistoryLockedError
from desktop_app.storage.text import fts_query, title_from
from desktop_app.storage.writer import EventWriter

from .storage_samples import one_of_each, two_turns


@pytest.fixture
def db(tmp_path: Path) -> Iterator[HistoryDB]:
    with HistoryDB(tmp_path / "history.db") as history:
        yield history


def _turn(cid: str, text: str, turn_id: str = "t1") -> TurnStarted:
    return TurnStarted(t=0.0, turn_id=turn_id, conversation_id=cid, user_text=text)


# --- paths -----------------------------------------------------------------------------------


def test_profile_comes_from_explicit_then_override_then_env(tmp_path: Path) -> None:
    env_home = paths.profile_dir()  # conftest points BACKSTAGE_HOME at a temp folder
    assert paths.database_path() == env_home / "history.db"
    assert paths.settings_path() == env_home / "settings.json"
    assert paths.logs_dir() == env_home / "logs" and paths.logs_dir().is_dir()
    assert paths.cache_dir() == env_home / "cache" and paths.cache_dir().is_dir()
    assert paths.profile_dir(tmp_path / "explicit") == tmp_path / "explicit"
    paths.use_profile(tmp_path / "chosen")
    try:
        assert paths.database_path() == tmp_path / "chosen" / "history.db"
        assert paths.database_path(tmp_path / "x") == tmp_path / "x" / "history.db"
    finally:
        paths.use_profile(None)
    assert paths.profile_dir() == env_home


def test_without_a_profile_files_go_to_platform_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BACKSTAGE_HOME")
    for var, name in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                      ("XDG_STATE_HOME", "state")):  # fmt: skip
        monkeypatch.setenv(var, str(tmp_path / name))
    data = paths.profile_dir()
    assert "Backstage" in data.parts and data.is_dir()
    assert paths.settings_path().parent != data
    assert paths.cache_dir() != data / "cache"


# --- events and conversations -----------------------------------------------------------------


def test_every_event_kind_round_trips_through_the_store(db: HistoryDB) -> None:
    events = one_of_each("c1")
    assert db.append_events("c1", events[:5]) == 5
    assert db.append_events("c1", events[5:]) == len(events)
    stored = db.get_events("c1")
    assert stored == events
    assert [to_json(e) for e in stored] == [to_json(e) for e in events]
    assert db.last_seq("c1") == len(events)


def test_turns_are_listed_in_start_order_and_each_comes_back_whole(db: HistoryDB) -> None:
    first, second = two_turns("c1")[:13], two_turns("c1")[13:]
    late = TextDelta(t=1.0, turn_id="t1", cycle=3, text=" (late)")  # stored after t2 began
    stray = TextDelta(t=1.0, turn_id="nobody", cycle=1, text="no turn_started")
    db.append_events("c1", [*first, *second[:1], late, *second[1:], stray])
    db.append_events("other", two_turns("other"))  # the same turn ids in another conversation
    assert db.turn_ids("c1") == ["t1", "t2"]
    assert db.get_turn_events("c1", ["t2"]) == second
    assert db.get_turn_events("c1", ["t1"]) == [*first, late]
    both = db.get_turn_events("c1", ["t2", "t1", "t2", "unknown"])  # any order, repeats, strangers
    assert both == [e for e in db.get_events("c1") if e.turn_id in ("t1", "t2")]
    assert db.get_turn_events("c1", []) == [] and db.turn_ids("none") == []
    assert list(db.iter_events("c1")) == db.get_events("c1")


def test_many_turns_are_read_in_seq_order_whatever_their_number(db: HistoryDB) -> None:
    turns = [[_turn("c1", f"q{n}", f"t{n}"), TextDelta(t=0.1, turn_id=f"t{n}", cycle=1, text=f"a{n}")]
             for n in range(1_200)]  # fmt: skip
    db.append_events("c1", [e for turn in turns for e in turn])
    ids = db.turn_ids("c1")
    assert ids == [f"t{n}" for n in range(1_200)]
    assert db.get_turn_events("c1", ids[::-1]) == db.get_events("c1")  # more ids than one query takes
    assert [(e.turn_id, e.type) for e in db.get_turn_events("c1", ids[-2:])] == [
        ("t1198", "turn_started"), ("t1198", "text_delta"), ("t1199", "turn_started"), ("t1199", "text_delta"),
    ]  # fmt: skip


def test_events_are_append_only(db: HistoryDB) -> None:
    db.append_events("c1", [_turn("c1", "hi")])
    with db._lock, pytest.raises(sqlite3.IntegrityError):
        db._conn.execute("UPDATE events SET type = 'x'")


def test_conversation_gets_title_model_and_provider_from_its_first_turn(db: HistoryDB) -> None:
    db.create_conversation("c1", "New chat", "m0", "p0")
    long_text = "Please explain   how the photosynthesis\nprocess works in desert plants during long droughts"
    db.append_events("c1", [TurnStarted(t=0, turn_id="t1", conversation_id="c1", user_text=long_text,
                                        model="m1", provider="p1")])  # fmt: skip
    row = db.get_conversation("c1")
    assert row is not None
    assert row.title == title_from(long_text)
    assert row.title.endswith("…") and len(row.title) <= 61 and "\n" not in row.title
    assert (row.model, row.provider) == ("m1", "p1")
    db.append_events("c1", [_turn("c1", "second question", "t2")])
    assert db.get_conversation("c1").title == row.title  # only the first message names it
    db.rename("c1", "  My  plants ")
    db.append_events("c2", [_turn("c2", "other")])
    assert db.get_conversation("c1").title == "My plants"
    assert db.get_conversation("c1").title_edited


def test_title_is_cut_at_a_word_boundary() -> None:
    assert title_from("short one") == "short one"
    title = title_from("word " * 30)
    assert title == ("word " * 12).strip() + "…"
    assert title_from("x" * 100) == "x" * 60 + "…"


def test_list_is_newest_first_and_pages(db: HistoryDB) -> None:
    for i in range(5):
        db.append_events(f"c{i}", [_turn(f"c{i}", f"question {i}")])
    db.append_events("c1", [TextDelta(t=1, turn_id="t1", text="more")])
    assert [r.id for r in db.list_conversations()] == ["c1", "c4", "c3", "c2", "c0"]
    assert [r.id for r in db.list_conversations(limit=2, offset=1)] == ["c4", "c3"]


def test_delete_undo_and_purge(db: HistoryDB) -> None:
    db.append_events("c1", two_turns("c1"))
    db.append_events("c2", [_turn("c2", "calculate nothing")])
    db.soft_delete("c1")
    assert [r.id for r in db.list_conversations()] == ["c2"]
    assert {r.id for r in db.list_conversations(include_deleted=True)} == {"c1", "c2"}
    assert db.get_conversation("c1").deleted_at is not None
    assert db.search("391") == []
    db.restore("c1")
    assert {r.id for r in db.list_conversations()} == {"c1", "c2"}
    assert {h.conversation_id for h in db.search("391")} == {"c1"}
    db.purge("c1")
    assert db.get_conversation("c1") is None and db.get_events("c1") == []
    assert db.search("391") == []
    assert db.integrity_ok()


# --- search -----------------------------------------------------------------------------------


def test_search_finds_user_answer_and_tool_text_with_snippets(db: HistoryDB) -> None:
    db.append_events("c1", two_turns("c1"))
    hits = {h.role: h for h in db.search("calculate")}
    assert set(hits) == {"answer"}
    assert "«calculate»" in hits["answer"].snippet
    assert [h.role for h in db.search("391")] in (["tool", "answer"], ["answer", "tool"])
    assert db.search("17")[0].role == "user"
    assert db.search("welc")[0].snippet.startswith("You're «welcome»")  # last word is a prefix
    assert db.search("thanks", marks=("<b>", "</b>"))[0].snippet == "<b>Thanks</b>!"
    assert db.search("391")[0].title == "What is 17 × 23?"


@pytest.mark.parametrize(
    "query",
    ['"', '""', 'say "hi', "AND", "OR NOT", "NEAR(a b)", "a AND (b", "*", "-x", "col:val", "^start",
     "'; DROP TABLE events; --", "c++", "   ", "", "\x00", "ünï*"],
)  # fmt: skip
def test_search_accepts_any_input(db: HistoryDB, query: str) -> None:
    db.append_events("c1", one_of_each("c1"))
    assert isinstance(db.search(query), list)


def test_search_treats_operators_as_words(db: HistoryDB) -> None:
    db.append_events("c1", one_of_each("c1"))  # user text contains '"eat"' and "(AND OR NEAR)"
    assert len(db.search('"eat" AND OR NEAR(')) == 1
    assert db.search("unicode")[0].role == "user"  # diacritics folded
    assert fts_query('say "hi" -x') == '"say" """hi""" "-x"*'


# --- migrations -------------------------------------------------------------------------------


def test_an_older_schema_is_upgraded_and_its_text_indexed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, MIGRATIONS[:1]) == [MIGRATIONS[0][0]]
        conn.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('old', 'Old', 'x', 'x')"
        )
        turn = _turn("old", "ancient question about volcanoes")
        conn.execute("INSERT INTO events VALUES ('old', 1, 't1', 'turn_started', 0.0, ?)", (to_json(turn),))
    finally:
        conn.close()

    db, notice = open_history(path)
    with db:
        assert notice is None
        assert db.get_events("old") == [turn]
        assert db.get_conversation("old").title_edited is False
        assert [h.conversation_id for h in db.search("volcanoes")] == ["old"]
        assert applied_migrations(db._conn) == {name for name, _ in MIGRATIONS}
        assert migrate(db._conn) == []  # nothing left to do


def test_the_previous_schema_gains_the_turn_indexes(tmp_path: Path) -> None:
    path = tmp_path / "before-turn-indexes.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        migrate(conn, MIGRATIONS[:3])
        for seq, event in enumerate(two_turns("c1"), start=1):
            conn.execute(
                "INSERT INTO conversations (id, created_at, updated_at) VALUES ('c1', 'x', 'x') ON CONFLICT DO NOTHING"
            )
            conn.execute(
                "INSERT INTO events VALUES ('c1', ?, ?, ?, ?, ?)",
                (seq, event.turn_id, event.type, event.t, to_json(event)),
            )
    finally:
        conn.close()

    with HistoryDB(path) as db:
        indexes = {r[0] for r in db._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"events_by_turn", "turn_starts"} <= indexes
        assert "m004_turn_indexes" in applied_migrations(db._conn)
        assert db.turn_ids("c1") == ["t1", "t2"]
        assert db.get_turn_events("c1", ["t2"]) == two_turns("c1")[13:]
        db.append_events("c1", [_turn("c1", "third", "t3")])  # new rows are indexed too
        assert db.turn_ids("c1") == ["t1", "t2", "t3"]
        assert db.integrity_ok()


# --- damaged and locked files -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"this is not a database at all " * 200, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_a_damaged_file_is_kept_aside_and_a_fresh_history_starts(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(content)
    db, notice = open_history(path)
    with db:
        assert notice is not None and "damaged" in notice and "history-corrupt-" in notice
        backups = list(tmp_path.glob("history-corrupt-*.db"))
        assert len(backups) == 1 and backups[0].read_bytes() == content
        assert backups[0].name in notice
        db.append_events("c1", [_turn("c1", "fresh start")])
        assert db.integrity_ok()
    db2, notice2 = open_history(path)
    db2.close()
    assert notice2 is None


def test_a_damaged_page_fails_the_check(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryDB(path) as db:
        for i in range(30):
            db.append_events(f"c{i}", [_turn(f"c{i}", "lorem ipsum " * 200)])
        db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\x17" * (4096 * 3)
    path.write_bytes(bytes(data))
    db, notice = open_history(path)
    db.close()
    assert notice is not None
    assert len(list(tmp_path.glob("history-corrupt-*.db"))) == 1


def test_a_locked_history_says_so_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    HistoryDB(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with HistoryDB(path, busy_timeout=0.05) as db:
            assert db.list_conversations() == []  # readers are not blocked under WAL
            with pytest.raises(HistoryLockedError) as info:
                db.append_events("c1", [_turn("c1", "hi")])
            assert isinstance(info.value, HistoryError)
            assert "another Backstage" in info.value.message
            assert "locked" in info.value.detail
        other.execute("ROLLBACK")
    finally:
        other.close()


# --- the batched writer -----------------------------------------------------------------------


def test_many_submits_become_one_transaction(db: HistoryDB) -> None:
    flushed: list[dict[str, int]] = []
    writer = EventWriter(db, interval=3600, on_flushed=flushed.append)
    for i in range(500):
        writer.submit("a" if i % 2 else "b", TextDelta(t=i, turn_id="t", text=str(i)))
    writer.close()
    writer.close()  # twice is fine
    assert writer.batches_written == 1 and writer.events_written == 500
    assert flushed == [{"b": 250, "a": 250}]
    assert [e.text for e in db.get_events("a")] == [str(i) for i in range(1, 500, 2)]
    with pytest.raises(RuntimeError):
        writer.submit("a", TextDelta(t=0, turn_id="t", text="late"))


def test_turn_finished_is_written_at_once(db: HistoryDB) -> None:
    done = threading.Event()
    writer = EventWriter(db, interval=3600, on_flushed=lambda last: done.set())
    try:
        for i in range(100):
            writer.submit("c1", TextDelta(t=i, turn_id="t", text="x"))
        writer.submit("c1", TurnFinished(t=1, turn_id="t", text="x" * 100, cycles=1, stop_reason="complete"))
        assert done.wait(30)  # without close or flush; the hour-long interval never elapsed
        assert db.last_seq("c1") == 101 and writer.batches_written == 1
    finally:
        writer.close()


def test_interval_flush_happens_without_close(db: HistoryDB) -> None:
    done = threading.Event()
    writer = EventWriter(db, interval=0.01, on_flushed=lambda last: done.set())
    try:
        writer.submit("c1", TextDelta(t=0, turn_id="t", text="x"))
        assert done.wait(30)
        assert db.last_seq("c1") == 1
    finally:
        writer.close()


def test_writer_keeps_events_while_the_history_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryDB(path, busy_timeout=0.02) as db:
        other = sqlite3.connect(path, isolation_level=None)
        writer = EventWriter(db, interval=0.01)
        try:
            other.execute("BEGIN IMMEDIATE")
            writer.submit("c1", TextDelta(t=0, turn_id="t", text="kept"))
            while writer.last_error is None:  # wait for at least one failed attempt
                time.sleep(0.01)
            assert isinstance(writer.last_error, HistoryLockedError)
            other.execute("ROLLBACK")
            writer.flush()
        finally:
            writer.close()
            other.close()
        assert [e.text for e in db.get_events("c1")] == ["kept"]


def test_writer_and_async_history_from_an_event_loop(db: HistoryDB) -> None:
    async def main() -> list[str]:
        history = AsyncHistory(db)
        writer = EventWriter(db)
        for e in two_turns("c1"):
            writer.submit("c1", e)
        await writer.aflush()
        await history.rename("c1", "Arithmetic")
        await writer.aclose()
        rows = await history.list_conversations()
        assert [h.role for h in await history.search("welcome")] == ["answer"]
        assert "[welcome]" in (await history.search("welcome", 5, ("[", "]")))[0].snippet
        assert await history.turn_ids("c1") == ["t1", "t2"]
        assert await history.get_turn_events("c1", ["t2"]) == two_turns("c1")[13:]
        return [r.title for r in rows]

    assert asyncio.run(main()) == ["Arithmetic"]
    assert db.get_events("c1") == two_turns("c1")
