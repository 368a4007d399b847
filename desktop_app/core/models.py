"""What Backstage knows about each model family: window, output limit, and how to count its tokens.

Figures are the providers' published limits at the time of writing. Lookups go by the longest matching
prefix of a normalised id, so dated snapshots ("gpt-4o-2024-08-06") and sizes ("qwen2.5:7b") fall into
their family. A provider that learns the real window from its server (llama.cpp ``/props``, Ollama
``/api/show``) should pass that figure on instead of trusting the table.

Models whose tokenizer is not public (Claude, Gemini, ...) are counted with a tiktoken encoding and
scaled by a correction factor: a static prior from the table, refined at run time by :class:`Calibration`
from the input-token counts the provider reports.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

O200K = "o200k_base"
CL100K = "cl100k_base"


@dataclass(frozen=True)
class ModelInfo:
    """Limits and counting method of one model family.

    ``exact`` is true when ``encoding`` is the model's own tokenizer, so counts need no correction.
    ``correction`` is the prior ratio (model's tokens / our count) used until calibration knows better.
    """

    context_window: int
    max_output: int
    encoding: str
    exact: bool
    correction: float = 1.0


def _openai(window: int, output: int, encoding: str = O200K) -> ModelInfo:
    return ModelInfo(window, output, encoding, exact=True)


def _approx(window: int, output: int, correction: float, encoding: str = O200K) -> ModelInfo:
    return ModelInfo(window, output, encoding, exact=False, correction=correction)


# The correction priors are rough: Claude's tokenizer yields noticeably more tokens than o200k for
# English; Llama 3 and Qwen tokenizers were built from cl100k, so cl100k counts them closely.
_CLAUDE = 1.2
_GEMINI = 1.05
_MISTRAL = 1.1
_DEEPSEEK = 1.05
_CL100K_DERIVED = 1.0

# Open-weight models served locally have no fixed output limit beyond the window; 8192 is a
# practical cap so the reserve does not eat most of a small window (output_reserve caps it further).
_LOCAL_OUT = 8192

_TABLE: dict[str, ModelInfo] = {
    # OpenAI, o200k_base
    "gpt-4o": _openai(128_000, 16_384),
    "chatgpt-4o": _openai(128_000, 16_384),
    "gpt-4.1": _openai(1_047_576, 32_768),
    "gpt-4.5": _openai(128_000, 16_384),
    "gpt-5": _openai(400_000, 128_000),
    "gpt-5-chat": _openai(128_000, 16_384),
    "o1": _openai(200_000, 100_000),
    "o1-mini": _openai(128_000, 65_536),
    "o1-preview": _openai(128_000, 32_768),
    "o3": _openai(200_000, 100_000),
    "o4-mini": _openai(200_000, 100_000),
    # gpt-oss uses o200k_harmony: the same text tokens, but a different chat framing.
    "gpt-oss": _approx(131_072, 32_768, 1.0),
    # OpenAI, cl100k_base
    "gpt-4": _openai(8_192, 8_192, CL100K),
    "gpt-4-32k": _openai(32_768, 32_768, CL100K),
    "gpt-4-turbo": _openai(128_000, 4_096, CL100K),
    "gpt-4-1106": _openai(128_000, 4_096, CL100K),
    "gpt-4-0125": _openai(128_000, 4_096, CL100K),
    "gpt-3.5-turbo": _openai(16_385, 4_096, CL100K),
    "gpt-3.5-turbo-instruct": _openai(4_096, 4_096, CL100K),
    # Anthropic: every current model has a 200k window.
    "claude": _approx(200_000, 8_192, _CLAUDE),
    "claude-3": _approx(200_000, 4_096, _CLAUDE),
    "claude-3-5": _approx(200_000, 8_192, _CLAUDE),
    "claude-3-7": _approx(200_000, 64_000, _CLAUDE),
    "claude-sonnet-4": _approx(200_000, 64_000, _CLAUDE),
    "claude-opus-4": _approx(200_000, 32_000, _CLAUDE),
    "claude-opus-4-5": _approx(200_000, 64_000, _CLAUDE),
    "claude-haiku-4": _approx(200_000, 64_000, _CLAUDE),
    # Google
    "gemini": _approx(1_048_576, 8_192, _GEMINI),
    "gemini-1.5-pro": _approx(2_097_152, 8_192, _GEMINI),
    "gemini-2.0-pro": _approx(2_097_152, 8_192, _GEMINI),
    "gemini-2.5": _approx(1_048_576, 65_536, _GEMINI),
    # Meta: Llama 3.0 had an 8k window, 3.1 and later 128k.
    "llama-3": _approx(8_192, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    "llama-3.1": _approx(131_072, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    "llama-3.2": _approx(131_072, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    "llama-3.3": _approx(131_072, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    # Mistral
    "mistral": _approx(32_768, _LOCAL_OUT, _MISTRAL),
    "mistral-large": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    "mistral-medium": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    "mistral-small": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    "mistral-nemo": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    "mixtral": _approx(32_768, _LOCAL_OUT, _MISTRAL),
    "ministral": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    "codestral": _approx(262_144, _LOCAL_OUT, _MISTRAL),
    "devstral": _approx(131_072, _LOCAL_OUT, _MISTRAL),
    # Qwen: 32k is the native window; longer needs rope scaling the server may not enable.
    "qwen2.5": _approx(32_768, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    "qwen3": _approx(32_768, _LOCAL_OUT, _CL100K_DERIVED, CL100K),
    "qwen3-coder": _approx(262_144, 65_536, _CL100K_DERIVED, CL100K),
    # DeepSeek
    "deepseek": _approx(131_072, 8_192, _DEEPSEEK),
    "deepseek-reasoner": _approx(131_072, 65_536, _DEEPSEEK),
    "deepseek-r1": _approx(131_072, 32_768, _DEEPSEEK),
}

# Unknown models are most often local ones whose server window we cannot see; 8192 is small enough to
# fit what llama.cpp and Ollama commonly run with, and trimming history early is a smaller harm than a
# server silently cutting the prompt. The slight over-count (1.1) errs the same way.
DEFAULT_MODEL_INFO = _approx(8_192, 2_048, 1.1)

_PREFIXES = sorted(_TABLE, key=len, reverse=True)
_WEIGHT_FILE = re.compile(r"\.(gguf|ggml|bin|safetensors|onnx|mlx)$")
# Cloud catalogue prefixes such as Bedrock's "us.anthropic." or "meta." before the model's own name.
_VENDOR_DOT = re.compile(r"^(?:(?:us|eu|apac|global)\.)?[a-z]+\.(?=[a-z])")


def normalize_model_id(model: str) -> str:
    """The short, lower-case family name used for lookups and calibration.

    "openai/gpt-4o" → "gpt-4o"; "models/gemini-2.0-flash" → "gemini-2.0-flash";
    "/models/qwen2.5-7b-instruct-q4_k_m.gguf" → "qwen2.5-7b-instruct-q4_k_m";
    "anthropic/claude-3.5-sonnet" → "claude-3-5-sonnet"; "llama3.1:8b" → "llama-3.1:8b".
    """
    name = model.strip().replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    name = _WEIGHT_FILE.sub("", name)
    name = name.removeprefix("ft:")  # OpenAI fine-tunes: "ft:gpt-4o-mini:org::id"
    name = name.removeprefix("open-")  # Mistral's legacy "open-mistral-nemo"
    name = name.removeprefix("meta-")  # GGUF files named "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"
    name = _VENDOR_DOT.sub("", name)
    if name.startswith("claude"):
        # Anthropic writes "claude-3-5-sonnet"; routers often write "claude-3.5-sonnet".
        name = name.replace(".", "-")
    if name.startswith("llama3"):
        name = "llama-3" + name.removeprefix("llama3")
    return name


def model_info(model: str) -> ModelInfo:
    """Limits and counting method for ``model``; :data:`DEFAULT_MODEL_INFO` if the family is unknown."""
    name = normalize_model_id(model)
    for prefix in _PREFIXES:
        if name.startswith(prefix) and _ends_at_boundary(name, prefix):
            return _TABLE[prefix]
    return DEFAULT_MODEL_INFO


def _ends_at_boundary(name: str, prefix: str) -> bool:
    # "o1" must not claim "o10x" nor "gpt-4" an unknown "gpt-4z": a family name ends at a separator.
    rest = name[len(prefix) :]
    return not rest or not rest[0].isalnum()


def output_reserve(info: ModelInfo, window: int | None = None) -> int:
    """Tokens to keep free for the answer: the model's output limit, but at most a quarter of the window.

    ``window`` overrides ``info.context_window`` (e.g. the window a local server actually runs with),
    so a model whose output limit exceeds a small window still leaves room for the prompt.
    """
    window = info.context_window if window is None else window
    return max(0, min(info.max_output, window // 4))


def input_budget(info: ModelInfo, window: int | None = None) -> int:
    """Tokens the prompt may use: the window minus :func:`output_reserve`."""
    window = info.context_window if window is None else window
    return max(0, window - output_reserve(info, window))


class Calibration:
    """Per-model correction factors learned from the input-token counts providers report.

    Only models without a public tokenizer (``exact`` false) are calibrated; for the others the factor
    is always 1.0. The first observation replaces the table's prior (one measurement beats a guess);
    later ones move the factor by an exponential moving average. Factors stay within 0.5–2.0 so one
    odd report (a cached prompt, a hidden system prompt) cannot wreck the budget. Safe to share
    between threads.
    """

    MIN_FACTOR = 0.5
    MAX_FACTOR = 2.0

    def __init__(self, alpha: float = 0.2, factors: dict[str, float] | None = None) -> None:
        """``alpha`` is the weight of each new observation; ``factors`` restores a :meth:`snapshot`."""
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self._alpha = alpha
        self._lock = threading.Lock()
        self._factors = {name: self._clamp(value) for name, value in (factors or {}).items()}

    def observe(self, model: str, reported: int, counted: int) -> float:
        """Record that the provider reported ``reported`` input tokens for a prompt we counted as
        ``counted``. Returns the model's factor afterwards. Non-positive figures are ignored.
        """
        if model_info(model).exact or reported <= 0 or counted <= 0:
            return self.factor(model)
        key = normalize_model_id(model)
        ratio = self._clamp(reported / counted)
        with self._lock:
            previous = self._factors.get(key)
            updated = ratio if previous is None else previous + self._alpha * (ratio - previous)
            self._factors[key] = self._clamp(updated)
            return self._factors[key]

    def factor(self, model: str) -> float:
        """The current correction for ``model``: learned if observed, else the table's prior."""
        info = model_info(model)
        if info.exact:
            return 1.0
        with self._lock:
            return self._factors.get(normalize_model_id(model), info.correction)

    def estimate(self, model: str, counted: int) -> int:
        """``counted`` (our tiktoken count) scaled to the model's own tokens, rounded up."""
        # The epsilon keeps float noise (100 * 1.2 = 120.00000000000001) from adding a token.
        return math.ceil(counted * self.factor(model) - 1e-9)

    def snapshot(self) -> dict[str, float]:
        """The learned factors by normalised model id, for saving between sessions."""
        with self._lock:
            return dict(self._factors)

    @classmethod
    def _clamp(cls, value: float) -> float:
        return min(cls.MAX_FACTOR, max(cls.MIN_FACTOR, value))
