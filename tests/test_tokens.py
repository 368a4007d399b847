"""Offline token counting: shipped encodings, checksums, chat overhead, the model table, calibration."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import tiktoken

from desktop_app import resources
from desktop_app.core import tokens
from desktop_app.core.conversation import AssistantMessage, ToolCall, ToolResultMessage, ToolSpec, UserMessage
from desktop_app.core.models import (
    DEFAULT_MODEL_INFO,
    Calibration,
    input_budget,
    model_info,
    normalize_model_id,
    output_reserve,
)

REPO_ENCODINGS = Path(__file__).resolve().parent.parent / "resources" / "encodings"

# Counts determined once with tiktoken.get_encoding on the same files; they pin the behaviour.
KNOWN_COUNTS = [
    ("hello world", 2, 2),
    ("Hello, world!", 4, 4),
    ("", 0, 0),
    ("The quick brown fox jumps over the lazy dog.", 10, 10),
    ("你好，世界", 3, 6),
    ("<|endoftext|> hi", 8, 8),
    ("def f(x):\n    return x**2\n", 10, 10),
    ("🦜🔗 emojis", 6, 7),
]


def _copy_encodings(target: Path) -> Path:
    shutil.copytree(REPO_ENCODINGS, target / "encodings")
    return target


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DNS, an empty tiktoken cache, and a fresh copy of the resources (so nothing is pre-loaded)."""

    def no_dns(*args: object, **kwargs: object) -> object:
        raise OSError("DNS lookup attempted while offline")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(cache))
    monkeypatch.setenv(resources.ENV_VAR, str(_copy_encodings(tmp_path / "res")))
    return cache


@pytest.mark.parametrize(("text", "o200k", "cl100k"), KNOWN_COUNTS)
def test_known_counts(text: str, o200k: int, cl100k: int) -> None:
    assert tokens.count_text(text, "gpt-4o") == o200k
    assert tokens.count_text(text) == o200k  # unknown model → o200k_base
    assert tokens.count_text(text, "gpt-4") == cl100k


def test_counting_works_offline_without_cache(offline: Path) -> None:
    assert tokens.count_text("hello world", "openai/gpt-4o") == 2
    assert tokens.count_text("hello world", "gpt-3.5-turbo") == 2
    assert list(offline.iterdir()) == []  # tiktoken's cache was neither read nor written


def test_shipped_files_match_tiktoken_hashes() -> None:
    for name in tokens.ENCODINGS:
        spec = tokens._SPECS[name]
        data = (REPO_ENCODINGS / spec.filename).read_bytes()
        assert hashlib.sha256(data).hexdigest() == spec.sha256


def test_same_as_tiktoken_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken's own constructors, fed our files through its cache, give identical encodings."""
    from tiktoken_ext import openai_public

    url = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
    for name in tokens.ENCODINGS:
        key = hashlib.sha1(url.format(name).encode()).hexdigest()
        shutil.copy(REPO_ENCODINGS / f"{name}.tiktoken", tmp_path / key)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    samples = [text for text, _, _ in KNOWN_COUNTS] + ["  spaced\n\n\tout  ", "Ünïcödé wörds 12345678"]
    for name in tokens.ENCODINGS:
        reference = openai_public.ENCODING_CONSTRUCTORS[name]()
        ours = tokens.get_encoding(name)
        assert ours._pat_str == reference["pat_str"]
        assert ours._special_tokens == reference["special_tokens"]
        ref_encoding = tiktoken.Encoding(**reference)
        for text in samples:
            assert ours.encode_ordinary(text) == ref_encoding.encode_ordinary(text)


def test_checksum_mismatch_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_encodings(tmp_path)
    damaged = root / "encodings" / "o200k_base.tiktoken"
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0x01
    damaged.write_bytes(bytes(data))
    monkeypatch.setenv(resources.ENV_VAR, str(root))
    with pytest.raises(tokens.TokenizerDataError, match="damaged") as excinfo:
        tokens.count_text("hello", "gpt-4o")
    assert "checksum mismatch" in excinfo.value.detail
    assert tokens.count_text("hello world", "gpt-4") == 2  # the intact file still loads


def test_missing_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    with pytest.raises(tokens.TokenizerDataError, match="missing"):
        tokens.get_encoding("cl100k_base")


