"""``backstage providers``: list, test, add and remove the model services Backstage talks to.

Names, services and addresses go to the profile's settings file; keys go to
the system keychain only (``provider:<name>``), never to the file or the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import BackstageError, ConfigurationError, ProviderError, register_secret
from ..providers.connection_check import check_connection
from ..providers.detect import DEFAULT_PORTS, LocalServer, detect_local_servers, ports_from_env
from ..providers.presets import PRESETS, ListingProvider
from ..providers.registry import add_provider, key_name, remove_provider, resolve
from ..storage.secrets import Keychain
from ..storage.settings import load_settings
from .session_options import SessionOptions, add_session_options, build_provider

EXAMPLES = """\
examples:
  backstage providers list                        configured providers and local servers found
  backstage providers list --json
  echo "$ANTHROPIC_API_KEY" | backstage providers add claude --preset anthropic --api-key-stdin
  backstage providers add local --preset ollama --model llama3.2
  backstage providers add groq --preset groq --api-key-env GROQ_API_KEY --default
  backstage providers test claude                 the smallest real request, in plain words
  backstage providers test --provider ollama
  backstage providers test --base-url http://127.0.0.1:8080/v1
  backstage providers remove groq

Keys are kept in the system keychain, never in a file. Local servers are looked for on
127.0.0.1 (Ollama 11434, LM Studio 1234, llama.cpp 8080; BACKSTAGE_LOCAL_PORTS overrides,
e.g. ollama=11500,llamacpp=8081).

