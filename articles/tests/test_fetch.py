"""The fetcher against real HTTP servers on 127.0.0.1: ordinary behaviour, robots, politeness.

Hostile servers and the SSRF guard are in test_fetch_hostile.py.
"""

from __future__ import annotations

import gzip
import ipaddress
import shutil
import ssl
import subprocess
import threading
import uuid
import zlib

import brotli
import pytest
import redis

from articles import fetch
from articles.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    LocalHostGate,
    RedisHostGate,
    RobotsCache,
    parse_retry_after,
    product_token,
)
from articles.tests.httpserver import Request, Response, TestServer, redirect

UA = "SilsilaBot/0.1 (+https://example.org/silsila; tests)"
REDIS_URL = "redis://127.0.0.1:6379/15"
PAGE = "<html><body><p>مرحبا بالعالم — hello world</p></body></html>".encode()


def local_policy(**overrides: object) -> FetchPolicy:
    return FetchPolicy(**{"timeout": 5.0, "user_agent": UA, "allow_private": True, **overrides})


@pytest.fixture
def server():
    with TestServer() as running:
        yield running


@pytest.fixture
def fetcher():
    instance = Fetcher(local_policy())
    yield instance
    instance.close()


# --- Bodies and headers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("br", brotli.compress), ("deflate", zlib.compress)],
)
def test_it_returns_the_decompressed_body(server, fetcher, encoding, compress):
    server.add(
        "/page",
        Response(
            body=compress(PAGE),
            headers={"Content-Type": 'text/html; charset="UTF-8"', "Content-Encoding": encoding},
        ),
    )

    result = fetcher.fetch(server.url("/page"))

    assert result.body == PAGE
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.headers["content-encoding"] == encoding
    assert result.not_modified is False
    assert result.url == server.url("/page")


def test_it_sends_our_user_agent_and_accepts_compression(server, fetcher):
    server.add("/", Response(body=b"ok"))

    fetcher.fetch(server.url("/"))

    sent = server.requests[0].headers
    assert sent["user-agent"] == UA
    assert {"gzip", "deflate", "br"} <= {part.strip() for part in sent["accept-encoding"].split(",")}
    assert sent["host"] == f"127.0.0.1:{server.port}"


def test_it_reuses_a_pooled_connection_for_the_same_host(server, fetcher):
    server.add("/a", Response(body=b"a"))
    server.add("/b", Response(body=b"b"))

    fetcher.fetch(server.url("/a"))
    fetcher.fetch(server.url("/b"))

    first, second = server.requests
    assert first.client == second.client


def test_a_conditional_get_answered_304_is_not_modified_and_has_no_body(server, fetcher):
    etag = '"v1"'
    stamp = "Tue, 24 Nov 2026 10:00:00 GMT"

    def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body=b"<rss/>", headers={"ETag": etag, "Last-Modified": stamp})

    server.add("/feed", feed)

    fresh = fetcher.fetch(server.url("/feed"))
    again = fetcher.fetch(server.url("/feed"), etag=fresh.etag, last_modified=fresh.last_modified)

    assert (fresh.etag, fresh.last_modified, fresh.body) == (etag, stamp, b"<rss/>")
    assert again.not_modified is True
    assert again.status == 304
    assert again.body == b""
    conditional = server.requests[1].headers
    assert conditional["if-none-match"] == etag
    assert conditional["if-modified-since"] == stamp


def test_it_follows_redirects_and_reports_the_final_url(server, fetcher):
    server.add("/old", redirect("/middle", status=301))
    server.add("/middle", redirect(server.url("/new"), status=308))
    server.add("/new", Response(body=b"moved here"))

    result = fetcher.fetch(server.url("/old#section"))

    assert result.body == b"moved here"
    assert result.url == server.url("/new")
    assert result.redirects == (server.url("/old"), server.url("/middle"))


def test_a_chain_of_exactly_max_redirects_is_followed(server):
    for hop in range(3):
        server.add(f"/r{hop}", redirect(f"/r{hop + 1}"))
    server.add("/r3", Response(body=b"end"))

    result = Fetcher(local_policy(max_redirects=3)).fetch(server.url("/r0"))

    assert result.body == b"end"


@pytest.mark.parametrize(
    ("status", "transient"), [(404, False), (410, False), (403, False), (429, True), (503, True)]
)
def test_an_error_status_raises_with_its_transience(server, fetcher, status, transient):
    server.add("/x", Response(status=status, body=b"nope", headers={"Retry-After": "120"}))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/x"))

    assert caught.value.kind == "http_status"
    assert caught.value.status == status
    assert caught.value.transient is transient
    assert caught.value.retry_after == 120.0
    assert str(caught.value) == f"HTTP {status} from {server.url('/x')}"


