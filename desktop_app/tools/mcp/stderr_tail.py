"""The last few kilobytes a server process wrote on stderr, kept to explain why it failed.

The SDK hands the server's stderr straight to the child process as a file, so the
capture is an OS pipe: the child writes into one end, a daemon thread reads the
other into a bounded buffer. A thread rather than the event loop because reading
an anonymous pipe is not portable across asyncio's loops (Windows' proactor cannot),
and a daemon one because a grandchild that keeps the pipe open must not hold up exit.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import IO

from ...core.errors import redact

__all__ = ["StderrTail"]


class StderrTail:
    """Collects a child's stderr; :meth:`text` returns its last lines, redacted.

    Use: pass :attr:`writer` as the child's stderr, call :meth:`child_started` once the
    child exists (the parent's copy of the write end must close for EOF to arrive),
    and :meth:`finish` after the child has exited. All methods run on the event loop's
    thread except the reader, which only touches the buffer under its lock.
    """

    def __init__(self, limit: int = 8192) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self._lock = threading.Lock()
        read_fd, write_fd = os.pipe()
        self._reader_file = os.fdopen(read_fd, "rb", buffering=0)
        self.writer: IO[str] | None = os.fdopen(write_fd, "w", encoding="utf-8", errors="replace")
        self._eof = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._eof_async: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._read, name="mcp-stderr", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := self._reader_file.read(4096):
                with self._lock:
                    self._buffer += chunk
                    if len(self._buffer) > self._limit:
                        del self._buffer[: len(self._buffer) - self._limit]
        except OSError:
            pass
        finally:
            self._reader_file.close()
            self._eof.set()
            loop, event = self._loop, self._eof_async
            if loop is not None and event is not None:
                try:
                    loop.call_soon_threadsafe(event.set)
                except RuntimeError:  # the loop is already closed: nobody is waiting
                    pass

    def child_started(self) -> None:
        """Close the parent's write end, so EOF arrives when the child (and its children) exit."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def finish(self, grace: float = 2.0) -> None:
        """Wait (at most ``grace`` seconds) until the child's last words have been read.

        Call only once the child has exited; cancellation just stops the waiting.
        """
        self.child_started()
        if self._eof.is_set():
            return
        self._loop = asyncio.get_running_loop()
        self._eof_async = asyncio.Event()
        if self._eof.is_set():  # the reader finished before it could see the event
            return
        try:
            async with asyncio.timeout(grace):
                await self._eof_async.wait()
        except TimeoutError:  # a descendant still holds the pipe; use what arrived
            pass

    def text(self, max_lines: int = 12) -> str:
        """The last ``max_lines`` non-empty lines, secrets masked; "" when nothing was written."""
        with self._lock:
            data = bytes(self._buffer)
        lines = [line.rstrip() for line in data.decode("utf-8", errors="replace").splitlines()]
        lines = [line for line in lines if line.strip()]
        return redact("\n".join(lines[-max_lines:]))
