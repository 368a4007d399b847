"""How a written number reads: digit grouping conventions, readings and the precision stated.

"98,400", "1.000,50", "1 000", "3.5": ``parse_number`` gives every plausible value of one written
number; ``reading`` the precision it states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Convention = Literal["en", "eu"] | None
"""How a text groups digits: "en" 1,234.5, "eu" 1.234,5, None when it gives no unambiguous hint."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a written number.

    ``step`` is the unit of its last significant digit (98,000 → 1000; 3.50 → 0.01): the precision
    a hedged figure states. ``written_step`` is the unit of its last written digit (98,000 → 1).
    """

    value: Decimal
    step: Decimal
    written_step: Decimal


_EN_CUE = re.compile(r"\d,\d{3}\.\d|\d,\d{3},\d{3}")
_EU_CUE = re.compile(r"\d\.\d{3},\d|\d\.\d{3}\.\d{3}")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")


def detect_convention(text: str) -> Convention:
    """The text's digit grouping, from forms only one convention writes ("1,234.5", "1.234.567")."""
    en = _EN_CUE.search(text) is not None
    eu = _EU_CUE.search(text) is not None
    return "en" if en and not eu else "eu" if eu and not en else None


def parse_number(written: str, convention: Convention = None) -> tuple[tuple[Decimal, int], ...]:
    """Every plausible reading of ``written`` as (value, decimals written), most likely first.

    Unambiguous forms have one reading: "1,234,567", "1,234.5", "1 000" (English or spaced),
    "1.234.567", "1.000,50", "3,5" (European). "1,234" is 1234 unless the text is European; "1.234"
    is read both ways unless the text's convention decides. Returns () for what is not one number
    (a version "1.2.3", a list "1,2,3").
    """
    if written.isdigit():
        return ((Decimal(written), 0),)
    if _GROUP_SPACES.search(written):
        head, _, tail = re.sub(r"[.,](\d+)$", r"|\1", written).partition("|")
        digits = _GROUP_SPACES.sub("", head)
        return ((Decimal(f"{digits}.{tail}"), len(tail)),) if tail else ((Decimal(digits), 0),)
    commas, dots = written.count(","), written.count(".")
    if not commas and not dots:
        return ((Decimal(written), 0),)
    if commas and dots:
        decimal_mark = "." if written.rfind(".") > written.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        head, tail = written.rsplit(decimal_mark, 1)
        if written.count(decimal_mark) > 1 or not _is_grouped(head, group_mark):
            return ()
        return ((Decimal(head.replace(group_mark, "") + "." + tail), len(tail)),)
    mark = "," if commas else "."
    parts = written.split(mark)
    if len(parts) > 2:
        return ((Decimal("".join(parts)), 0),) if _is_grouped(written, mark) else ()
    head, tail = parts
    as_decimal = (Decimal(f"{head}.{tail}"), len(tail))
    as_thousands = (Decimal(head + tail), 0)
    if len(tail) != 3 or len(head) > 3 or head.startswith("0"):
        return (as_decimal,)  # "3.5", "3,14", "0.125": only a decimal reading makes sense
    grouping = "en" if mark == "," else "eu"
    if convention == grouping:
        return (as_thousands,)
    if convention is not None or mark == ",":
        # "1,234" in a text with no hint is English thousands: a decimal comma rarely has 3 places.
        return (as_decimal,) if convention is not None else (as_thousands,)
    return (as_decimal, as_thousands)


def _is_grouped(written: str, mark: str) -> bool:
    groups = written.split(mark)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def reading(value: Decimal, decimals: int) -> Reading:
    """The reading of a number written with ``decimals`` places."""
    written_step = Decimal(1).scaleb(-decimals)
    step = written_step
    if decimals == 0 and value != 0:
        digits = str(int(value))
        step = Decimal(1).scaleb(len(digits) - len(digits.rstrip("0")))
    return Reading(value, step, written_step)
