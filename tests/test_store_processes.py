"""Real processes on one profile: concurrent writers, and writers killed with SIGKILL mid-stream."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from desktop_app.core.events import TextDelta, TurnFinished
from desktop_app.storage import paths
from desktop_app.storage.recovery import open_history

ROOT = Path(__file__).resolve().parent.parent

# Both children write to a shared conversation and to their own; "direct" commits every
# event on its own, "writer" goes through the batched EventWriter.
CONCURRENT_CHILD = """
import sys
from desktop_app.core.events import TextDelta
from desktop_app.storage.recovery import open_history
from desktop_app.storage.writer import EventWriter

name, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
db, _ = open_history()
writer = EventWriter(db, interval=0.002) if mode == "writer" else None
for i in range(n):
    for cid in ("shared", name):
        event = TextDelta(t=float(i), turn_id=name, text=f"{name}-{i}")
        if writer:
            writer.submit(cid, event)
        else:
            db.append_events(cid, [event])
if writer:
    writer.close()
db.close()
"""


def _seqs(db_path: Path, cid: str) -> list[int]:
    conn = sqlite3.connect(db_path)
    try:
        return [
            r[0]
            for r in conn.execute("SELECT seq FROM events WHERE conversation_id = ? ORDER BY seq", (cid,))
        ]
    finally:
        conn.close()


def test_two_processes_append_to_one_profile_at_once() -> None:
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_CHILD, name, mode, str(n)], cwd=ROOT)
        for name, mode in (("alpha", "direct"), ("beta", "writer"))
    ]
    try:
        assert [proc.wait(timeout=100) for proc in procs] == [0, 0]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()

    db, notice = open_history()
    with db:
        assert notice is None and db.integrity_ok()
        shared = db.get_events("shared")
        assert len(shared) == 2 * n
        for name in ("alpha", "beta"):
            expected = [f"{name}-{i}" for i in range(n)]
            assert [e.text for e in shared if e.turn_id == name] == expected  # each in its own order
            assert [e.text for e in db.get_events(name)] == expected
    assert _seqs(paths.database_path(), "shared") == list(range(1, 2 * n + 1))


# Submits a known stream of events as fast as a model streams tokens; after each commit
# the writer prints the last committed seq, so the parent knows what must have survived.
KILLED_CHILD = """
import sys, time
from desktop_app.core.events import TextDelta, TurnFinished
from desktop_app.storage.recovery import open_history
from desktop_app.storage.writer import EventWriter

cid = sys.argv[1]
db, _ = open_history()

def flushed(last):
    sys.stdout.write(f"{last[cid]}\\n")
    sys.stdout.flush()

writer = EventWriter(db, on_flushed=flushed)
print("ready", flush=True)
i = 0
while True:
    i += 1
    if i % 500 == 0:
        writer.submit(cid, TurnFinished(t=float(i), turn_id="t", text=f"end{i}", cycles=1, stop_reason="complete"))
    else:
        writer.submit(cid, TextDelta(t=float(i), turn_id="t", text=f"tok{i}"))
    if i % 20 == 0:
        time.sleep(0.001)
"""


def _expected(i: int) -> TextDelta | TurnFinished:
    if i % 500 == 0:
        return TurnFinished(t=float(i), turn_id="t", text=f"end{i}", cycles=1, stop_reason="complete")
    return TextDelta(t=float(i), turn_id="t", text=f"tok{i}")


def test_sigkill_at_random_moments_leaves_a_sound_prefix() -> None:
    rng = random.Random(20240601)
    db_path = paths.database_path()
    survived = []
    for run in range(20):
        cid = f"run{run}"
        with subprocess.Popen(
            [sys.executable, "-c", KILLED_CHILD, cid], cwd=ROOT, stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            try:
                assert proc.stdout.readline() == "ready\n"
                time.sleep(rng.uniform(0.05, 0.3))
            finally:
                proc.kill()  # SIGKILL on POSIX: no cleanup, no flush, no atexit
                proc.wait()
            reported = [int(line) for line in proc.stdout.read().split()]
        last_reported = max(reported, default=0)

        db, notice = open_history(db_path)
        with db:
            assert notice is None, notice
            assert db.integrity_ok()
            stored = db.get_events(cid)
        assert len(stored) >= last_reported  # every commit reported before the kill survived
        assert stored == [_expected(i) for i in range(1, len(stored) + 1)]  # a prefix, in order
        assert _seqs(db_path, cid) == list(range(1, len(stored) + 1))
        survived.append(len(stored))
    assert sum(survived) > 0
