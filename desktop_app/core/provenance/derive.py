"""Recognise a figure computed from two others: a percentage change or share, a ratio, a sum, a difference.

Pure arithmetic over pools of operands; which pools to search (and so how likely a coincidence is)
is the caller's choice. A search walks the smaller pool and looks the partner up in the other by
bisection, so it costs O(n log m) with n <= m.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .digits import Reading
from .figures import Figure
from .pool import Operand, Pool, interval, units_compatible


@dataclass(frozen=True, slots=True)
class Rule:
    """``a / b``, ``a + b`` or ``a - b`` must fall in [lo, hi]."""

    op: Literal["ratio", "sum", "difference"]
    lo: float
    hi: float

    def a_range(self, b: float) -> tuple[float, float]:
        if self.op == "ratio":
            return b * self.lo, b * self.hi
        if self.op == "sum":
            return self.lo - b, self.hi - b
        return b + self.lo, b + self.hi

    def b_range(self, a: float) -> tuple[float, float]:
        if self.op == "ratio":
            return a / self.hi, (a / self.lo if self.lo > 0 else math.inf)
        if self.op == "sum":
            return self.lo - a, self.hi - a
        return a - self.hi, a - self.lo


def target_interval(figure: Figure, r: Reading) -> tuple[float, float]:
    """Computed values that, rounded as the answer wrote the figure, give it.

    A hedged or scaled figure rounds at its last significant digit ("about 30%": 25–35); an exact
    one at its last written digit ("30%": 29.5–30.5, "27.4%": 27.35–27.45).
    """
    return interval(r, r.step if figure.approximate else r.written_step)


def rules_for(figure: Figure, r: Reading) -> list[tuple[str, Rule]]:
    """The (operand dimension, rule) pairs that could produce ``figure``."""
    lo, hi = target_interval(figure, r)
    if hi <= 0:
        return []
    if figure.kind == "percent":
        # A rise of t% (a/b = 1 + t), a fall of t% (a/b = 1 - t), a share (a/b = t); of two
        # percentages, a relative change or a difference in points.
        change = [Rule("ratio", 1 + lo / 100, 1 + hi / 100)]
        if lo < 100:
            change.append(Rule("ratio", max(0.0, 1 - hi / 100), 1 - lo / 100))
        share = Rule("ratio", max(0.0, lo / 100), hi / 100)
        return [("q", rule) for rule in (*change, share)] + [
            ("%", rule) for rule in (*change, Rule("difference", lo, hi))
        ]
    if figure.kind == "times":
        return [("q", Rule("ratio", max(0.0, lo), hi)), ("%", Rule("ratio", max(0.0, lo), hi))]
    return [("q", Rule("sum", lo, hi)), ("q", Rule("difference", lo, hi))]


def find_pair(figure: Figure, rule: Rule, left: Pool, right: Pool) -> tuple[int, ...] | None:
    """The sources of a pair (a from ``left``, b from ``right``) that ``rule`` accepts, or None.

    The two operands differ in value, agree in unit, and (for sums and differences) agree with the
    figure's unit too. Deterministic: pools are sorted and walked in order.
    """
    additive = rule.op != "ratio"

    def fits(a: Operand, b: Operand) -> bool:
        if a.value == b.value or not units_compatible(a.unit, b.unit):
            return False
        return not additive or (
            units_compatible(figure.unit, a.unit) and units_compatible(figure.unit, b.unit)
        )

    if len(left.items) <= len(right.items):
        for a in left.items:
            for b in right.within(*rule.b_range(a.value)):
                if fits(a, b):
                    return tuple(sorted({*a.ids, *b.ids}))
    else:
        for b in right.items:
            for a in left.within(*rule.a_range(b.value)):
                if fits(a, b):
                    return tuple(sorted({*a.ids, *b.ids}))
    return None


def derive(
    figure: Figure, searches: Iterable[tuple[dict[str, Pool], dict[str, Pool]]]
) -> tuple[int, ...] | None:
    """The sources ``figure`` can be computed from, trying each (left pools, right pools) in order."""
    for left, right in searches:
        for r in figure.readings:
            for dim, rule in rules_for(figure, r):
                if left.get(dim) and right.get(dim):
                    found = find_pair(figure, rule, left[dim], right[dim])
                    if found is not None:
                        return found
    return None


def pools(ops: Iterable[tuple[str, Operand]]) -> dict[str, Pool]:
    """Operands grouped by dimension into pools."""
    grouped: dict[str, list[Operand]] = {}
    for dim, op in ops:
        grouped.setdefault(dim, []).append(op)
    return {dim: Pool(found) for dim, found in grouped.items()}
