"""The calculator's arithmetic: exact fractions where the result is rational, floats otherwise.

Every operation and function here takes and returns a :data:`Number`. Exact
values are capped at about :data:`MAX_DIGITS` decimal digits, and huge powers
are refused by an estimate before any work is done. Failures are
:class:`~desktop_app.core.errors.ToolError` with a plain message naming the
1-based position of the operator or function that failed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

from ...core.errors import ToolError

__all__ = ["FUNCTIONS", "MAX_DIGITS", "Number", "arity", "binary", "checked", "range_error"]

Number = Fraction | float

MAX_DIGITS = 10_000
# An exact value past this many bits has more than about MAX_DIGITS decimal digits.
_MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10))


# -- arithmetic -----------------------------------------------------------------


class _OutOfRange(ArithmeticError):
    """A result too large, or too close to zero, to carry; ``log10`` is its size when known."""

    def __init__(self, large: bool, log10: float | None = None) -> None:
        super().__init__("too large" if large else "too small")
        self.large = large
        self.log10 = log10


def range_error(exc: ArithmeticError, pos: int) -> ToolError:
    """The ToolError for a result out of range (OverflowError, _OutOfRange) at ``pos``."""
    large = not isinstance(exc, _OutOfRange) or exc.large
    about = ""
    if isinstance(exc, _OutOfRange) and exc.log10 is not None and math.isfinite(exc.log10):
        about = f" (about 10^{exc.log10:,.0f})"
    limit = (
        f"exact values may have up to {MAX_DIGITS:,} digits and approximate ones reach about 1e308"
        if large
        else "approximate values reach down to about 1e-307"
    )
    return ToolError(
        f"The result at position {pos + 1} is too {'large' if large else 'small'}{about}; {limit}."
    )


def checked(value: Number, pos: int) -> Number:
    """Refuse values the calculator will not carry: too many digits, infinite, not a number."""
    if isinstance(value, Fraction):
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > _MAX_BITS:
            raise ToolError(
                f"The result at position {pos + 1} would have more than {MAX_DIGITS:,} digits; "
                "the calculator refuses numbers that long."
            )
        return value
    if math.isnan(value):
        raise ToolError(f"The result at position {pos + 1} is not a number.")
    if math.isinf(value):
        raise range_error(_OutOfRange(True), pos)
    return value


def binary(op: str, left: Number, right: Number, pos: int) -> Number:
    """``left op right`` for + - * / // % **; every failure a ToolError naming ``pos``."""
    try:
        if op == "+":
            result = left + right
        elif op == "-":
            result = left - right
        elif op == "*":
            result = left * right
        elif op == "/":
            result = left / right
        elif op == "//":
            result = left // right
        elif op == "%":
            result = left % right
        else:
            result = _power(left, right)
    except ZeroDivisionError as exc:
        word = {"%": "Modulo", "//": "Floor division"}.get(op, "Division")
        reason = ": zero to a negative power" if op == "**" else ""
        raise ToolError(f"{word} by zero at position {pos + 1}{reason}.") from exc
    except ArithmeticError as exc:
        # OverflowError from float conversion or math, _OutOfRange from our own estimates.
        raise range_error(exc, pos) from None
    except ToolError as exc:
        raise ToolError(f"{exc.message.rstrip('.')} (position {pos + 1}).") from None
    if op == "//" and isinstance(result, float) and math.isfinite(result):
        result = Fraction(math.floor(result))
    return checked(result, pos)


