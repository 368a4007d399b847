"""Provenance, text level: splitting Markdown into units, and reading numbers however they are written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.provenance import (
    SourceText,
    check_answer,
    extract_figures,
    parse_number,
    split_units,
    words_value,
)


def _units(text: str) -> list[str]:
    return [text[u.start : u.end] for u in split_units(text)]


# -- sentence splitting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("It costs approx. $5 a day. Then more.", ["It costs approx. $5 a day.", "Then more."]),
        ("He moved to the U.S. in 2019. It rained.", ["He moved to the U.S. in 2019.", "It rained."]),
        ("Use a tool, e.g. Excel. Or not.", ["Use a tool, e.g. Excel.", "Or not."]),
        ("Growth was 3.5 percent. Rates held at 4.25%.", ["Growth was 3.5 percent.", "Rates held at 4.25%."]),
        (
            "Dr. Smith and Mr. Jones agree. See Fig. 2 and No. 5.",
            ["Dr. Smith and Mr. Jones agree.", "See Fig. 2 and No. 5."],
        ),
        ("It was $98,400.[1] Next one. [2] Last.", ["It was $98,400.[1]", "Next one. [2]", "Last."]),
        ('She said "Stop." Then left.', ['She said "Stop."', "Then left."]),
        ("Wait... and see. Really? Yes!", ["Wait... and see.", "Really?", "Yes!"]),
        ("Apples, pears etc. The end.", ["Apples, pears etc.", "The end."]),
        ("Visit example.com today. Now.", ["Visit example.com today.", "Now."]),
    ],
)
def test_sentences_split_at_real_ends_only(text: str, units: list[str]) -> None:
    assert _units(text) == units


def test_markdown_blocks_become_their_own_units_and_code_is_skipped() -> None:
    text = (
        "## Salaries in Berlin ##\n"
        "\n"
        "Intro sentence. Second sentence.\n"
        "- First item. It has two sentences.\n"
        "- Second item\n"
        "  continues on the next line.\n"
        "1. Numbered item with $5,000.\n"
        "\n"
        "| City | Median |\n"
        "|------|-------:|\n"
        "| Berlin | $98,400 |\n"
        "\n"
        "```python\n"
        "total = 98400. # not prose\n"
        "```\n"
        "> Quoted claim.\n"
        "\n"
        "---\n"
        "Median: $98,400\n"
        "Mean: $103,000\n"
    )
    assert _units(text) == [
        "Salaries in Berlin",
        "Intro sentence.",
        "Second sentence.",
        "First item.",
        "It has two sentences.",
        "Second item\n  continues on the next line.",
        "Numbered item with $5,000.",
        "City | Median",
        "Berlin | $98,400",
        "Quoted claim.",
        "Median: $98,400",
        "Mean: $103,000",
    ]
    kinds = [u.kind for u in split_units(text)]
    assert kinds[0] == "heading" and kinds[7:9] == ["row", "row"]


def test_figures_inside_code_are_not_checked() -> None:
    answer = "Run this:\n\n```\nprice = 12345.67\n```\n\nAnd `limit=5000` inline."
    report = check_answer(answer, [])
    assert [s.cls for s in report.sentences] == ["model_knowledge", "model_knowledge"]


_WORDS = [
    "salary",
    "approx.",
    "e.g.",
    "U.S.",
    "3.5",
    "$98,400",
    "Dr. Smith",
    "i.e.",
    "vs.",
    "1.2 million",
    "(see below)",
]


@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6), min_size=1, max_size=8))
def test_every_sentence_is_one_unit_whatever_abbreviations_and_decimals_it_holds(
    sentences: list[list[str]],
) -> None:
    written = [" ".join(["The", *words]) + "." for words in sentences]
    assert _units(" ".join(written)) == written


@given(st.text(alphabet=st.sampled_from(list("ab AB.?!\n-|#`*>1,$%[]\"'")), max_size=200))
def test_units_are_ordered_stripped_slices_of_any_text(text: str) -> None:
    last = 0
    for unit in split_units(text):
        piece = text[unit.start : unit.end]
        assert unit.start >= last and piece == piece.strip() and piece
        last = unit.end


# -- number normalisation -----------------------------------------------------------------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words(n: int) -> str:
    """``n`` in English words, as a model might write it ("one hundred twenty-three thousand")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return _ONES[n // 100] + " hundred" + (" " + _words(n % 100) if n % 100 else "")
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            return _words(n // size) + " " + name + (" " + _words(n % size) if n % size else "")
    raise AssertionError(n)


def _values(text: str) -> list[Decimal]:
    figures = extract_figures(text)
    assert len(figures) == 1, (text, figures)
    return [r.value for r in figures[0].readings]


@given(st.integers(min_value=0, max_value=10**12))
def test_comma_grouping_reads_as_one_value(n: int) -> None:
    assert parse_number(f"{n:,}") == ((Decimal(n), 0),)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"]))
def test_space_grouping_reads_as_one_value(n: int, space: str) -> None:
    assert _values(f"{n:,}".replace(",", space) + " people") == [n]


@given(st.integers(min_value=10**6, max_value=10**12))
def test_european_grouping_with_two_dots_is_unambiguous(n: int) -> None:
    assert parse_number(f"{n:,}".replace(",", ".")) == ((Decimal(n), 0),)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_european_decimal_comma_is_unambiguous(n: int, cents: int) -> None:
    written = f"{n:,}".replace(",", ".") + f",{cents:02d}"
    assert [v for v, _ in parse_number(written)] == [Decimal(n) + Decimal(cents) / 100]


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_a_lone_dot_group_is_read_both_ways_unless_the_text_decides(head: int, tail: int) -> None:
    written = f"{head}.{tail:03d}"
    both = {v for v, _ in parse_number(written)}
    assert both == {Decimal(f"{head}.{tail:03d}"), Decimal(head * 1000 + tail)}
    assert [v for v, _ in parse_number(written, "eu")] == [Decimal(head * 1000 + tail)]
    assert [v for v, _ in parse_number(written, "en")] == [Decimal(f"{head}.{tail:03d}")]
    # A text that also writes "1.234.567" is European, so its "1.240" is 1240.
    assert Decimal(head * 1000 + tail) in _values_in(f"Population 3.755.251; rent {written} €")


def _values_in(text: str) -> list[Decimal]:
    from desktop_app.core.provenance.pool import SourceIndex

    index = SourceIndex([SourceText(1, text)])
    return [Decimal(str(o.value)).normalize() for pool in index.all.values() for o in pool.items]


@given(st.integers(min_value=1, max_value=999_999))
def test_k_suffix_means_thousands(thousands: int) -> None:
    assert _values(f"${thousands}k") == [thousands * 1000]


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_numbers_in_words_read_as_their_value(n: int) -> None:
    assert words_value(_words(n)) == n
    assert _values(f"{_words(n)} dollars") == [n]


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["thousand", "million", "billion"]))
def test_every_way_of_writing_a_round_figure_is_the_same_figure(n: int, scale: str) -> None:
    size = {"thousand": 10**3, "million": 10**6, "billion": 10**9}[scale]
    forms = [
        f"${n * size:,}",
        f"{_words(n)} {scale} dollars",
        f"${n} {scale}",
        f"USD {n * size:,}".replace(",", " "),
    ]
    if scale == "thousand":
        forms.append(f"${n}k")
    assert {tuple(_values(form)) for form in forms} == {(n * size,)}


