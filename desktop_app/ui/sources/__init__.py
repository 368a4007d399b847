"""What an answer rests on: its sources, the provenance check, and the panel that shows them.

``answer_sources`` collects one answer's sources and check from its events (no Qt);
``sentence_spans`` finds the checked sentences in the rendered text (no Qt);
``words`` formats domains, times and counts (no Qt); ``panel`` and ``card`` are the widgets.
"""
