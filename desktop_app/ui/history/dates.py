"""Date groups of the conversation list: Today, Yesterday, Previous 7 days, Older.

Pure functions over the store's ISO 8601 UTC times, judged in the user's local
time zone (a chat at 23:30 belongs to the day the user saw on the clock).
"""

from __future__ import annotations

from datetime import date, datetime

TODAY, YESTERDAY, WEEK, OLDER = "Today", "Yesterday", "Previous 7 days", "Older"
GROUPS = (TODAY, YESTERDAY, WEEK, OLDER)


def local_date(iso: str) -> date | None:
    """The local calendar day of a stored time; None if it cannot be read."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment.astimezone().date()  # a naive time is taken as local, as astimezone() does


def group_of(iso: str, today: date) -> str:
    """The group a conversation updated at ``iso`` sits in, seen on ``today``."""
    day = local_date(iso)
    if day is None:
        return OLDER
    days = (today - day).days
    if days <= 0:  # also a clock that ran ahead: better "Today" than nowhere
        return TODAY
    if days == 1:
        return YESTERDAY
    if days <= 7:
        return WEEK
    return OLDER


def short_time(iso: str, today: date) -> str:
    """A compact time for a tooltip: "14:05" today, else the date."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return ""
    if moment.date() == today:
        return moment.strftime("%H:%M")
    return moment.strftime("%d %b %Y, %H:%M")
