"""A small MCP server for the tests, on the official SDK.

Run over stdio (the default), or ``--http`` to serve Streamable HTTP on a free
127.0.0.1 port, printed on stdout as one line once the socket listens (connections
made after that wait in the backlog until the server accepts them, so no sleeps).
``--crash-at-start`` writes a traceback-like message on stderr and exits 1 before
speaking MCP. ``DEMO_PID_FILE`` names a file to write the process id to.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

server = MCPServer("demo")

FACTS = {"otters": "Otters hold hands while sleeping so they do not drift apart."}


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def lookup(topic: str) -> str:
    """Look up a fact about a topic."""
    return FACTS.get(topic.lower(), f"No fact about {topic}.")


@server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
def save_note(text: str) -> str:
    """Save a note (changes the server's state)."""
    return f"Saved a note of {len(text)} characters."


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def get_env(name: str) -> str:
    """The value of one environment variable of the server process."""
    return os.environ.get(name, "<unset>")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
async def slow(seconds: float) -> str:
    """Wait, then answer."""
    await anyio.sleep(seconds)
    return f"waited {seconds}"


@server.tool()
def fail(message: str) -> str:
    """Always fails with the given message."""
    raise ToolError(message)  # the SDK passes a ToolError's message on; other errors it hides


@server.tool()
def crash() -> str:
    """Ends the server process in the middle of the call."""
    print("fatal: the demo server was asked to crash", file=sys.stderr, flush=True)
    os._exit(3)


def _serve_http() -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning", lifespan="on")
    anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--crash-at-start", action="store_true")
    parser.add_argument("--hang-at-start", action="store_true")
    args = parser.parse_args()
    if pid_file := os.environ.get("DEMO_PID_FILE"):
        with open(pid_file, "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))
    if args.crash_at_start:
        print("Traceback (most recent call last):", file=sys.stderr)
        print("RuntimeError: DEMO_API_TOKEN is not set; cannot reach the demo backend", file=sys.stderr)
        sys.exit(1)
    if args.hang_at_start:
        time.sleep(3600)  # never answers the handshake
    if args.http:
        _serve_http()
    else:
        server.run()


if __name__ == "__main__":
    main()
