"""Provenance: which sentences of an answer rest on which source, computed locally.

Qt-free, pure and deterministic: no I/O, no clock, no second model call. The loop calls
:func:`check_answer` once the answer is complete and emits ``ProvenanceChecked`` with
``report.to_event_fields()``. The method and its limits are in ``docs/provenance.md``.

Modules: ``sentences`` splits Markdown into units; ``digits`` reads one written number;
``figures`` finds figures (with currency, unit, hedge) in text; ``facts`` finds
dates, quoted names and citation markers; ``pool`` indexes the sources; ``derive`` recognises
computed figures; ``check`` classifies; ``inputs`` builds the input from the loop's records.
"""

from __future__ import annotations

from .check import check_answer
from .digits import Reading, detect_convention, parse_number
from .figures import Figure, extract_figures, words_value
from .inputs import sources_from_records, sources_from_result
from .report import (
    CitationCheck,
    Classification,
    FactCheck,
    ProvenanceReport,
    SentenceCheck,
    SourceText,
)
from .sentences import Unit, split_units

__all__ = [
    "CitationCheck",
    "Classification",
    "FactCheck",
    "Figure",
    "ProvenanceReport",
    "Reading",
    "SentenceCheck",
    "SourceText",
    "Unit",
    "check_answer",
    "detect_convention",
    "extract_figures",
    "parse_number",
    "sources_from_records",
    "sources_from_result",
    "split_units",
    "words_value",
]
