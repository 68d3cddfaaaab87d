"""The fetcher against servers that misbehave on purpose, and the SSRF guard."""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Iterator

import brotli
import pytest

from articles import fetch
from articles.fetch import Fetcher, FetchError, FetchPolicy, is_public_address
from articles.tests.httpserver import Response, TestServer, drip, hang, raw, redirect

MiB = 1024 * 1024


def local_policy(**overrides: object) -> FetchPolicy:
    return FetchPolicy(**{"timeout": 5.0, "user_agent": "SilsilaBot/0.1", "allow_private": True, **overrides})


@pytest.fixture
def server():
    with TestServer() as running:
        yield running


class CountingBody:
    """A lazily produced body that remembers how much of it the server managed to send."""

    def __init__(self, total: int, chunk: int = MiB) -> None:
        self.total = total
        self.chunk = chunk
        self.produced = 0

    def __iter__(self) -> Iterator[bytes]:
        block = b"a" * self.chunk
        while self.produced < self.total:
            self.produced += self.chunk
            yield block


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return caught.value


# --- Time -------------------------------------------------------------------------------


def test_a_server_that_never_answers_times_out(server):
    server.add("/", hang())

    error = fetch_error(Fetcher(local_policy(timeout=0.5)), server.url("/"))

    assert error.kind == "timeout"
    assert error.transient is True
    assert "0.5s" in str(error)


def test_a_body_dripped_past_the_total_deadline_times_out(server):
    # Each byte arrives well within any read timeout; only a total deadline stops this.
    server.add("/", drip(b"x" * 100, every=0.1))

    error = fetch_error(Fetcher(local_policy(timeout=1.0)), server.url("/"))

    assert error.kind == "timeout"
    assert len(server.requests) == 1
    assert server.requests[0].finished_at is None  # the server never got to finish


def test_a_close_delimited_drip_is_not_mistaken_for_a_complete_body(server):
    # Without Content-Length, a socket shut by the deadline looks like the end of the body.
    server.add("/", Response(body=(b"x" for _ in range(100)), content_length=None, chunk_delay=0.1))

    error = fetch_error(Fetcher(local_policy(timeout=1.0)), server.url("/"))

    assert error.kind == "timeout"
    assert server.requests[0].finished_at is None


def test_headers_dripped_past_the_total_deadline_time_out(server):
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 200 + b"\r\n\r\nbody"
    server.add("/", raw((head[i : i + 1] for i in range(len(head))), chunk_delay=0.02))

    error = fetch_error(Fetcher(local_policy(timeout=1.0)), server.url("/"))

    assert error.kind == "timeout"
    assert server.requests[0].finished_at is None


def test_a_timed_out_connection_is_not_reused(server):
    server.add("/slow", drip(b"x" * 50, every=0.1))
    server.add("/fast", Response(body=b"fast"))
    fetcher = Fetcher(local_policy(timeout=0.5))

    assert fetch_error(fetcher, server.url("/slow")).kind == "timeout"
    assert fetcher.fetch(server.url("/fast")).body == b"fast"


# --- Size -------------------------------------------------------------------------------


def test_a_declared_50_mb_body_is_refused_before_reading_it(server):
    body = CountingBody(50 * MiB)
    server.add("/big", Response(body=body, content_length=50 * MiB))

    error = fetch_error(Fetcher(local_policy()), server.url("/big"))

    assert error.kind == "too_large"
    assert error.transient is False
    assert "52,428,800" in str(error)
    assert body.produced < 25 * MiB


@pytest.mark.parametrize("framing", ["chunked", "close-delimited"])
def test_an_undeclared_50_mb_body_is_cut_off_at_the_limit(server, framing):
    body = CountingBody(50 * MiB)
    server.add("/big", Response(body=body, content_length="auto" if framing == "chunked" else None))

    error = fetch_error(Fetcher(local_policy(max_bytes=2 * MiB)), server.url("/big"))

    assert error.kind == "too_large"
    assert body.produced < 25 * MiB


def test_a_content_length_smaller_than_the_body_frames_the_response(server):
    # HTTP/1.1 framing: the declared length is the body; the rest is junk on a connection
    # that must not be reused for the next request.
    body = CountingBody(50 * MiB)
    server.add("/liar", Response(body=body, content_length=1024))
    server.add("/next", Response(body=b"next"))
    fetcher = Fetcher(local_policy())

    result = fetcher.fetch(server.url("/liar"))

    assert result.body == b"a" * 1024
    assert body.produced < 25 * MiB
    assert fetcher.fetch(server.url("/next")).body == b"next"


def test_a_content_length_larger_than_the_body_is_a_broken_connection(server):
    server.add("/short", Response(body=b"only this", content_length=1000, close=True))

    error = fetch_error(Fetcher(local_policy()), server.url("/short"))

    assert error.kind == "connection"
    assert error.transient is True


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    zeros = bytes(100 * MiB)
    return {"gzip": gzip.compress(zeros, compresslevel=1), "br": brotli.compress(zeros, quality=1)}


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compression_bomb_is_refused_on_its_decompressed_size(server, bombs, encoding):
    bomb = bombs[encoding]
    assert len(bomb) < MiB  # small on the wire, 100 MiB once inflated
    server.add("/bomb", Response(body=bomb, headers={"Content-Encoding": encoding}))

    error = fetch_error(Fetcher(local_policy(max_bytes=5 * MiB)), server.url("/bomb"))

    assert error.kind == "too_large"


