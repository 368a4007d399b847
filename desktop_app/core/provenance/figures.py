"""Figures in text: numbers with their currency, unit, scale and the precision they state.

``extract_figures`` finds every figure in a text ("about $98,000", "27%", "1.2 million", "98k", "one thousand",
"2.5 times"), each number read by ``digits.parse_number``. Values are magnitudes: the sign of a change is usually said in words ("fell 5%").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from .digits import Convention, Reading, parse_number, reading

FigureKind = Literal["currency", "percent", "times", "unit", "plain"]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure as written. Several ``readings`` only when the digit grouping is ambiguous ("1.234").

    ``unit`` is a currency code ("USD"), "%" for percentages and percentage points, "x" for "N
    times", a unit symbol ("km") or "" for a plain number. ``hedged`` is true after "about",
    "roughly", "~" and the like; ``scaled`` when a scale word or suffix is written ("1.2 million",
    "98k"): both state a rounded figure. ``start``/``end`` are offsets in the text given.
    """

    readings: tuple[Reading, ...]
    kind: FigureKind
    unit: str
    start: int
    end: int
    hedged: bool = False
    scale: int = 1
    bare: bool = False  # written as digits only, no separator: "2024", not "2,024"
    named: bool = False  # part of a name or version: "Python 3.12", "Windows 11", "version 2.1"

    @property
    def scaled(self) -> bool:
        return self.scale != 1

    @property
    def year_like(self) -> bool:
        """A bare 4-digit number from 1000 to 2199 with no unit: read as a year."""
        return (
            self.kind == "plain" and self.bare and not self.scaled and 1000 <= self.readings[0].value <= 2199
        )

    @property
    def strong(self) -> bool:
        """Worth a flag when found in no source: money, percentages, ratios, scaled, measured,
        decimal or large figures. Years and small counts ("3 options") are not."""
        if self.year_like or (self.named and self.kind == "plain" and not self.scaled):
            return False
        return (
            self.kind in ("currency", "percent", "times")
            or self.scaled
            or (self.kind == "unit" and self.unit in _STRONG_UNITS)
            or any(r.written_step < 1 or r.value >= 100 for r in self.readings)
        )

    @property
    def approximate(self) -> bool:
        """Whether the figure states a rounded value, to be matched at its ``step``."""
        return self.hedged or self.scaled


_CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "¥": "JPY", "jpy": "JPY", "cny": "CNY", "₹": "INR", "inr": "INR",
    "chf": "CHF", "a$": "AUD", "aud": "AUD", "c$": "CAD", "cad": "CAD",
}  # fmt: skip
_SCALES = {
    "k": 1000, "thousand": 1000, "m": 10**6, "mn": 10**6, "mln": 10**6, "million": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9, "tn": 10**12, "trillion": 10**12,
}  # fmt: skip
# Units whose figures are measurements worth checking even when small ("5 km", "3 GB").
_UNITS = {
    "km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km", "kilometer": "km",
    "m": "m", "metres": "m", "meters": "m", "metre": "m", "meter": "m", "cm": "cm", "mm": "mm",
    "mi": "mi", "miles": "mi", "mile": "mi", "ft": "ft", "feet": "ft",
    "kg": "kg", "kilograms": "kg", "kilogram": "kg", "g": "g", "grams": "g", "mg": "mg",
    "t": "t", "tonnes": "t", "tonne": "t", "tons": "t", "lb": "lb", "lbs": "lb",
    "l": "l", "litres": "l", "liters": "l", "litre": "l", "liter": "l", "ml": "ml",
    "kwh": "kWh", "mwh": "MWh", "gwh": "GWh", "twh": "TWh", "kw": "kW", "mw": "MW", "gw": "GW",
    "kb": "KB", "mb": "MB", "gb": "GB", "tb": "TB", "pb": "PB", "mbps": "Mbps", "gbps": "Gbps",
    "hz": "Hz", "khz": "kHz", "mhz": "MHz", "ghz": "GHz", "°c": "°C", "℃": "°C", "°f": "°F",
    "km/h": "km/h", "mph": "mph", "m²": "m²", "km²": "km²", "sq ft": "sq ft", "kcal": "kcal",
}  # fmt: skip
# Durations are units for matching, but "5 years" is not worth a flag on its own.
_TIME_UNITS = {
    "ms": "ms", "seconds": "s", "second": "s", "sec": "s", "minutes": "min", "minute": "min",
    "min": "min", "hours": "h", "hour": "h", "hrs": "h", "h": "h", "days": "d", "day": "d",
    "weeks": "wk", "week": "wk", "months": "mo", "month": "mo", "years": "yr", "year": "yr", "yrs": "yr",
}  # fmt: skip


