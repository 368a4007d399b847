"""The context budget: measure a cycle's prompt by segment and trim it, visibly, until it fits.

Pure and Qt-free: :meth:`ContextBudget.fit` reads the conversation and returns what to send; it never
mutates a message or the conversation (messages are frozen; trimmed ones are new objects). Counting is
incremental through a shared :class:`~desktop_app.core.tokens.TokenCounter`, so fitting a long chat
again after one more message encodes only that message.

Trimming policy, applied in this order and only as far as needed, each step reported as one
:class:`Trim`:

1. shrink older tool results to a short preview (previous turns first, then older cycles of this
   turn; the newest cycle's results are the ones the model is about to read, so they are kept),
   keeping their "Sources (cite as [n])" block so every citation still resolves;
2. drop the oldest turns of the history, whole (a user message and everything up to the next one), so
   an assistant tool call is never separated from its results;
3. cut the newest tool results (newest first, only those of the newest cycle) with a stated note.

If the prompt still does not fit, :attr:`Fitted.fits` is false and :meth:`Fitted.error` explains why
in words; the loop must not send such a request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .conversation import AssistantMessage, Message, ToolResultMessage, ToolSpec, UserMessage
from .errors import ContextTooLongError
from .models import Calibration, model_info, output_reserve
from .tokens import TokenCounter, count_text, encoding_for

Segment = Literal[
    "system", "tools", "history", "current_message", "answer_so_far", "tool_calls", "tool_results"
]
SEGMENTS: tuple[Segment, ...] = (
    "system",
    "tools",
    "history",
    "current_message",
    "answer_so_far",
    "tool_calls",
    "tool_results",
)
"""Segment names in display order; :attr:`Fitted.segments` has exactly these keys."""

SEGMENT_LABELS: dict[Segment, str] = {
    "system": "system prompt",
    "tools": "tool definitions",
    "history": "conversation history",
    "current_message": "your message",
    "answer_so_far": "answer so far",
    "tool_calls": "tool calls",
    "tool_results": "tool results",
}
"""Plain-language names for meters, tooltips and error messages."""

SOURCES_HEADER = "Sources (cite as [n]):"
"""The heading the loop puts before a tool result's numbered sources; trimming never removes that block."""
_SOURCES_BLOCK = "\n\n" + SOURCES_HEADER + "\n"

PREVIEW_CHARS = 400
SERVER_REJECTION_MARGIN = 1.15
"""The ``margin`` to fit with once after a server said "context too long": our count was too low."""

TrimStep = Literal["shrink_tool_results", "drop_turns", "cut_tool_result"]


@dataclass(frozen=True)
class Trim:
    """One trimming step. ``what`` is a sentence for the user; ``tokens_freed`` is in model tokens."""

    step: TrimStep
    what: str
    tokens_freed: int


@dataclass(frozen=True)
class Fitted:
    """A cycle's prompt as it will be sent, and where its tokens go.

    Promises: ``sum(segments.values())`` is the prompt's size in the model's tokens (calibrated
    estimate for models without a public tokenizer, exactly ``count_messages`` for the others), and
    when ``fits`` is true it is at most ``(window - reserved) / margin``. ``trims`` are in the order
    applied and their ``tokens_freed`` add up to the size before trimming minus the size after.
    ``counted`` is the raw tiktoken count, for :meth:`Calibration.observe`.
    """

    messages: tuple[Message, ...]
    segments: dict[str, int]
    window: int
    reserved: int
    trims: tuple[Trim, ...]
    fits: bool
    counted: int
    limit: int
    model: str = ""

    @property
    def prompt_tokens(self) -> int:
        """The prompt's size in the model's tokens (the sum of the segments)."""
        return sum(self.segments.values())

    def error(self) -> ContextTooLongError:
        """The plain-language error the loop raises instead of sending a prompt that does not fit."""
        largest = max(SEGMENTS, key=lambda name: self.segments[name])
        advice = {
            "current_message": "Shorten your message or split it into separate messages.",
            "system": "Shorten the system prompt.",
            "tools": "Turn off some tools for this chat.",
        }.get(largest, "Try asking for less at once, or split the request into separate messages.")
        name = self.model or "this model"
        label = SEGMENT_LABELS[largest]
        label = label if label.startswith("your ") else "the " + label
        message = (
            f"This request is too long for {name}, even after trimming: it needs about "
            f"{self.prompt_tokens:,} tokens, and there is room for {max(0, self.limit):,} "
            f"(a {self.window:,}-token window with {self.reserved:,} kept for the answer). The largest "
            f"part is {label} ({self.segments[largest]:,} tokens). {advice}"
        )
        detail = f"segments={self.segments} window={self.window} reserved={self.reserved} limit={self.limit}"
        return ContextTooLongError(message, detail=detail)


