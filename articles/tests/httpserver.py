"""A scripted HTTP/1.1 server on 127.0.0.1 for tests that need real sockets.

It speaks HTTP by hand on purpose: tests need to send what well-behaved servers never do
(a lying Content-Length, a body dripped one byte a second, a connection that is accepted
but never answered, raw bytes), and http.server would tidy those up.

    routes = {
        "/feed.xml": Response(body=b"<rss/>", headers={"Content-Type": "application/rss+xml"}),
        "/old": redirect("/feed.xml"),
        "/hang": hang(),
        "/count": lambda request: Response(body=request.path.encode()),
        "/flaky": [Response(status=503), Response(body=b"ok")],  # one answer per call, last repeats
    }
    with TestServer(routes) as server:
        fetch(server.url("/feed.xml"))
        assert server.requests[0].headers["user-agent"].startswith("Silsila")

A route is a Response, a callable taking the Request and returning a Response, or a list of
those answered in turn. Unknown paths get a 404. Every request is logged in
`server.requests` with its arrival and completion times (time.monotonic()), so tests can
check ordering from the server's side.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

__all__ = ["Request", "Response", "TestServer", "drip", "hang", "raw", "redirect"]

# Handler threads stop writing to a client that has gone away after this long.
_SOCKET_TIMEOUT = 10.0


@dataclass
class Request:
    method: str
    target: str  # as sent, with the query string
    path: str  # without the query string
    headers: dict[str, str]  # lower-case names
    client: tuple[str, int]
    received_at: float  # time.monotonic() when the request line arrived
    finished_at: float | None = None  # when the response was fully written (None if it never was)


@dataclass
class Response:
    """What the server sends back.

    body may be bytes or an iterable of byte chunks (sent lazily, so a 50 MB answer never
    sits in memory). content_length: "auto" sends the true length for bytes bodies and uses
    chunked encoding for iterables; an int sends that number whatever the body is (a lie,
    when the test wants one); None sends no length and closes the connection after the body.
    """

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_length: int | str | None = "auto"
    delay: float = 0.0  # before the status line
    chunk_delay: float = 0.0  # between body chunks
    raw: bytes | Iterable[bytes] | None = None  # sent as is (chunk_delay apart) instead of the above
    close: bool = False  # close the connection after this response
    hang: bool = False  # accept the request and never answer


Route = Response | Callable[[Request], Response] | list[Response | Callable[[Request], Response]]


def redirect(location: str, status: int = 302) -> Response:
    return Response(status=status, headers={"Location": location})


def hang() -> Response:
    return Response(hang=True)


def raw(data: bytes | Iterable[bytes], *, chunk_delay: float = 0.0) -> Response:
    """Bytes written to the socket verbatim, after which the connection is closed."""
    return Response(raw=data, chunk_delay=chunk_delay, close=True)


def drip(body: bytes, *, every: float = 1.0, headers: Mapping[str, str] | None = None) -> Response:
    """A body sent one byte at a time, `every` seconds apart."""
    return Response(
        body=(body[i : i + 1] for i in range(len(body))),
        content_length=len(body),
        chunk_delay=every,
        headers=headers or {},
    )


class TestServer:
    """A threaded server on 127.0.0.1 (an ephemeral port) answering from a route table."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((host, 0), _Handler, bind_and_activate=True)
        self._server.owner = self
        self._server.tls = tls
        self.scheme = "https" if tls is not None else "http"
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> TestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.close_clients()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests ----------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{self.origin}{path}"

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- used by the handler --------------------------------------------------------------

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            route = self.routes.get(request.path)
            calls = self._calls.get(request.path, 0)
            self._calls[request.path] = calls + 1
        if route is None:
            return Response(status=404, body=b"not found")
        if isinstance(route, list):
            route = route[min(calls, len(route) - 1)]
        if callable(route):
            return route(request)
        return route


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner: TestServer
    tls: ssl.SSLContext | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.clients: set[socket.socket] = set()
        self.clients_lock = threading.Lock()
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake happens on the handler thread's first read, not in the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def close_clients(self) -> None:
        # Unblocks handler threads parked in a hang or a slow drip.
        with self.clients_lock:
            for sock in self.clients:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.clients.clear()


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.request.settimeout(_SOCKET_TIMEOUT)
        # Headers and body go out in separate writes; without this, delayed ACKs add ~40 ms
        # to every response and a benchmark measures the kernel instead of the code.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.clients_lock:
            self.server.clients.add(self.request)

    def finish(self) -> None:
        with self.server.clients_lock:
            self.server.clients.discard(self.request)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        owner = self.server.owner
        try:
            while not owner._stopping.is_set():
                request = self._read_request()
                if request is None:
                    return
                response = owner._answer(request)
                if not self._send(request, response):
                    return
                if response.close or request.headers.get("connection", "").lower() == "close":
                    return
        except (OSError, ValueError):  # ssl.SSLError is an OSError
            # The client hung up or the test is over: nothing left to answer.
            return

    def _read_request(self) -> Request | None:
        line = self.rfile.readline(65537)
        if not line:
            return None
        received_at = time.monotonic()
        method, target, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = self.rfile.readline(65537).decode("latin-1").rstrip("\r\n")
            if not header:
                break
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length:
            self.rfile.read(length)
        return Request(
            method=method,
            target=target,
            path=urlsplit(target).path,
            headers=headers,
            client=self.client_address,
            received_at=received_at,
        )

    def _send(self, request: Request, response: Response) -> bool:
        """Write one response; False when the connection must be closed afterwards.

        request.finished_at is set only once the whole response has been written.
        """
        stopping = self.server.owner._stopping
        if response.hang:
            stopping.wait()
            return False
        if response.delay and stopping.wait(response.delay):
            return False
        out = self.wfile
        if response.raw is not None:
            for piece in [response.raw] if isinstance(response.raw, bytes) else response.raw:
                if response.chunk_delay and stopping.wait(response.chunk_delay):
                    return False
                out.write(piece)
                out.flush()
            request.finished_at = time.monotonic()
            return False

        body = response.body
        chunks: Iterable[bytes] = [body] if isinstance(body, bytes) else body
        header_lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
        header_lines += [f"{name}: {value}" for name, value in response.headers.items()]
        names = {name.lower() for name in response.headers}
        chunked = False
        keep_open = not response.close
        if response.content_length == "auto":
            if isinstance(body, bytes):
                header_lines.append(f"Content-Length: {len(body)}")
            else:
                header_lines.append("Transfer-Encoding: chunked")
                chunked = True
        elif response.content_length is None:
            keep_open = False
        else:
            header_lines.append(f"Content-Length: {response.content_length}")
        if not keep_open and "connection" not in names:
            header_lines.append("Connection: close")
        out.write(("\r\n".join(header_lines) + "\r\n\r\n").encode("latin-1"))
        out.flush()

        for chunk in chunks:
            if response.chunk_delay and stopping.wait(response.chunk_delay):
                return False
            if not chunk:
                continue
            out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            out.flush()
        if chunked:
            out.write(b"0\r\n\r\n")
            out.flush()
        request.finished_at = time.monotonic()
        return keep_open


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