exit status: 0 done, 1 error (a failed test, an unknown name), 2 bad usage"""


def _services() -> str:
    lines = ["services (--preset):"]
    for preset in PRESETS.values():
        where = f"key: {preset.key_url}" if preset.key_url else "no key needed"
        lines.append(f"  {preset.id:<11} {preset.display_name:<20} {preset.base_url}  ({where})")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "providers",
        parents=[common],
        help="list, test, add and remove model services",
        description="The model services Backstage talks to: configured ones, and local servers found running.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser(
        "list", parents=[common], help="configured providers, and local servers found running"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-detect", action="store_true", help="do not look for local servers")
    p.set_defaults(handler=_list)

    p = actions.add_parser(
        "test",
        parents=[common],
        help="make the smallest real request and say how it went",
        description="Ask the server for its models (or, if it cannot list them, for a one-token answer).",
        epilog="examples:\n  backstage providers test claude\n  backstage providers test --provider ollama "
        "--model llama3.2\n\nexit status: 0 the server answered, 1 it did not (the reason in one line)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a configured provider (default: the default one)")
    add_session_options(p)
    p.set_defaults(handler=_test, provider=None)

    p = actions.add_parser(
        "add",
        parents=[common],
        help="add (or update) a provider; its key goes to the keychain",
        description="Add a provider, or update the one of that name. The key is read from an environment "
        "variable or from stdin and stored in the system keychain only.",
        epilog=_services(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="your name for it, e.g. claude, work, local")
    p.add_argument("--preset", required=True, choices=list(PRESETS), metavar="SERVICE", help="which service")
    p.add_argument("--base-url", default="", metavar="URL", help="another address than the service's own")
    p.add_argument("--model", default="", metavar="NAME", help="the model to use by default")
    keys = p.add_mutually_exclusive_group()
    keys.add_argument("--api-key-env", metavar="VAR", help="read the key from this environment variable")
    keys.add_argument(
        "--api-key-stdin", action="store_true", help="read the key from stdin (hidden on a terminal)"
    )
    p.add_argument("--default", action="store_true", help="make it the default provider")
    p.set_defaults(handler=_add)

    p = actions.add_parser("remove", parents=[common], help="forget a provider and its key")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_remove)


# -- list -------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    settings = load_settings()
    keychain = Keychain()
    configured: list[dict[str, Any]] = []
    for entry in settings.providers:
        preset = PRESETS.get(entry.preset.lower())
        if keychain.get(key_name(entry.name)):
            key = "stored"
        else:
            key = "missing" if preset is None or preset.needs_key else "not needed"
        configured.append(
            {
                "name": entry.name,
                "preset": entry.preset,
                # A service this version does not know (a newer Backstage added it) is listed, not fatal.
                "service": preset.display_name if preset else f"unknown service {entry.preset!r}",
                "wire": preset.wire if preset else "",
                "base_url": _safe_url(entry.base_url or (preset.base_url if preset else "")),
                "default_model": entry.default_model,
                "key": key,
                "default": entry.name == settings.default_provider,
            }
        )
    detected = [] if args.no_detect else asyncio.run(detect_local_servers())
    if args.json:
        out = {
            "default_provider": settings.default_provider,
            "configured": configured,
            "detected": [_server_json(s) for s in detected],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if configured:
        print("Configured providers (* is the default):")
        keys = {"stored": "key in keychain", "missing": "no key stored", "not needed": "no key needed"}
        rows = [
            [
                "*" if item["default"] else " ",
                item["name"],
                item["service"],
                item["base_url"],
                f"model {item['default_model']}" if item["default_model"] else "",
                keys[item["key"]],
            ]
            for item in configured
        ]
        _print_table(rows)
    else:
        print("No providers configured yet. Add one with: backstage providers add NAME --preset SERVICE")
    if args.no_detect:
        return 0
    if detected:
        print("Local servers found:")
        _print_table(
            [
                [server.address, server.display_name, ", ".join(server.models) or "no models yet"]
                for server in detected
            ]
        )
    else:
        ports = ", ".join(str(p) for p in (ports_from_env() or DEFAULT_PORTS).values())
        print(f"No local model servers found (looked on 127.0.0.1, ports {ports}).")
    return 0


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)] + [row[-1]]
        print("  " + "  ".join(cells).rstrip())


def _server_json(server: LocalServer) -> dict[str, Any]:
    return {
        "kind": server.kind,
        "service": server.display_name,
        "address": server.address,
        "base_url": server.base_url,
        "models": list(server.models),
    }


# -- test -------------------------------------------------------------------------


def _test(args: argparse.Namespace) -> int:
    settings = load_settings()
    target = args.name or args.provider or settings.default_provider or ("openai" if args.base_url else None)
    if not target:
        raise ConfigurationError(
            "Nothing to test: name a provider (see `backstage providers list`), or pass --provider or --base-url."
        )
    options = SessionOptions(target, args.base_url, args.model, args.api_key_env)
    provider = build_provider(options)
    configured = resolve(target, settings)
    model = args.model or (configured.entry.default_model if configured else "")
    base_url = args.base_url or (configured.base_url if configured else PRESETS[target.lower()].base_url)
    label = f"{provider.name} at {_safe_url(base_url)}"
    try:
        lines = asyncio.run(check_connection(cast(ListingProvider, provider), model)).lines
    except ProviderError as exc:
        raise BackstageError(f"The test of {label} failed. {exc.message}", detail=exc.detail) from None
    print(f"Connected to {label}.")
    for line in lines:
        print(line)
    return 0


# -- add / remove -----------------------------------------------------------------


def _read_key(args: argparse.Namespace) -> str | None:
    if args.api_key_env:
        key = os.environ.get(args.api_key_env, "").strip()
        if not key:
            raise ConfigurationError(f"The environment variable {args.api_key_env} is not set or empty.")
    elif args.api_key_stdin:
        key = getpass.getpass("API key: ") if sys.stdin.isatty() else sys.stdin.readline()
        key = key.strip()
        if not key:
            raise ConfigurationError("No key arrived on stdin.")
    else:
        return None
    register_secret(key)
    return key


def _add(args: argparse.Namespace) -> int:
    key = _read_key(args)
    entry, replaced = add_provider(
        args.name,
        args.preset,
        base_url=args.base_url,
        default_model=args.model,
        api_key=key,
        make_default=args.default,
        memory_only_ok=False,  # this process's memory dies with the command: no keychain, no key
    )
    preset = PRESETS[entry.preset]
    where = _safe_url(entry.base_url or preset.base_url)
    verb = "Updated" if replaced else "Added"
    note = "; its key is in the system keychain" if key else ""
    print(f"{verb} provider {entry.name} ({preset.display_name}, {where}){note}.", file=sys.stderr)
    if not key and not replaced and preset.needs_key:
        print(
            f"{preset.display_name} needs an API key (get one at {preset.key_url}). Store it with "
            f"`backstage providers add {entry.name} --preset {preset.id} --api-key-stdin`.",
            file=sys.stderr,
        )
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not remove_provider(args.name):
        raise ConfigurationError(
            f"There is no provider called {args.name!r}. See `backstage providers list`."
        )
    print(f"Removed provider {args.name} and its key.", file=sys.stderr)
    return 0


def _safe_url(url: str) -> str:
    """``url`` without any user:password part, so a list or an error never shows one."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
