"""Testing a connection to a model server: one function, so the CLI and the window agree on what "works" means."""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass

from ..core.conversation import ChatRequest, UserMessage
from ..core.errors import ProviderError
from ..core.stream import TextChunk
from .presets import ListingProvider


@dataclass(frozen=True)
class ConnectionReport:
    """``lines`` say what worked, for people; ``models`` is the server's list (empty if it has none)."""

    lines: list[str]
    models: list[str]


async def check_connection(provider: ListingProvider, model: str = "") -> ConnectionReport:
    """The smallest real request that works (list models, else a one-token chat), in plain words.

    Closes ``provider``. Raises ProviderError (plain message) when the server cannot be used.
    """
    try:
        try:
            models = await provider.list_models()
        except ProviderError as exc:
            # Some servers have no model list; a one-token answer proves the connection as well.
            if not model or exc.status not in (404, 405, 501):
                raise
            await _one_token(provider, model)
            return ConnectionReport([f"The model {model} answered."], [])
        lines = [_models_line(models)]
        if model and not _has_model(models, model):
            lines.append(f"Note: {model} is not in the server's list of models; check its name.")
        elif model:
            lines.append(f"The model {model} is available.")
        return ConnectionReport(lines, models)
    finally:
        await provider.aclose()


async def _one_token(provider: ListingProvider, model: str) -> None:
    request = ChatRequest(model=model, messages=(UserMessage("Say OK."),), max_output_tokens=1)
    async with aclosing(provider.stream(request)) as stream:  # type: ignore[type-var]
        async for delta in stream:
            if isinstance(delta, TextChunk):
                break  # one token proves it; closing the stream ends the request


def _models_line(models: list[str]) -> str:
    if not models:
        return "The server lists no models yet."
    shown = ", ".join(models[:8]) + (", …" if len(models) > 8 else "")
    noun = "model" if len(models) == 1 else "models"
    return f"{len(models)} {noun} available: {shown}"


def _has_model(models: list[str], model: str) -> bool:
    # Ollama lists "llama3.2:latest" for "llama3.2"; Gemini lists "models/gemini-2.5-flash".
    def norm(name: str) -> str:
        return name.removeprefix("models/").removesuffix(":latest")

    return norm(model) in {norm(m) for m in models}
