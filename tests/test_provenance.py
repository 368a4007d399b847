"""Provenance: sentence classes, derived figures, citations and the event built from them."""

from __future__ import annotations

import pytest

from desktop_app.core import events as ev
from desktop_app.core.context import SOURCES_HEADER
from desktop_app.core.provenance import (
    CitationCheck,
    ProvenanceReport,
    SentenceCheck,
    SourceText,
    check_answer,
    sources_from_records,
    sources_from_result,
)
from desktop_app.core.sources import SourceRecord

SALARY_SOURCE = SourceText(
    1,
    "Senior data engineer salaries, 2025. Levels.fyi reports a median total compensation of $98,400 "
    "in Berlin; Glassdoor lists $103,000 for the same role. The national median for data engineers "
    "is $77,250.",
)
SALARY_ANSWER = (
    "Senior data engineers in Berlin earn approximately $98,000 to $103,000 a year [1]. "
    "The national median is around $77,000 [1]. "
    "That puts Berlin roughly 27% to 34% above the national figure. "
    "Bonuses typically add another $12,500 on top [1]. "
    "Berlin has a lively start-up scene. "
    "Relocation packages are common [4]."
)


def _by_text(report: ProvenanceReport) -> dict[str, SentenceCheck]:
    return {s.text: s for s in report.sentences}


def _classes(answer: str, *sources: SourceText) -> list[str]:
    return [s.cls for s in check_answer(answer, sources).sentences]


# -- the salary example (issue 8) ---------------------------------------------------------------------


def test_salary_example_classes_each_sentence() -> None:
    report = check_answer(SALARY_ANSWER, [SALARY_SOURCE])
    assert [(s.cls, s.source_ids) for s in report.sentences] == [
        ("supported", (1,)),
        ("supported", (1,)),
        ("derived", (1,)),
        ("unsupported_figure", ()),
        ("model_knowledge", ()),
        ("model_knowledge", ()),
    ]


def test_salary_example_recognises_the_percentages_as_derived() -> None:
    sentence = _by_text(check_answer(SALARY_ANSWER, [SALARY_SOURCE]))[
        "That puts Berlin roughly 27% to 34% above the national figure."
    ]
    assert [(f.text, f.status, f.source_ids) for f in sentence.facts] == [
        ("27%", "derived", (1,)),
        ("34%", "derived", (1,)),
    ]


def test_salary_example_flags_the_invented_figure_although_its_sentence_cites_a_real_source() -> None:
    report = check_answer(SALARY_ANSWER, [SALARY_SOURCE])
    sentence = _by_text(report)["Bonuses typically add another $12,500 on top [1]."]
    assert sentence.cls == "unsupported_figure"
    assert [(f.text, f.status, f.risky) for f in sentence.facts] == [("$12,500", "unsupported", True)]
    assert report.figures_to_verify == 1


def test_salary_example_flags_the_citation_of_a_missing_source() -> None:
    report = check_answer(SALARY_ANSWER, [SALARY_SOURCE])
    assert report.citations == (
        CitationCheck(n=1, source_id=1, ok=True),
        CitationCheck(n=4, source_id=None, ok=False, problem="missing"),
    )


def test_event_fields_have_exactly_the_event_shape_and_survive_json() -> None:
    fields = check_answer(SALARY_ANSWER, [SALARY_SOURCE]).to_event_fields()
    assert set(fields) == {"sentences", "citations"}
    assert fields["sentences"][2] == {
        "text": "That puts Berlin roughly 27% to 34% above the national figure.",
        "class": "derived",
        "source_ids": [1],
    }
    assert fields["citations"] == (
        {"n": 1, "source_id": 1, "ok": True},
        {"n": 4, "source_id": None, "ok": False},
    )
    for sentence in fields["sentences"]:
        assert set(sentence) == {"text", "class", "source_ids"}
    event = ev.ProvenanceChecked(t=1.0, turn_id="t", cycle=2, **fields)
    assert ev.from_json(ev.to_json(event)) == event


def test_sentence_offsets_point_into_the_answer() -> None:
    for sentence in check_answer(SALARY_ANSWER, [SALARY_SOURCE]).sentences:
        assert SALARY_ANSWER[sentence.start : sentence.end] == sentence.text
        for fact in sentence.facts:
            assert SALARY_ANSWER[fact.start : fact.end] == fact.text


def test_the_same_input_gives_the_same_report() -> None:
    other = SourceText(2, "Munich pays $91,000 on average, 18% above the national figure of $77,250.")
    first = check_answer(SALARY_ANSWER, [SALARY_SOURCE, other])
    assert check_answer(SALARY_ANSWER, [other, SALARY_SOURCE]) == first
    assert check_answer(SALARY_ANSWER, [SALARY_SOURCE, other]).to_event_fields() == first.to_event_fields()


# -- support: rounding, hedges, formatting ------------------------------------------------------------


