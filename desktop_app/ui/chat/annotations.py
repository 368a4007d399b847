"""Marks on one rendered answer block: clickable citation markers and provenance tints.

Citation markers are character formats on the ``[n]`` the model wrote (the characters stay,
so offsets in the plain text never move): an anchor ``cite:n`` the block turns into a
click, the accent colour, and once ``provenance_checked`` has flagged a citation, the
warning colour with a wavy underline and a tooltip saying why. Marking costs one regex pass
over the block, so the growing block can be marked on every render while it streams.

Tints are extra selections (drawn over the text, never part of the document), so showing
and hiding provenance costs no re-render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import theme
from ..qt import QtGui, QtWidgets
from ..sources.answer_sources import DERIVED, SUPPORTED, UNSUPPORTED

# The provenance check's own pattern (core.provenance.facts.CITATION, kept equal by a test): the
# window marks exactly what the check reads as citations. Copied so the window module does not
# import the check (and its tokenizer) before the first paint.
CITATION = re.compile(r"(?<![!^\w])\[(\d{1,4}(?:[ \t]*[,;][ \t]*\d{1,4}|[ \t]*[-–][ \t]*\d{1,4})*)\]")
_NUMBER = re.compile(r"\d+")
CITE_SCHEME = "cite"


@dataclass(frozen=True)
class CitationMark:
    """How to show ``[n]``: flagged (warning) or not, and the tooltip ("" for none)."""

    n: int
    flagged: bool = False
    tooltip: str = ""


@dataclass(frozen=True)
class Tint:
    """One sentence's provenance class over ``[start, end)`` of the block's plain text."""

    start: int
    end: int
    cls: str
    tooltip: str = ""


def tint_colour(cls: str, t: theme.Theme) -> QtGui.QColor | None:
    """The wash behind a sentence of class ``cls``; None for the model's own words (no tint)."""
    base = {SUPPORTED: t.tool_ok, DERIVED: t.derived, UNSUPPORTED: t.warning}.get(cls)
    return None if base is None else t.tint(base)


def mark_citations(document: QtGui.QTextDocument, marks: Mapping[int, CitationMark], t: theme.Theme) -> None:
    """Turn every ``[n]`` outside code into a marker; each number links to its own source."""
    text = document.toPlainText()
    if "[" not in text:
        return
    cursor = QtGui.QTextCursor(document)
    for match in CITATION.finditer(text):
        if _in_code(document, match.start()):
            continue
        numbers = list(_NUMBER.finditer(match.group()))
        for i, number in enumerate(numbers):
            n = int(number.group())
            # The brackets go with the first and last numbers, so a single "[7]" is one target.
            start = match.start() + (0 if i == 0 else number.start())
            end = match.start() + (len(match.group()) if i == len(numbers) - 1 else number.end())
            cursor.setPosition(start)
            cursor.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(_marker_format(marks.get(n, CitationMark(n)), t))


def tint_selections(
    view: QtWidgets.QTextEdit, tints: list[Tint], t: theme.Theme
) -> list[QtWidgets.QTextEdit.ExtraSelection]:
    selections = []
    for tint in tints:
        colour = tint_colour(tint.cls, t)
        if colour is None:
            continue
        selection = QtWidgets.QTextEdit.ExtraSelection()
        cursor = QtGui.QTextCursor(view.document())
        cursor.setPosition(tint.start)
        cursor.setPosition(tint.end, QtGui.QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[misc]
        fmt = QtGui.QTextCharFormat()
        fmt.setBackground(colour)
        selection.format = fmt  # type: ignore[misc]
        selections.append(selection)
    return selections


def _marker_format(mark: CitationMark, t: theme.Theme) -> QtGui.QTextCharFormat:
    colour = t.warning if mark.flagged else t.accent
    fmt = QtGui.QTextCharFormat()
    fmt.setAnchor(True)
    fmt.setAnchorHref(f"{CITE_SCHEME}:{mark.n}")
    fmt.setForeground(colour)
    fmt.setFontWeight(QtGui.QFont.Weight.DemiBold)
    fmt.setToolTip(mark.tooltip)
    # A flagged citation is underlined like a spelling mistake; a sound one is not underlined at all.
    fmt.setFontUnderline(mark.flagged)
    fmt.setUnderlineStyle(
        QtGui.QTextCharFormat.UnderlineStyle.WaveUnderline
        if mark.flagged
        else QtGui.QTextCharFormat.UnderlineStyle.NoUnderline
    )
    fmt.setUnderlineColor(colour)
    return fmt


def _in_code(document: QtGui.QTextDocument, position: int) -> bool:
    block = document.findBlock(position)
    it = block.begin()
    while not it.atEnd():
        fragment = it.fragment()
        if fragment.position() <= position < fragment.position() + fragment.length():
            fmt = fragment.charFormat()
            return fmt.fontFixedPitch() or QtGui.QFontInfo(fmt.font()).fixedPitch()
        it += 1
    return False
