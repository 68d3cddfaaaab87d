"""A small local news site for ingestion tests: a feed and its three article pages.

The files live in data/ingest; `{origin}` in them becomes the test server's address.
"""

from __future__ import annotations

from pathlib import Path

from articles.tests.httpserver import Response, TestServer

DATA = Path(__file__).resolve().parent / "data" / "ingest"
RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGES = {
    "/news/ferry-strike": "ferry-strike.html",
    "/news/sea-wall": "sea-wall.html",
    "/news/record-catch": "record-catch.html",
}


def fixture(name: str, server: TestServer) -> bytes:
    return (DATA / name).read_bytes().replace(b"{origin}", server.origin.encode())


def serve_harbour(server: TestServer) -> None:
    server.add("/feed.rss", Response(body=fixture("feed.rss", server), headers=RSS))
    for path, name in PAGES.items():
        server.add(path, Response(body=fixture(name, server), headers=HTML))
