"""A run of answer text rendered as Markdown while it streams, at a cost independent of its length.

Text is buffered by :meth:`AnswerView.append` and applied by :meth:`flush`,
which the chat calls at most once per frame. The :class:`BlockSplitter` hands
out blocks that can no longer change; each becomes a widget rendered once and
never touched again. Only the last, growing block is re-rendered per flush.

Frozen widgets are grouped into fixed-size pages, so when the growing block
changes height Qt re-lays out one page plus the list of pages, never every
paragraph of a long answer.
"""

from __future__ import annotations

from ..qt import QtWidgets, Signal
from .blocks import Block, BlockSplitter
from .code_block import CodeBlock
from .markdown_view import MarkdownView

PAGE_SIZE = 16
BLOCK_SPACING = 6

BlockWidget = MarkdownView | CodeBlock


class AnswerView(QtWidgets.QWidget):
    citation_clicked = Signal(int)  # a [n] marker in any of its blocks

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._splitter = BlockSplitter()
        self._pending: list[str] = []
        self._text: list[str] = []
        self._widgets: list[BlockWidget] = []
        self._frozen = 0  # widgets[:frozen] are final
        self._pages: list[QtWidgets.QVBoxLayout] = []
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(BLOCK_SPACING)
        self.setAccessibleName("Answer")

    # -- streaming ---------------------------------------------------------------

    def append(self, text: str) -> None:
        """Queue text; nothing is rendered until :meth:`flush`."""
        self._pending.append(text)

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def flush(self) -> bool:
        """Render what was queued; True if anything changed."""
        if not self._pending:
            return False
        chunk = "".join(self._pending)
        self._pending.clear()
        self._text.append(chunk)
        self._splitter.feed(chunk)
        frozen, tail = self._splitter.take()
        self._apply(frozen, tail)
        return True

    def finish(self) -> None:
        """The text is complete: the growing block is frozen too."""
        self.flush()
        self._apply(self._splitter.finish(), None)

    # -- reading back (tests, copy) --------------------------------------------------

    @property
    def text(self) -> str:
        """The Markdown source received so far (including any not yet flushed)."""
        return "".join(self._text) + "".join(self._pending)

    def blocks(self) -> list[BlockWidget]:
        return list(self._widgets)

    def markdown_blocks(self) -> list[MarkdownView]:
        return [w for w in self._widgets if isinstance(w, MarkdownView)]

    def plain_text(self) -> str:
        """The text as rendered (Markdown syntax gone), blocks separated by blank lines."""
        parts = [w.plain_text() if isinstance(w, MarkdownView) else w.code for w in self._widgets]
        return "\n\n".join(p for p in parts if p)

    # -- widgets ---------------------------------------------------------------------

    def _apply(self, frozen: list[Block], tail: Block | None) -> None:
        for block in frozen:
            self._show(self._frozen, block)
            self._frozen += 1
        if tail is not None:
            self._show(self._frozen, tail)
        # A tail that vanished (it was only blank lines) leaves no empty widget behind.
        while len(self._widgets) > self._frozen + (tail is not None):
            self._remove_last()

    def _show(self, index: int, block: Block) -> None:
        if index < len(self._widgets) and self._widgets[index].kind != block.kind:
            while len(self._widgets) > index:
                self._remove_last()
        if index == len(self._widgets):
            widget: BlockWidget = CodeBlock(block.language) if block.kind == "code" else MarkdownView()
            if isinstance(widget, MarkdownView):
                widget.citation_clicked.connect(self.citation_clicked)
            self._add(widget)
        self._widgets[index].set_text(block.text)

    def _add(self, widget: BlockWidget) -> None:
        if not self._pages or self._pages[-1].count() >= PAGE_SIZE:
            page = QtWidgets.QWidget(self)
            layout = QtWidgets.QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(BLOCK_SPACING)
            self._layout.addWidget(page)
            self._pages.append(layout)
        self._pages[-1].addWidget(widget)
        self._widgets.append(widget)

    def _remove_last(self) -> None:
        widget = self._widgets.pop()
        page = self._pages[-1]
        page.removeWidget(widget)
        widget.hide()
        widget.deleteLater()
        if page.count() == 0:
            self._pages.pop()
            holder = page.parentWidget()
            self._layout.removeWidget(holder)
            holder.deleteLater()
