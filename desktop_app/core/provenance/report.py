"""What the provenance check takes in and what it hands back.

The input is one :class:`SourceText` per source the model could cite; the output is a
:class:`ProvenanceReport`, whose :meth:`~ProvenanceReport.to_event_fields` gives exactly the
fields of the ``provenance_checked`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Classification = Literal["supported", "derived", "unsupported_figure", "model_knowledge"]
"""How one sentence stands: see ``docs/provenance.md`` for the rules."""

FactStatus = Literal["supported", "derived", "unsupported", "not_found"]
"""``not_found`` is a fact absent from every source that is not risky on its own (a year)."""

CitationProblem = Literal["missing", "trimmed"]


@dataclass(frozen=True, slots=True)
class SourceText:
    """One source as the model saw it.

    ``id`` is the number the loop gave the source (what the model cites as ``[n]``); ``text`` is
    what of it was actually in the model's context. ``trimmed`` marks a source the model could
    not read any more: its text was cut away or dropped to fit the context window. A trimmed
    source supports nothing, and a citation of it is flagged.
    """

    id: int
    text: str
    trimmed: bool = False


@dataclass(frozen=True, slots=True)
class FactCheck:
    """One checkable fact of a sentence: a figure, a date, a year or a quoted name.

    ``start``/``end`` are offsets in the whole answer (``answer[start:end]`` is the fact as
    written); ``source_ids`` are the sources it was found in or derived from, ascending.
    ``risky`` is true for a fact whose absence from the sources raises a flag.
    """

    text: str
    kind: Literal["figure", "date", "year", "name"]
    status: FactStatus
    source_ids: tuple[int, ...]
    start: int
    end: int
    risky: bool = True


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    """One sentence (or heading, list item, table row) of the answer and its class.

    ``answer[start:end] == text``. ``source_ids`` are ascending and unique. ``facts`` are in
    text order; the event carries only ``text``, ``class`` and ``source_ids``.
    """

    text: str
    cls: Classification
    source_ids: tuple[int, ...]
    start: int = 0
    end: int = 0
    facts: tuple[FactCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class CitationCheck:
    """One number the model cited, bound to a source.

    ``source_id`` is ``n`` when a source with that id was given, else None. ``ok`` is true only
    when the source exists and was not trimmed; ``problem`` says why not.
    """

    n: int
    source_id: int | None
    ok: bool
    problem: CitationProblem | None = None


@dataclass(frozen=True, slots=True)
class ProvenanceReport:
    """The answer's sentences in text order, and its citations in order of first appearance."""

    sentences: tuple[SentenceCheck, ...]
    citations: tuple[CitationCheck, ...]

    @property
    def figures_to_verify(self) -> int:
        """How many risky facts were found in no source (the footer's "N figures to verify")."""
        return sum(1 for s in self.sentences for f in s.facts if f.risky and f.status == "unsupported")

    @property
    def source_ids_used(self) -> tuple[int, ...]:
        """Every source some sentence rests on, ascending."""
        return tuple(sorted({i for s in self.sentences for i in s.source_ids}))

    def to_event_fields(self) -> dict[str, tuple[dict[str, Any], ...]]:
        """Exactly the fields of ``ProvenanceChecked``: ``emit(ProvenanceChecked, **fields)``.

        Lists, not tuples, inside the dicts, so the event survives a JSON round trip unchanged.
        """
        return {
            "sentences": tuple(
                {"text": s.text, "class": s.cls, "source_ids": list(s.source_ids)} for s in self.sentences
            ),
            "citations": tuple({"n": c.n, "source_id": c.source_id, "ok": c.ok} for c in self.citations),
        }
