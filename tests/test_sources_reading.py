"""The Qt-free half of the sources UI: reading an answer's events, finding sentences, formatting."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core import events as ev
from desktop_app.core.sources import SourceRecord
from desktop_app.ui.sources.answer_sources import AnswerSources, Citation, SourceBook
from desktop_app.ui.sources.sentence_spans import locate, skeleton
from desktop_app.ui.sources.words import compact_tokens, domain, relative_time

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def _finished(*records: SourceRecord, turn: str = "t") -> ev.ToolFinished:
    return ev.ToolFinished(
        t=1.0, turn_id=turn, call_id="c", ok=True, result_preview="", result_tokens=1, sources=records
    )


def _source(n: int, url: str = "https://www.example.org/a") -> SourceRecord:
    return SourceRecord(id=n, tool="web_search", title=f"Source {n}", url=url, excerpt="…")


# -- words ---------------------------------------------------------------------------------------------


def test_domain_drops_www_and_keeps_subdomains() -> None:
    assert domain("https://www.example.org/x?y=1") == "example.org"
    assert domain("https://news.example.com/scene") == "news.example.com"
    assert domain("") == ""


def test_relative_time_says_it_as_people_do() -> None:
    assert relative_time("2026-03-05T11:59:50+00:00", NOW) == "just now"
    assert relative_time("2026-03-05T11:57:00+00:00", NOW) == "3 min ago"
    assert relative_time("2026-03-05T10:00:00", NOW) == "2 h ago"  # no zone: UTC, as the loop writes
    assert relative_time("2026-03-04T09:00:00+00:00", NOW) == "yesterday"
    assert relative_time("2026-03-01T09:00:00+00:00", NOW) == "4 days ago"
    assert relative_time("2026-01-20T09:00:00+00:00", NOW) == "20 Jan 2026"
    assert relative_time("2026-03-05T12:05:00+00:00", NOW) == "just now"  # a clock ahead of ours
    assert relative_time("", NOW) == "" and relative_time("soon", NOW) == ""


def test_compact_tokens() -> None:
    assert [compact_tokens(n) for n in (950, 1000, 4100, 4150, 12_400, 128_000, 1_200_000)] == [
        "950",
        "1k",
        "4.1k",
        "4.2k",
        "12k",
        "128k",
        "1.2M",
    ]


# -- the answer's sources --------------------------------------------------------------------------------


def test_an_answer_lists_its_own_sources_then_earlier_ones_it_cites() -> None:
    book = SourceBook()
    earlier = AnswerSources(book)
    earlier.apply(_finished(_source(1), _source(2), turn="a"))
    answer = AnswerSources(book)
    answer.apply(_finished(_source(3), turn="b"))
    answer.apply(
        ev.ProvenanceChecked(
            t=2.0,
            turn_id="b",
            sentences=({"text": "It is $5 [3].", "class": "supported", "source_ids": [3]},),
            citations=({"n": 2, "source_id": 2, "ok": True}, {"n": 9, "source_id": None, "ok": False}),
        )
    )
    assert [s.id for s in answer.listed()] == [3, 2]
    assert answer.record(1) is not None  # any source of the conversation can be looked up
    assert [c.n for c in answer.missing()] == [9]
    assert answer.summary() == ["2 sources", "1 citation to check"]


def test_flagged_citations_say_why_in_plain_words() -> None:
    missing = Citation(7, None, False)
    trimmed = Citation(2, 2, False)
    assert missing.problem.startswith("There is no source [7]: the model cited a source it was never given.")
    assert "trimmed to fit the context window" in trimmed.problem
    assert Citation(1, 1, True).problem == ""


def test_figures_to_verify_are_the_sentences_the_event_classes_so() -> None:
    answer = AnswerSources()
    answer.apply(_finished(_source(1)))
    answer.apply(
        ev.ProvenanceChecked(
            t=2.0,
            turn_id="t",
            sentences=(
                {"text": "A $1 [1].", "class": "unsupported_figure", "source_ids": []},
                {"text": "B $2.", "class": "unsupported_figure", "source_ids": []},
                {"text": "C.", "class": "model_knowledge", "source_ids": []},
            ),
        )
    )
    assert answer.counts() == ("1 source", "2 figures to verify", "")


# -- finding sentences in the rendered text ----------------------------------------------------------------


def test_markdown_syntax_does_not_hide_a_sentence() -> None:
    rendered = ["Earn approximately $98,000 (see the survey) a year [1]. Then more."]
    sentence = "Earn approximately **$98,000** ([see the survey](https://e.org/a_b)) a year [1]."
    (span,) = locate([sentence], rendered)
    assert span is not None
    assert rendered[0][span.start : span.end] == "Earn approximately $98,000 (see the survey) a year [1]."


def test_a_repeated_sentence_is_matched_to_its_own_place() -> None:
    blocks = ["It rose.", "Costs fell. It rose."]
    spans = locate(["It rose.", "Costs fell.", "It rose."], blocks)
    assert [(s.block, s.start) for s in spans if s is not None] == [(0, 0), (1, 0), (1, 12)]


def test_a_sentence_that_is_not_there_is_left_alone_and_the_search_goes_on() -> None:
    spans = locate(["Nowhere to be seen.", "Here."], ["Here."])
    assert spans[0] is None and spans[1] is not None


def test_table_rows_and_spaced_units_are_found_whole() -> None:
    block = "\nLevel\nSalary\nEntry\n$61,000\n+4.3 %\n"
    (span,) = locate(["| Entry | $61,000 | +4.3 % |"], [block])
    assert span is not None and block[span.start : span.end] == "Entry\n$61,000\n+4.3 %"


@given(st.lists(st.text(alphabet="ab1 .,$%", min_size=1, max_size=20), min_size=1, max_size=6))
def test_every_sentence_of_a_block_is_found_in_order(parts: list[str]) -> None:
    block = " ".join(parts)
    spans = locate(parts, [block])
    starts = [0]
    for part, span in zip(parts, spans, strict=True):
        if len(skeleton(part)[0]) < 2:
            continue
        assert span is not None
        assert skeleton(part)[0] in skeleton(block[span.start : span.end])[0]
        assert span.start >= starts[-1]  # in order: never before the sentence found before it
        starts.append(span.start)
