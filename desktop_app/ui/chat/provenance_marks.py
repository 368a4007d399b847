"""Putting ``provenance_checked`` on a finished answer: citation states and sentence tints per block.

Runs once per answer, when its turn finishes (the blocks are final then, so offsets hold):
one pass to find the sentences in the rendered text, one regex pass per block for markers.
"""

from __future__ import annotations

from ..sources.answer_sources import DERIVED, SUPPORTED, UNSUPPORTED, AnswerSources
from ..sources.sentence_spans import locate
from ..sources.words import domain
from .annotations import CitationMark, Tint
from .markdown_view import MarkdownView


def annotate(blocks: list[MarkdownView], sources: AnswerSources) -> None:
    marks = citation_marks(sources)
    spans = locate([s.text for s in sources.sentences], [b.plain_text() for b in blocks])
    tints: dict[int, list[Tint]] = {}
    for sentence, span in zip(sources.sentences, spans, strict=True):
        if span is not None:
            tip = _sentence_tooltip(sentence.cls, sentence.source_ids, sources)
            tints.setdefault(span.block, []).append(Tint(span.start, span.end, sentence.cls, tip))
    for i, block in enumerate(blocks):
        block.annotate(marks, tints.get(i, []))


def citation_marks(sources: AnswerSources) -> dict[int, CitationMark]:
    """How each source number this answer may cite is shown: flagged ones say why in plain words."""
    marks = {s.id: CitationMark(s.id, False, _source_tooltip(s.id, sources)) for s in sources.listed()}
    for c in sources.citations.values():
        marks[c.n] = CitationMark(c.n, not c.ok, c.problem or _source_tooltip(c.n, sources))
    return marks


def _source_tooltip(n: int, sources: AnswerSources) -> str:
    record = sources.record(n)
    if record is None:
        return ""
    where = domain(record.url)
    return f"[{n}] {record.title}" + (f" · {where}" if where else "") + "\nClick to see the source."


def _sentence_tooltip(cls: str, source_ids: tuple[int, ...], sources: AnswerSources) -> str:
    if cls == UNSUPPORTED:
        return "A figure here was not found in any source the model read: verify it before relying on it."
    names = []
    for n in source_ids:
        record = sources.record(n)
        names.append(f"[{n}] {record.title}" if record is not None else f"[{n}]")
    listed = ", ".join(names)
    if cls == SUPPORTED:
        return f"Found in {listed}." if listed else "Found in the sources."
    if cls == DERIVED:
        return f"Computed from figures in {listed}." if listed else "Computed from sourced figures."
    return ""
