"""The calculator tool: a safe, exact arithmetic evaluator (no ``eval``).

Numbers written by the user are exact fractions, so ``0.1 + 0.2`` is ``0.3`` and
``1 / 3 * 3`` is ``1``. Functions with irrational results (``sin``, ``log``,
``pi``…) give floats, and anything combined with a float is a float.

Rules worth knowing:

* ``,`` inside the parentheses of a function call always separates arguments:
  ``max(1,000, 2)`` is ``max(1, 0, 2)``. Anywhere else ``1,000,000`` is a number
  with thousands separators, which must come in groups of three digits.
* ``%`` followed by a number, a name or ``(`` is the modulo operator (``10 % 3``);
  otherwise it is a percent sign on the value just before it (``15%`` is 0.15,
  ``200 * 15%`` is 30, ``10 % -3`` is 0.1 - 3). It binds tighter than ``**``.
* ``-2 ** 2`` is -4 and ``2 ** 3 ** 2`` is 512, as in Python; ``^`` means ``**``.

Abuse is bounded: the expression length, the nesting depth and the size of every
exact value (about 10,000 digits) are capped, and huge powers are refused by an
estimate before any work is done.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from ...core.errors import ToolError
from ..base import Tool, ToolResult

__all__ = ["Calculation", "Calculator", "Number", "calculate", "evaluate", "pretty_expression"]

Number = Fraction | float

MAX_EXPRESSION_LENGTH = 1000
MAX_DEPTH = 60
MAX_DIGITS = 10_000
# An exact value past this many bits has more than about MAX_DIGITS decimal digits.
_MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10))
_SIGNIFICANT = 15  # digits shown for values that are not exact
_EXACT_TEXT_LIMIT = 50  # longer terminating decimals are shown rounded instead

_DIGITS = frozenset("0123456789")  # ASCII only: "²".isdigit() is true, and int("٣") is 3
_NUMBER_PLAIN = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?", re.ASCII)
# Thousands groups must be followed by a non-digit, so "1,0000" is not "1,000" then "0".
_NUMBER_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d*)?)(?:[eE]([+-]?\d+))?", re.ASCII)
_NAME = re.compile(r"[A-Za-z_π][A-Za-z0-9_]*")
_OPERATORS = {"**": "**", "//": "//", "+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "^": "**"}
# Typographic signs a model or a user may paste.
_ALIASES = {"×": "*", "÷": "/", "−": "-", "⋅": "*"}
_PRETTY = {"*": "×", "/": "÷", "**": "^"}

_CONSTANTS: dict[str, Number] = {"pi": math.pi, "π": math.pi, "e": math.e}


# -- tokens ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    text: str  # operators are normalised ("^" becomes "**")
    pos: int  # 0-based offset in the expression as given
    end: int
    value: Fraction | None = None


def _syntax(pos: int, message: str) -> ToolError:
    return ToolError(f"Syntax error at position {pos + 1}: {message}")


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    # One entry per open parenthesis: True when it opens a function call's argument list.
    parens: list[bool] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and source[i + 1 : i + 2] in _DIGITS):
            in_call = any(parens)
            match = None if in_call else _NUMBER_GROUPED.match(source, i)
            match = match or _NUMBER_PLAIN.match(source, i)
            assert match is not None  # the test above saw a digit
            end = match.end()
            if not in_call and source[end : end + 1] == "," and source[end + 1 : end + 2] in _DIGITS:
                raise _syntax(
                    end,
                    "misplaced comma in a number; thousands separators need groups of three digits "
                    "(1,000,000), or write the number without commas.",
                )
            value = _parse_number(match.group(1), match.group(2), i)
            tokens.append(_Token("num", source[i:end], i, end, value))
            i = end
            continue
        name = _NAME.match(source, i)
        if name:
            tokens.append(_Token("name", name.group(), i, name.end()))
            i = name.end()
            continue
        op = source[i : i + 2] if source[i : i + 2] in _OPERATORS else _ALIASES.get(ch, ch)
        if op in _OPERATORS:
            width = 2 if len(op) == 2 else 1
            tokens.append(_Token("op", _OPERATORS[op], i, i + width))
            i += width
            continue
        if ch == "(":
            parens.append(bool(tokens) and tokens[-1].kind == "name")
        elif ch == ")":
            if parens:
                parens.pop()
        elif ch != ",":
            if ch == "=" and not source[i + 1 :].strip():
                break  # "17 * 23 =" is a common way to ask; the "=" adds nothing
            raise _syntax(i, f"unexpected character {ch!r}.")
        tokens.append(_Token(ch, ch, i, i + 1))
        i += 1
    tokens.append(_Token("end", "", len(source), len(source)))
    return tokens


def _parse_number(mantissa: str, exponent: str | None, pos: int) -> Fraction:
    whole, _, decimals = mantissa.replace(",", "").partition(".")
    scale = int(exponent) - len(decimals) if exponent else -len(decimals)
    digits = int((whole or "0") + decimals)
    if digits == 0:
        return Fraction(0)  # without building 10**scale for "0e999999999"
    # Checked before 10**scale is built, so "1e999999999" costs nothing.
    if len(str(digits)) + scale > MAX_DIGITS or scale < -MAX_DIGITS:
        raise ToolError(
            f"The number at position {pos + 1} is too large or too small; the calculator works with "
            f"at most {MAX_DIGITS:,} digits."
        )
    return Fraction(digits * 10**scale) if scale >= 0 else Fraction(digits, 10**-scale)


# -- arithmetic -----------------------------------------------------------------


class _OutOfRange(ArithmeticError):
    """A result too large, or too close to zero, to carry; ``log10`` is its size when known."""

    def __init__(self, large: bool, log10: float | None = None) -> None:
        super().__init__("too large" if large else "too small")
        self.large = large
        self.log10 = log10


def _range_error(exc: ArithmeticError, pos: int) -> ToolError:
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


def _checked(value: Number, pos: int) -> Number:
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
        raise _range_error(_OutOfRange(True), pos)
    return value


def _binary(op: str, left: Number, right: Number, pos: int) -> Number:
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
        raise _range_error(exc, pos) from None
    except ToolError as exc:
        raise ToolError(f"{exc.message.rstrip('.')} (position {pos + 1}).") from None
    if op == "//" and isinstance(result, float) and math.isfinite(result):
        result = Fraction(math.floor(result))
    return _checked(result, pos)


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
_FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
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


def _arity(name: str, low: int, high: int | None) -> str:
    if high is None:
        return f"{name}() takes at least {low} argument{'s' if low > 1 else ''}"
    if low == high:
        return f"{name}() takes {low} argument{'s' if low > 1 else ''}"
    return f"{name}() takes {low} or {high} arguments"


# -- parser ---------------------------------------------------------------------


class _Parser:
    """Recursive descent that evaluates as it parses.

    Grammar, loosest first (``%`` is modulo or percent as the module docstring says)::

        sum     := product (("+" | "-") product)*
        product := unary (("*" | "/" | "//" | "%") unary)*
        unary   := ("-" | "+") unary | power
        power   := postfix ("**" unary)?        # right-associative; -2**2 is -(2**2)
        postfix := primary "%"*
        primary := number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.calls = 0  # how many function-call argument lists enclose the current token

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Number:
        if self.token.kind == "end":
            raise ToolError("The expression is empty.")
        value = self.sum()
        if self.token.kind == ")":
            raise _syntax(self.token.pos, "this ')' has no matching '('.")
        if self.token.kind != "end":
            raise self.unexpected("an operator or the end of the expression")
        return value

    def unexpected(self, expected: str) -> ToolError:
        token = self.token
        if token.kind == "end":
            return _syntax(token.pos, f"the expression ended early; expected {expected}.")
        found = repr(self.source[token.pos : token.end])
        if token.kind == "," and not self.calls:
            return _syntax(token.pos, "unexpected ','; commas only separate the arguments of a function.")
        if token.kind in ("num", "name", "(") and expected.startswith("an operator"):
            return _syntax(token.pos, f"missing operator before {found} (write 2 * pi, not 2pi).")
        return _syntax(token.pos, f"expected {expected} but found {found}.")

    def sum(self) -> Number:
        value = self.product()
        while self.token.kind == "op" and self.token.text in ("+", "-"):
            op = self.advance()
            value = _binary(op.text, value, self.product(), op.pos)
        return value

    def product(self) -> Number:
        value = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/", "//", "%"):
            op = self.advance()
            value = _binary(op.text, value, self.unary(), op.pos)
        return value

    def unary(self) -> Number:
        # Every recursive path passes through here, so this one counter bounds the nesting.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ToolError(f"The expression is nested too deeply (more than {MAX_DEPTH} levels).")
        try:
            if self.token.kind == "op" and self.token.text in ("+", "-"):
                op = self.advance()
                operand = self.unary()
                return _checked(-operand, op.pos) if op.text == "-" else operand
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Number:
        base = self.postfix()
        if self.token.kind == "op" and self.token.text == "**":
            op = self.advance()
            return _binary("**", base, self.unary(), op.pos)
        return base

    def postfix(self) -> Number:
        value = self.primary()
        while self.token.kind == "op" and self.token.text == "%":
            following = self.tokens[self.index + 1]
            if following.kind in ("num", "name", "("):
                break  # modulo, left to product()
            self.advance()
            value = value / 100
        return value

    def primary(self) -> Number:
        token = self.token
        if token.kind == "num":
            self.advance()
            assert token.value is not None
            return token.value
        if token.kind == "(":
            self.advance()
            value = self.sum()
            self.expect(")", "')' to close the '(' at position " + str(token.pos + 1))
            return value
        if token.kind == "name":
            self.advance()
            return self.name(token)
        raise self.unexpected("a number, a name or '('")

    def expect(self, kind: str, description: str) -> None:
        if self.token.kind != kind:
            raise self.unexpected(description)
        self.advance()

    def name(self, token: _Token) -> Number:
        name = token.text.lower()
        is_call = self.token.kind == "("
        if name in _CONSTANTS:
            if is_call:
                raise _syntax(token.pos, f"{token.text} is a constant, not a function.")
            return _CONSTANTS[name]
        if name not in _FUNCTIONS:
            known = [*_FUNCTIONS, "pi", "e"]
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            kind = "function" if is_call else "name"
            raise ToolError(
                f"Unknown {kind} {token.text!r} at position {token.pos + 1}.{hint} "
                f"The calculator knows {', '.join(_FUNCTIONS)}, pi and e; it has no variables or units."
            )
        if not is_call:
            raise _syntax(token.pos, f"{name} is a function; write {name}(…).")
        open_paren = self.advance()
        args = self.arguments(open_paren)
        function, low, high = _FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            message = f"{_arity(name, low, high)}, got {len(args)} (position {token.pos + 1})."
            if re.search(r"\d,\d{3}", self.source[open_paren.pos : self.tokens[self.index - 1].end]):
                message += " Inside a function call commas separate arguments: write 1000, not 1,000."
            raise ToolError(message)
        try:
            result = function(*args)
        except ToolError as exc:
            raise ToolError(f"{exc.message.rstrip('.')} (position {token.pos + 1}).") from None
        except ArithmeticError as exc:
            raise _range_error(exc, token.pos) from None
        except ValueError:
            raise ToolError(f"{name}() is not defined for that value (position {token.pos + 1}).") from None
        return _checked(result, token.pos)

    def arguments(self, open_paren: _Token) -> list[Number]:
        self.calls += 1
        try:
            args = [self.sum()]
            while self.token.kind == ",":
                self.advance()
                args.append(self.sum())
            self.expect(")", f"',' or ')' to close the '(' at position {open_paren.pos + 1}")
            return args
        finally:
            self.calls -= 1


