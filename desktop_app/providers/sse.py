"""Server-Sent Events: bytes in, events out, as the WHATWG HTML standard describes.

:class:`SSEDecoder` is incremental: feed it byte chunks split anywhere (inside a
line, a field name, a UTF-8 character or a CRLF pair) and it yields each event
once its terminating blank line has arrived. It never loops over bytes in
Python: lines are found with ``bytes.rfind`` and ``str.split``, and only
complete lines are decoded, so a multibyte character is never cut in two (line
endings are ASCII, and no UTF-8 sequence contains an ASCII byte).

The one deliberate departure from the standard is :meth:`SSEDecoder.flush`: the
standard drops an event the stream ends in the middle of, but several model
servers close the connection right after their last ``data:`` line without the
blank line. ``flush`` hands that event over; the caller decides whether the
stream was complete.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event.

    ``event`` is the ``event:`` field, or ``"message"`` when the server sent
    none. ``data`` is every ``data:`` line of the event joined with ``"\\n"``.
    ``id`` is the last event id seen on the stream so far (ids persist across
    events, as the standard says), ``""`` if none.
    """

    data: str
    event: str = "message"
    id: str = ""


class SSEDecoder:
    """Incremental decoder; one instance per stream, not thread-safe.

    ``retry`` holds the last valid ``retry:`` value in milliseconds (None if
    the server never sent one); this client does not reconnect, but callers may
    want to know.
    """

    def __init__(self) -> None:
        # Bytes of the current unterminated line, kept as parts so that a long
        # line arriving in many small chunks costs linear, not quadratic, time.
        self._pending: list[bytes] = []
        self._skip_lf = False  # the last chunk ended with CR: a leading LF belongs to it
        self._first_line = True  # a BOM may only appear at the very start
        self._data: list[str] = []
        self._has_data = False
        self._event = ""
        self._last_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Add bytes; return the events they complete, in stream order."""
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                if not chunk:
                    return []
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._pending.append(chunk)
            return []
        if self._pending:
            self._pending.append(chunk[: end + 1])
            complete = b"".join(self._pending)
        else:
            complete = chunk[: end + 1]
        rest = chunk[end + 1 :]
        self._pending = [rest] if rest else []
        # A CR that ends the chunk may be the first half of a CRLF split across chunks.
        self._skip_lf = not rest and chunk[end] == 0x0D
        return self._lines(complete.decode("utf-8", errors="replace"))

    def flush(self) -> list[SSEEvent]:
        """End of stream: treat a trailing unterminated line and event as finished.

        Returns at most one event. The decoder is reset and may be reused.
        """
        text = b"".join(self._pending).decode("utf-8", errors="replace")
        self._pending = []
        self._skip_lf = False
        events = self._lines(text + "\n") if text else []
        if self._has_data:
            events.extend(self._lines("\n"))
        self._event = ""
        self._first_line = True
        return events

    def _lines(self, text: str) -> list[SSEEvent]:
        """Process ``text``, which ends with a line terminator."""
        if self._first_line:
            self._first_line = False
            if text.startswith(_BOM):
                text = text[1:]
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        lines.pop()  # the text ends with a terminator: the last piece is always ""
        events: list[SSEEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if self._has_data:
                    events.append(SSEEvent("\n".join(data), self._event or "message", self._last_id))
                    data.clear()
                    self._has_data = False
                self._event = ""
                continue
            if line[0] == ":":
                continue  # a comment, e.g. a keep-alive
            name, colon, value = line.partition(":")
            if colon and value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
                self._has_data = True
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self._last_id = value
            elif name == "retry":
                if value.isascii() and value.isdigit():
                    self.retry = int(value)
            # Any other field name is ignored, as the standard says.
        return events


def iter_events(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Decode a whole byte stream given as chunks (flushes at the end)."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_events(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Async twin of :func:`iter_events`."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.flush():
        yield event
