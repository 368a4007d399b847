"""An in-process provider that plays a script, so the loop is tested without a server.

A script is a function from (request, index of the request) to a list of steps:
stream deltas, ``Pause(seconds)``, or an exception instance to raise there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from desktop_app.core.conversation import ChatRequest
from desktop_app.core.stream import StreamDelta, StreamEnd, TextChunk, ToolCallBegin, ToolCallComplete


@dataclass(frozen=True)
class Pause:
    seconds: float


Step = StreamDelta | Pause | BaseException
Script = Callable[[ChatRequest, int], Sequence[Step]]


class ScriptedProvider:
    name = "scripted"

    def __init__(self, script: Script | Sequence[Sequence[Step]]) -> None:
        if callable(script):
            self._script: Script = script
        else:
            turns = list(script)
            self._script = lambda _request, index: turns[min(index, len(turns) - 1)]
        self.requests: list[ChatRequest] = []
        self.closed = False

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        index = len(self.requests)
        self.requests.append(request)
        for step in self._script(request, index):
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, BaseException):
                raise step
            else:
                yield step

    async def aclose(self) -> None:
        self.closed = True


def text_reply(text: str, finish: str = "stop") -> list[Step]:
    return [TextChunk(text), StreamEnd(finish, 10, 5)]


def tool_reply(*calls: tuple[str, str, str], text: str = "") -> list[Step]:
    """calls: (call_id, name, arguments json)."""
    steps: list[Step] = [TextChunk(text)] if text else []
    for call_id, name, arguments in calls:
        steps += [ToolCallBegin(call_id, name), ToolCallComplete(call_id, name, arguments)]
    return [*steps, StreamEnd("tool_calls", 10, 5)]