@given(st.integers(min_value=100, max_value=10**9), st.integers(min_value=1, max_value=4))
def test_a_source_figure_rounded_and_hedged_in_the_answer_is_supported(n: int, digits: int) -> None:
    rounded = int(Decimal(n).quantize(Decimal(1).scaleb(len(str(n)) - digits), rounding="ROUND_HALF_UP"))
    source = SourceText(1, f"The total was ${n:,} last year.")
    report = check_answer(f"The total was about ${rounded:,}.", [source])
    assert report.sentences[0].cls == "supported"
    exact = check_answer(f"The total was ${rounded:,}.", [source])
    assert exact.sentences[0].cls == ("supported" if rounded == n else "unsupported_figure")


# -- determinism ----------------------------------------------------------------------------------------


@given(
    st.lists(
        st.sampled_from(["Pay is about $98,000 [1].", "It rose 27%.", "See [2].", "- 1.2 million", "Hi."]),
        max_size=8,
    )
)
def test_reports_are_deterministic_and_well_formed(pieces: list[str]) -> None:
    answer = " ".join(pieces)
    sources = [SourceText(1, "Median $98,400 against $77,250."), SourceText(3, "", trimmed=True)]
    report = check_answer(answer, sources)
    assert check_answer(answer, list(reversed(sources))) == report
    for sentence in report.sentences:
        assert answer[sentence.start : sentence.end] == sentence.text
        assert set(sentence.source_ids) <= {1}
        assert sentence.source_ids == tuple(sorted(set(sentence.source_ids)))
