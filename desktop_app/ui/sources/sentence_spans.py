"""Finding the checked sentences in the rendered answer, so the window can tint exactly them.

``provenance_checked`` gives each sentence as Markdown source ("earn **$98,000** [1]"); the
window shows rendered text ("earn $98,000 [1]"): emphasis marks, link targets, escapes and
table pipes are gone. Both sides are reduced to their letters and digits, which Markdown
never changes, and the sentence's skeleton is looked up in the blocks' skeletons in order.
A sentence that cannot be found is left untinted rather than guessed.

No Qt here, so the rules are tested directly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")  # "](url "title")" of a link or image
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACED_UNIT = re.compile(r"[ \u00a0\u202f][%‰°][)\].,;:!?]*(?=\s|$)")
_MIN_SKELETON = 2  # "a." or "1" alone would match anywhere


@dataclass(frozen=True)
class Span:
    """Where a sentence is: ``block`` index, and ``start``/``end`` offsets in that block's plain text."""

    block: int
    start: int
    end: int


def skeleton(text: str) -> tuple[str, list[int]]:
    """The letters and digits of ``text``, and for each its offset in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), offsets


def markdown_skeleton(markdown: str) -> str:
    """The letters and digits a Markdown sentence shows once rendered (link targets and tags dropped)."""
    text = _LINK_TARGET.sub("]", markdown)
    text = _HTML_TAG.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    return skeleton(html.unescape(text))[0]


def locate(sentences: Sequence[str], blocks: Sequence[str]) -> list[Span | None]:
    """For each Markdown sentence (in answer order) its span in the blocks' plain texts, or None.

    The search moves forward only: a sentence is looked for after the previous one found, so a
    sentence that appears twice is matched to its own place. One pass over the text in all.
    """
    indexed = [skeleton(block) for block in blocks]
    found: list[Span | None] = []
    block, at = 0, 0  # where the search resumes, in skeleton offsets
    for sentence in sentences:
        needle = markdown_skeleton(sentence)
        span = None
        if len(needle) >= _MIN_SKELETON:
            for b in range(block, len(indexed)):
                chars, offsets = indexed[b]
                hit = chars.find(needle, at if b == block else 0)
                if hit >= 0:
                    span = _widen(blocks[b], b, offsets[hit], offsets[hit + len(needle) - 1] + 1)
                    block, at = b, hit + len(needle)
                    break
        found.append(span)
    return found


def _widen(text: str, block: int, start: int, end: int) -> Span:
    """Take in the marks glued to the sentence's first and last word: "$98,000", "[1].", "(about"."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    unit = _SPACED_UNIT.match(text, end)  # "4.3 %": a unit written after a space is the figure's too
    return Span(block, start, unit.end() if unit else end)