@pytest.mark.parametrize("hedge", ["about", "around", "approximately", "roughly", "~", "nearly", "almost"])
def test_a_hedge_lets_a_source_figure_round_to_the_answer(hedge: str) -> None:
    assert _classes(f"Rent is {hedge} €1,200 a month.", SourceText(1, "Average rent: €1,240.")) == [
        "supported"
    ]


def test_rounding_is_to_the_precision_the_answer_states() -> None:
    source = SourceText(1, "The median is $98,400.")
    assert _classes("It is approximately $98,000.", source) == ["supported"]
    assert _classes("It is about $100,000.", source) == ["supported"]  # one significant digit
    assert _classes("It is about $98,500.", source) == ["unsupported_figure"]  # 98,400 rounds to 98,400


def test_an_exact_figure_must_match_exactly_whatever_its_formatting() -> None:
    source = SourceText(1, "The median is $98,400 and the mean is 103000 dollars.")
    assert _classes("The median is $98,000.", source) == ["unsupported_figure"]
    assert _classes("The median is $98,400.00.", source) == ["supported"]
    assert _classes("The median is USD 98 400.", source) == ["supported"]
    assert _classes("The mean is $103,000.", source) == ["supported"]


def test_a_scaled_figure_states_its_own_rounding() -> None:
    source = SourceText(1, "The city had 1,234,567 inhabitants and a budget of $98,400.")
    assert _classes("About 1.2 million people live there.", source) == ["supported"]
    assert _classes("The budget is $98k.", source) == ["supported"]
    assert _classes("1.3 million people live there.", source) == ["unsupported_figure"]


def test_currencies_must_agree_but_a_plain_source_number_supports_money() -> None:
    assert _classes("Rent is around $1,200.", SourceText(1, "Average rent: €1,240.")) == [
        "unsupported_figure"
    ]
    assert _classes("Rent is $1,240.", SourceText(1, "| Berlin | 1,240 |")) == ["supported"]


def test_a_percentage_needs_a_percentage() -> None:
    assert _classes("Growth was 27%.", SourceText(1, "27 engineers were hired.")) == ["unsupported_figure"]
    assert _classes("Growth was 27 percent.", SourceText(1, "Growth: 27%.")) == ["supported"]


def test_european_formatting_in_a_source() -> None:
    source = SourceText(1, "Die Miete beträgt 1.240,00 € im Monat; Berlin hat 3.755.251 Einwohner.")
    assert _classes("Rent is about €1,200 [1].", source) == ["supported"]
    assert _classes("Berlin has 3,755,251 inhabitants.", source) == ["supported"]


def test_a_trimmed_source_supports_nothing() -> None:
    assert _classes("The median is $98,400.", SourceText(1, "The median is $98,400.", trimmed=True)) == [
        "unsupported_figure"
    ]


# -- derived figures ------------------------------------------------------------------------------------


def test_a_ratio_of_two_source_figures_is_derived() -> None:
    source = SourceText(2, "London rents average £2,100 a month against £840 nationally.")
    report = check_answer("London rents are 2.5 times the national average [2].", [source])
    assert [(s.cls, s.source_ids) for s in report.sentences] == [("derived", (2,))]


def test_a_fall_a_sum_and_a_difference_are_derived() -> None:
    source = SourceText(
        1, "Sales were $1.5 billion in 2023 and $1.2 billion in 2024; services added $300 million."
    )
    answer = (
        "Sales were $1.5 billion in 2023 and $1.2 billion in 2024 [1]. "
        "That is a 20% fall. "
        "The gap is $300 million. "
        "Together that is $2.7 billion."
    )
    assert _classes(answer, source) == ["supported", "derived", "supported", "derived"]


def test_a_derived_sentence_lists_the_sources_of_both_figures() -> None:
    sources = [SourceText(1, "Berlin: $98,400."), SourceText(2, "National median: $77,250.")]
    answer = "Berlin pays $98,400 [1] against $77,250 nationally [2], about 27% more."
    report = check_answer(answer, sources)
    assert [(s.cls, s.source_ids) for s in report.sentences] == [("derived", (1, 2))]


def test_an_invented_percentage_is_not_derived_by_coincidence() -> None:
    answer = "Berlin pays around $98,000 [1]. The national median is about $77,000 [1]. That is 41% more."
    assert _classes(answer, SALARY_SOURCE) == ["supported", "supported", "unsupported_figure"]


def test_an_exact_percentage_must_round_from_the_computed_value() -> None:
    source = SourceText(1, "Berlin pays $98,400 against $77,250 nationally.")
    assert _classes("Berlin pays $98,400 against $77,250, 27.4% more.", source) == ["derived"]
    assert _classes("Berlin pays $98,400 against $77,250, 30% more.", source) == ["unsupported_figure"]
    assert _classes("Berlin pays $98,400 against $77,250, about 30% more.", source) == ["derived"]


