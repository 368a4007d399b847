"""The timeline panel: the painted timeline above, the details of the clicked item below."""

from __future__ import annotations

from ...core import events as ev
from ..qt import Qt, QtWidgets
from .details import details_html
from .geometry import Item
from .view import TimelineView


class TimelinePanel(QtWidgets.QSplitter):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("TimelineSplitter")
        self.setChildrenCollapsible(False)
        self.view = TimelineView()
        scroll = QtWidgets.QScrollArea()
        scroll.setAccessibleName("Timeline")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.view)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setObjectName("TimelineScroll")
        self.details = QtWidgets.QTextBrowser()
        self.details.setAccessibleName("Details of the selected timeline item")
        self.details.setPlaceholderText("Click a bar to see its details.")
        self.details.setOpenLinks(False)
        self.addWidget(scroll)
        self.addWidget(self.details)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setSizes([520, 200])
        self.view.selected.connect(self.show_details)

    def apply(self, event: ev.Event) -> None:
        self.view.apply(event)

    def prepend(self, events: list[ev.Event], interrupted: frozenset[str] = frozenset()) -> None:
        """Older stored turns (their events, oldest first) above the ones shown."""
        self.view.prepend(events, interrupted)

    def clear(self) -> None:
        self.view.clear()
        self.details.clear()

    def show_details(self, item: Item) -> None:
        self.details.setHtml(details_html(item))
