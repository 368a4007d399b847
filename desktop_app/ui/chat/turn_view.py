"""One turn in the chat: the user's message, then the answer as it happened.

The answer is a sequence of segments in event order: runs of Markdown text,
tool call lines, errors, and a transient note while a request is retried. The
turn keeps every event it was given, so a view can always be rebuilt from them
(:meth:`TurnView.replay`), and it renders nothing that is not in an event.

Text and reasoning deltas are only queued by :meth:`apply`; :meth:`flush`
renders them and is called by the chat at most once per frame.

When the turn finishes, an answer that used sources gets its citations bound and
its sentences tinted from ``provenance_checked``, and a footer with the counts.
A ``context_trimmed`` event becomes a quiet line where it happened.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...core import events as ev
from .. import theme
from ..modes import Mode
from ..qt import Qt, QtGui, QtWidgets, Signal
from ..sources.answer_sources import AnswerSources, SourceBook
from .answer_footer import AnswerFooter
from .answer_view import AnswerView
from .interrupted_note import InterruptedNote
from .markdown_view import MarkdownView
from .provenance_marks import annotate
from .reasoning_view import ReasoningView
from .spinner import Spinner
from .tool_call_view import ToolCallView
from .trim_note import trim_note

_BUBBLE_SHARE = 0.75  # of the column's width

Segment = AnswerView | ReasoningView | ToolCallView | QtWidgets.QLabel


class TurnView(QtWidgets.QWidget):
    approval_answered = Signal(str, str)
    continue_requested = Signal(str)  # turn id: finish this interrupted answer
    sources_requested = Signal(str, int)  # turn id, source number (0: the list's top)
    provenance_toggled = Signal(bool)

    def __init__(
        self,
        turn_id: str,
        mode: Mode,
        parent: QtWidgets.QWidget | None = None,
        *,
        book: SourceBook | None = None,
        show_provenance: bool = False,
    ) -> None:
        super().__init__(parent)
        self.turn_id = turn_id
        self.events: list[ev.Event] = []
        self.finished: ev.TurnFinished | None = None
        self.sources = AnswerSources(book)
        self.footer: AnswerFooter | None = None
        self._show_provenance = show_provenance
        self._mode = mode
        self._segments: list[Segment] = []
        self._tools: dict[str, ToolCallView] = {}
        self._retry_note: QtWidgets.QLabel | None = None
        self.interrupted_note: InterruptedNote | None = None

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.SPACE_L)
        self.user_bubble = QtWidgets.QFrame()
        self.user_bubble.setObjectName("UserBubble")
        bubble = QtWidgets.QVBoxLayout(self.user_bubble)
        bubble.setContentsMargins(theme.SPACE_L + 2, theme.SPACE_M + 2, theme.SPACE_L + 2, theme.SPACE_M + 2)
        self.user_label = QtWidgets.QLabel()
        self.user_label.setWordWrap(True)
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        self.user_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bubble.addWidget(self.user_label)
        user_row = QtWidgets.QHBoxLayout()
        user_row.addStretch(1)
        user_row.addWidget(self.user_bubble, 0)
        layout.addLayout(user_row)

        self._column = QtWidgets.QVBoxLayout()
        self._column.setSpacing(theme.SPACE_M)
        layout.addLayout(self._column)
        self.waiting = Spinner(16)
        self.waiting.setAccessibleName("Waiting for the model")
        self._column.addWidget(self.waiting)
        self.waiting.hide()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_bubble()

    def _fit_bubble(self) -> None:
        """The bubble is as wide as the message, up to most of the column (a short question stays one line)."""
        metrics = self.user_label.fontMetrics()
        natural = max(
            (metrics.horizontalAdvance(line) for line in self.user_label.text().splitlines()), default=0
        )
        widest = max(120, int(self.width() * _BUBBLE_SHARE))
        self.user_label.setFixedWidth(min(natural + 4, widest))

    @classmethod
    def replay(cls, events: Iterable[ev.Event], mode: Mode, *, book: SourceBook | None = None) -> TurnView:
        """A view rebuilt from stored events, rendered at once (history, mode re-render, tests)."""
        events = list(events)
        view = cls(events[0].turn_id if events else "", mode, book=book)
        for event in events:
            view.apply(event)
        view.flush()
        return view

    # -- events --------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        self.events.append(event)
        if isinstance(event, ev.TextDelta):
            self._clear_transient()
            self._segment(AnswerView).append(event.text)
            return
        if isinstance(event, ev.ReasoningDelta):
            self._clear_transient()
            self._segment(ReasoningView).append(event.text)
            return
        self.flush()  # queued text comes before whatever this event adds
        self.sources.apply(event)
        if isinstance(event, ev.TurnStarted):
            self.user_label.setText(event.user_text)
            self._fit_bubble()
            self.user_bubble.setAccessibleName(f"You: {event.user_text[:200]}")
            self._set_waiting(True)
        elif isinstance(event, ev.CycleStarted):
            self._set_waiting(True)
        elif isinstance(event, ev.Retrying):
            self._clear_transient()
            self._retry_note = self._note(
                "TransientNote",
                f"{event.reason} Trying again in {_seconds(event.delay)} (attempt {event.attempt + 1})…",
            )
        elif isinstance(event, ev.ToolCallStarted):
            self._clear_transient()
            self._tool(event.call_id, event.name)
        elif isinstance(event, ev.ToolCallReady | ev.ToolStarted | ev.ToolFinished):
            self._tool(event.call_id, event.name).apply(event)
        elif isinstance(event, ev.ApprovalRequested):
            self._tool(event.call_id, event.name).apply(event)
        elif isinstance(event, ev.ApprovalDecided):
            if event.call_id in self._tools:
                self._tools[event.call_id].apply(event)
        elif isinstance(event, ev.ErrorEvent):
            self._clear_transient()
            self._note("ErrorNote", event.message)
        elif isinstance(event, ev.ContextTrimmed):
            self._trim_note(event)
        elif isinstance(event, ev.TurnFinished):
            self._finish(event)

    def mark_interrupted(self, can_continue: bool) -> None:
        """A stored turn that never finished (the app was closed or killed): say so, maybe offer Continue."""
        self.flush()
        self._clear_transient()
        self._finish_text()
        self.waiting.hide()
        for view in self._tools.values():
            view.stop_waiting()
        self.interrupted_note = InterruptedNote(can_continue)
        self.interrupted_note.continue_requested.connect(lambda: self.continue_requested.emit(self.turn_id))
        self._add(self.interrupted_note)

    def flush(self) -> bool:
        """Render queued text; True if anything changed."""
        changed = False
        for segment in self._segments[-2:]:  # only the newest text and reasoning can be growing
            if isinstance(segment, AnswerView | ReasoningView):
                changed = segment.flush() or changed
        return changed

    # -- reading back (tests, accessibility) ----------------------------------------------

    @property
    def running(self) -> bool:
        return self.finished is None and self.interrupted_note is None

    def answer_text(self) -> str:
        """The answer as rendered, all text segments joined."""
        self.flush()
        parts = [s.plain_text() for s in self._segments if isinstance(s, AnswerView)]
        return "\n\n".join(p for p in parts if p)

    def tool_views(self) -> list[ToolCallView]:
        return list(self._tools.values())

    def status_lines(self) -> list[str]:
        return [view.status_line for view in self._tools.values()]

    def notes(self) -> list[str]:
        return [s.text() for s in self._segments if isinstance(s, QtWidgets.QLabel) and not s.isHidden()]

    def markdown_blocks(self) -> list[MarkdownView]:
        return [b for s in self._segments if isinstance(s, AnswerView) for b in s.markdown_blocks()]

    # -- presentation ------------------------------------------------------------------------

    def set_mode(self, mode: Mode) -> None:
        self._mode = mode
        for segment in self._segments:
            if isinstance(segment, ToolCallView):
                segment.set_mode(mode)
            elif isinstance(segment, ReasoningView):
                segment.setVisible(mode is Mode.FULL)

    def set_show_provenance(self, shown: bool) -> None:
        """Tint the answer's sentences by provenance class (the legend shows with them), or not."""
        self._show_provenance = shown
        for block in self.markdown_blocks():
            block.show_tints(shown)
        if self.footer is not None:
            self.footer.set_provenance_shown(shown)

    def _segment(self, kind: type[AnswerView] | type[ReasoningView]) -> AnswerView | ReasoningView:
        last = self._segments[-1] if self._segments else None
        if isinstance(last, kind):
            return last
        self._set_waiting(False)
        if isinstance(last, AnswerView):
            last.finish()
        segment = kind()
        if isinstance(segment, AnswerView):
            segment.citation_clicked.connect(lambda n: self.sources_requested.emit(self.turn_id, n))
        self._add(segment)  # parented first: setVisible on a parentless widget opens a window
        if isinstance(segment, ReasoningView):
            segment.setVisible(self._mode is Mode.FULL)
        return segment

    def _tool(self, call_id: str, name: str) -> ToolCallView:
        view = self._tools.get(call_id)
        if view is None:
            self._set_waiting(False)
            self._finish_text()
            view = ToolCallView(call_id, name)
            view.approval_answered.connect(self.approval_answered)
            self._tools[call_id] = view
            self._add(view)
            view.set_mode(self._mode)
        return view

    def _note(self, name: str, text: str) -> QtWidgets.QLabel:
        self._set_waiting(False)
        self._finish_text()
        label = QtWidgets.QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(text)
        self._add(label)
        return label

    def _add(self, widget: QtWidgets.QWidget) -> None:
        self._segments.append(widget)  # type: ignore[arg-type]
        self._column.insertWidget(self._column.count() - 1, widget)  # the waiting spinner stays last

    def _finish_text(self) -> None:
        if self._segments and isinstance(self._segments[-1], AnswerView):
            self._segments[-1].finish()

    def _clear_transient(self) -> None:
        if self._retry_note is not None:
            self._retry_note.hide()
            self._segments.remove(self._retry_note)
            self._retry_note.deleteLater()
            self._retry_note = None

    def _set_waiting(self, waiting: bool) -> None:
        self.waiting.setVisible(waiting and self.finished is None)

    def _finish(self, event: ev.TurnFinished) -> None:
        self.finished = event
        self._clear_transient()
        self._set_waiting(False)
        for segment in self._segments:
            if isinstance(segment, AnswerView):
                segment.finish()
        for view in self._tools.values():
            view.stop_waiting()
        if event.stop_reason == "cancelled":
            self._note("Muted", "Stopped.")
        if self.sources.listed() or self.sources.checked:
            self._add_footer()

    def _add_footer(self) -> None:
        annotate(self.markdown_blocks(), self.sources)
        self.footer = AnswerFooter(self.sources)
        self.footer.sources_requested.connect(lambda n: self.sources_requested.emit(self.turn_id, n))
        self.footer.provenance_toggled.connect(self.provenance_toggled)
        self._column.insertWidget(self._column.count() - 1, self.footer)  # above the waiting spinner
        self.set_show_provenance(self._show_provenance)

    def _trim_note(self, event: ev.ContextTrimmed) -> None:
        self._finish_text()
        self._add(trim_note(event))  # the waiting spinner stays: the request is still on its way


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