class ContextBudget:
    """Fits prompts for one model and window. Keep one per chat and call :meth:`fit` every cycle.

    ``window`` overrides the model table (pass what a local server reports); ``reserve`` overrides
    the output reserve (pass the request's ``max_output_tokens`` when one is set, since servers
    count it against the window); ``counter`` must count for the same model and may be shared;
    ``calibration`` corrects counts for models without a public tokenizer (defaults to the table's
    priors). Call from one thread at a time.
    """

    # As many as TokenCounter keeps by default: a smaller cache would thrash on a chat with more results.
    _MAX_PREVIEWS = 10_000

    def __init__(
        self,
        model: str,
        *,
        window: int | None = None,
        reserve: int | None = None,
        counter: TokenCounter | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        info = model_info(model)
        if counter is not None and model_info(counter.model).encoding != info.encoding:
            raise ValueError(f"counter counts for {counter.model!r}, not for {model!r}")
        self.model = model
        self.window = info.context_window if window is None else window
        self.reserved = output_reserve(info, self.window) if reserve is None else max(0, reserve)
        self.counter = counter if counter is not None else TokenCounter(model)
        self.calibration = calibration if calibration is not None else Calibration()
        # Previews are deterministic, so each older result is shrunk once, not once per cycle.
        self._previews: dict[ToolResultMessage, ToolResultMessage] = {}

    def fit(
        self,
        system: str,
        tools: tuple[ToolSpec, ...],
        messages: list[Message] | tuple[Message, ...],
        *,
        current_index: int,
        margin: float = 1.0,
    ) -> Fitted:
        """Measure and, if needed, trim the prompt of one cycle. See :class:`Fitted` for the promises.

        ``current_index`` is the index in ``messages`` of the current user message; everything from
        it on is the current turn. ``margin`` > 1 assumes our count is that much too low (use
        :data:`SERVER_REJECTION_MARGIN` for the one retry after a server's "context too long").
        The system prompt and the current message are never dropped, and trimming never separates
        a tool call from its results (whole turns go; results are shortened, never removed).
        """
        if not 0 <= current_index < len(messages):
            raise ValueError(f"current_index {current_index} outside 0..{len(messages) - 1}")
        if margin < 1.0:
            raise ValueError(f"margin must be at least 1.0, got {margin}")
        factor = self.calibration.factor(self.model)
        limit = math.floor((self.window - self.reserved) / margin)
        work = _Work(self, list(messages), current_index, factor, _raw_limit(limit, factor))
        fixed = self.counter.count((), system, tools)
        system_raw = self.counter.count((), system)
        work.total = fixed + sum(work.counts)

        for step in (work.shrink_older_results, work.drop_oldest_turns, work.cut_newest_results):
            if work.total <= work.raw_limit:
                break
            step()

        raw = dict.fromkeys(SEGMENTS, 0)
        raw["system"] = system_raw  # the reply priming rides with the system prompt: both always sent
        raw["tools"] = fixed - system_raw
        for i, message in enumerate(work.sent):
            if message is None:
                continue
            if i < current_index:
                raw["history"] += work.counts[i]
            elif isinstance(message, AssistantMessage):
                text_only = self.counter.count_message(AssistantMessage(message.text))
                raw["answer_so_far"] += text_only
                raw["tool_calls"] += work.counts[i] - text_only
            elif isinstance(message, ToolResultMessage):
                raw["tool_results"] += work.counts[i]
            else:
                raw["current_message"] += work.counts[i]
        return Fitted(
            messages=tuple(m for m in work.sent if m is not None),
            segments=_scale_segments(raw, factor),
            window=self.window,
            reserved=self.reserved,
            trims=tuple(work.trims),
            fits=work.total <= work.raw_limit,
            counted=work.total,
            limit=limit,
            model=self.model,
        )

    def preview(self, message: ToolResultMessage) -> ToolResultMessage:
        """``message`` shrunk to its first ~400 characters and a note, its sources block kept whole.

        Returns ``message`` itself when it is already short.
        """
        cached = self._previews.get(message)
        if cached is not None:
            return cached
        body, sources = _split_sources(message.text)
        shrunk = message
        if len(body) > PREVIEW_CHARS + 100:  # a preview plus its note must save something real
            head = body[:PREVIEW_CHARS]
            space = max(head.rfind(" "), head.rfind("\n"))
            if space > PREVIEW_CHARS * 3 // 4:  # end on a word when one ends near the cut
                head = head[:space]
            removed = count_text(body[len(head) :], self.model)
            note = f"…\n[trimmed: {removed:,} tokens; ask again to re-read]"
            shrunk = ToolResultMessage(
                message.call_id, message.name, head.rstrip() + note + sources, message.is_error
            )
        if len(self._previews) >= self._MAX_PREVIEWS:
            del self._previews[next(iter(self._previews))]
        self._previews[message] = shrunk
        return shrunk


class _Work:
    """The prompt being trimmed: messages by original index (None once dropped) and their counts."""

    def __init__(
        self, budget: ContextBudget, messages: list[Message], current: int, factor: float, raw_limit: int
    ) -> None:
        self.budget = budget
        self.counter = budget.counter
        self.sent: list[Message | None] = list(messages)
        self.counts = [self.counter.count_message(m) for m in messages]
        self.current = current
        self.factor = factor
        self.raw_limit = raw_limit
        self.total = 0
        self.trims: list[Trim] = []
        # The newest cycle starts at this turn's last assistant message (its results follow it).
        self.newest = next(
            (i for i in range(len(messages) - 1, current, -1) if isinstance(messages[i], AssistantMessage)),
            current,
        )

    def _replace(self, i: int, message: Message | None) -> None:
        new = 0 if message is None else self.counter.count_message(message)
        self.total += new - self.counts[i]
        self.sent[i], self.counts[i] = message, new

    def _record(self, step: TrimStep, what: str, before: int) -> None:
        freed = _scaled(before, self.factor) - _scaled(self.total, self.factor)
        self.trims.append(Trim(step, what, freed))

    def shrink_older_results(self) -> None:
        before, shrunk = self.total, 0
        older = [*range(self.current), *range(self.current + 1, self.newest)]
        for i in older:
            message = self.sent[i]
            if not isinstance(message, ToolResultMessage):
                continue
            preview = self.budget.preview(message)
            if preview is message or self.counter.count_message(preview) >= self.counts[i]:
                continue
            self._replace(i, preview)
            shrunk += 1
            if self.total <= self.raw_limit:
                break
        if shrunk:
            what = f"Shrank {shrunk} older tool results to their previews"
            if shrunk == 1:
                what = "Shrank 1 older tool result to its preview"
            self._record("shrink_tool_results", what, before)

    def drop_oldest_turns(self) -> None:
        before, turns, dropped = self.total, 0, 0
        i = 0
        while i < self.current and self.total > self.raw_limit:
            # A turn runs to the next user message; dropping it whole keeps tool calls with results.
            end = i + 1
            while end < self.current and not isinstance(self.sent[end], UserMessage):
                end += 1
            for j in range(i, end):
                self._replace(j, None)
            turns, dropped, i = turns + 1, dropped + end - i, end
        if turns:
            turn_words = "the oldest turn" if turns == 1 else f"the {turns} oldest turns"
            what = f"Dropped {turn_words} of the conversation ({dropped:,} messages)"
            self._record("drop_turns", what, before)

    def cut_newest_results(self) -> None:
        before, cut = self.total, []
        for i in range(len(self.sent) - 1, self.newest, -1):
            message = self.sent[i]
            if self.total <= self.raw_limit:
                break
            if not isinstance(message, ToolResultMessage):
                continue
            allowed = self.counts[i] - (self.total - self.raw_limit)
            replacement, kept, whole = self._cut(message, allowed)
            if self.counter.count_message(replacement) >= self.counts[i]:
                continue  # too short to gain from a cut: the note would cost more than it saves
            self._replace(i, replacement)
            cut.append((message.name, kept, whole))
        if len(cut) == 1:
            name, kept, whole = cut[0]
            what = f"Cut the newest tool result ({name}) to {kept:,} of {whole:,} tokens"
            self._record("cut_tool_result", what, before)
        elif cut:
            self._record("cut_tool_result", f"Cut the {len(cut)} newest tool results to fit", before)

    def _cut(self, message: ToolResultMessage, allowed: int) -> tuple[ToolResultMessage, int, int]:
        """The longest cut of ``message`` counting at most ``allowed`` tokens (or the shortest cut)."""
        encoding = encoding_for(self.budget.model)
        body, sources = _split_sources(message.text)
        tokens = encoding.encode_ordinary(body)

        def make(keep: int) -> ToolResultMessage:
            # A cut can split a multi-byte character; its replacement mark is noise to the model.
            head = encoding.decode(tokens[:keep]).rstrip("\ufffd")
            note = f"[cut to fit the context window: {keep:,} of {len(tokens):,} tokens kept]"
            text = (head.rstrip() + "\n" if head.strip() else "") + note + sources
            return ToolResultMessage(message.call_id, message.name, text, message.is_error)

        shortest = make(0)
        spare = allowed - self.counter.count_message(shortest)
        if spare <= 0:
            return shortest, 0, len(tokens)
        keep = min(len(tokens), spare)
        while keep > 0:
            # Re-encoding a decoded prefix is not always the same length, so check and step down.
            candidate = make(keep)
            over = self.counter.count_message(candidate) - allowed
            if over <= 0:
                return candidate, keep, len(tokens)
            keep = max(0, keep - over)
        return shortest, 0, len(tokens)


def _split_sources(text: str) -> tuple[str, str]:
    """A tool result's text split into its body and its trailing sources block ("" if none)."""
    at = text.rfind(_SOURCES_BLOCK)
    return (text, "") if at < 0 else (text[:at], text[at:])


def _scaled(raw: int, factor: float) -> int:
    # Same rounding as Calibration.estimate: up, ignoring float noise.
    return math.ceil(raw * factor - 1e-9)


def _raw_limit(limit: int, factor: float) -> int:
    """The largest raw count whose scaled size is at most ``limit`` (-1 if none)."""
    if limit < 0:
        return -1
    raw = math.floor(limit / factor)
    while _scaled(raw + 1, factor) <= limit:
        raw += 1
    while raw >= 0 and _scaled(raw, factor) > limit:
        raw -= 1
    return raw


def _scale_segments(raw: dict[Segment, int], factor: float) -> dict[str, int]:
    """Scale each segment so that they sum to exactly the scaled total (largest remainder first)."""
    exact = {name: value * factor for name, value in raw.items()}
    scaled = {name: math.floor(value) for name, value in exact.items()}
    missing = _scaled(sum(raw.values()), factor) - sum(scaled.values())
    by_remainder = sorted(SEGMENTS, key=lambda name: scaled[name] - exact[name])
    for name in by_remainder[: max(0, missing)]:
        scaled[name] += 1
    return dict(scaled)