def test_encodings_load_once_and_not_at_import() -> None:
    assert tokens.get_encoding("o200k_base") is tokens.get_encoding("o200k_base")
    code = "import desktop_app.core.tokens as t; assert not t._loaded, t._loaded"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_count_messages_uses_openai_framing() -> None:
    # 3 framing + 1 for "user" + 2 for "hello world", then 3 to prime the reply.
    assert tokens.count_messages([UserMessage("hello world")], model="gpt-4o") == 9
    with_system = tokens.count_messages([UserMessage("hello world")], system="hello world", model="gpt-4o")
    assert with_system == 9 + 3 + 1 + 2
    assert tokens.count_messages([], model="gpt-4o") == tokens.REPLY_PRIMING


def test_tools_count_as_their_json() -> None:
    tool = ToolSpec("lookup", "Look a word up — in any language", {"type": "object", "properties": {}})
    base = tokens.count_messages([UserMessage("hi")])
    with_tool = tokens.count_messages([UserMessage("hi")], tools=[tool])
    json_text = tokens._tool_json(tool)
    assert "—" in json_text  # not \u-escaped
    assert with_tool - base == tokens.PER_TOOL + tokens.count_text(json_text) + tokens.TOOLS_END


def _conversation() -> list[UserMessage | AssistantMessage | ToolResultMessage]:
    return [
        UserMessage("What's the weather in Paris?"),
        AssistantMessage("", (ToolCall("c1", "weather", '{"city": "Paris"}'),)),
        ToolResultMessage("c1", "weather", "Sunny, 21 °C"),
        AssistantMessage("It is sunny and 21 °C in Paris."),
        UserMessage("And tomorrow?"),
    ]


def test_counter_matches_count_messages_and_is_incremental() -> None:
    tool = ToolSpec(
        "weather", "Current weather", {"type": "object", "properties": {"city": {"type": "string"}}}
    )
    history = _conversation()
    counter = tokens.TokenCounter("gpt-4o")
    for n in range(1, len(history) + 1):
        expected = tokens.count_messages(history[:n], system="Be brief.", tools=[tool], model="gpt-4o")
        assert counter.count(history[:n], system="Be brief.", tools=[tool]) == expected
    info = counter.cache_info()
    # Each message, the system prompt and the tool were encoded exactly once.
    assert info.misses == len(history) + 2
    assert info.size == len(history) + 2
    assert counter.count_message(history[0]) == tokens.count_messages([history[0]]) - tokens.REPLY_PRIMING
    assert counter.cache_info().misses == info.misses


def test_counter_keys_by_value_and_evicts_oldest() -> None:
    counter = tokens.TokenCounter("gpt-4o", max_entries=2)
    counter.count([UserMessage("one")])
    counter.count([UserMessage("one")])  # an equal, distinct object is a hit
    assert counter.cache_info().hits == 1
    counter.count([AssistantMessage("one")])  # same text, different kind: its own entry
    counter.count([UserMessage("two")])
    assert counter.cache_info().size == 2
    counter.count([UserMessage("one")])  # evicted, so encoded again
    assert counter.cache_info().misses == 4


