"""Where each timeline item goes on screen: a pure function of the model, the width and "now".

Painting, hit-testing, tooltips, keyboard navigation and tests all read the
same :class:`Item` list, so what is drawn is exactly what can be clicked and
what the tests assert on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..qt import QtCore
from .model import CycleRow, TimelineModel, ToolSpan, TurnTrack

MARGIN = 10
LABEL_WIDTH = 58
HEADER_HEIGHT = 28
ROW_TOP = 6
GENERATION_HEIGHT = 18
LANE_HEIGHT = 16
LANE_GAP = 4
ROW_BOTTOM = 8
MIN_SPAN_SECONDS = 1.0  # a turn shorter than this is drawn on a 1 s axis, so bars keep their scale
MIN_BAR_WIDTH = 3.0

ItemKind = Literal["turn", "row", "generation", "tool"]


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    rect: QtCore.QRectF
    turn: TurnTrack
    row: CycleRow | None = None
    tool: ToolSpan | None = None
    first_token_x: float | None = None  # generation bars: where the first token arrived


def row_height(row: CycleRow) -> int:
    return ROW_TOP + GENERATION_HEIGHT + row.lanes * (LANE_HEIGHT + LANE_GAP) + ROW_BOTTOM


def content_height(model: TimelineModel) -> int:
    total = MARGIN
    for turn in model.turns:
        total += HEADER_HEIGHT + sum(row_height(r) for r in turn.rows) + MARGIN
    return total


def layout(
    model: TimelineModel, width: float, now: dict[str, float], clip: tuple[float, float] | None = None
) -> list[Item]:
    """Items top to bottom; ``now[turn_id]`` is the live end of a running turn's open spans.

    With ``clip`` (top, bottom), only the turns overlapping that band are laid out: painting
    or hit-testing a reopened 500-turn history then costs what the visible turns cost.
    """
    items: list[Item] = []
    y = float(MARGIN)
    for turn in model.turns:
        if clip is not None:
            height = HEADER_HEIGHT + sum(row_height(r) for r in turn.rows)
            if y + height < clip[0] or y > clip[1]:
                y += height + MARGIN
                continue
        end = turn.end if turn.end is not None else max(now.get(turn.turn_id, 0.0), turn.last_t)
        x0 = MARGIN + LABEL_WIDTH
        track_width = max(40.0, width - x0 - MARGIN)
        scale = track_width / max(end, MIN_SPAN_SECONDS)

        def x_at(t: float, x0: float = x0, scale: float = scale) -> float:
            return x0 + t * scale

        items.append(Item("turn", QtCore.QRectF(MARGIN, y, width - 2 * MARGIN, HEADER_HEIGHT), turn))
        y += HEADER_HEIGHT
        for row in turn.rows:
            height = row_height(row)
            items.append(Item("row", QtCore.QRectF(MARGIN, y, width - 2 * MARGIN, height), turn, row))
            top = y + ROW_TOP
            gen_end = row.generation_end if row.generation_end is not None else end
            first = None if row.first_token is None else x_at(row.first_token)
            items.append(
                Item(
                    "generation",
                    _bar(x_at(row.start), x_at(gen_end), top, GENERATION_HEIGHT),
                    turn,
                    row,
                    first_token_x=first,
                )
            )
            for tool in row.tools:
                if tool.start is None:
                    continue  # written by the model but not started yet: nothing to draw
                lane_top = top + GENERATION_HEIGHT + LANE_GAP + tool.lane * (LANE_HEIGHT + LANE_GAP)
                tool_end = tool.end if tool.end is not None else end
                rect = _bar(x_at(tool.start), x_at(tool_end), lane_top, LANE_HEIGHT)
                items.append(Item("tool", rect, turn, row, tool))
            y += height
        y += MARGIN
    return items


def _bar(x1: float, x2: float, top: float, height: float) -> QtCore.QRectF:
    return QtCore.QRectF(x1, top, max(MIN_BAR_WIDTH, x2 - x1), height)
