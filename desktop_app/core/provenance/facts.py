"""Checkable facts other than figures: dates, quoted names; and what to hide before looking.

``mask`` blanks what must never be read as a fact (inline code, URLs, link targets, citation
markers) without moving any offset. ``find_dates`` and ``find_quoted_names`` work on masked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DateParts = tuple[int | None, int | None, int | None]  # (year, month, day); None where not written

_MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
# Capitalised only: "may" and "march" are verbs too.
_MONTH = "(?:" + "|".join(sorted((m.capitalize() for m in _MONTH_NAMES), key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
# Each pattern opens with a look-ahead so the engine skips, fast, where no date can start.
_DATE_PATTERNS = (
    ("ymd", re.compile(r"(?=\d)(?<![\d.,/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/-])")),
    ("ymd", re.compile(r"(?=\d)(?<![\d.,/-])(\d{4})/(\d{1,2})/(\d{1,2})(?![\d/])")),
    ("mdy", re.compile(rf"(?=[JFMASOND])\b({_MONTH})\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})\b")),
    ("dmy", re.compile(rf"(?=\d)(?<![\d.,])(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH}),?\s+(\d{{4}})\b")),
    ("numeric", re.compile(r"(?=\d)(?<![\d.,/-])(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d/]|\.\d)")),
    ("md", re.compile(rf"(?=[JFMASOND])\b({_MONTH})\s+(\d{{1,2}}){_ORD}\b(?!,?\s*\d)")),
    ("dm", re.compile(rf"(?=\d)(?<![\d.,])(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH})\b")),
    ("my", re.compile(rf"(?=[JFMASOND])\b({_MONTH}),?\s+(\d{{4}})\b")),
)

_ANY_MONTH = re.compile(rf"(?=[JFMASOND])\b{_MONTH}(?!\w)")
_NUMERIC_HINT = re.compile(r"\d[-/.]\d{1,2}[-/.]\d")


@dataclass(frozen=True, slots=True)
class DateFact:
    """A date as written. ``candidates`` holds both readings of an ambiguous "05/03/2024"."""

    start: int
    end: int
    candidates: tuple[DateParts, ...]

    @property
    def has_day(self) -> bool:
        return all(c[2] is not None for c in self.candidates)

    @property
    def year(self) -> int | None:
        return self.candidates[0][0]


def date_supported(answer: DateFact, source: DateFact) -> bool:
    """Whether ``source`` states at least what ``answer`` states: "March 2024" ← "5 March 2024"."""
    return any(
        all(a is None or a == s for a, s in zip(a_parts, s_parts, strict=True))
        for a_parts in answer.candidates
        for s_parts in source.candidates
    )


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateFact]:
    """Dates in ``text[start:end]``, in text order, never overlapping (the fullest form wins)."""
    end = len(text) if end is None else end
    found: list[DateFact] = []
    taken: list[tuple[int, int]] = []
    months = _ANY_MONTH.search(text, start, end) is not None
    numeric = _NUMERIC_HINT.search(text, start, end) is not None
    for form, pattern in _DATE_PATTERNS:
        if not (numeric if form in ("ymd", "numeric") else months):
            continue  # cheap look-outs first: most texts hold no date at all
        for match in pattern.finditer(text, start, end):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            candidates = _candidates(form, match)
            if candidates:
                found.append(DateFact(match.start(), match.end(), candidates))
                taken.append((match.start(), match.end()))
    found.sort(key=lambda d: d.start)
    return found


def _month(name: str) -> int:
    return _MONTH_NAMES[name.rstrip(".").lower()]


def _candidates(form: str, m: re.Match[str]) -> tuple[DateParts, ...]:
    g = m.groups()
    parts: list[DateParts]
    if form == "ymd":
        parts = [(int(g[0]), int(g[1]), int(g[2]))]
    elif form == "mdy":
        parts = [(int(g[2]), _month(g[0]), int(g[1]))]
    elif form == "dmy":
        parts = [(int(g[2]), _month(g[1]), int(g[0]))]
    elif form == "md":
        parts = [(None, _month(g[0]), int(g[1]))]
    elif form == "dm":
        parts = [(None, _month(g[1]), int(g[0]))]
    elif form == "my":
        parts = [(int(g[1]), _month(g[0]), None)]
    else:
        first, second, year = int(g[0]), int(g[2]), int(g[3])
        if year < 100:
            year += 2000 if year < 70 else 1900
        # 05/03/2024 is May 3rd in the US and 5 March elsewhere: keep both unless one is impossible.
        parts = [(year, second, first), (year, first, second)]
    valid = tuple(dict.fromkeys(p for p in parts if _valid(p)))
    return valid


def _valid(parts: DateParts) -> bool:
    year, month, day = parts
    return (
        (year is None or 1000 <= year <= 2199)
        and (month is None or 1 <= month <= 12)
        and (day is None or 1 <= day <= 31)
    )


# -- quoted names -------------------------------------------------------------------------------------

_QUOTED = re.compile(
    r"\"([^\"\n]{2,80})\"|“([^”\n]{2,80})”|„([^“”\n]{2,80})[“”]|«\s?([^»\n]{2,80}?)\s?»|‘([^’\n]{2,80})’"
)
_SMALL_WORDS = frozenset(
    "a an and at by de del der di du for from in of on or the to und van von with".split()
)
_NAME_WORD = re.compile(r"[^\s]+")


@dataclass(frozen=True, slots=True)
class NameFact:
    """A proper name in quotes ("Stack Overflow Developer Survey"); offsets cover the quotes."""

    start: int
    end: int
    name: str


def find_quoted_names(text: str, start: int = 0, end: int | None = None) -> list[NameFact]:
    """Quoted spans that look like proper names: up to 10 words, each capitalised but small words.

    Scare quotes ("so-called "smart" contracts") and quoted phrases ("cheap and fast") are not names.
    """
    end = len(text) if end is None else end
    names: list[NameFact] = []
    for match in _QUOTED.finditer(text, start, end):
        inner = next(g for g in match.groups() if g is not None).strip(" ,.;:!?")
        words = _NAME_WORD.findall(inner)
        if not 1 <= len(words) <= 10 or not words[0][:1].isupper():
            continue
        if all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL_WORDS for w in words):
            names.append(NameFact(match.start(), match.end(), inner))
    return names


def normalise_for_search(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: how names are compared with sources."""
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


