"""Offline token counting with the tiktoken encodings shipped in ``resources/encodings/``.

tiktoken's own ``get_encoding`` downloads its files on first use and keeps them in a temp-dir cache;
that fails offline and inside an installer. Here each file is read from our resources, checked
against the sha256 tiktoken publishes, and parsed by us: ``tiktoken.load.load_tiktoken_bpe`` would
not touch the network for a local path, but it copies the file into its cache directory and prefers
a cached copy on later runs, which we want neither of. No network, no cache, ever.

Encodings load lazily, once per process (about a second for o200k), never at import time.

Counts are exact for OpenAI models and estimates for the rest; see :mod:`desktop_app.core.models`
for which is which and :class:`~desktop_app.core.models.Calibration` for correcting estimates.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import tiktoken

from desktop_app.core.conversation import AssistantMessage, Message, ToolResultMessage, ToolSpec
from desktop_app.core.errors import BackstageError
from desktop_app.core.models import model_info
from desktop_app.resources import resource_path


class TokenizerDataError(BackstageError):
    """Raised when a shipped encoding file is missing, unreadable or fails its checksum."""

    kind = "internal"
    default_message = (
        "Backstage's tokenizer files are missing or damaged. Reinstalling Backstage should fix this."
    )


@dataclass(frozen=True)
class _EncodingSpec:
    filename: str
    sha256: str
    pat_str: str
    special_tokens: dict[str, int]


_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"

# pat_str, special tokens and hashes are copied from tiktoken 0.14, tiktoken_ext/openai_public.py.
# They cannot be imported: that module builds them inside functions that download the ranks.
# tests/test_tokens.py checks them against tiktoken's own constructors.
_SPECS: dict[str, _EncodingSpec] = {
    "o200k_base": _EncodingSpec(
        filename="o200k_base.tiktoken",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str="|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        special_tokens={_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": _EncodingSpec(
        filename="cl100k_base.tiktoken",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        special_tokens={
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}

ENCODINGS: tuple[str, ...] = tuple(_SPECS)
"""Names of the encodings Backstage ships."""

_load_lock = threading.Lock()
# Keyed by the file's path as well as the name, so pointing BACKSTAGE_RESOURCES elsewhere (tests)
# loads and checks that copy instead of reusing one loaded from another place.
_loaded: dict[tuple[str, Path], tiktoken.Encoding] = {}


def get_encoding(name: str) -> tiktoken.Encoding:
    """The shipped encoding ``name`` ("o200k_base" or "cl100k_base"), loaded on first use.

    Thread-safe; concurrent first callers wait for one load. Raises :class:`TokenizerDataError` if
    the file is missing or its sha256 differs from tiktoken's, and ``KeyError`` for an unknown name.
    """
    spec = _SPECS[name]
    path = resource_path("encodings", spec.filename).resolve()
    with _load_lock:
        encoding = _loaded.get((name, path))
        if encoding is None:
            encoding = tiktoken.Encoding(
                name,
                pat_str=spec.pat_str,
                mergeable_ranks=_read_ranks(path, spec.sha256),
                special_tokens=spec.special_tokens,
            )
            _loaded[(name, path)] = encoding
        return encoding


def _read_ranks(path: Path, expected_sha256: str) -> dict[bytes, int]:
    """Parse a ``.tiktoken`` file (one "base64-token rank" per line) after checking its sha256."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerDataError(detail=f"cannot read encoding file {path}: {exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise TokenizerDataError(
            detail=f"checksum mismatch for {path}: expected sha256 {expected_sha256}, got {actual}"
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error) as exc:
            raise TokenizerDataError(detail=f"bad line {line[:80]!r} in {path}") from exc
    return ranks


def encoding_for(model: str) -> tiktoken.Encoding:
    """The encoding used to count ``model``'s tokens (o200k_base for unknown models)."""
    return get_encoding(model_info(model).encoding)


def count_text(text: str, model: str = "") -> int:
    """Tokens in ``text`` under ``model``'s encoding, with no chat overhead.

    Special-token strings such as "<|endoftext|>" count as ordinary text, as they do when a user
    types them into a chat.
    """
    if not text:
        return 0
    return len(encoding_for(model).encode_ordinary(text))


# Overheads from OpenAI's cookbook ("How to count tokens with tiktoken"): every message is framed
# as <|start|>{role}<|message|>{content}<|end|>, i.e. 3 tokens plus the role; a name adds 1; the reply
# is primed with <|start|>assistant<|message|>, 3 more. Tool definitions are rendered by OpenAI in a
# private format; the cookbook measures about 7 tokens per function and 12 to close the list.
PER_MESSAGE = 3
PER_NAME = 1
REPLY_PRIMING = 3
PER_TOOL = 7
TOOLS_END = 12


def _n(encoding: tiktoken.Encoding, text: str) -> int:
    return len(encoding.encode_ordinary(text)) if text else 0


def _message_tokens(encoding: tiktoken.Encoding, message: Message) -> int:
    tokens = PER_MESSAGE + _n(encoding, message.role) + _n(encoding, message.text)
    if isinstance(message, AssistantMessage):
        for call in message.tool_calls:
            tokens += PER_MESSAGE + _n(encoding, call.name) + _n(encoding, call.arguments)
    elif isinstance(message, ToolResultMessage):
        tokens += PER_NAME + _n(encoding, message.name)
    return tokens


def _system_tokens(encoding: tiktoken.Encoding, system: str) -> int:
    return PER_MESSAGE + _n(encoding, "system") + _n(encoding, system) if system else 0


def _tool_json(tool: ToolSpec) -> str:
    # Compact separators and raw Unicode: closer to what the model sees than json.dumps' defaults,
    # which add a space after every separator and escape every non-ASCII character.
    spec = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"), default=str)


def count_messages(
    messages: Iterable[Message],
    system: str = "",
    tools: Iterable[ToolSpec] = (),
    *,
    model: str = "",
) -> int:
    """Prompt tokens for a chat request: messages, system prompt and tool definitions.

    Uses OpenAI's documented framing (3 tokens per message plus 3 to prime the reply); tools are
    counted as their JSON plus a fixed overhead. Exact for plain OpenAI chats, close otherwise. For
    a conversation counted again and again as it grows, use :class:`TokenCounter`.
    """
    encoding = encoding_for(model)
    total = REPLY_PRIMING + _system_tokens(encoding, system)
    total += sum(_message_tokens(encoding, message) for message in messages)
    tool_total = sum(PER_TOOL + _n(encoding, _tool_json(tool)) for tool in tools)
    return total + (tool_total + TOOLS_END if tool_total else 0)


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int


class TokenCounter:
    """Counts prompts for one model, remembering the count of every message it has seen.

    Messages are frozen dataclasses whose fields are all hashable, so they key the cache by value:
    re-counting a conversation after one more message encodes only that message. System prompts
    and tool definitions are cached by their text. At most ``max_entries`` counts are kept, least
    recently used dropped first. Safe to share between threads; the encoding loads on first count.
    """

    def __init__(self, model: str = "", max_entries: int = 10_000) -> None:
        self.model = model
        self._max_entries = max_entries
        self._cache: OrderedDict[Hashable, int] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def count(self, messages: Iterable[Message], system: str = "", tools: Iterable[ToolSpec] = ()) -> int:
        """Same result as :func:`count_messages` for this counter's model."""
        encoding = encoding_for(self.model)
        total = REPLY_PRIMING
        if system:
            total += self._cached(("system", system), lambda: _system_tokens(encoding, system))
        for message in messages:
            total += self._cached(message, lambda m=message: _message_tokens(encoding, m))
        tool_total = 0
        for tool in tools:
            text = _tool_json(tool)
            tool_total += self._cached(("tool", text), lambda t=text: PER_TOOL + _n(encoding, t))
        return total + (tool_total + TOOLS_END if tool_total else 0)

    def count_message(self, message: Message) -> int:
        """Tokens one message adds to a prompt, framing included."""
        # The encoding is looked up only on a miss: the lookup resolves a path on disk, which would
        # cost more than the cache hit itself when a long chat is re-counted message by message.
        return self._cached(message, lambda: _message_tokens(encoding_for(self.model), message))

    def cache_info(self) -> CacheInfo:
        """Hits, misses and current size of the per-message cache."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._cache))

    def _cached(self, key: Hashable, compute: Callable[[], int]) -> int:
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                self._hits += 1
                self._cache.move_to_end(key)
                return value
            self._misses += 1
        # Encode outside the lock: two threads may count the same new message once each, which is
        # cheaper than making every other thread wait on a long encode.
        value = compute()
        with self._lock:
            self._cache[key] = value
            if len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return value
