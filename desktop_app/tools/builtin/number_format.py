"""How the calculator shows a value: exact decimals when they are short, 15 significant digits otherwise."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from .arithmetic import Number

__all__ = ["describe"]

_SIGNIFICANT = 15  # digits shown for values that are not exact
_EXACT_TEXT_LIMIT = 50  # longer terminating decimals are shown rounded instead


def _plain(number: Decimal) -> str:
    """A rounded decimal as people write it: no trailing zeros, scientific only when long."""
    number = number.normalize()
    if number.is_zero():
        return "0"
    if -7 <= number.adjusted() < 21:
        return format(number, "f")
    return format(number, "e")


def _rounded(numerator: int, denominator: int = 1) -> Decimal:
    with localcontext() as context:
        context.prec = _SIGNIFICANT
        return Decimal(numerator) / Decimal(denominator)


def _digits(n: int) -> str:
    # str() refuses ints over 4,300 digits (CVE-2020-10735); Decimal converts any size exactly.
    return str(Decimal(n))


def _decimal_places(denominator: int) -> int | None:
    """How many decimals 1/denominator needs, or None when its expansion never ends."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def _exact_decimal(value: Fraction, places: int) -> str:
    scaled = value.numerator * (10**places // value.denominator)
    digits = _digits(abs(scaled)).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return f"-{text}" if scaled < 0 else text


def describe(value: Number) -> tuple[str, str, str]:
    """(relation, full text, short text) for a value."""
    if isinstance(value, float):
        # A float came from pi, e or a function with irrational results; even when it looks
        # round (cos(pi) gives -1.0) it is an approximation, and says so.
        text = _plain(_rounded(*value.as_integer_ratio()))
        return "≈", text, f"≈ {text}"
    places = _decimal_places(value.denominator)
    if places is not None and places <= _EXACT_TEXT_LIMIT:
        text = _exact_decimal(value, places)
        if places == 0 and len(text.lstrip("-")) > 21:
            # Nobody counts 40 digits by eye; the magnitude is given alongside.
            approx = _plain(_rounded(value.numerator))
            count = len(text.lstrip("-"))
            return "=", f"{text} (≈ {approx}, {count:,} digits)", f"≈ {approx}"
        if len(text) <= _EXACT_TEXT_LIMIT or places == 0:
            return "=", text, f"= {text}"
    text = _plain(_rounded(value.numerator, value.denominator))
    if value.numerator.bit_length() + value.denominator.bit_length() <= 80:  # about 24 digits
        return "≈", f"{text} (exactly {value})", f"≈ {text}"
    return "≈", text, f"≈ {text}"