# -- masking and citation markers ---------------------------------------------------------------------

CITATION = re.compile(r"(?<![!^\w])\[(\d{1,4}(?:[ \t]*[,;][ \t]*\d{1,4}|[ \t]*[-–][ \t]*\d{1,4})*)\]")
# Each with a substring it cannot match without, so most texts skip most patterns at once.
_MASKED = (
    ("`", re.compile(r"`[^`\n]+`")),  # inline code
    ("](", re.compile(r"\]\([^)\s]*\)")),  # a link's target; its text stays
    ("http", re.compile(r"\bhttps?://[^\s)\]>]+")),  # bare URLs
    ("www.", re.compile(r"\bwww\.[^\s)\]>]+")),
    ("@", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),  # e-mail addresses
    ("[^", re.compile(r"\[\^\w+\]")),  # footnote references
    ("[", re.compile(r"\[(?:trimmed|cut to fit)[^\]\n]*\]")),  # the context budget's notes
    ("[", CITATION),
)


def citation_numbers(marker: str) -> list[int]:
    """The source numbers of one marker's inside: "1, 3" → [1, 3]; "2-4" → [2, 3, 4]."""
    numbers: list[int] = []
    for part in re.split(r"[ \t]*[,;][ \t]*", marker):
        bounds = [int(b) for b in re.split(r"[ \t]*[-–][ \t]*", part)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def mask(text: str) -> str:
    """``text`` with code spans, URLs, link targets and citation markers blanked, same length."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group())

    for needle, pattern in _MASKED:
        if needle in text:
            text = pattern.sub(blank, text)
    return text