def test_a_corrupt_gzip_body_is_a_decode_error(server):
    server.add("/", Response(body=b"\x1f\x8b\x08\x00garbage" * 10, headers={"Content-Encoding": "gzip"}))

    error = fetch_error(Fetcher(local_policy()), server.url("/"))

    assert error.kind == "decode"
    assert error.transient is False


# --- Redirects --------------------------------------------------------------------------


def test_a_redirect_loop_is_detected(server):
    server.add("/a", redirect("/b"))
    server.add("/b", redirect("/a"))

    error = fetch_error(Fetcher(local_policy()), server.url("/a"))

    assert error.kind == "redirect_loop"
    assert error.transient is False
    assert [r.path for r in server.requests] == ["/a", "/b"]


def test_a_page_redirecting_to_itself_is_a_loop(server):
    server.add("/self", redirect(server.url("/self")))

    assert fetch_error(Fetcher(local_policy()), server.url("/self")).kind == "redirect_loop"


def test_a_redirect_chain_longer_than_the_limit_is_refused(server):
    for hop in range(10):
        server.add(f"/r{hop}", redirect(f"/r{hop + 1}"))
    server.add("/r10", Response(body=b"never reached"))

    error = fetch_error(Fetcher(local_policy(max_redirects=5)), server.url("/r0"))

    assert error.kind == "too_many_redirects"
    assert [r.path for r in server.requests] == [f"/r{hop}" for hop in range(6)]


# --- SSRF -------------------------------------------------------------------------------


def guarded() -> Fetcher:
    return Fetcher(FetchPolicy(timeout=2.0, user_agent="SilsilaBot/0.1"))  # allow_private=False


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "0.0.0.0",  # noqa: S104 - a target, not a bind
        "2130706433",  # 127.0.0.1 as one decimal number, which resolvers accept
        "169.254.169.254",
        "10.1.2.3",
        "[fe80::1]",
    ],
)
def test_private_and_loopback_targets_are_refused(server, host):
    server.add("/", Response(body=b"internal"))

    error = fetch_error(guarded(), f"http://{host}:{server.port}/")

    assert error.kind == "blocked_address"
    assert error.transient is False
    assert server.requests == []


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(server, monkeypatch):
    server.add("/", Response(body=b"internal"))
    resolved: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[ipaddress.IPv4Address]:
        resolved.append(host)
        return [ipaddress.IPv4Address("127.0.0.1")]

    monkeypatch.setattr(fetch, "resolve_host", rebinding_resolver)

    error = fetch_error(guarded(), f"http://news.example.com:{server.port}/")

    assert error.kind == "blocked_address"
    assert "news.example.com resolves to 127.0.0.1" in str(error)
    assert resolved == ["news.example.com"]
    assert server.requests == []


def test_a_name_mixing_public_and_private_addresses_is_refused(monkeypatch):
    monkeypatch.setattr(
        fetch,
        "resolve_host",
        lambda host, port: [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")],
    )

    error = fetch_error(guarded(), "http://mixed.example.com/")

    assert error.kind == "blocked_address"
    assert "10.0.0.7" in str(error)


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    # The name is looked up once; what we connect to is that answer, with the name kept
    # in the Host header, so a second (rebinding) answer is never asked for.
    server.add("/", Response(body=b"hello"))
    answers = iter([[ipaddress.IPv4Address("127.0.0.1")], [ipaddress.IPv4Address("10.9.9.9")]])
    monkeypatch.setattr(fetch, "resolve_host", lambda host, port: next(answers))

    result = Fetcher(local_policy()).fetch(f"http://news.example.com:{server.port}/")

    assert result.body == b"hello"
    assert server.requests[0].headers["host"] == f"news.example.com:{server.port}"


def only_loopback_one(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Lets the test server's own address through, and judges everything else as production would."""
    return address == ipaddress.IPv4Address("127.0.0.1") or is_public_address(address)


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.2:{port}/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/"],
)
def test_a_redirect_to_a_private_address_is_refused(server, location):
    server.add("/", redirect(location.format(port=server.port)))
    server.add("/admin", Response(body=b"internal"))
    fetcher = Fetcher(FetchPolicy(timeout=2.0), address_allowed=only_loopback_one)

    error = fetch_error(fetcher, server.url("/"))

    assert error.kind == "blocked_address"
    assert [r.path for r in server.requests] == ["/"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_the_connected_peer_is_checked_again_before_anything_is_sent(server):
    # A predicate that changes its mind between lookup and connect stands for any way an
    # unchecked address could reach the socket; the peer check must still stop it.
    server.add("/", Response(body=b"internal"))
    verdicts = iter([True])

    error = fetch_error(
        Fetcher(FetchPolicy(timeout=2.0), address_allowed=lambda address: next(verdicts, False)),
        server.url("/"),
    )

    assert error.kind == "blocked_address"
    assert "refused to connect to 127.0.0.1" in str(error)
    assert server.requests == []