# -- formatting -----------------------------------------------------------------


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


@dataclass(frozen=True)
class Calculation:
    """An evaluated expression ready to show.

    ``relation`` is "=" when ``text`` is the exact value and "≈" when it is rounded.
    ``short`` is relation and value together, short enough for a status line
    (a huge integer is shown there in scientific notation, hence with "≈").
    """

    expression: str
    value: Number
    relation: str
    text: str
    short: str

    def __str__(self) -> str:
        return f"{self.expression} {self.relation} {self.text}"


def _describe(value: Number) -> tuple[str, str, str]:
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


def evaluate(expression: str) -> Number:
    """The value of ``expression``: a ``Fraction`` when exact, a ``float`` otherwise.

    Raises :class:`ToolError` with a plain message (naming the 1-based position
    where that helps) for syntax errors, unknown names, division by zero and
    values beyond the limits in this module.
    """
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ToolError(
            f"The expression is too long ({len(expression):,} characters; the limit is {MAX_EXPRESSION_LENGTH:,})."
        )
    value = _Parser(expression).parse()
    # Never show "-0" from -0.0.
    return 0.0 if value == 0 and isinstance(value, float) else value


def calculate(expression: str) -> Calculation:
    """Evaluate ``expression`` and format the result; raises :class:`ToolError` as :func:`evaluate`."""
    value = evaluate(expression)
    relation, text, short = _describe(value)
    shown = expression.strip().removesuffix("=").strip()
    return Calculation(shown, value, relation, text, short)


