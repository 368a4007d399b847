"""The context budget: segments, the three trimming steps in order, and what trimming must never do."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core.context import (
    SEGMENTS,
    SERVER_REJECTION_MARGIN,
    SOURCES_HEADER,
    ContextBudget,
    Fitted,
)
from desktop_app.core.conversation import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
)
from desktop_app.core.errors import ContextTooLongError
from desktop_app.core.models import Calibration
from desktop_app.core.tokens import REPLY_PRIMING, TokenCounter, count_messages

MODEL = "gpt-4o"
SYSTEM = "You are Backstage's assistant. Cite sources as [n]."
TOOLS = (
    ToolSpec("web_search", "Search the web.", {"type": "object", "properties": {"q": {"type": "string"}}}),
    ToolSpec("read_file", "Read a file.", {"type": "object", "properties": {"path": {"type": "string"}}}),
)
WORDS = ("alpha", "beta", "gamma", "delta", "naïve", "日本語", "🦜", "x=1;", "\n", "the", "quick", "fox")


def _sources(first: int, n: int) -> str:
    lines = [f"[{k}] Page {k} <https://example.org/{k}>" for k in range(first, first + n)]
    return f"\n\n{SOURCES_HEADER}\n" + "\n".join(lines) if n else ""


def _body(n_words: int, seed: int = 0) -> str:
    return " ".join(WORDS[(seed + i * 7) % len(WORDS)] for i in range(n_words))


_ids = itertools.count(1)


def _cycle(text: str, results: list[str], name: str = "web_search") -> list[Message]:
    calls = tuple(ToolCall(f"call_{next(_ids)}", name, '{"q": "context windows"}') for _ in results)
    out: list[Message] = [AssistantMessage(text, calls)]
    out += [ToolResultMessage(c.call_id, c.name, r) for c, r in zip(calls, results, strict=True)]
    return out


def _chat() -> tuple[list[Message], int]:
    """Two history turns with big tool results, then a current turn with two cycles of tool use."""
    messages: list[Message] = []
    for turn in range(2):
        messages.append(UserMessage(f"Question {turn}: " + _body(30, turn)))
        messages += _cycle("Let me look.", [_body(600, turn) + _sources(turn * 2 + 1, 2)])
        messages.append(AssistantMessage("Answer " + _body(80, turn)))
    current = len(messages)
    messages.append(UserMessage("And now? " + _body(40)))
    messages += _cycle("Searching.", [_body(500, 3) + _sources(5, 1)])
    messages += _cycle("Reading more.", [_body(700, 4) + _sources(6, 2), _body(300, 5)])
    return messages, current


def _well_formed(messages: tuple[Message, ...]) -> bool:
    """Every tool result follows the assistant message that called it, and every call has its result."""
    open_calls: set[str] = set()
    for message in messages:
        if isinstance(message, ToolResultMessage):
            if message.call_id not in open_calls:
                return False
            open_calls.discard(message.call_id)
        else:
            if open_calls:
                return False
            if isinstance(message, AssistantMessage):
                open_calls = {call.call_id for call in message.tool_calls}
    return not open_calls


def _originals(fitted: Fitted, messages: list[Message]) -> list[Message]:
    """The original message behind each sent one; fails unless the sent ones are an in-order selection."""
    found: list[Message] = []
    it = iter(messages)
    for sent in fitted.messages:
        for original in it:
            same_result = (
                isinstance(sent, ToolResultMessage)
                and isinstance(original, ToolResultMessage)
                and sent.call_id == original.call_id
            )
            if sent is original or same_result:
                found.append(original)
                break
        else:
            raise AssertionError(f"{sent!r} is not from the conversation, or out of order")
    return found


def _size(messages: list[Message] | tuple[Message, ...], model: str = MODEL) -> int:
    return count_messages(messages, SYSTEM, TOOLS, model=model)


def _fit(window: int, messages: list[Message], current: int, **kwargs: object) -> Fitted:
    # reserve=0 makes the window the prompt limit, so a test can aim a window at one trimming step.
    return ContextBudget(MODEL, window=window, reserve=0).fit(
        SYSTEM, TOOLS, messages, current_index=current, **kwargs
    )


# -- measuring --------------------------------------------------------------------------------------


def test_untrimmed_counts_equal_count_messages_segment_by_segment() -> None:
    messages, current = _chat()
    counter = TokenCounter(MODEL)
    fitted = ContextBudget(MODEL, counter=counter).fit(SYSTEM, TOOLS, messages, current_index=current)

    assert fitted.fits and fitted.trims == ()
    assert fitted.messages == tuple(messages)
    assert fitted.prompt_tokens == fitted.counted == _size(messages)
    assert list(fitted.segments) == list(SEGMENTS)
    seg = fitted.segments
    assert seg["system"] == count_messages([], SYSTEM, model=MODEL)  # includes the reply priming
    assert seg["tools"] == count_messages([], "", TOOLS, model=MODEL) - REPLY_PRIMING
    assert seg["history"] == sum(counter.count_message(m) for m in messages[:current])
    assert seg["current_message"] == counter.count_message(messages[current])
    this_turn = messages[current + 1 :]
    texts = [AssistantMessage(m.text) for m in this_turn if isinstance(m, AssistantMessage)]
    assert seg["answer_so_far"] == sum(counter.count_message(m) for m in texts)
    assert (
        seg["tool_calls"]
        == sum(counter.count_message(m) for m in this_turn if isinstance(m, AssistantMessage))
        - seg["answer_so_far"]
    )
    assert seg["tool_results"] == sum(
        counter.count_message(m) for m in this_turn if isinstance(m, ToolResultMessage)
    )
    assert fitted.window == 128_000 and fitted.reserved == 16_384


def test_a_cycle_after_one_more_message_encodes_only_that_message() -> None:
    messages, current = _chat()
    budget = ContextBudget(MODEL, window=2_500)  # small enough that every fit trims
    first = budget.fit(SYSTEM, TOOLS, messages, current_index=current)
    misses = budget.counter.cache_info().misses
    messages.append(AssistantMessage("One more thought."))
    second = budget.fit(SYSTEM, TOOLS, messages, current_index=current)
    # The new message, and its text-only twin for the answer-so-far segment.
    assert budget.counter.cache_info().misses - misses <= 2
    assert first.fits and second.fits


def test_a_big_output_model_still_works_in_an_8000_window() -> None:
    messages, current = _chat()
    budget = ContextBudget("gpt-5", window=8_000)  # gpt-5 may write 128,000 tokens
    assert budget.reserved == 2_000
    fitted = budget.fit(SYSTEM, TOOLS, messages, current_index=current)
    assert fitted.fits
    assert _size(fitted.messages) + fitted.reserved <= 8_000
    assert fitted.trims == ()  # about 5,100 prompt tokens + 2,000 reserved: no trimming needed


def test_models_without_a_tokenizer_are_measured_with_the_calibration_factor() -> None:
    messages, current = _chat()
    calibration = Calibration()
    calibration.observe("claude-sonnet-4", reported=1_300, counted=1_000)
    fitted = ContextBudget("claude-sonnet-4", calibration=calibration).fit(
        SYSTEM, TOOLS, messages, current_index=current
    )
    raw = _size(messages, "claude-sonnet-4")
    assert fitted.counted == raw
    assert fitted.prompt_tokens == math.ceil(raw * 1.3 - 1e-9)


# -- trimming, step by step -------------------------------------------------------------------------


def _shrunk_all_older(messages: list[Message], current: int) -> list[Message]:
    """The conversation with step 1 applied in full (every tool result before the newest cycle)."""
    budget = ContextBudget(MODEL)
    newest = max(i for i, m in enumerate(messages) if isinstance(m, AssistantMessage) and i > current)
    return [
        budget.preview(m) if isinstance(m, ToolResultMessage) and i < newest else m
        for i, m in enumerate(messages)
    ]


def test_step_one_shrinks_the_oldest_tool_result_first_and_keeps_its_sources() -> None:
    messages, current = _chat()
    fitted = _fit(_size(messages) - 1, messages, current)

    assert fitted.fits and fitted.prompt_tokens <= fitted.limit
    assert [t.what for t in fitted.trims] == ["Shrank 1 older tool result to its preview"]
    assert fitted.trims[0].tokens_freed == _size(messages) - fitted.prompt_tokens
    shrunk = fitted.messages[2]
    assert isinstance(shrunk, ToolResultMessage) and shrunk.call_id == messages[2].call_id  # type: ignore[union-attr]
    assert "[trimmed: " in shrunk.text and "tokens; ask again to re-read]" in shrunk.text
    assert shrunk.text.endswith(_sources(1, 2))
    assert fitted.messages[3:] == tuple(messages[3:])


def test_step_one_never_shrinks_the_newest_cycle() -> None:
    messages, current = _chat()
    fitted = _fit(_size(_shrunk_all_older(messages, current)), messages, current)

    assert [t.step for t in fitted.trims] == ["shrink_tool_results"]
    assert fitted.trims[0].what == "Shrank 3 older tool results to their previews"
    assert fitted.messages[-3:] == tuple(messages[-3:])  # the newest cycle: call and two results


def test_step_two_drops_whole_oldest_turns() -> None:
    messages, current = _chat()
    fitted = _fit(_size(_shrunk_all_older(messages, current)) - 1, messages, current)

    assert [t.step for t in fitted.trims] == ["shrink_tool_results", "drop_turns"]
    assert fitted.trims[1].what == "Dropped the oldest turn of the conversation (4 messages)"
    assert fitted.fits and _well_formed(fitted.messages)
    assert fitted.messages[0] is messages[4]  # the second turn's question now opens the prompt


def test_step_three_cuts_the_newest_result_with_a_note_and_fills_the_room() -> None:
    messages, current = _chat()
    without_history = _shrunk_all_older(messages, current)[current:]
    window = _size(without_history) - 60
    fitted = _fit(window, messages, current)

    assert [t.step for t in fitted.trims] == ["shrink_tool_results", "drop_turns", "cut_tool_result"]
    assert fitted.trims[1].what == "Dropped the 2 oldest turns of the conversation (8 messages)"
    assert fitted.trims[2].what.startswith("Cut the newest tool result (web_search) to ")
    assert fitted.fits and window - 10 <= fitted.prompt_tokens <= window
    cut = fitted.messages[-1]
    assert isinstance(cut, ToolResultMessage) and "[cut to fit the context window: " in cut.text
    assert fitted.messages[0] is messages[current]
    assert _well_formed(fitted.messages)
    assert sum(t.tokens_freed for t in fitted.trims) == _size(messages) - fitted.prompt_tokens


def test_step_three_keeps_the_sources_block_of_a_cut_result() -> None:
    messages, current = _chat()
    messages = messages[:-1]  # the newest result is now the one with sources [6] and [7]
    window = _size(_shrunk_all_older(messages, current)[current:]) - 200
    fitted = _fit(window, messages, current)

    assert fitted.fits and fitted.trims[-1].step == "cut_tool_result"
    assert fitted.messages[-1].text.endswith(_sources(6, 2))


def test_when_nothing_more_can_go_the_prompt_does_not_fit_and_says_why() -> None:
    messages, current = _chat()
    fitted = _fit(300, messages, current)

    assert not fitted.fits
    assert fitted.messages[0] is messages[current]
    assert _well_formed(fitted.messages)
    error = fitted.error()
    assert isinstance(error, ContextTooLongError) and error.kind == "context_too_long"
    assert "too long for gpt-4o" in error.message and "room for 300" in error.message


def test_a_message_alone_too_big_names_the_message() -> None:
    messages = [UserMessage(_body(2_000))]
    fitted = ContextBudget(MODEL, window=1_000).fit("", (), messages, current_index=0)
    assert not fitted.fits and fitted.trims == ()
    assert "The largest part is your message (" in fitted.error().message
    assert "Shorten your message or split it into separate messages." in fitted.error().message


def test_margin_trims_more_after_a_server_rejection() -> None:
    messages, current = _chat()
    window = _size(messages) + 10
    plain = _fit(window, messages, current)
    retry = _fit(window, messages, current, margin=SERVER_REJECTION_MARGIN)

    assert plain.trims == () and retry.trims
    assert retry.fits and retry.prompt_tokens <= window / SERVER_REJECTION_MARGIN


def test_bad_arguments_are_refused() -> None:
    messages, current = _chat()
    with pytest.raises(ValueError):
        ContextBudget(MODEL).fit(SYSTEM, TOOLS, messages, current_index=len(messages))
    with pytest.raises(ValueError):
        ContextBudget(MODEL).fit(SYSTEM, TOOLS, messages, current_index=current, margin=0.9)
    with pytest.raises(ValueError):
        ContextBudget(MODEL, counter=TokenCounter("gpt-4"))  # cl100k counter for an o200k model


# -- the property -----------------------------------------------------------------------------------

_MODELS = ("gpt-4o", "gpt-4", "claude-sonnet-4", "my-local-model")
_COUNTERS = {model: TokenCounter(model) for model in _MODELS}


def _text(max_words: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), max_size=max_words).map(" ".join)


@st.composite
def _conversations(draw: st.DrawFn) -> tuple[list[Message], int]:
    messages: list[Message] = []

    def tool_cycles(n: int) -> None:
        for _ in range(n):
            n_calls = draw(st.integers(1, 3))
            results = [draw(_text(400)) + _sources(1, draw(st.integers(0, 2))) for _ in range(n_calls)]
            messages.extend(_cycle(draw(_text(20)), results, draw(st.sampled_from(["web_search", "read"]))))

    for _ in range(draw(st.integers(0, 4))):
        messages.append(UserMessage(draw(_text(30))))
        tool_cycles(draw(st.integers(0, 2)))
        messages.append(AssistantMessage(draw(_text(60))))
    current = len(messages)
    messages.append(UserMessage(draw(_text(60))))
    tool_cycles(draw(st.integers(0, 3)))
    return messages, current


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conversation=_conversations(),
    window=st.integers(40, 6_000),
    model=st.sampled_from(_MODELS),
    margin=st.sampled_from([1.0, SERVER_REJECTION_MARGIN]),
    system=_text(40),
)
def test_a_fitted_prompt_never_exceeds_the_window(
    conversation: tuple[list[Message], int], window: int, model: str, margin: float, system: str
) -> None:
    messages, current = conversation
    before = list(messages)
    budget = ContextBudget(model, window=window, counter=_COUNTERS[model])
    fitted = budget.fit(system, TOOLS, messages, current_index=current, margin=margin)

    counted = count_messages(fitted.messages, system, TOOLS, model=model)
    estimate = Calibration().estimate(model, counted)
    assert fitted.counted == counted and fitted.prompt_tokens == estimate
    if fitted.fits:
        assert estimate * margin + fitted.reserved <= window
    untrimmed = Calibration().estimate(model, count_messages(messages, system, TOOLS, model=model))
    if untrimmed * margin + fitted.reserved <= window:
        assert fitted.trims == () and fitted.messages == tuple(messages)
    assert sum(t.tokens_freed for t in fitted.trims) == untrimmed - estimate
    assert all(t.tokens_freed > 0 for t in fitted.trims)

    assert messages == before  # the conversation itself is never touched
    assert messages[current] in fitted.messages
    assert fitted.segments["system"] >= (1 if system else 0)
    assert _well_formed(fitted.messages)
    for sent, original in zip(fitted.messages, _originals(fitted, messages), strict=True):
        if SOURCES_HEADER in original.text:
            assert sent.text.endswith(original.text[original.text.rfind("\n\n" + SOURCES_HEADER) :])
