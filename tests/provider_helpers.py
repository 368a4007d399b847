"""What the provider tests share: run a provider in a fresh event loop, closed afterwards
whatever happens, and look at what it streamed or raised."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import pytest

from desktop_app.core.conversation import ChatRequest
from desktop_app.core.errors import ProviderError
from desktop_app.core.stream import Provider, StreamDelta, TextChunk

P = TypeVar("P", bound=Provider)
T = TypeVar("T")


async def collect(provider: Provider, request: ChatRequest) -> list[StreamDelta]:
    """Every delta ``provider`` streams for ``request``, in order."""
    return [delta async for delta in provider.stream(request)]


def run_with(make_provider: Callable[[], P], action: Callable[[P], Awaitable[T]]) -> T:
    """``action(provider)`` in a fresh event loop; the provider is closed afterwards, even on failure."""

    async def main() -> T:
        provider = make_provider()
        try:
            return await action(provider)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def stream_all(make_provider: Callable[[], Provider], request: ChatRequest) -> list[StreamDelta]:
    """Every delta of one answer to ``request``, from a provider made (and closed) for it."""
    return run_with(make_provider, lambda provider: collect(provider, request))


def raised_error(run: Callable[[], object], *, secret: str | None = None) -> ProviderError:
    """The ProviderError ``run()`` raises, checked fit to show: its message is one line,
    and when a ``secret`` is given, neither message nor detail contains it."""
    with pytest.raises(ProviderError) as info:
        run()
    error = info.value
    if secret is not None:
        for text in (str(error), error.message, error.detail):
            assert secret not in text
    assert "\n" not in error.message
    return error


def text_of(deltas: Sequence[StreamDelta]) -> str:
    """The answer's text, every TextChunk joined."""
    return "".join(d.text for d in deltas if isinstance(d, TextChunk))
