"""The claim check: classify each sentence of an answer against the sources the model saw.

Pure and deterministic: the same answer and sources give the same report, with no I/O, no clock,
no randomness and no model call. The rules, in plain words, are in ``docs/provenance.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .derive import derive, pools
from .digits import Convention, detect_convention
from .facts import CITATION, DateFact, citation_numbers, find_dates, find_quoted_names, mask
from .figures import Figure, extract_figures
from .pool import Operand, SourceIndex, dimension, interval, operands
from .report import (
    CitationCheck,
    Classification,
    FactCheck,
    FactStatus,
    ProvenanceReport,
    SentenceCheck,
    SourceText,
)
from .sentences import Unit, split_units

# A derived figure is looked for among the sourced figures of its own sentence and of the units
# around it: the model computes from what it has just said. A wider window would find more
# coincidences (two figures whose ratio happens to be 27%) among the many figures of a long answer.
WINDOW_BEFORE = 5
WINDOW_AFTER = 1


@dataclass
class _Fact:
    kind: Literal["figure", "date", "year", "name"]
    start: int
    end: int
    risky: bool
    figure: Figure | None = None
    date: DateFact | None = None
    name: str = ""
    status: FactStatus = "not_found"
    ids: tuple[int, ...] = ()  # ascending
    matches: tuple[Operand, ...] = ()  # the source figures that support a figure directly


def check_answer(answer: str, sources: Iterable[SourceText]) -> ProvenanceReport:
    """Classify every sentence of ``answer`` and bind every citation in it.

    ``sources`` are the sources the model could cite while writing (any turn's), each with the text
    of it that was in its context; give a source whose text was cut away or dropped with
    ``trimmed=True``. Several entries with one id are read as one source.

    Promises: sentences in text order, citations in order of first appearance, source ids
    ascending; the same input always gives an equal report.
    """
    index = SourceIndex(_merge(sources))
    units = split_units(answer)
    masked = mask(answer)
    convention = detect_convention(masked)
    dates = _by_unit(find_dates(masked), units)
    # A date is one fact: its day and year are not figures of their own.
    without_dates = _blank(masked, [(d.start, d.end) for unit_dates in dates for d in unit_dates])
    facts = [
        _facts(masked, without_dates, unit, unit_dates, convention)
        for unit, unit_dates in zip(units, dates, strict=True)
    ]
    cited = [_cited(answer, unit) for unit in units]
    for unit_facts in facts:
        for fact in unit_facts:
            _check_directly(fact, index)
    for i, unit_facts in enumerate(facts):
        readable = sorted(n for n in set(cited[i]) if n in index.known and n not in index.trimmed)
        for fact in unit_facts:
            if (
                fact.kind == "figure"
                and fact.status == "unsupported"
                and fact.figure is not None
                and index.all
            ):
                found = _derive(fact.figure, facts, i, readable, index)
                if found is not None:
                    fact.status, fact.ids = "derived", found
    sentences = tuple(
        _sentence(answer, unit, unit_facts, cited_here, index)
        for unit, unit_facts, cited_here in zip(units, facts, cited, strict=True)
    )
    order = dict.fromkeys(n for numbers in cited for n in numbers)
    return ProvenanceReport(sentences=sentences, citations=tuple(_citation(n, index) for n in order))


def _merge(sources: Iterable[SourceText]) -> list[SourceText]:
    merged: dict[int, SourceText] = {}
    for source in sources:
        seen = merged.get(source.id)
        if seen is None:
            merged[source.id] = source
        else:
            text = "\n".join(t for t in (seen.text, source.text) if t)
            merged[source.id] = SourceText(source.id, text, seen.trimmed and source.trimmed)
    return [merged[i] for i in sorted(merged)]


def _by_unit(dates: list[DateFact], units: list[Unit]) -> list[list[DateFact]]:
    """Each unit's dates (both lists are in text order); a date across two units belongs to none."""
    out: list[list[DateFact]] = [[] for _ in units]
    i = 0
    for date in dates:
        while i < len(units) and units[i].end <= date.start:
            i += 1
        if i < len(units) and units[i].start <= date.start and date.end <= units[i].end:
            out[i].append(date)
    return out


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [text[last:start], " " * (end - start)]
        last = end
    return "".join(pieces) + text[last:]


def _cited(answer: str, unit: Unit) -> list[int]:
    return [n for m in CITATION.finditer(answer, unit.start, unit.end) for n in citation_numbers(m.group(1))]


def _facts(
    masked: str, without_dates: str, unit: Unit, dates: list[DateFact], convention: Convention
) -> list[_Fact]:
    found = [_Fact("date", d.start, d.end, risky=d.has_day, date=d) for d in dates]
    for figure in extract_figures(without_dates, unit.start, unit.end, convention):
        if figure.year_like:
            found.append(_Fact("year", figure.start, figure.end, risky=False, figure=figure))
        elif figure.strong:
            found.append(_Fact("figure", figure.start, figure.end, risky=True, figure=figure))
        # Other small whole numbers ("3 options", "Windows 11") are too common to be worth checking.
    for name in find_quoted_names(masked, unit.start, unit.end):
        found.append(_Fact("name", name.start, name.end, risky=True, name=name.name))
    found.sort(key=lambda f: f.start)
    return found


def _check_directly(fact: _Fact, index: SourceIndex) -> None:
    ids: set[int] = set()
    if fact.figure is not None:
        figure = fact.figure
        matches: list[Operand] = []
        for r in figure.readings:
            # An exact figure must equal a source figure; a hedged or scaled one, once rounded.
            lo, hi = interval(r, r.step if figure.approximate else Decimal(0))
            matches += index.lookup(dimension(figure), figure.unit, lo, hi)
        fact.matches = tuple(matches)
        ids = {i for m in matches for i in m.ids}
    elif fact.date is not None:
        ids = index.date_sources(fact.date)
    elif fact.name:
        ids = index.name_sources(fact.name)
    fact.ids = tuple(sorted(ids))
    fact.status = "supported" if ids else "unsupported" if fact.risky else "not_found"


def _derive(
    figure: Figure, facts: list[list[_Fact]], i: int, cited: list[int], index: SourceIndex
) -> tuple[int, ...] | None:
    """Where ``figure`` can be computed from, searching the likeliest operands first.

    1. two sourced figures stated nearby (the answer's own value or the source's);
    2. one of those and any figure of a source in play (behind a nearby figure, or cited here);
    3. two figures of one source cited in this sentence.
    """
    nearby = [
        fact
        for unit_facts in facts[max(0, i - WINDOW_BEFORE) : i + WINDOW_AFTER + 1]
        for fact in unit_facts
        if fact.kind == "figure" and fact.status == "supported" and fact.figure is not None
    ]
    anchored = pools(
        (dimension(fact.figure), op)
        for fact in nearby
        if fact.figure is not None
        for op in (*operands(fact.figure, fact.ids), *fact.matches)
    )
    in_play = sorted({source_id for fact in nearby for source_id in fact.ids} | set(cited))
    around = {dim: index.pool_of(in_play, dim) for dim in ("q", "%", "x")}
    searches = [(anchored, anchored), (anchored, around), (around, anchored)]
    for n in cited:
        own = {dim: index.pool_of([n], dim) for dim in ("q", "%")}
        searches.append((own, own))
    return derive(figure, searches)


def _sentence(
    answer: str, unit: Unit, facts: list[_Fact], cited: list[int], index: SourceIndex
) -> SentenceCheck:
    readable = {n for n in cited if n in index.known and n not in index.trimmed}
    evidence: set[int] = {i for fact in facts if fact.status in ("supported", "derived") for i in fact.ids}
    checked = [fact for fact in facts if fact.risky]
    cls: Classification
    if any(fact.status == "unsupported" for fact in checked):
        cls = "unsupported_figure"  # even when the sentence cites a real source: the figure is not in it
    elif any(fact.status == "derived" for fact in facts):
        cls = "derived"
    elif any(fact.status == "supported" for fact in checked) or evidence:
        cls = "supported"
    elif readable:
        # Nothing checkable, but the model points at a source it could read: take its word.
        cls, evidence = "supported", readable
    else:
        cls = "model_knowledge"
    return SentenceCheck(
        text=answer[unit.start : unit.end],
        cls=cls,
        source_ids=tuple(sorted(evidence)),
        start=unit.start,
        end=unit.end,
        facts=tuple(
            FactCheck(
                text=answer[f.start : f.end],
                kind=f.kind,
                status=f.status,
                source_ids=tuple(sorted(f.ids)),
                start=f.start,
                end=f.end,
                risky=f.risky,
            )
            for f in facts
        ),
    )


def _citation(n: int, index: SourceIndex) -> CitationCheck:
    if n not in index.known:
        return CitationCheck(n=n, source_id=None, ok=False, problem="missing")
    if n in index.trimmed:
        return CitationCheck(n=n, source_id=n, ok=False, problem="trimmed")
    return CitationCheck(n=n, source_id=n, ok=True)
