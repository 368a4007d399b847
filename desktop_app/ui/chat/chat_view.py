"""The conversation: one :class:`TurnView` per turn, in a scroll area that follows the newest answer.

Events arrive one by one from the bridge. Text deltas are queued and a single
frame timer (~60 Hz) renders them, so a burst of hundreds of tokens costs one
render. Any other event first renders the queued text, so a tool line never
jumps ahead of the words the model wrote before it. The view keeps the newest
answer in sight unless the user scrolled up to read something older.

The chat also owns what spans its turns: the conversation's sources (an answer may
cite a source an earlier one fetched), the sources panel, which opens over its right
side and pushes the conversation left, and whether provenance tints are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...core import events as ev
from .. import theme
from ..modes import Mode
from ..qt import Qt, QtGui, QTimer, QtWidgets, Signal
from ..sources.answer_sources import SourceBook

if TYPE_CHECKING:
    from ..sources.panel import SourcesPanel
    from .turn_view import TurnView

FRAME_MS = 16
_BOTTOM_SLACK = 24  # px from the bottom that still counts as "following"
_MIN_COLUMN_BESIDE_PANEL = 400  # px of conversation left of the sources panel, or it lies over it


class ChatView(QtWidgets.QScrollArea):
    approval_answered = Signal(str, str)
    continue_requested = Signal(str)  # turn id of an interrupted turn to finish
    provenance_toggled = Signal(bool)  # from an answer's footer; the window remembers it

    def __init__(self, mode: Mode = Mode.STATUS, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatScroll")
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # PageUp/PageDown scroll the conversation
        self._mode = mode
        self._turns: dict[str, TurnView] = {}
        self._dirty: set[TurnView] = set()
        self._follow = True
        # While older turns are put above, the distance from the bottom is kept, so the text being
        # read does not move; None once the reader scrolls.
        self._from_bottom: int | None = None
        self._restoring = False
        self._book = SourceBook()
        self._show_provenance = False

        canvas = QtWidgets.QWidget()
        canvas.setObjectName("ChatCanvas")
        outer = QtWidgets.QHBoxLayout(canvas)
        outer.setContentsMargins(theme.SPACE_XL, theme.SPACE_XL, theme.SPACE_XL, theme.SPACE_XL)
        self._outer = outer
        self._column_widget = QtWidgets.QWidget()
        self._column_widget.setMaximumWidth(theme.CONTENT_MAX_WIDTH)
        self._column = QtWidgets.QVBoxLayout(self._column_widget)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(theme.SPACE_XL + theme.SPACE_M)
        self.empty_hint = QtWidgets.QLabel(
            "Ask anything.\nAnswers stream here; each tool call shows what it is doing, live."
        )
        self.empty_hint.setObjectName("Muted")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._column.addWidget(self.empty_hint, 0, Qt.AlignmentFlag.AlignVCenter)
        self._column.addStretch(1)
        outer.addStretch(0)
        outer.addWidget(self._column_widget, 1)
        outer.addStretch(0)
        self.setWidget(canvas)

        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.setInterval(FRAME_MS)
        self._frame.timeout.connect(self.flush)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        self._sources_panel: SourcesPanel | None = None  # made when first opened: not in the first frame

    # -- events --------------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        turn = self._turns.get(event.turn_id)
        if turn is None:
            if not isinstance(event, ev.TurnStarted):
                return  # the tail of a turn from before "New chat": it belongs to a cleared conversation
            turn = self._add_turn(event.turn_id)
        turn.apply(event)
        if isinstance(event, ev.TextDelta | ev.ReasoningDelta):
            self._dirty.add(turn)
            if not self._frame.isActive():
                self._frame.start()
        else:
            self._dirty.discard(turn)  # apply() rendered its queued text already

    def flush(self) -> None:
        """Render every queued delta now (the frame timer calls this)."""
        dirty, self._dirty = self._dirty, set()
        for turn in dirty:
            turn.flush()

    def clear(self) -> None:
        """A new chat: every turn goes."""
        self._frame.stop()
        self._dirty.clear()
        for turn in self._turns.values():
            self._column.removeWidget(turn)
            turn.hide()
            turn.deleteLater()
        self._turns.clear()
        self.empty_hint.show()
        self._follow = True
        self._from_bottom = None
        self._book = SourceBook()
        if self._sources_panel is not None:
            self._sources_panel.close_panel()

    # -- reading back -------------------------------------------------------------------------------

    def turns(self) -> list[TurnView]:
        return list(self._turns.values())

    def last_turn(self) -> TurnView | None:
        return next(reversed(self._turns.values()), None)

    # -- presentation -----------------------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode) -> None:
        self._mode = mode
        for turn in self._turns.values():
            turn.set_mode(mode)

    @property
    def show_provenance(self) -> bool:
        return self._show_provenance

    def set_show_provenance(self, shown: bool) -> None:
        """Tint every answer by provenance (or none); says so on :attr:`provenance_toggled` when it changes."""
        changed = shown != self._show_provenance
        self._show_provenance = shown
        for turn in self._turns.values():
            turn.set_show_provenance(shown)
        if changed:
            self.provenance_toggled.emit(shown)

    @property
    def sources_panel(self) -> SourcesPanel:
        """The sources panel (hidden until an answer's sources are shown)."""
        if self._sources_panel is None:
            from ..sources.panel import SourcesPanel  # the cards and their formatting: not in the first frame

            self._sources_panel = SourcesPanel(self)
            self._sources_panel.closed.connect(self._place_panel)
        return self._sources_panel

    def show_sources(self, turn_id: str, source_id: int = 0) -> None:
        """Open the sources panel on one answer's sources, scrolled to ``source_id`` (0: the top)."""
        turn = self._turns.get(turn_id)
        if turn is not None:
            self.sources_panel.show_sources(turn_id, turn.sources, source_id)
            self._place_panel()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._place_panel()

    def _place_panel(self) -> None:
        """The panel covers the right side (and the scroll bar); the conversation moves out from under it.

        In a narrow window the panel lies over the conversation instead: a column squeezed
        to a few words per line would be worse than a covered one.
        """
        panel, width = self._sources_panel, 0
        if panel is not None and panel.isVisible():
            width = panel.preferred_width(self.width())
            panel.setGeometry(self.width() - width, 0, width, self.height())
        pushed = width if self.width() - width >= _MIN_COLUMN_BESIDE_PANEL else 0
        margin = theme.SPACE_XL + pushed
        if self._outer.contentsMargins().right() != margin:
            self._outer.setContentsMargins(theme.SPACE_XL, theme.SPACE_XL, margin, theme.SPACE_XL)

    def prepend(self, events: Sequence[ev.Event]) -> TurnView | None:
        """An older turn rebuilt from its stored events, put above the others (history loads newest first).

        The turn is made as a live one is and its events go through the same :meth:`TurnView.apply`.
        What the reader is looking at stays put: the view keeps its distance from the bottom.
        """
        if not events or events[0].turn_id in self._turns:
            return None
        bar = self.verticalScrollBar()
        follow, from_bottom = self._follow, bar.maximum() - bar.value()
        turn = self._add_turn(events[0].turn_id)
        self._column.removeWidget(turn)
        self._column.insertWidget(1, turn)  # below the (hidden) empty hint, above every newer turn
        self._turns = {turn.turn_id: turn, **{k: v for k, v in self._turns.items() if v is not turn}}
        self._follow = follow
        self._from_bottom = None if follow else from_bottom
        for event in events:
            turn.apply(event)
        turn.flush()
        return turn

    def reveal(self, turn_id: str) -> bool:
        """Scroll so the turn's question is at the top (a search hit was opened); False if not shown yet."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return False
        self._follow = False
        self._from_bottom = None
        top = turn.mapTo(self.widget(), turn.rect().topLeft()).y()
        self.verticalScrollBar().setValue(max(0, top - theme.SPACE_XL))
        return True

    def _add_turn(self, turn_id: str) -> TurnView:
        from .turn_view import TurnView  # the answer's widgets: an empty chat paints without them

        self.empty_hint.hide()
        turn = TurnView(turn_id, self._mode, book=self._book, show_provenance=self._show_provenance)
        turn.approval_answered.connect(self.approval_answered)
        turn.continue_requested.connect(self.continue_requested)
        turn.sources_requested.connect(self.show_sources)
        turn.provenance_toggled.connect(self.set_show_provenance)
        self._column.insertWidget(self._column.count() - 1, turn)  # above the bottom stretch
        self._turns[turn_id] = turn
        self._follow = True  # a new message brings the view back to the newest answer
        self._from_bottom = None
        return turn

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - _BOTTOM_SLACK
        if not self._restoring:
            self._from_bottom = None  # the reader moved: from now on the view stays where they put it

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)
        elif self._from_bottom is not None:
            self._restoring = True
            self.verticalScrollBar().setValue(maximum - self._from_bottom)
            self._restoring = False
