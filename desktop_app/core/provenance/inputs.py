"""Build the check's input from what the loop has: source records and the text the model was sent."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from ..context import SOURCES_HEADER
from ..sources import SourceRecord
from .report import SourceText

# The context budget's notes in a shortened result (see core/context.py): where they are, the text
# was cut, and what followed them was never seen.
_TRIM_NOTE = re.compile(
    r"…?\n?\[(?:trimmed: [\d,]+ tokens; ask again to re-read|cut to fit the context window[^\]]*)\]"
)
# Lengths of an excerpt's start looked for in what was sent: long first (unambiguous), then shorter,
# for an excerpt cut close to its start.
_PROBES = (60, 20, 8)


def sources_from_records(
    records: Iterable[SourceRecord], trimmed_ids: Collection[int] = ()
) -> list[SourceText]:
    """Each record's ``excerpt`` as the text the model saw; ids in ``trimmed_ids`` marked trimmed."""
    return [SourceText(r.id, r.excerpt, r.id in trimmed_ids) for r in records]


def sources_from_result(records: Sequence[SourceRecord], seen_text: str | None) -> list[SourceText]:
    """The sources of one tool result, given that result's text as last sent to the model.

    ``seen_text`` is the tool result message's text in the last request (with its "Sources (cite
    as [n])" block, possibly shortened by the context budget), or None when the message was
    dropped. Per source, the text is:

    - its ``excerpt``, when the excerpt is in what was sent (a cut keeps only the part before it);
    - what was sent of the result, when the source has no excerpt or the excerpt is not written
      out verbatim in the result;
    - nothing, marked ``trimmed``, when the message was dropped or the result was cut before the
      excerpt begins.
    """
    if seen_text is None:
        return [SourceText(r.id, "", trimmed=True) for r in records]
    body = seen_text.split("\n\n" + SOURCES_HEADER, 1)[0]
    was_cut = _TRIM_NOTE.search(body) is not None
    body = _TRIM_NOTE.sub("", body)
    texts: list[SourceText] = []
    for record in records:
        excerpt = record.excerpt.strip()
        if not excerpt:
            texts.append(SourceText(record.id, body))
            continue
        at = next((i for n in _PROBES if (i := body.find(excerpt[:n])) >= 0), -1)
        if at < 0:
            # Not there at all: cut away if the result was cut, else the tool wrote its excerpt
            # differently from its result, and what the model saw is the result.
            texts.append(SourceText(record.id, "", trimmed=True) if was_cut else SourceText(record.id, body))
            continue
        seen = _common_prefix(body[at:], excerpt)
        if seen < len(excerpt):
            # Cut inside the excerpt: keep whole words only, so "$98,4" is not read as a figure.
            seen = max(0, excerpt.rfind(" ", 0, seen + 1))
        texts.append(SourceText(record.id, excerpt[:seen].rstrip()))
    return texts


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
