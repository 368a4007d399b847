"""Argument parsing and dispatch for every subcommand; the window when there is none.

Exit codes: 0 done (also ``max_cycles``), 1 an error the user can act on (one
line on stderr; ``--debug`` adds the traceback), 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable

from ..core.errors import BackstageError, describe
from ..storage.paths import use_profile
from .session_options import add_session_options

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

DESCRIPTION = """\
Backstage: a desktop AI chat that shows where every answer came from.

With no command, the window opens. Commands run headless on the same profile and history."""

EPILOG = """\
examples:
  backstage                                     open the window
  backstage --base-url http://127.0.0.1:8080/v1 --model qwen --prompt "Hello"
  backstage ask "What is 17 * 23?" --base-url http://127.0.0.1:11434/v1 --model llama3.2
  backstage ask "..." --events jsonl > events.jsonl

Run `backstage COMMAND --help` for each command's options."""

Handler = Callable[[argparse.Namespace], int]


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    """--profile and --debug, accepted before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    parent.add_argument(
        "--profile",
        metavar="DIR",
        default=default,
        help="keep all of Backstage's data (settings, history, logs) in DIR; also $BACKSTAGE_HOME",
    )
    parent.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show tracebacks",
    )
    return parent


COMMANDS = ("ask", "history", "mcp", "providers")
# Top-level options that take a value: the token after one of them is that value, never a command.
_VALUE_OPTIONS = {"--profile", "--provider", "--base-url", "--model", "--api-key-env", "--prompt"}


def names_a_command(argv: list[str]) -> bool:
    """Whether ``argv`` runs a subcommand (or asks for help), rather than opening the window."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _VALUE_OPTIONS:
            skip = True
        elif token in COMMANDS or token in ("-h", "--help"):
            return True
        elif token == "--":
            return False
    return False


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    """The whole CLI; without commands it is the window's parser, and no command module is imported
    (they pull in the loop, the tools and httpx, which the window loads after it is on screen)."""
    parser = argparse.ArgumentParser(
        prog="backstage",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(suppress=False)],
    )
    add_session_options(parser)
    parser.add_argument("--prompt", metavar="TEXT", help="send this message as soon as the window opens")
    parser.add_argument(
        "--self-test", action="store_true", help="check resources, keychain and storage, then exit"
    )
    if not with_commands:
        return parser
    from . import ask, history, mcp, providers

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _common_options(suppress=True)
    ask.register(sub, common)
    history.register(sub, common)
    mcp.register(sub, common)
    providers.register(sub, common)
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser(with_commands=names_a_command(argv))
    args = parser.parse_args(argv)
    if args.profile:
        use_profile(os.path.abspath(args.profile))
        os.environ["BACKSTAGE_HOME"] = os.path.abspath(args.profile)  # for child processes
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if getattr(args, "self_test", False):
            from ..selftest import run_self_test

            return run_self_test()
        if handler is None:
            return _open_window(args)
        return handler(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BackstageError as exc:
        return report_error(exc, args.debug)
    except Exception as exc:
        return report_error(describe(exc), args.debug, original=exc)


def report_error(exc: BackstageError, debug: bool, original: BaseException | None = None) -> int:
    """One line on stderr in plain words; the traceback only with --debug."""
    if debug:
        traceback.print_exception(original or exc)
        if exc.detail:
            print(f"detail: {exc.detail}", file=sys.stderr)
    print(f"Error: {exc.message}", file=sys.stderr)
    return EXIT_ERROR


def _open_window(args: argparse.Namespace) -> int:
    from ..ui.app import run_window

    return run_window(args)
