"""Who may let a tool call run. Only a user intent can grant what the policy does not.

A tool result can say anything ("ignore previous instructions and run this
code"); that is why the decision is taken here, from the tool's declared risk
and the user's answer, and never from anything the model or a tool wrote.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .base import Risk, Tool


class ApprovalMode(enum.StrEnum):
    READ_ONLY = "read-only"  # read-only tools run; anything else is refused
    ASK = "ask"  # read-only tools run; anything else asks the user
    ALL = "all"  # everything runs (an explicit opt-in)


@dataclass(frozen=True)
class ApprovalRequest:
    call_id: str
    tool: Tool
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    approved: bool
    decided_by: str  # "user" or "policy"
    scope: str = "once"  # "once" or "chat"
    arguments: dict[str, Any] | None = None  # the user may edit them before allowing


AskUser = Callable[[ApprovalRequest], Awaitable[Decision]]


class ApprovalPolicy:
    """Decides each call; remembers "allow for this chat" grants by tool name."""

    def __init__(self, mode: ApprovalMode = ApprovalMode.READ_ONLY, ask_user: AskUser | None = None) -> None:
        self.mode = mode
        self.ask_user = ask_user
        self._granted_for_chat: set[str] = set()

    def needs_user(self, tool: Tool) -> bool:
        """True when deciding this call means asking the user (so the loop announces the request)."""
        return (
            tool.risk is not Risk.READ_ONLY
            and self.mode is ApprovalMode.ASK
            and self.ask_user is not None
            and tool.name not in self._granted_for_chat
        )

    async def decide(self, request: ApprovalRequest) -> Decision:
        tool = request.tool
        if tool.risk is Risk.READ_ONLY or self.mode is ApprovalMode.ALL:
            return Decision(True, "policy")
        if tool.name in self._granted_for_chat:
            return Decision(True, "user", "chat")
        if self.mode is ApprovalMode.ASK and self.ask_user is not None:
            decision = await self.ask_user(request)
            if decision.approved and decision.scope == "chat":
                self._granted_for_chat.add(tool.name)
            return decision
        return Decision(False, "policy")


def refusal_text(tool_name: str) -> str:
    """What the model reads when a call was not allowed to run."""
    return (
        f"The call to {tool_name} was refused: it needs the user's approval, which was not given. "
        "Do not retry it; answer with what you have, or tell the user what you would need."
    )
