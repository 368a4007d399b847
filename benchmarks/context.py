"""How cheap is fitting a cycle's prompt on a long, tool-heavy chat?

A 2,000-message conversation (286 turns of: question, two cycles of tool use with ~12 KB results,
answer). For two windows (one that holds everything, one that forces trimming every cycle) it prints:

- cold: ``ContextBudget.fit`` with a fresh counter, i.e. a full recount of every message;
- warm: ``fit`` after the conversation grew by one question or one tool cycle, with the cache of the
  previous cycles (what the loop pays per cycle);
- the ratio warm / cold (target: at most 0.05) and the absolute per-cycle time.

Figures only; run from the repository root with ``.venv/bin/python -m benchmarks.context``.
"""

from __future__ import annotations

import random
import statistics
import time

from desktop_app.core.context import ContextBudget
from desktop_app.core.conversation import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
)
from desktop_app.core.tokens import TokenCounter, count_messages, encoding_for

MODEL = "gpt-4o"
SYSTEM = "You are Backstage's assistant. Use tools when they help and cite sources as [n]."
TOOLS = (
    ToolSpec("web_search", "Search the web.", {"type": "object", "properties": {"q": {"type": "string"}}}),
    ToolSpec("fetch", "Fetch a page.", {"type": "object", "properties": {"url": {"type": "string"}}}),
)
RESULT_CHARS = 12_000
COLD_RUNS = 3
WARM_RUNS = 20

_rng = random.Random(7)
_VOCAB = [
    "".join(_rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(_rng.randint(2, 9))) for _ in range(3000)
]
_ids = iter(range(1, 10**9))


def _prose(chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = _rng.choice(_VOCAB)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def _result(call: ToolCall) -> ToolResultMessage:
    n = next(_ids)
    sources = f"\n\nSources (cite as [n]):\n[{n}] Page {n} <https://example.org/{n}>"
    return ToolResultMessage(call.call_id, call.name, _prose(RESULT_CHARS) + sources)


def _cycle(n_calls: int) -> list[Message]:
    calls = tuple(ToolCall(f"call_{next(_ids)}", "web_search", '{"q": "x"}') for _ in range(n_calls))
    return [AssistantMessage(_prose(80), calls), *(_result(call) for call in calls)]


def _conversation(n_messages: int) -> list[Message]:
    messages: list[Message] = []
    while len(messages) < n_messages:
        # 7 messages a turn: question, 1 call message + 2 results, 1 call message + 1 result, answer.
        messages += [UserMessage(_prose(200)), *_cycle(2), *_cycle(1), AssistantMessage(_prose(1_500))]
    return messages[:n_messages]


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def _scenario(label: str, window: int, base: list[Message]) -> None:
    # The turn in progress: a new question and one cycle whose results the model is about to read.
    messages = [*base, UserMessage("What changed since last week?"), *_cycle(2)]
    current = len(base)

    cold = statistics.median(
        _timed(
            lambda: ContextBudget(MODEL, window=window, counter=TokenCounter(MODEL)).fit(
                SYSTEM, TOOLS, messages, current_index=current
            )
        )
        for _ in range(COLD_RUNS)
    )

    budget = ContextBudget(MODEL, window=window, counter=TokenCounter(MODEL))
    fitted = budget.fit(SYSTEM, TOOLS, messages, current_index=current)
    warm_times = []
    for run in range(WARM_RUNS):
        # Alternate the two moments a prompt is fitted: a new question (after the last answer),
        # and a new cycle of tool use within the turn. Each adds two messages never counted before.
        if run % 2 == 0:
            messages.append(AssistantMessage(_prose(1_500)))
            current = len(messages)
            messages.append(UserMessage(_prose(200)))
        else:
            messages += _cycle(1)
        start = time.perf_counter()
        fitted = budget.fit(SYSTEM, TOOLS, messages, current_index=current)
        warm_times.append(time.perf_counter() - start)
    warm = statistics.median(warm_times)

    print(f"\n{label}: window {window:,}, {len(messages):,} messages")
    print(f"  prompt after fit   {fitted.prompt_tokens:,} tokens, fits={fitted.fits}")
    for trim in fitted.trims:
        print(f"  trim               {trim.what} ({trim.tokens_freed:,} tokens)")
    print(f"  cold fit (recount) {cold * 1000:9.1f} ms   (median of {COLD_RUNS})")
    print(
        f"  warm fit per cycle {warm * 1000:9.2f} ms   (median of {WARM_RUNS}, each after a new question or tool cycle)"
    )
    print(f"  ratio warm / cold  {warm / cold:9.4f}      (target <= 0.05)")


def main() -> None:
    encoding_for(MODEL)  # load the encoding outside every timing
    base = _conversation(2_000)
    chars = sum(len(m.text) for m in base)
    start = time.perf_counter()
    raw = count_messages(base, SYSTEM, TOOLS, model=MODEL)
    plain = time.perf_counter() - start
    print(f"conversation: {len(base):,} messages, {chars / 1e6:.1f} M characters, {raw:,} tokens")
    print(f"plain count_messages of it: {plain * 1000:.1f} ms")
    _scenario("everything fits", 10_000_000, base)
    _scenario("trimming every cycle", 128_000, base)


if __name__ == "__main__":
    main()
