"""The tool interface: what a tool declares and what it returns."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ..core.conversation import ToolSpec
from ..core.sources import SourceRecord

__all__ = ["Risk", "SourceRecord", "Tool", "ToolResult"]


class Risk(enum.StrEnum):
    """How much a tool can change or reveal. Only ``READ_ONLY`` runs without approval."""

    READ_ONLY = "read-only"
    NETWORK = "network"  # reaches a third party with data the model chose
    WRITES = "writes"  # changes files or state
    EXECUTES = "executes"  # runs code


@dataclass(frozen=True)
class ToolResult:
    """What a tool hands back. ``text`` goes to the model; ``sources`` to the user."""

    text: str
    sources: tuple[SourceRecord, ...] = ()
    is_error: bool = False


class Tool(ABC):
    """A capability the model may call.

    Subclasses set ``name``, ``description`` and ``parameters`` (a JSON schema
    object) and implement :meth:`run`. ``status`` and ``done_status`` give the
    plain-language lines the chat shows; the UI never invents them.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    risk: Risk = Risk.READ_ONLY
    timeout: float = 30.0

    @abstractmethod
    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Do the work. Raise :class:`~desktop_app.core.errors.ToolError` for a plain failure."""

    def status(self, args: dict[str, Any]) -> str:
        """The line shown while the tool runs, e.g. "Calculating 17 × 23…"."""
        return f"Running {self.name}…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        """The line shown once the tool succeeded (the duration is appended by the reader)."""
        return f"Ran {self.name}"

    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.parameters)