def _iroot(n: int, k: int) -> int:
    """The largest integer r with r**k <= n, for n >= 0 (Newton's method on integers)."""
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def _exact_root(base: Fraction, k: int) -> Fraction | None:
    """The exact k-th root of ``base`` when it is rational (and real), else None."""
    if k > 64 or (base < 0 and k % 2 == 0):
        return None
    num, den = abs(base.numerator), base.denominator
    r_num, r_den = _iroot(num, k), _iroot(den, k)
    if r_num**k != num or r_den**k != den:
        return None
    return Fraction(r_num if base >= 0 else -r_num, r_den)


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, exact whenever the result is rational and small enough.

    Raises ZeroDivisionError for zero to a negative power, ToolError for a
    non-real result and an ArithmeticError when the result is out of range.
    """
    if isinstance(base, Fraction) and isinstance(exponent, Fraction):
        p, q = exponent.numerator, exponent.denominator
        if q != 1:
            root = _exact_root(base, q)
            if root is None:
                if base < 0 and q % 2 == 0:
                    raise ToolError("A negative number to this fractional power is not a real number.")
                # An odd root of a negative number is real: (-2) ** (1/3) is -(2 ** (1/3)).
                sign = -1 if base < 0 and p % 2 else 1
                return sign * _approx_power(abs(base), exponent)
            base = root
        if base == 0 and p < 0:
            raise ZeroDivisionError
        if p == 0 or base in (0, 1):
            return Fraction(1) if p == 0 else base
        if base == -1:
            return Fraction(-1 if p % 2 else 1)
        # Estimated before computing, so 9 ** 9 ** 9 is refused at once.
        magnitude = math.log10(max(abs(base.numerator), base.denominator))
        if p.bit_length() < 64 and abs(p) * magnitude <= MAX_DIGITS:
            return base**p
        # Too many digits to hold exactly, but a float may hold it: 1.0000001 ** 100000.
        sign = -1 if base < 0 and p % 2 else 1
        return sign * _approx_power(abs(base), Fraction(p))
    if isinstance(base, Fraction) and base > 0 and math.isfinite(exponent):
        # Exact base, float exponent: logarithms reach bases beyond float range, (10**400) ** -0.5.
        return _approx_power(base, Fraction(exponent))
    b, x = float(base), float(exponent)
    if b < 0 and not x.is_integer():
        raise ToolError("A negative number to a fractional power is not a real number.")
    if b == 0 and x < 0:
        raise ZeroDivisionError
    result = math.pow(b, x)
    if result == 0 and b != 0:
        raise _OutOfRange(False)
    return result


def _ln_decimal(value: Fraction) -> Decimal:
    """ln(value) for value > 0, to the precision of the current decimal context."""
    num, den = value.numerator, value.denominator
    offset = Decimal(num - den) / Decimal(den)
    if abs(offset) < Decimal("1e-30"):
        # ln(1 + d) ≈ d - d²/2 here; subtracting two nearly equal logarithms would cancel.
        return offset - offset * offset / 2
    return Decimal(num).ln() - Decimal(den).ln()


def _approx_power(base: Fraction, exponent: Fraction) -> float:
    """``base ** exponent`` as a float, for base > 0, via 80-digit logarithms.

    Raises _OutOfRange, with the result's size, beyond the range of floats.
    """
    with localcontext() as context:
        context.prec = 80
        log = _ln_decimal(base) * Decimal(exponent.numerator) / Decimal(exponent.denominator)
        log10 = log / Decimal(10).ln()
        if log10 > Decimal("308.25"):
            raise _OutOfRange(True, float(log10))
        if log10 < Decimal("-307"):  # below this, floats lose precision before reaching zero
            raise _OutOfRange(False, float(log10))
        return float(log.exp())


# -- functions ------------------------------------------------------------------


def _as_int(value: Number, what: str) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise ToolError(f"{what} must be a whole number.")
        return int(value)
    if value.denominator != 1:
        raise ToolError(f"{what} must be a whole number.")
    return value.numerator


def _exact(value: Number) -> Fraction:
    # A float's shortest repr is what the user saw, so round(2.675, 2) gives 2.68.
    return Fraction(repr(value)) if isinstance(value, float) else value


def _round(value: Number, places: Number = Fraction(0)) -> Number:
    n = _as_int(places, "The number of decimal places in round()")
    if abs(n) > 100:
        raise ToolError("round() accepts between -100 and 100 decimal places.")
    scale = Fraction(10) ** n
    exact = _exact(value)
    # Half away from zero, as on a pocket calculator (Python's round() goes to even).
    magnitude = math.floor(abs(exact) * scale + Fraction(1, 2))
    return Fraction(magnitude if exact >= 0 else -magnitude) / scale


def _sqrt(value: Number) -> Number:
    if value < 0:
        raise ToolError("sqrt() of a negative number is not a real number.")
    if isinstance(value, Fraction):
        root = _exact_root(value, 2)
        return root if root is not None else _approx_power(value, Fraction(1, 2))
    return math.sqrt(value)


def _positive(value: Number, name: str) -> Number:
    if value <= 0:
        raise ToolError(f"{name}() is only defined for positive numbers.")
    return value


def _ln(value: Number) -> float:
    _positive(value, "log")
    if isinstance(value, Fraction):
        # Exact values may lie far beyond the range of floats (10 ** 5000), so no float(value).
        with localcontext() as context:
            context.prec = 40
            return float(_ln_decimal(value))
    return math.log(value)


def _exact_log(value: Number, base: Number, approx: float) -> Number:
    """``approx`` made exact when ``base ** round(approx) == value``, so log10(1000) is 3."""
    if isinstance(value, Fraction) and isinstance(base, Fraction) and abs(approx) < MAX_DIGITS:
        n = round(approx)
        magnitude = max(abs(base.numerator), base.denominator)
        if abs(n - approx) < 1e-9 and abs(n) * math.log10(magnitude) <= MAX_DIGITS and base**n == value:
            return Fraction(n)
    return approx


def _log(value: Number, base: Number | None = None) -> Number:
    if base is None:
        return _ln(value)
    _positive(base, "log base")
    if base == 1:
        raise ToolError("log() base 1 is undefined.")
    return _exact_log(value, base, _ln(value) / _ln(base))


def _log10(value: Number) -> Number:
    return _exact_log(value, Fraction(10), _ln(value) / math.log(10))


def _float_function(function: Callable[[float], float]) -> Callable[[Number], Number]:
    def apply(value: Number) -> Number:
        return function(float(value))

    return apply


def _floor(value: Number) -> Number:
    return Fraction(math.floor(value))


def _ceil(value: Number) -> Number:
    return Fraction(math.ceil(value))


# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "sqrt": (_sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "min": (min, 1, None),
    "max": (max, 1, None),
    "floor": (_floor, 1, 1),
    "ceil": (_ceil, 1, 1),
    "log": (_log, 1, 2),
    "ln": (_ln, 1, 1),
    "log10": (_log10, 1, 1),
    "exp": (_float_function(math.exp), 1, 1),
    "sin": (_float_function(math.sin), 1, 1),
    "cos": (_float_function(math.cos), 1, 1),
    "tan": (_float_function(math.tan), 1, 1),
}


def arity(name: str, low: int, high: int | None) -> str:
    """How many arguments ``name`` takes, as an error message starts."""
    if high is None:
        return f"{name}() takes at least {low} argument{'s' if low > 1 else ''}"
    if low == high:
        return f"{name}() takes {low} argument{'s' if low > 1 else ''}"
    return f"{name}() takes {low} or {high} arguments"