_STRONG_UNITS = frozenset(_UNITS.values())


def _alternation(words: Iterable[str]) -> str:
    """A regex alternative of ``words``, longest first so "minutes" wins over "min"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_SP = r"[ \u00a0]"
_FIGURE = re.compile(
    # The look-ahead lets the engine skip, fast, every position where no figure can start.
    rf"""
    (?=[\d$€£¥₹]|(?-i:[ACEGIJU]))
    (?P<cur>(?:US\$|A\$|C\$|\$|€|£|¥|₹){_SP}?|(?:USD|EUR|GBP|CHF|JPY|CNY|INR|AUD|CAD){_SP}?)?
    (?P<num>\d{{1,3}}(?:[ \u00a0\u202f\u2009]\d{{3}})+(?:[.,]\d+)?(?![\d])|\d(?:[\d,.]*\d)?)
    (?:(?P<scale_word>{_SP}(?:thousand|million|billion|trillion|mln|mn|bn|tn)\b)
      |(?P<scale>(?:k|K|M|m|bn|B|b|mn|tn)\b))?
    (?:{_SP}?(?P<pct>%|percent\b|per[ -]cent\b|percentage[ -]points?\b|pp\b|p\.p\.)
      |{_SP}?(?P<times>×|x\b|times\b|-fold\b|fold\b)(?!{_SP}?\d)
      |{_SP}?(?P<cur2>€|\$|£|¥|(?:USD|EUR|GBP|CHF|JPY|CNY|INR|AUD|CAD)\b|(?:euros?|dollars?)\b)
      |{_SP}?(?P<unit>(?:{_alternation(_UNITS)}|{_alternation(_TIME_UNITS)})(?![\w/²]))
    )?
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Words before a figure that say it is rounded. Checked on the last words before the figure, not
# by a regex search: a search anchored at the end still tries every start position.
_HEDGE_WORDS = frozenset(
    """about around approximately approx approx. roughly nearly almost circa ca. some estimated over
    under above below""".split()
)
_HEDGE_PAIRS = frozenset(
    """close to|just over|just under|more than|less than|fewer than|upwards of|up to|at least|at most
    |north of|an estimated|about a|around a|roughly a|nearly a|almost a""".replace("\n", "").split("|")
)
_HEDGE_SIGNS = ("~", "≈", "∼")
# A short number right after a capitalised word or "version" names a thing ("Python 3.12",
# "Windows 11", "version 2.1") rather than stating a quantity.
_NAMED = re.compile(r"(?:\b[A-Z][\w+#-]*|\b(?:version|release|v\.?))[ \u00a0]$")
_VERSION_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3})?")
_HEDGE_AFTER = re.compile(r"\s*(?:or so|or thereabouts|odd)\b", re.IGNORECASE)


def _hedged_before(text: str, start: int, at: int) -> bool:
    """Whether a hedge ends right before ``at`` (looking no further back than ``start``)."""
    before = text[max(start, at - 30) : at].rstrip(" *_\u00a0")
    if before.endswith(_HEDGE_SIGNS):
        return True
    words = before.lower().split()[-2:]
    return bool(words) and (words[-1] in _HEDGE_WORDS or " ".join(words) in _HEDGE_PAIRS)


_RANGE = re.compile(r"\s*(?:-|–|—|to|and)\s*", re.IGNORECASE)


