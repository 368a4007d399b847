"""Tools that ship with Backstage and need neither the network nor approval."""

from __future__ import annotations

from ..base import Tool
from .calculator import Calculator
from .clock import CurrentTime

__all__ = ["BUILTIN_TOOL_NAMES", "Calculator", "CurrentTime", "builtin_tools"]

BUILTIN_TOOL_NAMES: tuple[str, ...] = (Calculator.name, CurrentTime.name)


def builtin_tools() -> list[Tool]:
    """Fresh instances of every built-in tool, in the order of :data:`BUILTIN_TOOL_NAMES`."""
    return [Calculator(), CurrentTime()]