def test_a_refused_connection_is_transient(fetcher):
    with TestServer() as gone:
        url = gone.url("/")
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)

    assert caught.value.kind == "connection"
    assert caught.value.transient is True


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/feed.xml",
        "gopher://example.org/1",
        "javascript:alert(1)",
        "//x/y",
    ],
)
def test_it_refuses_schemes_other_than_http_and_https(fetcher, url):
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)

    assert caught.value.kind == "bad_scheme"
    assert caught.value.transient is False


def test_it_refuses_a_redirect_to_another_scheme(server, fetcher):
    server.add("/", redirect("file:///etc/passwd"))

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/"))

    assert caught.value.kind == "bad_scheme"


# --- robots.txt -------------------------------------------------------------------------


def robots_fetcher(**overrides: object) -> Fetcher:
    policy = local_policy(**overrides)
    return Fetcher(policy, robots=RobotsCache(Fetcher(policy)))


def test_robots_disallow_is_honoured_for_pages_only(server):
    server.add(
        "/robots.txt",
        Response(body=b"User-agent: *\nAllow: /\n\nUser-agent: SilsilaBot\nDisallow: /private/\n"),
    )
    server.add("/private/page", Response(body=b"secret"))
    server.add("/public/page", Response(body=b"hello"))
    fetcher = robots_fetcher()

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/private/page"), check_robots=True)
    public = fetcher.fetch(server.url("/public/page"), check_robots=True)
    feed_like = fetcher.fetch(server.url("/private/page"))  # an operator-chosen URL: no robots check

    assert caught.value.kind == "robots_disallowed"
    assert caught.value.transient is False
    assert public.body == b"hello"
    assert feed_like.body == b"secret"
    assert len(server.requests_to("/robots.txt")) == 1  # cached
    assert len(server.requests_to("/private/page")) == 1  # only the unchecked fetch reached it


def test_robots_rules_for_other_crawlers_do_not_apply(server):
    server.add("/robots.txt", Response(body=b"User-agent: OtherBot\nDisallow: /\n"))
    server.add("/page", Response(body=b"hello"))

    assert robots_fetcher().fetch(server.url("/page"), check_robots=True).body == b"hello"


def test_a_missing_robots_txt_allows_everything(server):
    server.add("/page", Response(body=b"hello"))  # /robots.txt is a 404

    assert robots_fetcher().fetch(server.url("/page"), check_robots=True).body == b"hello"


def test_an_erroring_robots_txt_disallows_for_now(server):
    server.add("/robots.txt", Response(status=503))
    server.add("/page", Response(body=b"hello"))
    fetcher = robots_fetcher()

    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/page"), check_robots=True)
    with pytest.raises(FetchError):
        fetcher.fetch(server.url("/page"), check_robots=True)

    assert caught.value.kind == "robots_unavailable"
    assert caught.value.transient is True
    assert server.requests_to("/page") == []
    assert len(server.requests_to("/robots.txt")) == 1  # the failure is cached too


def test_robots_are_checked_on_every_redirect_hop(server):
    server.add("/robots.txt", Response(body=b"User-agent: *\nDisallow: /members/\n"))
    server.add("/short", redirect("/members/story"))
    server.add("/members/story", Response(body=b"paywalled"))

    with pytest.raises(FetchError) as caught:
        robots_fetcher().fetch(server.url("/short"), check_robots=True)

    assert caught.value.kind == "robots_disallowed"
    assert server.requests_to("/members/story") == []


@pytest.mark.parametrize(
    ("user_agent", "token"),
    [
        ("SilsilaBot/0.1 (+https://x.org)", "SilsilaBot"),
        ("SilsilaBot", "SilsilaBot"),
        ("Silsila Bot/2", "Silsila"),
    ],
)
def test_the_robots_token_is_the_product_token(user_agent, token):
    assert product_token(user_agent) == token


# --- Host politeness --------------------------------------------------------------------


@pytest.fixture
def redis_gate():
    prefix = f"silsila-test:{uuid.uuid4().hex}"
    yield RedisHostGate(REDIS_URL, prefix=prefix)
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["local", "redis"])
def gate(request):
    if request.param == "local":
        return LocalHostGate()
    return request.getfixturevalue("redis_gate")


