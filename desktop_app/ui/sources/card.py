"""One source in the sources panel: number, title, domain, when it was read, the excerpt, where it is used.

A card renders one ``SourceRecord`` (from ``tool_finished``) and the sentences that
``provenance_checked`` says rest on it. A citation of a source that does not exist gets a
card of its own saying so (:func:`missing_card`).
"""

from __future__ import annotations

import html
import re

from ...core.sources import SourceRecord
from .. import theme
from ..qt import Qt, QtCore, QtGui, QTimer, QtWidgets
from .answer_sources import CLASS_LABELS, DERIVED, SUPPORTED, UNSUPPORTED, CheckedSentence, Citation
from .words import domain, plural, relative_time

EXCERPT_CHARS = 420  # a page's excerpt can be thousands of words: the card shows its start
SENTENCE_CHARS = 180
_MARKDOWN_NOISE = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


class SourceCard(QtWidgets.QFrame):
    def __init__(
        self,
        n: int,
        title: str,
        *,
        url: str = "",
        meta: str = "",
        excerpt: str = "",
        problem: str = "",
        sentences: list[CheckedSentence] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.n = n
        self.url = url
        self.setObjectName("SourceCard")
        self.setProperty("flagged", bool(problem))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(theme.SPACE_L, theme.SPACE_L - 2, theme.SPACE_L, theme.SPACE_L - 2)
        layout.setSpacing(theme.SPACE_S + 2)

        head = QtWidgets.QHBoxLayout()
        head.setSpacing(theme.SPACE_M)
        badge = QtWidgets.QLabel(str(n))
        badge.setObjectName("SourceBadge")
        badge.setProperty("flagged", bool(problem))
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setMinimumWidth(22)
        self.title_label = _label(title, "SourceTitle")
        head.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title_label, 1)
        layout.addLayout(head)
        if meta:
            layout.addWidget(_label(meta, "Muted"))
        if problem:
            self.problem_label = _label("⚠ " + problem, "SourceProblem")
            layout.addWidget(self.problem_label)
        if excerpt:
            short = excerpt if len(excerpt) <= EXCERPT_CHARS else excerpt[:EXCERPT_CHARS].rstrip() + " …"
            self.excerpt_label = _label(" ".join(short.split()), "SourceExcerpt")
            self.excerpt_label.setToolTip("What the model read of this source (its start)")
            layout.addWidget(self.excerpt_label)
        self.sentence_labels: list[QtWidgets.QLabel] = []
        if sentences is not None:
            layout.addWidget(_used_in_caption(len(sentences)))
            for sentence in sentences:
                label = _sentence_label(sentence)
                self.sentence_labels.append(label)
                layout.addWidget(label)
        if url:
            layout.addLayout(self._link_buttons(url))
        self.setAccessibleName(f"Source {n}: {title}")

    def _link_buttons(self, url: str) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(theme.SPACE_S)
        self.open_button = _button("Open in browser", f"Open source {self.n} in the browser", url)
        self.open_button.clicked.connect(lambda: QtGui.QDesktopServices.openUrl(QtCore.QUrl(url)))
        self.copy_button = _button("Copy link", f"Copy the link of source {self.n}", url)
        self.copy_button.clicked.connect(self._copy)
        self._copied = QTimer(self)
        self._copied.setSingleShot(True)
        self._copied.setInterval(1500)
        self._copied.timeout.connect(lambda: self.copy_button.setText("Copy link"))
        row.addWidget(self.open_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        return row

    def focus_first(self) -> None:
        target = getattr(self, "open_button", None) or self
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_highlighted(self, on: bool) -> None:
        self.setProperty("highlighted", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def _copy(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.url)
        self.copy_button.setText("Copied ✓")
        self._copied.start()


def record_card(
    record: SourceRecord, sentences: list[CheckedSentence] | None, problem: str = ""
) -> SourceCard:
    """A card for a source the answer had: "example.org · web_search · 3 min ago"."""
    url = record.url
    meta = " · ".join(part for part in (domain(url), record.tool, relative_time(record.retrieved_at)) if part)
    title = record.title or domain(url) or f"Source {record.id}"
    return SourceCard(
        record.id, title, url=url, meta=meta, excerpt=record.excerpt, problem=problem, sentences=sentences
    )


def missing_card(citation: Citation) -> SourceCard:
    """A card for a citation of a source that was never given."""
    return SourceCard(citation.n, f"No source [{citation.n}]", problem=citation.problem)


def plain_sentence(markdown: str) -> str:
    """A sentence's Markdown without emphasis marks and link targets, for quoting it in a card."""
    text = _LINK_TARGET.sub("]", markdown)
    text = _MARKDOWN_NOISE.sub("", text).strip().strip("|").strip()
    text = " ".join(part.strip() for part in text.split("|")) if "|" in text else text
    return text if len(text) <= SENTENCE_CHARS else text[: SENTENCE_CHARS - 1].rstrip() + "…"


def _used_in_caption(count: int) -> QtWidgets.QLabel:
    words = "No sentence rests on it" if count == 0 else f"Used in {plural(count, 'sentence')}"
    return _label(words, "SourceCaption")


def _sentence_label(sentence: CheckedSentence) -> QtWidgets.QLabel:
    t = theme.current()
    colour = {SUPPORTED: t.tool_ok, DERIVED: t.derived, UNSUPPORTED: t.warning}.get(sentence.cls, t.muted)
    text = plain_sentence(sentence.text)
    label = QtWidgets.QLabel(f"<span style='color:{t.css(colour)}'>●</span>&nbsp; {html.escape(text)}")
    label.setObjectName("SourceSentence")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setToolTip(CLASS_LABELS.get(sentence.cls, ""))
    label.setAccessibleName(f"{CLASS_LABELS.get(sentence.cls, '')}: {text}")
    return label


def _label(text: str, name: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(text)
    return label


def _button(text: str, accessible: str, url: str) -> QtWidgets.QToolButton:
    button = QtWidgets.QToolButton()
    button.setObjectName("PanelButton")
    button.setText(text)
    button.setAccessibleName(accessible)
    button.setToolTip(url)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button
