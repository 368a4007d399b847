"""The SSE decoder against the WHATWG rules, at every chunk boundary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.providers.sse import SSEDecoder, SSEEvent, aiter_events, iter_events


def decode(*chunks: bytes) -> list[SSEEvent]:
    return list(iter_events(chunks))


def reference(data: bytes) -> list[SSEEvent]:
    """A literal, slow reading of the standard, to compare the fast decoder with."""
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines, line, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\r":
            lines.append(line)
            line = ""
            if text[i + 1 : i + 2] == "\n":
                i += 1
        elif ch == "\n":
            lines.append(line)
            line = ""
        else:
            line += ch
        i += 1
    events: list[SSEEvent] = []
    data_buf, event_type, last_id = "", "", ""
    for line in lines:
        if line == "":
            if data_buf:
                events.append(SSEEvent(data_buf[:-1], event_type or "message", last_id))
            data_buf, event_type = "", ""
        elif line.startswith(":"):
            pass
        else:
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                data_buf += value + "\n"
            elif name == "event":
                event_type = value
            elif name == "id" and "\0" not in value:
                last_id = value
    return events


MIXED = (
    "\ufeff: keep-alive\r\n"
    "event: greeting\r\n"
    "id: 7\r\n"
    "data: héllo 👋\r\n"
    "data:second line\r\n"
    "\r\n"
    'data: {"a": "日本語"}\r\r'
    ": comment\n"
    "data\n"
    "retry: 3000\n"
    "\n"
    "event: only-type\n\n"
    "data: last\n\n"
).encode()


def test_fields_comments_and_multiline_data() -> None:
    events = decode(MIXED)
    assert events == [
        SSEEvent("héllo 👋\nsecond line", "greeting", "7"),
        SSEEvent('{"a": "日本語"}', "message", "7"),
        SSEEvent("", "message", "7"),
        SSEEvent("last", "message", "7"),
    ]
    assert events == reference(MIXED)


def test_every_split_offset_gives_the_same_events() -> None:
    whole = decode(MIXED)
    for offset in range(len(MIXED) + 1):
        assert decode(MIXED[:offset], MIXED[offset:]) == whole, offset


def test_every_pair_of_split_offsets_gives_the_same_events() -> None:
    whole = decode(MIXED)
    n = len(MIXED)
    for a in range(1, n):
        for b in range(a, n, 3):
            assert decode(MIXED[:a], MIXED[a:b], MIXED[b:]) == whole, (a, b)


def test_one_byte_at_a_time() -> None:
    assert decode(*(MIXED[i : i + 1] for i in range(len(MIXED)))) == decode(MIXED)


def test_events_are_returned_as_soon_as_their_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\n") == [SSEEvent("a")]
    assert decoder.feed(b"data: b\r") == []
    assert decoder.feed(b"\r") == [SSEEvent("b")]  # CR alone ends a line
    assert decoder.feed(b"\n") == []  # completes the CRLF that the previous CR began
    assert decoder.feed(b"data: c\r\n\r") == [SSEEvent("c")]
    assert decoder.feed(b"\ndata: d\n\n") == [SSEEvent("d")]  # that LF completed the CRLF


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [SSEEvent("a\nb")]


def test_field_value_spacing() -> None:
    assert decode(b"data:x\n\n") == [SSEEvent("x")]
    assert decode(b"data:  two\n\n") == [SSEEvent(" two")]  # only one space is removed
    assert decode(b"data\n\n") == [SSEEvent("")]  # a field name alone has an empty value
    assert decode(b"data:\ndata:\n\n") == [SSEEvent("\n")]


def test_event_without_data_is_not_dispatched_and_type_resets() -> None:
    assert decode(b"event: ping\n\ndata: x\n\n") == [SSEEvent("x", "message")]


def test_ids_persist_and_nul_ids_are_ignored() -> None:
    events = decode(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\x00x\ndata: c\n\nid\ndata: d\n\n")
    assert [e.id for e in events] == ["1", "1", "1", ""]


def test_retry_is_kept_only_when_all_digits() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry: 1500\n\nretry: 12a\n\n")
    assert decoder.retry == 1500


def test_unknown_fields_are_ignored() -> None:
    assert decode(b"foo: bar\ndata: x\nDATA: y\n\n") == [SSEEvent("x")]


def test_utf8_split_inside_a_character() -> None:
    raw = "data: 👋é\n\n".encode()
    for offset in range(len(raw) + 1):
        assert decode(raw[:offset], raw[offset:]) == [SSEEvent("👋é")]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: a\xffb\n\n") == [SSEEvent("a\ufffdb")]


def test_bom_only_stripped_at_the_start() -> None:
    bom = "\ufeff".encode()
    assert decode(bom[:1], bom[1:] + b"data: a\n\n") == [SSEEvent("a")]
    assert decode(b"data: a\n\n" + bom + b"data: b\n\n") == [SSEEvent("a")]  # field "\ufeffdata" unknown


def test_flush_dispatches_an_unterminated_last_event() -> None:
    assert decode(b"data: a\n\ndata: b") == [SSEEvent("a"), SSEEvent("b")]
    assert decode(b"data: a\n\ndata: b\n") == [SSEEvent("a"), SSEEvent("b")]
    assert decode(b"data: a\n\n") == [SSEEvent("a")]
    assert decode(b"") == []
    assert decode(b": only a comment") == []


def test_a_long_line_in_tiny_chunks() -> None:
    payload = "x" * 200_000
    raw = f"data: {payload}\n\n".encode()
    assert decode(*(raw[i : i + 7] for i in range(0, len(raw), 7))) == [SSEEvent(payload)]


def test_large_stream_round_trip() -> None:
    event = b'data: {"choices":[{"delta":{"content":"h\xc3\xa9llo"}}]}\n\n'
    raw = event * 20_000
    events = decode(*(raw[i : i + 1000] for i in range(0, len(raw), 1000)))
    assert len(events) == 20_000
    assert events[-1].data == '{"choices":[{"delta":{"content":"héllo"}}]}'


def test_async_iteration() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in (b"data: a\n", b"\ndata: b"):
            yield piece

    async def main() -> list[SSEEvent]:
        return [event async for event in aiter_events(chunks())]

    assert asyncio.run(main()) == [SSEEvent("a"), SSEEvent("b")]


_LINE = st.sampled_from(
    [
        "data: a",
        "data:b",
        "data",
        "data: é👋",
        "event: e",
        "id: 9",
        ": c",
        "",
        "retry: 5",
        "x: y",
        ":",
        " data: lead",
    ]
)
_EOL = st.sampled_from(["\n", "\r", "\r\n"])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(_LINE, _EOL), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_matches_a_literal_reading_of_the_standard(lines: list[tuple[str, str]], cuts: list[int]) -> None:
    raw = "".join(line + eol for line, eol in lines).encode() + b"\n\n"
    bounds = [0, *sorted(c for c in cuts if c < len(raw)), len(raw)]
    chunks = [raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    assert decode(*chunks) == reference(raw)