# -- years, dates and names -----------------------------------------------------------------------------


def test_a_year_found_in_a_source_supports_and_a_missing_one_raises_no_flag() -> None:
    source = SourceText(1, "The 2024 survey of 1,200 engineers.")
    assert _classes("The survey ran in 2024.", source) == ["supported"]
    assert _classes("Python was first released in 1991.", source) == ["model_knowledge"]
    report = check_answer("Python was first released in 1991.", [source])
    assert [(f.kind, f.status, f.risky) for f in report.sentences[0].facts] == [("year", "not_found", False)]


def test_a_full_date_is_checked_and_states_its_precision() -> None:
    source = SourceText(1, "The report was published on 5 March 2024.")
    assert _classes("It came out on March 5, 2024.", source) == ["supported"]
    assert _classes("It came out on 2024-03-05.", source) == ["supported"]
    assert _classes("It came out in March 2024.", source) == ["supported"]
    assert _classes("It came out on March 7, 2024.", source) == ["unsupported_figure"]


def test_a_quoted_proper_name_must_be_in_a_source() -> None:
    source = SourceText(1, "According to the Stack Overflow Developer Survey, Rust is most admired.")
    assert _classes('The "Stack Overflow Developer Survey" says so [1].', source) == ["supported"]
    assert _classes('The "Berlin Tech Salary Index" says so [1].', source) == ["unsupported_figure"]
    assert _classes('Some call it "cheap and cheerful".', source) == ["model_knowledge"]


def test_small_counts_and_versions_are_not_figures() -> None:
    assert _classes("Here are 3 options for Python 3.12 on Windows 11.") == ["model_knowledge"]


# -- citations -------------------------------------------------------------------------------------------


def test_citation_forms_bind_each_number() -> None:
    sources = [SourceText(i, f"Source {i}.") for i in (1, 2, 3, 5)]
    report = check_answer("One [1, 2]. Two [2][3]. Three [3-5]. Four [1].", sources)
    assert [(c.n, c.source_id, c.ok) for c in report.citations] == [
        (1, 1, True),
        (2, 2, True),
        (3, 3, True),
        (4, None, False),
        (5, 5, True),
    ]


def test_a_citation_of_a_trimmed_source_is_flagged() -> None:
    report = check_answer("As reported [7].", [SourceText(7, "", trimmed=True)])
    assert report.citations == (CitationCheck(n=7, source_id=7, ok=False, problem="trimmed"),)
    assert report.sentences[0].cls == "model_knowledge"


def test_a_cited_sentence_without_checkable_facts_rests_on_its_citation() -> None:
    report = check_answer("Remote work is common in Berlin [1].", [SALARY_SOURCE])
    assert [(s.cls, s.source_ids) for s in report.sentences] == [("supported", (1,))]


def test_citations_in_code_and_links_are_not_citations() -> None:
    answer = "Use `items[1]` here.\n\n```python\nx = data[2]\n```\n\nSee [the docs](https://example.com/3)."
    assert check_answer(answer, []).citations == ()


# -- inputs from the loop --------------------------------------------------------------------------------


def _record(n: int, excerpt: str = "") -> SourceRecord:
    return SourceRecord(
        id=n, tool="web_search", title=f"Result {n}", url=f"https://example.com/{n}", excerpt=excerpt
    )


def test_sources_from_result_uses_the_excerpt_the_model_saw() -> None:
    records = [_record(1, "Median: $98,400."), _record(2, "Mean: $103,000.")]
    sent = f"Median: $98,400. Mean: $103,000.\n\n{SOURCES_HEADER}\n[1] Result 1\n[2] Result 2"
    assert sources_from_result(records, sent) == [
        SourceText(1, "Median: $98,400."),
        SourceText(2, "Mean: $103,000."),
    ]


def test_sources_from_result_marks_what_a_cut_or_a_drop_took_away() -> None:
    records = [_record(1, "The median in Berlin is $98,400."), _record(2, "Mean: $103,000.")]
    cut = (
        "The median in Berlin is $98,4…\n[trimmed: 1,234 tokens; ask again to re-read]"
        f"\n\n{SOURCES_HEADER}\n[1] Result 1\n[2] Result 2"
    )
    assert sources_from_result(records, cut) == [
        SourceText(1, "The median in Berlin is"),
        SourceText(2, "", trimmed=True),
    ]
    assert sources_from_result(records, None) == [SourceText(1, "", True), SourceText(2, "", True)]


def test_sources_from_result_without_excerpts_uses_the_result_text() -> None:
    sent = f"Median: $98,400.\n\n{SOURCES_HEADER}\n[1] Result 1"
    assert sources_from_result([_record(1)], sent) == [SourceText(1, "Median: $98,400.")]
    assert sources_from_records([_record(1, "x"), _record(2, "y")], trimmed_ids={2}) == [
        SourceText(1, "x"),
        SourceText(2, "y", trimmed=True),
    ]
