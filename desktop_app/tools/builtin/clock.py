"""The current_time tool: today's date and time, in this computer's time zone or a named one.

Time zones come from :mod:`zoneinfo`, which reads the system's tz database; on
Windows there is none, and the ``tzdata`` package must be installed instead.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from ...core.errors import ToolError
from ..base import Tool, ToolResult

__all__ = ["CurrentTime", "format_offset"]

# English names on purpose: strftime("%A") follows the C locale, which Qt sets to the user's.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# "UTC+5", "GMT-03:30", "+0530": a fixed offset rather than a named zone.
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)

# Where Unix systems record their zone; module attributes so tests can point them elsewhere.
LOCALTIME_PATH = Path("/etc/localtime")
TIMEZONE_FILE = Path("/etc/timezone")


@dataclass(frozen=True)
class _Zone:
    tz: tzinfo
    name: str  # "Europe/Paris", or "UTC+05:30" for a fixed offset
    local: bool = False


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone name this computer knows, keyed by its lower-case form."""
    return {name.lower(): name for name in available_timezones()}


def format_offset(offset: timedelta | None) -> str:
    """``timedelta(hours=5, minutes=30)`` as "UTC+05:30"; None counts as UTC."""
    minutes = round((offset or timedelta()).total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _lookup(text: str) -> str | None:
    """The canonical zone name for ``text`` (any case, spaces for underscores), or None.

    A bare city such as "Tokyo" is accepted when exactly one zone ends with it.
    """
    names = _zone_names()
    key = text.strip().replace(" ", "_").lower()
    if key in names:
        return names[key]
    cities = [name for lower, name in names.items() if lower.rsplit("/", 1)[-1] == key]
    return cities[0] if len(cities) == 1 else None


def _suggestions(text: str, count: int = 5) -> list[str]:
    """Zone names close to ``text``, comparing both the whole name and its city part."""
    query = text.strip().replace(" ", "_").lower()
    scored: list[tuple[float, str]] = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(query)  # difflib caches details of the second sequence
    for lower, name in _zone_names().items():
        score = 0.0
        for candidate in {lower, lower.rsplit("/", 1)[-1]}:
            matcher.set_seq1(candidate)
            score = max(score, matcher.ratio())
        if score >= 0.6:
            scored.append((score, name))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [name for _, name in scored[:count]]


def _fixed_offset(match: re.Match[str], text: str) -> _Zone:
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise ToolError(f"{text!r} is not a valid UTC offset; offsets run from UTC-12:00 to UTC+14:00.")
    delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    return _Zone(timezone(delta, format_offset(delta)), format_offset(delta))


def _named_zone(text: str) -> _Zone:
    match = _OFFSET.fullmatch(text.strip())
    if match:
        return _fixed_offset(match, text.strip())
    if not _zone_names():
        raise ToolError(
            "This computer has no time-zone database, so only UTC offsets such as UTC+02:00 work. "
            "(Backstage needs the tzdata package here.)"
        )
    canonical = _lookup(text)
    if canonical is None:
        close = _suggestions(text)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ToolError(
            f"Unknown time zone {text.strip()!r}.{hint} Use an IANA name such as Europe/Paris or "
            "America/New_York, or a UTC offset such as UTC+05:30."
        )
    return _Zone(ZoneInfo(canonical), canonical)


def _system_zone_name() -> str | None:
    """The IANA name of this computer's zone, from TZ or the Unix system files, if any."""
    names = _zone_names()
    tz_variable = os.environ.get("TZ", "").lstrip(":")
    if tz_variable:
        # TZ overrides the system files; a value we cannot name (a POSIX rule such as
        # "EST5EDT,M3.2.0,M11.1.0") leaves only the offset.
        return names.get(tz_variable.split("zoneinfo/")[-1].lower())
    candidates: list[str] = []
    try:
        target = LOCALTIME_PATH.resolve().as_posix()
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/")[-1])
    except OSError:
        pass
    try:
        candidates.append(TIMEZONE_FILE.read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        pass
    for candidate in candidates:
        if candidate.lower() in names:
            return names[candidate.lower()]
    return None


def _local_zone(now: datetime) -> _Zone:
    name = _system_zone_name()
    if name is not None:
        return _Zone(ZoneInfo(name), name, local=True)
    # Windows, or a zone without a name: the offset in force right now is still right.
    offset = now.astimezone().utcoffset() or timedelta()
    return _Zone(timezone(offset, format_offset(offset)), format_offset(offset), local=True)


def _resolve(args: dict[str, Any], now: datetime) -> _Zone:
    requested = args.get("timezone")
    if requested is not None and not isinstance(requested, str):
        raise ToolError("'timezone' must be a string such as \"Europe/Paris\".")
    if not requested or not requested.strip():
        return _local_zone(now)
    return _named_zone(requested)


def _describe(moment: datetime, zone: _Zone) -> str:
    offset = format_offset(moment.utcoffset())
    abbreviation = moment.tzname() or ""
    # tzdata spells zones without an abbreviation as "+0530" or "-03"; that adds nothing.
    label = (
        f"{abbreviation}, {offset}"
        if re.search("[A-Za-z]", abbreviation) and abbreviation != offset
        else offset
    )
    where = f"{zone.name}, this computer's time zone" if zone.local else zone.name
    if label != zone.name:  # a fixed offset is its own label
        where = f"{where} ({label})"
    return "\n".join(
        [
            f"Time zone: {where}",
            f"Date: {_WEEKDAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year}",
            f"Time: {moment:%H:%M:%S}",
            f"ISO 8601: {moment.isoformat(timespec='seconds')}",
        ]
    )


class CurrentTime(Tool):
    """Tells the model today's date and the time, which it cannot know by itself.

    ``now`` returns the current moment as an aware datetime; tests pass a fixed one.
    """

    name = "current_time"
    description = (
        "Get the current date, time, weekday and UTC offset, in this computer's time zone or in a given "
        "one. Use it whenever the answer depends on today's date or the time of day."
    )
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "timezone": {
                "type": "string",
                "description": (
                    "An IANA time zone name such as Europe/Paris or America/New_York, or a UTC offset "
                    "such as UTC+05:30. Omit it for this computer's time zone."
                ),
                "maxLength": 100,
            }
        },
        "additionalProperties": False,
    }

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    async def run(self, args: dict[str, Any]) -> ToolResult:
        """Return the date and time as a few labelled lines; raise ToolError for an unknown zone."""
        now = self._now()
        zone = _resolve(args, now)
        return ToolResult(_describe(now.astimezone(zone.tz), zone))

    def status(self, args: dict[str, Any]) -> str:
        where = _where(args)
        return f"Checking the time in {where}…" if where else "Checking the local time…"

    def done_status(self, args: dict[str, Any], result: ToolResult) -> str:
        where = _where(args)
        return f"Checked the time in {where}" if where else "Checked the local time"


def _where(args: dict[str, Any]) -> str:
    """The zone as the status line names it: canonical when known, else as asked; "" for local."""
    requested = args.get("timezone")
    if not isinstance(requested, str) or not requested.strip():
        return ""
    try:
        return _named_zone(requested).name
    except ToolError:
        return requested.strip()[:60]
