"""A real HTTP/1.1 server on 127.0.0.1 that answers from a script, for provider and CLI tests.

It runs in background threads, so sync tests, ``asyncio.run`` tests and
subprocesses (the CLI) can all talk to it. Every request is recorded
(:class:`RecordedRequest`); each answer is the next :class:`Response` of the
script, or what a callable returns for the request.

A streamed :class:`Response` is sent with ``Transfer-Encoding: chunked``, one
HTTP chunk per body chunk, flushed at once (Nagle is off), each after its
optional delay. It can end normally, ``drop`` the connection without the
terminating chunk, or ``hang`` (before the headers or mid-body) until the
client goes away or the server stops.

:meth:`ScriptedServer.close` shuts every connection and joins every thread,
so nothing leaks into the next test.

    with ScriptedServer([Response.sse(body)]) as server:
        ... POST to f"{server.url}/v1/chat/completions" ...
        assert server.requests[0].json["stream"] is True
"""

from __future__ import annotations

import collections
import json
import select
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Hang = Literal["before_headers", "mid_body"]


@dataclass(frozen=True)
class Chunk:
    """One body chunk, sent after waiting ``delay`` seconds."""

    data: bytes
    delay: float = 0.0


@dataclass(frozen=True)
class Response:
    """What the server answers.

    ``chunks`` are sent chunked (``chunked=True``) or as one body with a
    Content-Length. ``drop`` closes the socket after the chunks, without the
    terminating chunk. ``hang`` stops answering before the headers, or after
    the chunks, until the client disconnects or the server closes.
    """

    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    chunks: Sequence[Chunk | bytes] = ()
    chunked: bool = True
    drop: bool = False
    hang: Hang | None = None

    @classmethod
    def sse(
        cls,
        body: bytes | Iterable[bytes | Chunk],
        *,
        status: int = 200,
        headers: Sequence[tuple[str, str]] = (),
        drop: bool = False,
        hang: Hang | None = None,
    ) -> Response:
        """An event stream: ``body`` is all bytes at once, or a sequence of chunks."""
        chunks = [body] if isinstance(body, bytes) else list(body)
        base = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]
        return cls(status, [*base, *headers], chunks, drop=drop, hang=hang)

    @classmethod
    def json(cls, obj: Any, *, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Response:
        """A plain JSON answer with a Content-Length (``obj`` may be bytes already encoded)."""
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        return cls(status, [("Content-Type", "application/json"), *headers], [body], chunked=False)

    @classmethod
    def text(
        cls, body: str | bytes, *, status: int = 200, content_type: str = "text/plain; charset=utf-8"
    ) -> Response:
        """A plain text (or HTML) answer with a Content-Length."""
        data = body.encode() if isinstance(body, str) else body
        return cls(status, [("Content-Type", content_type)], [data], chunked=False)


@dataclass
class RecordedRequest:
    """A request as the server received it. ``headers`` keys are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    client_gone: threading.Event = field(default_factory=threading.Event, repr=False)
    """Set when the server saw the client close this connection while answering it."""


Script = Callable[[RecordedRequest], Response]


class ScriptedServer:
    """See the module docstring. ``url`` is ``http://127.0.0.1:<port>`` (no trailing slash)."""

    def __init__(self, script: Iterable[Response] | Script = ()) -> None:
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # requests that found the script empty
        self._queue: collections.deque[Response] = collections.deque()
        self._handler: Script | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.script(script)

    # -- script -------------------------------------------------------------

    def script(self, script: Iterable[Response] | Script) -> None:
        """Replace the script: responses consumed in order, or a callable."""
        with self._lock:
            self._queue.clear()
            if callable(script):
                self._handler = script
            else:
                self._handler = None
                self._queue.extend(script)

    def push(self, *responses: Response) -> None:
        """Append responses to the script."""
        with self._lock:
            self._queue.extend(responses)

    def _next(self, request: RecordedRequest) -> Response:
        with self._lock:
            if self._handler is not None:
                handler = self._handler
            elif self._queue:
                return self._queue.popleft()
            else:
                self.errors.append(f"{request.method} {request.path}: script exhausted")
                return Response.text("scripted server: no response left in the script", status=599)
        try:
            return handler(request)
        except Exception as exc:  # a broken test script should fail loudly, not hang the client
            self.errors.append(f"{request.method} {request.path}: script raised {exc!r}")
            return Response.text(f"scripted server: script raised {exc!r}", status=599)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- life cycle -----------------------------------------------------------

    def start(self) -> ScriptedServer:
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-server"
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cut every open connection, join every thread."""
        if self._httpd is None:
            return
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.cut_connections()
        self._httpd.server_close()  # joins the per-connection threads
        assert self._thread is not None
        self._thread.join()
        self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # joined by server_close()
    block_on_close = True

    def __init__(self, owner: ScriptedServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """Wake every handler blocked on a keep-alive read; they then finish."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that vanished is a normal event here, not a traceback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        request = RecordedRequest(
            self.command,
            self.path,
            {key.lower(): value for key, value in self.headers.items()},
            body,
            parsed,
        )
        owner.requests.append(request)
        try:
            self._answer(owner._next(request), request)
        except OSError:  # the client went away (broken pipe, reset)
            request.client_gone.set()
            self.close_connection = True

    def _answer(self, response: Response, request: RecordedRequest) -> None:
        stop = self.server.owner._stop
        if response.hang == "before_headers":
            self._hang(request)
            return
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        chunks = [c if isinstance(c, Chunk) else Chunk(c) for c in response.chunks]
        if response.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in names:
            self.send_header("Content-Length", str(sum(len(c.data) for c in chunks)))
        self.end_headers()
        self.wfile.flush()
        for chunk in chunks:
            if chunk.delay and stop.wait(chunk.delay):
                self.close_connection = True
                return
            if not chunk.data:
                continue  # an empty HTTP chunk would end the body
            if response.chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk.data), chunk.data))
            else:
                self.wfile.write(chunk.data)
            self.wfile.flush()
        if response.hang == "mid_body":
            self._hang(request)
            return
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _hang(self, request: RecordedRequest) -> None:
        """Say nothing until the client closes the connection or the server stops."""
        self.close_connection = True
        stop = self.server.owner._stop
        while not stop.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        request.client_gone.set()
                        return
                except OSError:
                    request.client_gone.set()
                    return
                # The client sent more bytes (a pipelined request?); keep waiting for the close.
                stop.wait(0.05)
