"""Readers of the event stream for the terminal: JSON lines, or text for people."""

from __future__ import annotations

import sys
from typing import TextIO

from ..core import events as ev
from ..core.formatting import format_duration


class JsonLinesPrinter:
    """Exactly one JSON event per line on stdout, flushed the moment it happens.

    An error also gets exactly one plain line on stderr, so a script sees it
    without parsing the stream.
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def __call__(self, event: ev.Event) -> None:
        self.out.write(ev.to_json(event) + "\n")
        self.out.flush()
        if isinstance(event, ev.ErrorEvent):
            self.err.write(f"Error: {event.message}\n")
            self.err.flush()


class HumanPrinter:
    """The answer on stdout as it streams; tool statuses, retries and errors on stderr."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._ends_with_newline = True
        self._sources: list[str] = []

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.out.write(event.text)
            self.out.flush()
            self._ends_with_newline = event.text.endswith("\n")
        elif isinstance(event, ev.ToolStarted):
            self._status(f"… {event.status}")
        elif isinstance(event, ev.ToolFinished):
            self._sources += [f"[{s.id}] {s.title}" + (f" <{s.url}>" if s.url else "") for s in event.sources]
            mark = "✓" if event.ok else "✗"
            timing = f" · {format_duration(event.duration)}" if event.duration else ""
            self._status(f"{mark} {event.status}{timing}")
        elif isinstance(event, ev.Retrying):
            self._status(f"↻ {event.reason} Retrying in {event.delay:.0f} s (attempt {event.attempt + 1})…")
        elif isinstance(event, ev.ErrorEvent):
            self._newline()
            self.err.write(f"Error: {event.message}\n")
            self.err.flush()
        elif isinstance(event, ev.ProvenanceChecked):
            self._newline()
            for line in self._sources:
                self.err.write(f"  {line}\n")
            to_verify = [s["text"] for s in event.sentences if s["class"] == "unsupported_figure"]
            for sentence in to_verify:
                self.err.write(f"⚠ Not found in any source, verify: {sentence}\n")
            self.err.flush()
        elif isinstance(event, ev.TurnFinished):
            self._newline()

    def _status(self, line: str) -> None:
        self._newline()
        self.err.write(line + "\n")
        self.err.flush()

    def _newline(self) -> None:
        if not self._ends_with_newline:
            self.out.write("\n")
            self.out.flush()
            self._ends_with_newline = True
