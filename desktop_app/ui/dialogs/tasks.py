"""The asyncio tasks a dialog starts: kept while they run, cancelled when the dialog closes.

A dropped task handle can be garbage-collected mid-flight (ruff RUF006), and a
task that outlives its dialog would touch deleted widgets; :class:`DialogTasks`
prevents both. :func:`close_later` closes a provider nobody took, in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from ...core.errors import BackstageError, describe
from ...core.stream import Provider

log = logging.getLogger("backstage.window")

_closing: set[asyncio.Task[None]] = set()


class DialogTasks:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def start(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro``; a running task of the same name is cancelled first (the newer request wins)."""
        self.cancel(name)
        task = asyncio.get_running_loop().create_task(coro, name=f"dialog-{name}")
        self._tasks[name] = task
        task.add_done_callback(lambda t: self._done(name, t))
        return task

    def running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        for name in list(self._tasks):
            self.cancel(name)

    def _done(self, name: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if not task.cancelled() and task.exception() is not None:
            log.error("dialog task %s failed", name, exc_info=task.exception())


def plain_message(exc: BaseException) -> str:
    """What the user reads about ``exc``: the mapped error's message, never a traceback."""
    if not isinstance(exc, BackstageError):
        log.error("unexpected error in a dialog", exc_info=exc)
    return describe(exc).message


def close_later(provider: Provider | None) -> None:
    """Close a provider in the background (its HTTP connections), keeping the task until it ends."""
    if provider is None:
        return
    task = asyncio.get_running_loop().create_task(provider.aclose(), name="close-unused-provider")
    _closing.add(task)
    task.add_done_callback(_closing.discard)
