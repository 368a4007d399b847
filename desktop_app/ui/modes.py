"""How much of the loop the chat shows: everything, status lines, or the answer alone."""

from __future__ import annotations

import enum


class Mode(enum.StrEnum):
    FULL = "full"  # each tool call expanded: arguments and raw result
    STATUS = "status"  # one live status line per tool call
    HIDDEN = "hidden"  # the answer text only

    @property
    def label(self) -> str:
        return {Mode.FULL: "Full", Mode.STATUS: "Status", Mode.HIDDEN: "Hidden"}[self]

    @classmethod
    def parse(cls, value: object) -> Mode:
        """A stored setting back as a mode; anything unknown means Status."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.STATUS
