"""The set of tools offered to the model, and the one place a tool call is executed.

Execution never raises for anything the model did wrong: an unknown name,
arguments that are not JSON or break the schema, a tool that raises or runs
past its timeout all become an error result the model can read and react to.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import jsonschema

from ..core.conversation import ToolSpec
from ..core.errors import BackstageError, redact
from .base import Tool, ToolResult


class ToolRegistry:
    """Tools by name, in the order they were added (the order the model sees)."""

    def __init__(self, tools: Iterable[Tool] = (), *, default_timeout: float | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}
        self.default_timeout = default_timeout
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        cls = jsonschema.validators.validator_for(tool.parameters)
        cls.check_schema(tool.parameters)
        self._tools[tool.name] = tool
        self._validators[tool.name] = cls(tool.parameters)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(tool.spec() for tool in self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def parse_arguments(self, name: str, raw: str) -> tuple[dict[str, Any] | None, str | None]:
        """Parse and validate a call's raw JSON arguments: (args, None) or (None, problem)."""
        tool = self._tools.get(name)
        if tool is None:
            available = ", ".join(self._tools) or "none"
            return None, f"There is no tool named {name!r}. Available tools: {available}."
        try:
            args = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return None, f"The arguments for {name} were not valid JSON ({exc.msg} at position {exc.pos})."
        if not isinstance(args, dict):
            return None, f"The arguments for {name} must be a JSON object."
        error = jsonschema.exceptions.best_match(self._validators[name].iter_errors(args))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "arguments"
            return None, f"The arguments for {name} do not match its schema ({where}: {error.message})."
        return args, None

    async def execute(self, tool: Tool, args: dict[str, Any]) -> ToolResult:
        """Run ``tool`` with its timeout; every failure becomes an error result."""
        timeout = tool.timeout if self.default_timeout is None else self.default_timeout
        try:
            async with asyncio.timeout(timeout):
                result = await tool.run(args)
        except TimeoutError:
            return ToolResult(
                f"The tool {tool.name} did not finish within {timeout:g} seconds.", is_error=True
            )
        except BackstageError as exc:
            return ToolResult(exc.message, is_error=True)
        except Exception as exc:  # a crashing tool must not crash the turn
            return ToolResult(
                f"The tool {tool.name} failed: {redact(str(exc)) or type(exc).__name__}", is_error=True
            )
        if not isinstance(result, ToolResult):
            return ToolResult(f"The tool {tool.name} returned no result.", is_error=True)
        return result
