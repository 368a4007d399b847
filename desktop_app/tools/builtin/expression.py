"""The calculator's expression language: tokenizer and a parser that evaluates as it parses.

Numbers written in the expression are exact fractions, so ``0.1 + 0.2`` is
``0.3`` and ``1 / 3 * 3`` is ``1``. Functions with irrational results (``sin``,
``log``, ``pi``…) give floats, and anything combined with a float is a float
(see :mod:`.arithmetic`).

Rules worth knowing:

* ``,`` inside the parentheses of a function call always separates arguments:
  ``max(1,000, 2)`` is ``max(1, 0, 2)``. Anywhere else ``1,000,000`` is a number
  with thousands separators, which must come in groups of three digits.
* ``%`` followed by a number, a name or ``(`` is the modulo operator (``10 % 3``);
  otherwise it is a percent sign on the value just before it (``15%`` is 0.15,
  ``200 * 15%`` is 30, ``10 % -3`` is 0.1 - 3). It binds tighter than ``**``.
* ``-2 ** 2`` is -4 and ``2 ** 3 ** 2`` is 512, as in Python; ``^`` means ``**``.

Abuse is bounded: the expression length and the nesting depth are capped here,
the size of every value in :mod:`.arithmetic`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ...core.errors import ToolError
from .arithmetic import FUNCTIONS, MAX_DIGITS, Number, arity, binary, checked, range_error

__all__ = ["MAX_DEPTH", "MAX_EXPRESSION_LENGTH", "evaluate", "pretty_expression"]

MAX_EXPRESSION_LENGTH = 1000
MAX_DEPTH = 60

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
            value = binary(op.text, value, self.product(), op.pos)
        return value

    def product(self) -> Number:
        value = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/", "//", "%"):
            op = self.advance()
            value = binary(op.text, value, self.unary(), op.pos)
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
                return checked(-operand, op.pos) if op.text == "-" else operand
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Number:
        base = self.postfix()
        if self.token.kind == "op" and self.token.text == "**":
            op = self.advance()
            return binary("**", base, self.unary(), op.pos)
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
        if name not in FUNCTIONS:
            known = [*FUNCTIONS, "pi", "e"]
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            kind = "function" if is_call else "name"
            raise ToolError(
                f"Unknown {kind} {token.text!r} at position {token.pos + 1}.{hint} "
                f"The calculator knows {', '.join(FUNCTIONS)}, pi and e; it has no variables or units."
            )
        if not is_call:
            raise _syntax(token.pos, f"{name} is a function; write {name}(…).")
        open_paren = self.advance()
        args = self.arguments(open_paren)
        function, low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            message = f"{arity(name, low, high)}, got {len(args)} (position {token.pos + 1})."
            if re.search(r"\d,\d{3}", self.source[open_paren.pos : self.tokens[self.index - 1].end]):
                message += " Inside a function call commas separate arguments: write 1000, not 1,000."
            raise ToolError(message)
        try:
            result = function(*args)
        except ToolError as exc:
            raise ToolError(f"{exc.message.rstrip('.')} (position {token.pos + 1}).") from None
        except ArithmeticError as exc:
            raise range_error(exc, token.pos) from None
        except ValueError:
            raise ToolError(f"{name}() is not defined for that value (position {token.pos + 1}).") from None
        return checked(result, token.pos)

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


def evaluate(expression: str) -> Number:
    """The value of ``expression``: a ``Fraction`` when exact, a ``float`` otherwise.

    Raises :class:`ToolError` with a plain message (naming the 1-based position
    where that helps) for syntax errors, unknown names, division by zero and
    values beyond the limits in this module and :mod:`.arithmetic`.
    """
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ToolError(
            f"The expression is too long ({len(expression):,} characters; the limit is {MAX_EXPRESSION_LENGTH:,})."
        )
    value = _Parser(expression).parse()
    # Never show "-0" from -0.0.
    return 0.0 if value == 0 and isinstance(value, float) else value


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