def pretty_expression(expression: str, limit: int = 80) -> str:
    """``expression`` with ``*`` shown as ×, ``/`` as ÷ and ``**`` as ^, spacing kept, cut at ``limit``.

    Never raises: text that does not tokenize is returned as written.
    """
    text = expression.strip().removesuffix("=").strip()
    try:
        tokens = _tokenize(text)
    except ToolError:
        tokens = []
    parts: list[str] = []
    last = 0
    for token in tokens:
        if token.kind == "op" and token.text in _PRETTY:
            parts += [text[last : token.pos], _PRETTY[token.text]]
            last = token.end
    parts.append(text[last:])
    pretty = "".join(parts)
    return pretty if len(pretty) <= limit else pretty[: limit - 1] + "…"


# -- the tool -------------------------------------------------------------------


class Calculator(Tool):
    """Exact arithmetic for the model, so it never has to compute in its head."""

    name = "calculator"
    description = (
        "Evaluate an arithmetic expression and return its value. Use it for any arithmetic rather than "
        "computing in your head. Numbers are exact decimals (0.1 + 0.2 = 0.3); results marked ≈ are "
        "approximate, to 15 significant digits. Supports + - * / // (floor division) % (modulo), ** or ^ "
        "(power), parentheses, unary minus, scientific notation (1.5e3), percent (15% is just 0.15, "
        "so write 200 * 1.1 or 200 * (1 + 10%) for a 10% increase), "
        "thousands separators (1,000,000, but not inside function calls, where commas separate "
        "arguments), constants pi and e, and functions sqrt, abs, round(x[, places]), min, max, floor, "
        "ceil, log(x) (natural) or log(x, base), ln, log10, exp, sin, cos, tan (radians). "
        "No variables, units or dates."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "description": 'The expression, e.g. "17 * 23" or "sqrt(2) * (1 + 5%)".',
                "minLength": 1,
                "maxLength": MAX_EXPRESSION_LENGTH,
            }
        },
        "required": ["expression"],
        "additionalProperties": False,
    }

    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Return "<expression> = <value>" (or "≈" when rounded); raise ToolError on bad input."""
        return ToolResult(str(calculate(_expression(args))))

    def status(self, args: dict[str, Any]) -> str:
        return f"Calculating {_pretty_arg(args)}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        pretty = _pretty_arg(args)
        try:
            # Cheap and bounded, and it keeps done_status independent of the result text's layout.
            outcome = calculate(_expression(args))
        except ToolError:
            return f"Calculated {pretty}"
        short = outcome.short if len(outcome.short) <= 40 else outcome.short[:39] + "…"
        return f"Calculated {pretty} {short}"


def _expression(args: dict[str, Any]) -> str:
    expression = args.get("expression")
    if not isinstance(expression, str):
        raise ToolError("The calculator needs an 'expression' string, e.g. \"17 * 23\".")
    return expression


def _pretty_arg(args: dict[str, Any]) -> str:
    expression = args.get("expression")
    return pretty_expression(expression) if isinstance(expression, str) else ""
