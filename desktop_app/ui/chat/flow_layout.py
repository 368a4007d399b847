"""A layout that puts widgets in a row and wraps to the next line when the row is full.

An answer's footer holds several pills and links; in a narrow window a box layout would
make them the answer's minimum width. Qt ships no flow layout, so this is the usual one
(after Qt's own example): items keep their size hints, lines are as tall as their tallest.
"""

from __future__ import annotations

from ..qt import Qt, QtCore, QtWidgets


class FlowLayout(QtWidgets.QLayout):
    def __init__(
        self, parent: QtWidgets.QWidget | None = None, spacing: int = 6, line_spacing: int = 4
    ) -> None:
        super().__init__(parent)
        self._items: list[QtWidgets.QLayoutItem] = []
        self._spacing = spacing
        self._line_spacing = line_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QtWidgets.QLayoutItem) -> None:  # noqa: N802 (Qt override)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QtWidgets.QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QtWidgets.QLayoutItem | None:  # noqa: N802 (Qt override)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt override)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self._arrange(QtCore.QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QtCore.QRect) -> None:  # noqa: N802 (Qt override)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return self.minimumSize()

    def minimumSize(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        size = QtCore.QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QtCore.QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _visible(self) -> list[QtWidgets.QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _arrange(self, rect: QtCore.QRect, *, move: bool) -> int:
        """Place (or only measure) the items in lines within ``rect``, centred in their line; the height used."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        lines: list[list[tuple[QtWidgets.QLayoutItem, int]]] = [[]]  # (item, x) per line
        x = area.x()
        for item in self._visible():
            width = item.sizeHint().width()
            if x + width > area.right() + 1 and lines[-1]:
                lines.append([])
                x = area.x()
            lines[-1].append((item, x))
            x += width + self._spacing
        y = area.y()
        for line in lines:
            height = max((item.sizeHint().height() for item, _ in line), default=0)
            if move:
                for item, left in line:
                    hint = item.sizeHint()
                    item.setGeometry(
                        QtCore.QRect(QtCore.QPoint(left, y + (height - hint.height()) // 2), hint)
                    )
            y += height + self._line_spacing
        return max(0, y - self._line_spacing - rect.y()) + margins.bottom()
