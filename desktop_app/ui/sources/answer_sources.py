"""What one answer rests on, gathered from its events: its sources and the provenance check.

Everything here is read from ``tool_finished`` (the sources, numbered by the loop) and
``provenance_checked`` (each sentence's class and sources, each citation's binding); nothing
is re-checked. Source numbers are per conversation, so an answer may cite a source an earlier
answer fetched: :class:`SourceBook` holds every source of the conversation for that look-up.

No Qt here, so the rules are tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core import events as ev
from ...core.sources import SourceRecord
from .words import plural

SUPPORTED, DERIVED, UNSUPPORTED, MODEL = "supported", "derived", "unsupported_figure", "model_knowledge"

CLASS_LABELS = {
    SUPPORTED: "From a source",
    DERIVED: "Computed from sources",
    UNSUPPORTED: "Figure to verify",
    MODEL: "Model's own words",
}
"""The legend's words for the four classes of ``provenance_checked``."""


class SourceBook:
    """Every source of one conversation by its number; a new chat starts a new book."""

    def __init__(self) -> None:
        self._records: dict[int, SourceRecord] = {}

    def add(self, records: tuple[SourceRecord, ...]) -> None:
        for record in records:
            self._records.setdefault(record.id, record)

    def get(self, source_id: int) -> SourceRecord | None:
        return self._records.get(source_id)


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence of ``provenance_checked``: its Markdown text, class and the sources it rests on."""

    text: str
    cls: str
    source_ids: tuple[int, ...]


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` of the answer as ``provenance_checked`` bound it."""

    n: int
    source_id: int | None
    ok: bool

    @property
    def problem(self) -> str:
        """Why the citation is flagged, in plain words ("" when it is fine)."""
        if self.ok:
            return ""
        if self.source_id is None:
            return (
                f"There is no source [{self.n}]: the model cited a source it was never given. "
                "Treat what it supports as unverified."
            )
        return (
            f"Source [{self.n}] was trimmed to fit the context window before the model wrote this, "
            "so the model could not read it here. Check the claim against the source yourself."
        )


class AnswerSources:
    """The sources and provenance of one answer; feed it the answer's events with :meth:`apply`."""

    def __init__(self, book: SourceBook | None = None) -> None:
        self.book = book if book is not None else SourceBook()
        self.own: list[SourceRecord] = []  # the sources this answer's tools returned, in order
        self.sentences: tuple[CheckedSentence, ...] = ()
        self.citations: dict[int, Citation] = {}
        self.checked = False

    def apply(self, event: ev.Event) -> None:
        if isinstance(event, ev.ToolFinished) and event.sources:
            known = {s.id for s in self.own}
            self.own.extend(s for s in event.sources if s.id not in known)
            self.book.add(event.sources)
        elif isinstance(event, ev.ProvenanceChecked):
            self.checked = True
            self.sentences = tuple(_sentence(s) for s in event.sentences)
            self.citations = {c.n: c for c in (_citation(c) for c in event.citations)}

    # -- reading ----------------------------------------------------------------------------

    def record(self, source_id: int) -> SourceRecord | None:
        """The source with that number, from this answer or an earlier one of the conversation."""
        return next((s for s in self.own if s.id == source_id), None) or self.book.get(source_id)

    def listed(self) -> list[SourceRecord]:
        """What the panel lists: this answer's sources, then earlier ones it cites, by number."""
        own = {s.id for s in self.own}
        earlier = [
            record
            for c in sorted(self.citations.values(), key=lambda c: c.n)
            if c.source_id is not None
            and c.source_id not in own
            and (record := self.record(c.source_id)) is not None
        ]
        return [*self.own, *earlier]

    def missing(self) -> list[Citation]:
        """Citations of sources that do not exist (the panel shows a card saying so)."""
        return [c for c in self.citations.values() if c.source_id is None]

    def flagged(self) -> list[Citation]:
        return [c for c in self.citations.values() if not c.ok]

    def sentences_using(self, source_id: int) -> list[CheckedSentence]:
        return [s for s in self.sentences if source_id in s.source_ids]

    def sentences_to_verify(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if s.cls == UNSUPPORTED]

    def counts(self) -> tuple[str, str, str]:
        """The footer's words: "4 sources", "1 figure to verify" ("" if none), "1 citation to check" ("" if none).

        A figure to verify is a sentence classed ``unsupported_figure``: the event classes
        sentences, so a sentence with two unfound figures counts once.
        """
        verify, flagged = len(self.sentences_to_verify()), len(self.flagged())
        return (
            plural(len(self.listed()), "source"),
            plural(verify, "figure") + " to verify" if verify else "",
            plural(flagged, "citation") + " to check" if flagged else "",
        )

    def summary(self) -> list[str]:
        """The footer's parts that apply, in order."""
        return [part for part in self.counts() if part]


def _sentence(data: dict[str, Any]) -> CheckedSentence:
    return CheckedSentence(
        str(data.get("text", "")), str(data.get("class", MODEL)), tuple(data.get("source_ids", ()))
    )


def _citation(data: dict[str, Any]) -> Citation:
    source_id = data.get("source_id")
    return Citation(int(data["n"]), None if source_id is None else int(source_id), bool(data.get("ok")))
