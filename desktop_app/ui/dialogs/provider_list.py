"""The list of model services onboarding starts with: section headers, then two-line rows.

Rows are painted by a delegate (name in bold, a short description under it, a
badge such as "3 models" on the right), so the list stays one keyboard-navigable
view: arrows move, Enter chooses, headers are skipped because they are disabled.
"""

from __future__ import annotations

from .. import theme
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .provider_setup import ProviderChoice

CHOICE = Qt.ItemDataRole.UserRole
HEADER = Qt.ItemDataRole.UserRole + 1
TITLE = Qt.ItemDataRole.UserRole + 2
DESCRIPTION = Qt.ItemDataRole.UserRole + 3
BADGE = Qt.ItemDataRole.UserRole + 4
_ROW_HEIGHT, _HEADER_HEIGHT = 58, 30


def set_row(item: QtWidgets.QListWidgetItem, title: str, description: str, badge: str = "") -> None:
    """Give a list item what :class:`RowDelegate` paints (and what a screen reader reads)."""
    item.setData(TITLE, title)
    item.setData(DESCRIPTION, description)
    item.setData(BADGE, badge)
    words = f"{title}. {description}" + (f" {badge}." if badge else "")
    item.setText(words)
    item.setData(Qt.ItemDataRole.AccessibleTextRole, words)
    item.setToolTip(description)


class RowDelegate(QtWidgets.QStyledItemDelegate):
    """Two-line rows: a bold title, a muted description under it, an optional badge on the right."""

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(option.rect.width(), _HEADER_HEIGHT if index.data(HEADER) else _ROW_HEIGHT)

    def paint(
        self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex
    ) -> None:
        t = theme.current()
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        rect = QtCore.QRect(option.rect)
        if index.data(HEADER):
            font = QtGui.QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
            font.setCapitalization(QtGui.QFont.Capitalization.AllUppercase)
            font.setLetterSpacing(QtGui.QFont.SpacingType.PercentageSpacing, 106)
            painter.setFont(font)
            painter.setPen(t.muted)
            text_rect = rect.adjusted(theme.SPACE_L, 0, -theme.SPACE_L, -theme.SPACE_S)
            painter.drawText(
                text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, str(index.data())
            )
            painter.restore()
            return
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QtWidgets.QStyle.StateFlag.State_Selected)
        hovered = bool(state & QtWidgets.QStyle.StateFlag.State_MouseOver)
        card = QtCore.QRectF(rect.adjusted(theme.SPACE_S, 2, -theme.SPACE_S, -2))
        if selected or hovered:
            fill = theme.blend(t.accent, t.base, 0.85) if selected else t.card_background
            painter.setPen(QtGui.QPen(t.accent if selected else t.border, 1.2))
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 8, 8)
        inner = card.toRect().adjusted(theme.SPACE_L, theme.SPACE_M, -theme.SPACE_L, -theme.SPACE_M)
        badge = str(index.data(BADGE) or "")
        if badge:
            badge_font = QtGui.QFont(option.font)
            badge_font.setPointSizeF(max(7.0, badge_font.pointSizeF() - 1))
            badge_font.setBold(True)
            metrics = QtGui.QFontMetrics(badge_font)
            width = metrics.horizontalAdvance(badge) + 2 * theme.SPACE_M
            pill = QtCore.QRectF(inner.right() - width, inner.center().y() - 11, width, 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.blend(t.tool_ok, t.base, 0.82))
            painter.drawRoundedRect(pill, 11, 11)
            painter.setFont(badge_font)
            painter.setPen(t.tool_ok)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
            inner.setRight(int(pill.left()) - theme.SPACE_M)
        title_font = QtGui.QFont(option.font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(t.text)
        top = QtCore.QRect(inner.left(), inner.top(), inner.width(), inner.height() // 2)
        painter.drawText(
            top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(index.data(TITLE))
        )
        painter.setFont(option.font)
        painter.setPen(t.muted)
        bottom = QtCore.QRect(inner.left(), top.bottom(), inner.width(), inner.height() - top.height())
        elided = QtGui.QFontMetrics(option.font).elidedText(
            str(index.data(DESCRIPTION) or ""), Qt.TextElideMode.ElideRight, bottom.width()
        )
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        painter.restore()


class ProviderList(QtWidgets.QListWidget):
    """Sections of :class:`ProviderChoice` rows. ``chosen`` is the selected one; a double-click emits ``picked``."""

    picked = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProviderList")
        self.setAccessibleName("Model services")
        self.setItemDelegate(RowDelegate(self))
        self.setMouseTracking(True)  # hover highlight
        self.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSpacing(0)
        # Double-click only: Enter already presses the dialog's default button (the view ignores it).
        self.itemDoubleClicked.connect(lambda item: item.data(CHOICE) is not None and self.picked.emit())

    def set_sections(self, sections: list[tuple[str, list[ProviderChoice]]]) -> None:
        """Replace the rows, keeping the selection on the same service when it is still listed."""
        previous = self.chosen
        self.clear()
        for title, choices in sections:
            if not choices:
                continue
            header = QtWidgets.QListWidgetItem(title)
            header.setData(HEADER, True)
            header.setFlags(Qt.ItemFlag.NoItemFlags)  # disabled: arrows skip it, clicks do nothing
            self.addItem(header)
            for choice in choices:
                item = QtWidgets.QListWidgetItem()
                item.setData(CHOICE, choice)
                set_row(item, choice.title, choice.description, choice.badge)
                self.addItem(item)
        if previous is not None:
            self.select_id(previous.id, found=previous.found is not None)

    @property
    def chosen(self) -> ProviderChoice | None:
        item = self.currentItem()
        return item.data(CHOICE) if item is not None and item.isSelected() else None

    def choices(self) -> list[ProviderChoice]:
        return [c for c in (self.item(r).data(CHOICE) for r in range(self.count())) if c is not None]

    def select_id(self, choice_id: str, *, found: bool | None = None) -> bool:
        """Select the row of a service (``found``: only the detected one, or only the others)."""
        for row in range(self.count()):
            choice = self.item(row).data(CHOICE)
            if (
                choice is not None
                and choice.id == choice_id
                and (found is None or (choice.found is not None) == found)
            ):
                self.setCurrentRow(row)
                self.scrollToItem(self.item(row))
                return True
        return False