def extract_figures(
    text: str, start: int = 0, end: int | None = None, convention: Convention = None, *, context: bool = True
) -> list[Figure]:
    """Every figure in ``text[start:end]``, in text order, offsets relative to ``text``.

    With ``context``, hedges ("about") and names ("Python 3.12") are looked for around each figure,
    within ``text[start:end]`` only (pass one sentence). ``context=False`` skips both, for a source:
    its own rounding does not matter, and every figure in it may support one in the answer.

    Skipped: numbers glued to a word ("GPT-4", "3rd", "1990s", "A4"), times and fractions ("9:30",
    "24/7"), versions and lists ("1.2.3", "1,2,3"). A range ("27% to 34%", "$98,000–103,000",
    "98–103k") shares its unit, scale and hedge between both ends.
    """
    end = len(text) if end is None else end
    figures: list[Figure] = []
    for match in _FIGURE.finditer(text, start, end):
        if _glued(text, match.start(), match.end()):
            continue
        figure = _figure(match, text, start, end, convention, context)
        if figure is not None:
            figures.append(figure)
    figures.extend(_word_figures(text, start, end, figures))
    figures.sort(key=lambda f: f.start)
    return _share_ranges(text, figures)


def _glued(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or before in "_^#/:." or after.isalnum() or after == "_":
        return True
    if before in "-‐" and start > 1 and text[start - 2].isalpha():
        return True  # "COVID-19", "GPT-4": part of a name
    return after in "/:" and text[end + 1 : end + 2].isdigit()


def _figure(
    match: re.Match[str], text: str, start: int, end: int, convention: Convention, context: bool
) -> Figure | None:
    parsed = parse_number(match.group("num"), convention)
    if not parsed:
        return None
    currency = match.group("cur") or match.group("cur2")
    scale_text = (match.group("scale_word") or match.group("scale") or "").strip()
    unit_text = match.group("unit")
    fig_end = match.end()
    if scale_text == "m" and not currency:
        # "5m" is five metres unless money is meant ("$5m").
        scale_text, unit_text = "", "m"
    scale = _SCALES[scale_text.lower()] if scale_text else 1
    kind: FigureKind = "plain"
    unit = ""
    if match.group("pct"):
        kind, unit = "percent", "%"
    elif match.group("times"):
        kind, unit = "times", "x"
    elif currency:
        kind, unit = "currency", _CURRENCIES[currency.strip().lower()]
    elif unit_text:
        key = unit_text.lower()
        kind, unit = "unit", _UNITS.get(key) or _TIME_UNITS[key]
    hedged = context and (
        _hedged_before(text, start, match.start())
        or bool(_HEDGE_AFTER.match(text, fig_end, min(end, fig_end + 20)))
    )
    figure = Figure(
        readings=tuple(_scaled(reading(value, decimals), scale) for value, decimals in parsed),
        kind=kind,
        unit=unit,
        start=match.start(),
        end=fig_end,
        hedged=hedged,
        scale=scale,
        bare=match.group("num").isdigit(),
        named=context
        and _VERSION_LIKE.fullmatch(match.group("num")) is not None
        and _NAMED.search(text, max(start, match.start() - 40), match.start()) is not None,
    )
    return figure


def _share_ranges(text: str, figures: list[Figure]) -> list[Figure]:
    for i in range(len(figures) - 1):
        first, second = figures[i], figures[i + 1]
        gap = _RANGE.fullmatch(text, first.end, second.start)
        if gap is None:
            continue
        if "and" in gap.group().lower() and not text[max(0, first.start - 9) : first.start].lower().endswith(
            "between "
        ):
            continue  # "$98,000 and $77,000" are two figures; "between $98,000 and $103,000" a range
        if (
            second.scaled
            and not first.scaled
            and not first.year_like
            and first.kind in ("plain", second.kind)
        ):
            # "98–103k", "5 to 10 million": the scale written once applies to both ends.
            first = replace(
                first, readings=tuple(_scaled(r, second.scale) for r in first.readings), scale=second.scale
            )
        if first.kind == "plain" and second.kind != "plain":
            first = replace(first, kind=second.kind, unit=second.unit)
        elif second.kind == "plain" and first.kind != "plain":
            second = replace(second, kind=first.kind, unit=first.unit)
        second = replace(second, hedged=second.hedged or first.hedged)
        figures[i], figures[i + 1] = first, second
    return figures


def _scaled(r: Reading, scale: int) -> Reading:
    return Reading(r.value * scale, r.step * scale, r.written_step * scale)


# -- numbers in words ---------------------------------------------------------------------------------

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_LEADING = _alternation([*_SMALL, *_TENS])
_ANY_WORD = _alternation([*_SMALL, *_TENS, *_MULTIPLIERS])
_WORD_RUN = re.compile(rf"\b(?:{_LEADING})(?:(?:[ -]|[ ]and[ ])(?:{_ANY_WORD}))*\b|\btwice\b", re.IGNORECASE)
_WORD_POST = re.compile(
    rf"{_SP}(?:(?P<pct>percent\b|per[ -]cent\b)|(?P<times>times\b)|(?P<cur2>euros?\b|dollars?\b))",
    re.IGNORECASE,
)


def words_value(words: str) -> int | None:
    """The value of a number written in English words ("one thousand", "twenty-five"), else None."""
    total = current = 0
    previous = ""
    for word in re.split(r"[ -]+", words.lower()):
        if word == "and":
            continue
        if word in _SMALL or word in _TENS:
            if previous in _SMALL or (previous in _TENS and (word in _TENS or _SMALL[word] >= 10)):
                return None  # "one two", "twenty thirty": two numbers, not one
            current += _SMALL.get(word) or _TENS.get(word, 0)
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _MULTIPLIERS:
            total += (current or 1) * _MULTIPLIERS[word]
            current = 0
        else:
            return None
        previous = word
    return total + current


# A number in words only counts with a multiplier, "percent", "times" or a currency after it: look
# near those words only. Case-sensitive with a look-ahead: far faster than IGNORECASE on long texts.
_ANCHOR_WORDS = (
    "hundred",
    "thousand",
    "million",
    "billion",
    "trillion",
    "percent",
    "per cent",
    "times",
    "twice",
)
_WORD_ANCHOR = re.compile(
    "(?=[hHtTmMbBpP])\\b(?:" + "|".join(f"[{w[0]}{w[0].upper()}]{w[1:]}" for w in _ANCHOR_WORDS) + ")\\b"
    "|(?=[dDeE])\\b(?:[dD]ollars?|[eE]uros?)\\b"
)
_ANCHOR_SUBSTRINGS = ("hundred", "thousand", "illion", "per", "times", "twice", "dollar", "euro")
_WORD_WINDOW = 80  # characters before an anchor where its number words may start


def _word_figures(text: str, start: int, end: int, taken: list[Figure]) -> list[Figure]:
    found: list[Figure] = []
    lowered = text[start:end].lower()
    if not any(word in lowered for word in _ANCHOR_SUBSTRINGS):
        return found  # the usual case, found with plain substring searches
    windows: list[list[int]] = []
    for anchor in _WORD_ANCHOR.finditer(text, start, end):
        low = max(start, anchor.start() - _WORD_WINDOW)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = anchor.end()
        else:
            windows.append([low, anchor.end()])
    runs = (m for low, high in windows for m in _WORD_RUN.finditer(text, low, high))
    for match in runs:
        if any(f.start < match.end() and match.start() < f.end for f in taken):
            continue
        words = match.group()
        if words.lower() == "twice":
            value: int | None = 2
            post: re.Match[str] | None = None
        else:
            value = words_value(words)
            post = _WORD_POST.match(text, match.end(), end)
        big = any(w in words.lower() for w in _MULTIPLIERS)
        if value is None or not (big or post or words.lower() == "twice"):
            continue  # "one of the", "two sources": counting words, not figures
        kind: FigureKind = "times" if post is None and not big else "plain"
        unit = "x" if kind == "times" else ""
        fig_end = post.end() if post else match.end()
        if post and post.group("pct"):
            kind, unit = "percent", "%"
        elif post and post.group("times"):
            kind, unit = "times", "x"
        elif post and post.group("cur2"):
            kind, unit = "currency", _CURRENCIES[post.group("cur2").lower()]
        figure = Figure(
            readings=(reading(Decimal(value), 0),),
            kind=kind,
            unit=unit,
            start=match.start(),
            end=fig_end,
            hedged=_hedged_before(text, start, match.start()),
            scale=max((m for w, m in _MULTIPLIERS.items() if m >= 1000 and w in words.lower()), default=1),
        )
        found.append(figure)
    return found
