"""A fast static server for the benchmark corpus: every site on its own loopback address.

    python -m bench.server var/bench/corpus PORT

Files are read into memory at start, so a request costs a dict lookup and a socket write,
never a disk read. HTTP/1.1 with keep-alive, as the fetcher's connection pools expect. It
prints "ready" on stdout once every address listens.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def load(root: Path) -> dict[tuple[str, str], tuple[bytes, str]]:
    """(host, path) -> (body, content type) for every file under root/<host>/."""
    files: dict[tuple[str, str], tuple[bytes, str]] = {}
    for site in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in site.rglob("*"):
            if path.is_file():
                url_path = "/" + path.relative_to(site).as_posix()
                files[(site.name, url_path)] = (
                    path.read_bytes(),
                    _TYPES.get(path.suffix, "application/octet-stream"),
                )
    return files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write with Nagle off: two small writes would meet the
    # client's delayed ACK and cost 40 ms a request.
    disable_nagle_algorithm = True
    files: dict[tuple[str, str], tuple[bytes, str]] = {}

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        host = self.server.server_address[0]
        found = self.files.get((host, self.path.split("?", 1)[0]))
        body, content_type = found if found else (b"not found\n", "text/plain; charset=utf-8")
        status = "200 OK" if found else "404 Not Found"
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode("ascii") + body if with_body else head.encode("ascii"))

    def log_message(self, format: str, *args: object) -> None:
        pass  # thousands of requests a second; a log line each would cost more than the answer


def serve(root: Path, port: int) -> list[ThreadingHTTPServer]:
    _Handler.files = load(root)
    hosts = sorted({host for host, _ in _Handler.files})
    servers = []
    for host in hosts:
        server = ThreadingHTTPServer((host, port), _Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    serve(root, port)
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
