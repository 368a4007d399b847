"""Cutting a streaming Markdown answer into blocks, so only the last one is ever re-rendered.

A block is a paragraph-level piece (paragraph, list, table, heading…) or a
fenced code block. Once a block can no longer change it is *frozen*: the chat
renders it once and never touches it again. Only the still-growing tail is
re-rendered per frame, which keeps the cost of an update independent of the
answer's length.

Each character is scanned once (:meth:`BlockSplitter.feed` looks only at lines
completed since the last call), so feeding is O(size of the new text).
No Qt here: this is plain text processing, tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["markdown", "code"]

# CommonMark fences: up to three spaces, then ``` or ~~~ (three or more), then an info string.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str  # Markdown source, or the code itself (without fences)
    language: str = ""


class BlockSplitter:
    """Feed text as it streams; :meth:`take` hands out newly frozen blocks and the current tail."""

    def __init__(self) -> None:
        self._buf = ""  # text since the last frozen boundary
        self._scanned = 0  # offset in _buf up to which whole lines were examined
        self._fence: str | None = None  # the opening fence while inside a code block
        self._language = ""
        self._code_start = 0  # offset in _buf where the code itself begins
        self._blank_at: int | None = None  # offset of a blank line that may end a paragraph
        self._frozen: list[Block] = []

    def feed(self, text: str) -> None:
        self._buf += text
        while True:
            end = self._buf.find("\n", self._scanned)
            if end < 0:
                return
            self._line(self._scanned, end)

    def take(self) -> tuple[list[Block], Block | None]:
        """Blocks frozen since the last call, and the growing tail (None when there is none yet)."""
        frozen, self._frozen = self._frozen, []
        return frozen, self.tail()

    def tail(self) -> Block | None:
        if self._fence is not None:
            return Block("code", self._buf[self._code_start :], self._language)
        return Block("markdown", self._buf.strip("\n")) if self._buf.strip() else None

    def finish(self) -> list[Block]:
        """End of stream: everything still open is frozen (an unclosed fence stays code)."""
        if self._buf and not self._buf.endswith("\n"):
            self.feed("\n")  # the last line is complete now: apply the paragraph rule to it too
        tail = self.tail()
        if tail is not None:
            self._frozen.append(tail)
        self._buf, self._scanned, self._fence, self._blank_at = "", 0, None, None
        frozen, self._frozen = self._frozen, []
        return frozen

    # -- line rules ------------------------------------------------------------

    def _line(self, start: int, end: int) -> None:
        line = self._buf[start:end]
        self._scanned = end + 1
        if self._fence is not None:
            stripped = line.strip()
            if stripped.startswith(self._fence) and not stripped.strip(self._fence[0]):
                code = self._buf[self._code_start : start]
                self._frozen.append(Block("code", code, self._language))
                self._cut(end + 1)
                self._fence = None
            return
        fence = _FENCE.match(line)
        if fence:
            self._freeze_markdown(start)  # also cuts, so the fence line now starts the buffer
            self._fence = fence.group(1)
            self._language = fence.group(2).lower()
            self._code_start = self._scanned
            return
        if not line.strip():
            if self._blank_at is None and self._buf[:start].strip():
                self._blank_at = start
            return
        if self._blank_at is not None:
            # A paragraph ends at a blank line, unless the next line is indented (a list item's
            # continuation or indented code belongs to the block before it).
            if not line[:1].isspace():
                self._freeze_markdown(start)
            self._blank_at = None

    def _freeze_markdown(self, upto: int) -> None:
        text = self._buf[:upto]
        if text.strip():
            self._frozen.append(Block("markdown", text.strip("\n")))
        self._cut(upto)

    def _cut(self, offset: int) -> None:
        """Drop the first ``offset`` characters of the buffer (they are frozen)."""
        self._buf = self._buf[offset:]
        self._scanned -= offset
        self._blank_at = None
