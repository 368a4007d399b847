"""The calculator tool: a safe, exact arithmetic evaluator (no ``eval``).

Numbers written by the user are exact fractions, so ``0.1 + 0.2`` is ``0.3`` and
``1 / 3 * 3`` is ``1``; results that are not exact are marked "≈". The work is
done by :mod:`.expression` (the tokenizer and parser, with the rules of the
language), :mod:`.arithmetic` (the operations and functions, with the size
caps) and :mod:`.number_format` (how a value is shown); this module is the
tool the model calls, and re-exports the names the rest of the app uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.errors import ToolError
from ..base import Tool, ToolResult
from .arithmetic import Number
from .expression import MAX_EXPRESSION_LENGTH, evaluate, pretty_expression
from .number_format import describe

__all__ = ["Calculation", "Calculator", "Number", "calculate", "evaluate", "pretty_expression"]


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


def calculate(expression: str) -> Calculation:
    """Evaluate ``expression`` and format the result; raises :class:`ToolError` as :func:`evaluate`."""
    value = evaluate(expression)
    relation, text, short = describe(value)
    shown = expression.strip().removesuffix("=").strip()
    return Calculation(shown, value, relation, text, short)


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