def test_the_host_gate_serialises_requests_to_one_host_with_the_delay(server, gate):
    delay = 0.4
    server.add("/slow", Response(body=b"x", delay=0.2))
    # Two fetchers sharing a gate stand for two worker processes sharing Redis.
    fetchers = [Fetcher(local_policy(host_delay=delay), gate=gate) for _ in range(2)]
    errors: list[BaseException] = []

    def run(fetcher: Fetcher) -> None:
        try:
            fetcher.fetch(server.url("/slow"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in fetchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    first, second = sorted(server.requests_to("/slow"), key=lambda r: r.received_at)
    assert first.finished_at is not None
    # Not overlapping, and the second began at least `delay` after the first was answered.
    assert second.received_at - first.finished_at >= delay


def test_the_host_gate_gives_up_with_a_transient_error(gate):
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.hold("example.org", delay=0.0, wait=5.0):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        with pytest.raises(FetchError) as caught, gate.hold("example.org", delay=0.0, wait=0.2):
            pass
        with gate.hold("example.net", delay=0.0, wait=0.2):
            other_host_free = True
    finally:
        release.set()
        holder.join()

    assert caught.value.kind == "host_busy"
    assert caught.value.transient is True
    assert other_host_free


def test_the_host_gate_refuses_a_delay_longer_than_the_wait(gate):
    with gate.hold("example.org", delay=5.0, wait=1.0):
        pass

    with pytest.raises(FetchError) as caught, gate.hold("example.org", delay=0.0, wait=0.3):
        pass

    assert caught.value.kind == "host_busy"


def test_booked_turns_at_a_host_queue_up_behind_each_other(gate):
    first = gate.book("example.org", after=2.0, delay=1.0)
    second = gate.book("example.org", after=0.5, delay=1.0)
    later = gate.book("example.org", after=10.0, delay=1.0)
    elsewhere = gate.book("example.net", after=0.5, delay=1.0)

    assert first == pytest.approx(2.0, abs=0.05)
    assert second == pytest.approx(3.0, abs=0.05)  # behind the first turn, a delay after it
    assert later == pytest.approx(10.0, abs=0.05)  # its own pause ends after every booked turn
    assert elsewhere == pytest.approx(0.5, abs=0.05)  # another host's turns are its own


def test_a_fetch_told_not_to_wait_reports_the_pause_instead_of_sleeping_through_it(server, gate):
    server.add("/robots.txt", Response(body=b"User-agent: *\nAllow: /\n"))
    server.add("/a", Response(body=b"a"))
    server.add("/b", Response(body=b"b"))
    # robots.txt is read first, through the same gate but with no delay after it: read by this
    # fetcher, it would start the 30 s and /a would sleep them out before the test begins.
    robots = RobotsCache(Fetcher(local_policy(host_delay=0.0), gate=gate))
    robots.check(server.url("/a"), UA)
    fetcher = Fetcher(local_policy(host_delay=30.0, timeout=60.0), gate=gate, robots=robots)
    fetcher.fetch(server.url("/a"), check_robots=True)

    # Within its deadline it could wait the 30 s out; with gate_wait it does not.
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(server.url("/b"), check_robots=True, gate_wait=0.1)

    assert caught.value.kind == "host_busy" and caught.value.transient
    assert 29.0 < caught.value.retry_after <= 30.01
    assert server.requests_to("/b") == []
    assert fetcher.book_turn(server.url("/b"), after=caught.value.retry_after) == pytest.approx(
        caught.value.retry_after, abs=0.05
    )


def polite_fetcher(gate, **overrides: object) -> Fetcher:
    """A fetcher as production builds one: the gate shared with its robots.txt reader."""
    policy = local_policy(**{"host_delay": 0.0, **overrides})
    return Fetcher(policy, gate=gate, robots=RobotsCache(Fetcher(policy, gate=gate)))


def _gap(server: TestServer, first: str, second: str) -> float:
    (one,) = server.requests_to(first)
    (two,) = server.requests_to(second)
    assert one.finished_at is not None
    return two.received_at - one.finished_at


def test_robots_crawl_delay_spaces_the_requests_to_its_host(server, gate):
    server.add("/robots.txt", Response(body=f"User-agent: {UA.split('/')[0]}\nCrawl-delay: 1\n".encode()))
    server.add("/a", Response(body=b"a"))
    server.add("/b", Response(body=b"b"))
    fetcher = polite_fetcher(gate)

    fetcher.fetch(server.url("/a"), check_robots=True)
    fetcher.fetch(server.url("/b"), check_robots=True)

    assert _gap(server, "/a", "/b") >= 1.0


def test_a_crawl_delay_longer_than_the_cap_is_held_to_the_cap(server, gate):
    server.add("/robots.txt", Response(body=b"User-agent: *\nCrawl-delay: 3600\n"))
    server.add("/a", Response(body=b"a"))
    server.add("/b", Response(body=b"b"))
    # Uncapped, the second fetch would find the host paused for an hour and give up.
    fetcher = polite_fetcher(gate, max_crawl_delay=0.5, timeout=5.0)

    fetcher.fetch(server.url("/a"), check_robots=True)
    fetcher.fetch(server.url("/b"), check_robots=True)

    assert _gap(server, "/a", "/b") >= 0.5


def test_a_429_with_retry_after_pauses_only_its_host(server, gate):
    server.add("/busy", Response(status=429, headers={"Retry-After": "2"}))
    server.add("/page", Response(body=b"page"))
    fetcher = polite_fetcher(gate, timeout=0.5)

    with pytest.raises(FetchError) as refused:
        fetcher.fetch(server.url("/busy"))
    with pytest.raises(FetchError) as paused:
        fetcher.fetch(server.url("/page"))
    # The same server under another name is another host: not paused.
    other_host = fetcher.fetch(f"http://localhost:{server.port}/page")

    assert (refused.value.status, refused.value.transient, refused.value.retry_after) == (429, True, 2.0)
    assert paused.value.kind == "host_busy" and paused.value.transient
    assert 1.0 < paused.value.retry_after <= 2.01  # what is left of the pause: the task waits that long
    assert other_host.body == b"page"
    assert len(server.requests_to("/page")) == 1  # 127.0.0.1 was not asked again


def test_the_host_is_asked_again_once_its_retry_after_has_passed(server, gate):
    server.add("/busy", Response(status=503, headers={"Retry-After": "1"}))
    server.add("/page", Response(body=b"page"))
    fetcher = polite_fetcher(gate, timeout=5.0)

    with pytest.raises(FetchError):
        fetcher.fetch(server.url("/busy"))
    page = fetcher.fetch(server.url("/page"))  # waits out the pause within its deadline

    assert page.body == b"page"
    assert _gap(server, "/busy", "/page") >= 1.0


def test_a_503_without_retry_after_pauses_for_the_default_and_a_huge_one_for_the_cap(server, gate):
    server.add("/down", Response(status=503))
    server.add("/forever", Response(status=429, headers={"Retry-After": "999999"}))
    fetcher = polite_fetcher(gate, back_off=0.7, max_back_off=1.5, timeout=0.3)

    with pytest.raises(FetchError) as down:
        fetcher.fetch(server.url("/down"))
    with pytest.raises(FetchError) as forever:
        fetcher.fetch(f"http://localhost:{server.port}/forever")

    assert down.value.retry_after == 0.7
    assert forever.value.retry_after == 1.5


def test_a_retry_after_date_is_read_as_the_seconds_until_it():
    now = 1_445_412_480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now=now) == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now=now) == 0.0  # already past
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after("") is None


