"""Presets and the provider factory, local server detection against real sockets, the settings
file, and the registry of configured providers with keys in the (in-memory) keychain."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import keyring
import keyring.backends.fail
import pytest

from desktop_app.cli.session_options import SessionOptions, build_provider
from desktop_app.core.conversation import ChatRequest, UserMessage
from desktop_app.core.errors import ConfigurationError
from desktop_app.providers.anthropic import AnthropicProvider
from desktop_app.providers.detect import LocalServer, detect_local_servers, ports_from_env, short_model_name
from desktop_app.providers.ollama import OllamaProvider
from desktop_app.providers.openai_compat import OpenAICompatProvider
from desktop_app.providers.presets import PRESETS, make_provider, preset_for
from desktop_app.providers.registry import add_provider, key_name, remove_provider, resolve, stored_key
from desktop_app.storage import paths
from desktop_app.storage.secrets import Keychain
from desktop_app.storage.settings import ProviderEntry, Settings, load_settings, save_settings
from tests.servers import anthropic_wire, ollama_wire
from tests.servers import openai_wire as wire
from tests.servers.scripted import RecordedRequest, Response, ScriptedServer

KEY = "sk-ant-api03-RegistryKey0123456789"


@pytest.fixture(autouse=True)
def _empty_keychain() -> Iterator[None]:
    """The in-memory keychain lives as long as the process: start and end each test with it empty."""
    store = getattr(keyring.get_keyring(), "_store", None)
    if store is not None:
        store.clear()
    yield
    if store is not None:
        store.clear()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- presets ---------------------------------------------------------------------------


def test_every_preset_is_complete() -> None:
    expected = {"openai", "anthropic", "gemini", "openrouter", "mistral", "groq", "deepseek"}
    expected |= {"ollama", "lmstudio", "llamacpp", "vllm"}
    assert set(PRESETS) == expected
    for preset in PRESETS.values():
        assert preset.base_url.startswith("https://" if not preset.local else "http://127.0.0.1:")
        assert preset.wire in ("openai", "anthropic", "ollama")
        assert bool(preset.key_url) == preset.needs_key, preset.id
        assert preset.base_url.endswith("/v1") or preset.wire != "openai" or preset.id == "gemini"
    assert PRESETS["gemini"].base_url == "https://generativelanguage.googleapis.com/v1beta/openai"
    assert PRESETS["anthropic"].base_url == "https://api.anthropic.com"


@pytest.mark.parametrize(
    ("choice", "cls"),
    [("openai", OpenAICompatProvider), ("groq", OpenAICompatProvider), ("anthropic", AnthropicProvider)]
    + [("ollama", OllamaProvider), ("LMStudio", OpenAICompatProvider)],
)
def test_make_provider(choice: str, cls: type) -> None:
    provider = make_provider(choice, api_key="sk-test-abcdefgh12345")
    try:
        assert isinstance(provider, cls) and provider.name == choice.lower()
    finally:
        asyncio.run(provider.aclose())


def test_make_provider_rejects_unknown_services_and_bad_addresses() -> None:
    with pytest.raises(ConfigurationError, match="Known services"):
        preset_for("claude-cloud")
    with pytest.raises(ConfigurationError, match="http://"):
        make_provider("ollama", "localhost:11434")


# -- detection -----------------------------------------------------------------------


@pytest.fixture
def three_servers() -> Iterator[tuple[ScriptedServer, ScriptedServer, ScriptedServer]]:
    """An Ollama, a llama.cpp server (model ids are file paths) and a web server that is not a model server."""

    def ollama(request: RecordedRequest) -> Response:
        return Response.json(ollama_wire.tags_body(["llama3.2:latest", "qwen3:8b"]))

    def llamacpp(request: RecordedRequest) -> Response:
        if request.path == "/v1/models":
            return Response.json(wire.models_body(["/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf"]))
        return Response.text("not found", status=404)

    def other(request: RecordedRequest) -> Response:
        return Response.text("<html>router admin</html>", content_type="text/html")

    with ScriptedServer(ollama) as a, ScriptedServer(llamacpp) as b, ScriptedServer(other) as c:
        yield a, b, c


def port_of(server: ScriptedServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_detects_what_answers_with_its_models(
    three_servers: tuple[ScriptedServer, ScriptedServer, ScriptedServer],
) -> None:
    ollama, llamacpp, other = three_servers
    ports = {"ollama": port_of(ollama), "llamacpp": port_of(llamacpp), "lmstudio": port_of(other)}
    found = asyncio.run(detect_local_servers(ports))
    assert found == [
        LocalServer("ollama", "127.0.0.1", port_of(ollama), ("llama3.2:latest", "qwen3:8b")),
        LocalServer("llamacpp", "127.0.0.1", port_of(llamacpp), ("/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf",)),
    ]
    assert found[0].address == f"127.0.0.1:{port_of(ollama)}" and found[0].base_url.endswith(
        str(port_of(ollama))
    )
    assert found[1].base_url.endswith("/v1") and found[1].display_name == "llama.cpp server"
    assert ollama.requests[0].path == "/api/tags"


def test_nothing_listening_and_a_silent_server() -> None:
    with ScriptedServer(lambda request: Response(hang="before_headers")) as silent:
        ports = {"ollama": closed_port(), "lmstudio": port_of(silent)}
        assert asyncio.run(detect_local_servers(ports, probe_seconds=0.2)) == []


def test_ports_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ports_from_env("ollama=11500, llamacpp=8081,bogus=1,lmstudio=x") == {
        "ollama": 11500,
        "llamacpp": 8081,
    }
    monkeypatch.delenv("BACKSTAGE_LOCAL_PORTS", raising=False)
    assert ports_from_env() is None


@pytest.mark.parametrize(
    ("model_id", "short"),
    [
        ("/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf", "Qwen2.5-7B-Instruct-Q4_K_M"),
        ("C:\\models\\phi-4.Q8_0.gguf", "phi-4.Q8_0"),
        ("llama3.2:latest", "llama3.2"),
        ("qwen3:8b", "qwen3:8b"),
        ("meta-llama/Llama-3.1-8B-Instruct", "Llama-3.1-8B-Instruct"),
        ("gpt-4o-mini", "gpt-4o-mini"),
    ],
)
def test_short_model_names(model_id: str, short: str) -> None:
    assert short_model_name(model_id) == short


# -- settings ------------------------------------------------------------------------


def test_settings_round_trip_keeps_unknown_keys() -> None:
    path = paths.settings_path()
    path.write_text(json.dumps({"allow_local_urls": True, "providers": [{"name": "x"}]}), encoding="utf-8")
    settings = load_settings()
    assert settings.providers == [] and settings.extra == {"allow_local_urls": True}
    settings.providers.append(ProviderEntry("Work", "groq", "", "llama-3.3-70b"))
    settings.default_provider = "Work"
    save_settings(settings)
    again = load_settings()
    assert again.provider("work") == ProviderEntry("Work", "groq", "", "llama-3.3-70b")
    assert again.default_provider == "Work" and again.extra == {"allow_local_urls": True}
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".settings-")] == []


def test_damaged_settings_are_reported_not_overwritten() -> None:
    path = paths.settings_path()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="damaged"):
        load_settings()
    assert path.read_text(encoding="utf-8") == "{not json"
    assert load_settings(path.parent / "missing.json") == Settings()


# -- the registry and build_provider -------------------------------------------------


def test_add_update_remove_with_the_key_only_in_the_keychain() -> None:
    entry, replaced = add_provider("claude", "anthropic", api_key=KEY)
    assert not replaced and entry == ProviderEntry("claude", "anthropic")
    assert stored_key("claude") == KEY == Keychain().get(key_name("Claude"))
    add_provider("local", "ollama", default_model="llama3.2")
    _, replaced = add_provider("claude", "anthropic", default_model="claude-sonnet-4-20250514")
    assert replaced and stored_key("claude") == KEY  # updating keeps the key
    settings = load_settings()
    assert settings.default_provider == "claude" and [p.name for p in settings.providers] == [
        "claude",
        "local",
    ]
    assert KEY.encode() not in paths.settings_path().read_bytes()
    assert remove_provider("claude") and not remove_provider("claude")
    assert stored_key("claude") is None and load_settings().default_provider == "local"


def test_without_a_keychain_a_key_is_refused_unless_memory_only_is_ok(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lambda: keyring.backends.fail.Keyring())
    chain = Keychain()
    assert not chain.available
    with pytest.raises(ConfigurationError, match="No system keychain"):
        add_provider("claude", "anthropic", api_key=KEY, keychain=chain)
    assert load_settings().providers == [] and chain.get(key_name("claude")) is None
    entry, replaced = add_provider("claude", "anthropic", api_key=KEY, keychain=chain, memory_only_ok=True)
    assert not replaced and entry == ProviderEntry("claude", "anthropic")
    assert stored_key("claude", chain) == KEY and stored_key("claude", Keychain()) is None  # this one only
    assert load_settings().default_provider == "claude"
    assert KEY.encode() not in paths.settings_path().read_bytes()


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 41, "ü"])
def test_bad_names(name: str) -> None:
    with pytest.raises(ConfigurationError):
        add_provider(name, "ollama")


def test_build_provider_takes_a_configured_providers_key_and_address(scripted_server: ScriptedServer) -> None:
    add_provider("claude", "anthropic", base_url=scripted_server.url, api_key=KEY)
    assert resolve("CLAUDE") is not None
    scripted_server.push(Response.sse(anthropic_wire.text_stream("hi")))
    provider = build_provider(SessionOptions("claude", None, "claude-sonnet-4-20250514", None))
    request = ChatRequest(model="claude-sonnet-4-20250514", messages=(UserMessage("Hi"),))

    async def main() -> None:
        try:
            assert [d async for d in provider.stream(request)]
        finally:
            await provider.aclose()

    asyncio.run(main())
    assert provider.name == "claude" and scripted_server.requests[0].headers["x-api-key"] == KEY


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (SessionOptions("openai", None, "m", None), "--base-url"),
        (SessionOptions("anthropic", None, "m", None), "needs an API key"),
        (SessionOptions("nobody", None, "m", None), "Unknown provider"),
        (SessionOptions("ollama", "127.0.0.1:11434", "m", None), "http://"),
    ],
)
def test_build_provider_explains_what_is_missing(options: SessionOptions, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        build_provider(options)


def test_a_configured_provider_without_its_key_says_how_to_store_it() -> None:
    add_provider("work", "groq")
    with pytest.raises(ConfigurationError, match="providers add work --preset groq --api-key-stdin"):
        build_provider(SessionOptions("work", None, "m", None))
