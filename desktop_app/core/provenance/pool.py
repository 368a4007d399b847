"""Figures as values to look up: sorted pools, intervals, and the sources index built on them."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .digits import Reading, detect_convention
from .facts import DateFact, date_supported, find_dates, mask, normalise_for_search
from .figures import Figure, extract_figures
from .report import SourceText

Dimension = str  # "q" a quantity (money, unit or plain), "%" a percentage, "x" a ratio


@dataclass(frozen=True, slots=True)
class Operand:
    """A value that can support or feed a derived figure, and the sources behind it."""

    value: float
    unit: str
    ids: tuple[int, ...]  # ascending, unique


def dimension(figure: Figure) -> Dimension:
    return "%" if figure.kind == "percent" else "x" if figure.kind == "times" else "q"


def units_compatible(a: str, b: str) -> bool:
    """A plain number goes with any unit ("98,400" in a table of dollars); two units must agree."""
    return a == b or not a or not b


def interval(r: Reading, step: Decimal) -> tuple[float, float]:
    """The values that round to ``r.value`` at ``step`` (both ends kept), as floats with a hair of slack."""
    half = step / 2
    lo, hi = float(r.value - half), float(r.value + half)
    slack = 1e-12 * max(1.0, abs(hi))  # float rounding must not lose an exact boundary
    return lo - slack, hi + slack


class Pool:
    """Operands sorted by value, for range look-ups in O(log n + hits)."""

    def __init__(self, operands: Iterable[Operand]) -> None:
        self.items = sorted(operands, key=lambda o: (o.value, o.unit, o.ids))
        self.values = [o.value for o in self.items]

    def __bool__(self) -> bool:
        return bool(self.items)

    def within(self, lo: float, hi: float) -> Iterator[Operand]:
        i = bisect_left(self.values, lo)
        while i < len(self.values) and self.values[i] <= hi:
            yield self.items[i]
            i += 1


def operands(figure: Figure, ids: tuple[int, ...]) -> list[Operand]:
    return [Operand(float(r.value), figure.unit, ids) for r in figure.readings if r.value > 0]


class SourceIndex:
    """What the sources state: figures by dimension, dates and searchable text, per source id.

    Trimmed sources are known (a citation of them is bound) but state nothing.
    """

    def __init__(self, sources: Sequence[SourceText]) -> None:
        self.known = {s.id for s in sources}
        self.trimmed = {s.id for s in sources if s.trimmed}
        self.by_source: dict[int, dict[Dimension, Pool]] = {}
        self.dates: list[tuple[DateFact, int]] = []
        self.texts: dict[int, str] = {}
        self._pools: dict[tuple[tuple[int, ...], Dimension], Pool] = {}
        everything: dict[Dimension, list[Operand]] = {"q": [], "%": [], "x": []}
        for source in sources:
            if source.trimmed or not source.text:
                continue
            masked = mask(source.text)
            ids = (source.id,)
            own: dict[Dimension, list[Operand]] = {"q": [], "%": [], "x": []}
            for figure in extract_figures(masked, convention=detect_convention(masked), context=False):
                # Years are looked up (a year in the answer), never computed with.
                if not figure.year_like:
                    own[dimension(figure)].extend(operands(figure, ids))
                else:
                    everything["q"].extend(operands(figure, ids))
            for date in find_dates(masked):
                self.dates.append((date, source.id))
                if date.year is not None:
                    everything["q"].append(Operand(float(date.year), "", ids))
            for dim, found in own.items():
                everything[dim].extend(found)
            self.by_source[source.id] = {dim: Pool(found) for dim, found in own.items()}
            self.texts[source.id] = normalise_for_search(source.text)
        self.all = {dim: Pool(found) for dim, found in everything.items() if found}

    def lookup(self, dim: Dimension, unit: str, lo: float, hi: float) -> list[Operand]:
        """Source figures of dimension ``dim`` and a unit compatible with ``unit``, in [lo, hi]."""
        pool = self.all.get(dim)
        return [o for o in pool.within(lo, hi) if units_compatible(unit, o.unit)] if pool else []

    def date_sources(self, date: DateFact) -> set[int]:
        return {source_id for source_date, source_id in self.dates if date_supported(date, source_date)}

    def name_sources(self, name: str) -> set[int]:
        wanted = normalise_for_search(name)
        return {source_id for source_id, text in self.texts.items() if wanted in text}

    def pool_of(self, source_ids: Iterable[int], dim: Dimension) -> Pool:
        """The figures of the given sources, as one pool."""
        return Pool(
            o for i in sorted(set(source_ids)) if i in self.by_source for o in self.by_source[i][dim].items
        )
