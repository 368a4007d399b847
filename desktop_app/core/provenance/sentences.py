"""Split a Markdown answer into the units the check classifies.

A unit is a sentence of a paragraph or list item, a heading, or a table row. Fenced code blocks,
table separator rows and horizontal rules yield nothing. Every unit is a slice of the answer
(``answer[start:end]``), stripped of its Markdown prefix ("## ", "- ", "1. ", "> ") and of
surrounding whitespace, so a reader can find it again in the text it rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

UnitKind = Literal["sentence", "heading", "row"]


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    kind: UnitKind


_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_RULE = re.compile(r"^[ \t]{0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|={3,}[ \t]*)$")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_TERMINATOR = re.compile(r"[.!?…]+")
# What may follow a sentence's final stop and still belong to it: closing quotes, brackets and
# emphasis, then citation markers ("…$98,400.[1]" or "…$98,400. [1]").
_CLOSERS = re.compile(r"[\"'”’)\]*_]*(?:[ \t]*\[\d{1,4}(?:[ \t]*[,;–-][ \t]*\d{1,4})*\])*")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
# Words whose stop never ends a sentence: they always lead on to something.
_ABBREVIATIONS = frozenset(
    """al approx appr ca cf dept dr eg esp est excl fig figs gen gov ie incl jr lt mr mrs ms mt prof ref
    rep resp sen sgt sr st vol vols vs viz""".split()
)
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$|^[A-Z]$")  # "U.S", "e.g", "a.m", an initial "J"


def split_units(text: str) -> list[Unit]:
    """The answer's units in text order; they never overlap and never include code blocks."""
    units: list[Unit] = []
    block: list[int] = []  # [start, end] of the paragraph being gathered
    fence = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        body = line.rstrip("\r\n")
        end = start + len(body)
        if fence:
            if body.strip().startswith(fence) and not body.strip().strip(fence[0]):
                fence = ""
            continue
        opening = _FENCE.match(body)
        if opening:
            _flush(text, block, units)
            fence = opening.group(1)
            continue
        if not body.strip() or _RULE.match(body):
            _flush(text, block, units)
            continue
        heading = _HEADING.match(body)
        if heading:
            _flush(text, block, units)
            title = body[heading.end() :].rstrip()
            closing = re.search(r"(?:^|[ \t])#+$", title)  # "## Title ##": the closing #s are markup
            if closing:
                title = title[: closing.start()]
            _add(text, start + heading.end(), start + heading.end() + len(title), "heading", units)
            continue
        if body.lstrip().startswith("|"):
            _flush(text, block, units)
            if not _TABLE_SEPARATOR.match(body):
                _add_row(text, start, end, units)
            continue
        item = _ITEM.match(body)
        if item:
            _flush(text, block, units)
            block[:] = [start + item.end(), end]
            continue
        quote = _QUOTE.match(body)
        content = start + (quote.end() if quote else 0)
        first = body[content - start :].lstrip()[:1]
        if block and first and first.islower():
            # A line starting in lower case continues the sentence of the line before (hard wrap).
            block[1] = end
            continue
        # Models write one statement per line more often than they hard-wrap: a new line is a new unit.
        _flush(text, block, units)
        block[:] = [content, end]
    _flush(text, block, units)
    return units


def _flush(text: str, block: list[int], units: list[Unit]) -> None:
    if block:
        _split_sentences(text, block[0], block[1], units)
        block.clear()


def _add(text: str, start: int, end: int, kind: UnitKind, units: list[Unit]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalnum() for ch in text[start:end]):
        units.append(Unit(start, end, kind))


def _add_row(text: str, start: int, end: int, units: list[Unit]) -> None:
    while start < end and (text[start].isspace() or text[start] == "|"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "|"):
        end -= 1
    _add(text, start, end, "row", units)


def _split_sentences(text: str, start: int, end: int, units: list[Unit]) -> None:
    """Sentences of one paragraph: a stop, then space, then something that can begin a sentence."""
    current = start
    for stop in _TERMINATOR.finditer(text, start, end):
        after = _CLOSERS.match(text, stop.end(), end)
        close = after.end() if after else stop.end()
        if close < end and not text[close].isspace():
            continue  # "3.5", "U.S.A", "example.com": not a sentence end
        following = close
        while following < end and text[following].isspace():
            following += 1
        if following >= end:
            break
        if not _can_begin(text[following]):
            continue
        if stop.group() == "." and _is_abbreviation(text[current : stop.end()], text[following]):
            continue
        _add(text, current, close, "sentence", units)
        current = following
    _add(text, current, end, "sentence", units)


def _can_begin(ch: str) -> bool:
    # A lower-case letter after a stop means the stop was an abbreviation we do not know.
    return not ch.islower()


def _is_abbreviation(sentence: str, following: str) -> bool:
    match = _WORD_BEFORE.search(sentence)
    if match is None:
        return False
    word = match.group(1).lstrip(".")
    if _INITIALISM.match(word):
        return True
    lowered = word.lower()
    if lowered in ("no", "nos", "nr", "p", "pp", "op") or lowered in _MONTHS:
        return following.isdigit()  # "No. 5", "p. 12", "Jan. 5" — but "I said no. Then…"
    return lowered in _ABBREVIATIONS


_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