@pytest.mark.parametrize(
    ("model", "window", "encoding", "exact"),
    [
        ("gpt-4o", 128_000, "o200k_base", True),
        ("openai/gpt-4o-mini-2024-07-18", 128_000, "o200k_base", True),
        ("gpt-4.1-nano", 1_047_576, "o200k_base", True),
        ("gpt-5-mini", 400_000, "o200k_base", True),
        ("o3-mini", 200_000, "o200k_base", True),
        ("o1-mini", 128_000, "o200k_base", True),
        ("gpt-4-0613", 8_192, "cl100k_base", True),
        ("gpt-4-turbo-2024-04-09", 128_000, "cl100k_base", True),
        ("gpt-3.5-turbo", 16_385, "cl100k_base", True),
        ("claude-3-5-sonnet-20241022", 200_000, "o200k_base", False),
        ("anthropic/claude-3.7-sonnet", 200_000, "o200k_base", False),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", 200_000, "o200k_base", False),
        ("models/gemini-2.0-flash", 1_048_576, "o200k_base", False),
        ("gemini-1.5-pro-002", 2_097_152, "o200k_base", False),
        ("llama3.1:8b", 131_072, "cl100k_base", False),
        ("/models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", 131_072, "cl100k_base", False),
        ("llama3:8b", 8_192, "cl100k_base", False),
        ("/models/qwen2.5-7b-instruct-q4_k_m.gguf", 32_768, "cl100k_base", False),
        ("C:\\models\\Qwen3-8B-Q4_K_M.gguf", 32_768, "cl100k_base", False),
        ("mistralai/Mistral-7B-Instruct-v0.3", 32_768, "o200k_base", False),
        ("mistral-large-latest", 131_072, "o200k_base", False),
        ("deepseek-chat", 131_072, "o200k_base", False),
        ("some-unknown-model", DEFAULT_MODEL_INFO.context_window, "o200k_base", False),
        ("", DEFAULT_MODEL_INFO.context_window, "o200k_base", False),
        ("o10x", DEFAULT_MODEL_INFO.context_window, "o200k_base", False),
    ],
)
def test_model_lookup(model: str, window: int, encoding: str, exact: bool) -> None:
    info = model_info(model)
    assert (info.context_window, info.encoding, info.exact) == (window, encoding, exact)


def test_normalize_model_id() -> None:
    assert normalize_model_id("/models/qwen2.5-7b-instruct-q4_k_m.gguf") == "qwen2.5-7b-instruct-q4_k_m"
    assert normalize_model_id("models/gemini-2.0-flash") == "gemini-2.0-flash"
    assert normalize_model_id("openrouter/anthropic/claude-3.5-sonnet") == "claude-3-5-sonnet"


def test_output_reserve_fits_small_windows() -> None:
    sonnet = model_info("claude-sonnet-4")
    assert output_reserve(sonnet) == 50_000  # a quarter of 200k is below its 64k limit
    assert output_reserve(sonnet, 8_000) == 2_000
    assert input_budget(sonnet, 8_000) == 6_000
    assert output_reserve(model_info("gpt-4o")) == 16_384
    assert output_reserve(model_info("gpt-4o"), 0) == 0


def test_calibration_converges_and_clamps() -> None:
    calibration = Calibration(alpha=0.3)
    assert calibration.factor("claude-3-5-haiku") == model_info("claude-3-5-haiku").correction
    calibration.observe("claude-3-5-haiku", reported=150, counted=100)
    assert calibration.factor("claude-3-5-haiku") == pytest.approx(1.5)  # first report replaces the prior
    for _ in range(30):
        calibration.observe("anthropic/claude-3-5-haiku", reported=1300, counted=1000)
    assert calibration.factor("claude-3-5-haiku") == pytest.approx(1.3, abs=1e-3)
    assert calibration.estimate("claude-3-5-haiku", 1000) in (1300, 1301)

    calibration.observe("mistral-small", reported=10_000, counted=100)
    assert calibration.factor("mistral-small") == Calibration.MAX_FACTOR
    calibration.observe("deepseek-chat", reported=10, counted=100)
    assert calibration.factor("deepseek-chat") == Calibration.MIN_FACTOR
    calibration.observe("deepseek-chat", reported=0, counted=100)  # ignored
    assert calibration.factor("deepseek-chat") == Calibration.MIN_FACTOR


def test_calibration_leaves_exact_models_alone_and_restores() -> None:
    calibration = Calibration()
    calibration.observe("gpt-4o", reported=200, counted=100)
    assert calibration.factor("gpt-4o") == 1.0
    assert calibration.estimate("gpt-4o", 123) == 123
    calibration.observe("gemini-2.5-pro", reported=110, counted=100)
    restored = Calibration(factors=calibration.snapshot())
    assert restored.factor("models/gemini-2.5-pro") == pytest.approx(1.1)
    assert restored.estimate("gemini-2.5-pro", 100) == 110


def test_resource_path_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    assert resources.resource_path("encodings") == REPO_ENCODINGS
    bundle = tmp_path / "bundle"
    (bundle / "resources").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.resource_path("encodings", "x") == bundle / "resources" / "encodings" / "x"
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path / "elsewhere"))
    assert resources.resource_path("a") == tmp_path / "elsewhere" / "a"
