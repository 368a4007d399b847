"""The quiet line where the loop trimmed the prompt to fit the context window.

"✂  Trimmed: shrank 3 older tool results to their previews · 4.1k tokens freed": the words
are the loop's own (``context_trimmed.what``), only the start is lowered to follow "Trimmed:".
"""

from __future__ import annotations

from ...core import events as ev
from ..qt import Qt, QtWidgets
from ..sources.words import compact_tokens


def trim_note(event: ev.ContextTrimmed) -> QtWidgets.QLabel:
    what = event.what[:1].lower() + event.what[1:]
    label = QtWidgets.QLabel(f"✂  Trimmed: {what} · {compact_tokens(event.tokens_freed)} tokens freed")
    label.setObjectName("TrimNote")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setToolTip(
        "To fit the model's context window, Backstage shortened what it sends this time: "
        f"{event.tokens_freed:,} tokens freed. The sources stay listed."
    )
    label.setAccessibleName(label.text())
    return label