# --- HTTPS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for news.example.test (and nothing else, not even an IP)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    name = "news.example.test"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    command += ["-keyout", key, "-out", cert, "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with TestServer(tls=context) as running:
        yield running


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tls_server, certificate, monkeypatch
):
    tls_server.add("/", Response(body=b"secure"))
    monkeypatch.setattr(fetch, "resolve_host", lambda host, port: [ipaddress.IPv4Address("127.0.0.1")])
    fetcher = Fetcher(local_policy(), ca_certs=certificate[0])

    result = fetcher.fetch(f"https://news.example.test:{tls_server.port}/")
    with pytest.raises(FetchError) as by_address:
        # The certificate names news.example.test, not 127.0.0.1: verification must fail.
        fetcher.fetch(tls_server.url("/"))

    assert result.body == b"secure"
    assert tls_server.requests[0].headers["host"] == f"news.example.test:{tls_server.port}"
    assert by_address.value.kind == "tls"
    assert by_address.value.transient is False


def test_https_refuses_a_certificate_it_does_not_trust(tls_server, monkeypatch):
    tls_server.add("/", Response(body=b"secure"))
    monkeypatch.setattr(fetch, "resolve_host", lambda host, port: [ipaddress.IPv4Address("127.0.0.1")])

    with pytest.raises(FetchError) as caught:
        Fetcher(local_policy()).fetch(f"https://news.example.test:{tls_server.port}/")

    assert caught.value.kind == "tls"
    assert tls_server.requests == []
