"""Bad and hostile feeds through the real poll_source() service and real sockets.

Each case gives the right articles, or a clear error written on the source (and no
articles); none raises out of the service, and in a run over many sources the good ones
still get their articles.
"""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from articles import services
from articles.fetch import Fetcher, FetchPolicy
from articles.models import Article, Source
from articles.tests.factories import SourceFactory
from articles.tests.httpserver import Response, TestServer, drip, redirect

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RSS_TYPE = {"Content-Type": "application/rss+xml"}


def rss_item(n: int, *, guid: str | None = "auto", link: str | None = None, date: str | None = None) -> str:
    link = link if link is not None else f"https://news.example/{n}"
    guid_xml = "" if guid is None else f"<guid>{link if guid == 'auto' else guid}</guid>"
    date = date or format_datetime(NOW - timedelta(minutes=n), usegmt=True)
    return (
        f"<item><title>Report {n}</title><link>{link}</link>{guid_xml}"
        f"<pubDate>{date}</pubDate><description>Summary of report {n}.</description></item>"
    )


def rss(*items: str, encoding: str = "utf-8", title: str = "Feed") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://news.example/</link>{''.join(items)}</channel></rss>"
    )


GOOD = rss(*(rss_item(n) for n in range(3))).encode()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://news.example/bomb</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title>
<item><title>Leak &secret;</title><link>https://news.example/leak</link></item></channel></rss>"""


def poll(server: TestServer, path: str, route, fetcher: Fetcher) -> tuple[Source, services.PollSummary]:
    server.add(path, route)
    source = SourceFactory(url=server.url(path))
    summary = services.poll_source(source=source, fetcher=fetcher, now=NOW)
    source.refresh_from_db()
    return source, summary


def assert_refused(source: Source, summary: services.PollSummary, *fragments: str) -> None:
    assert summary.status == "error"
    assert source.consecutive_failures == 1
    assert source.next_poll_at > NOW  # backed off, not retried at once
    for fragment in fragments:
        assert fragment.lower() in source.last_error.lower(), source.last_error
    assert not Article.objects.filter(source=source).exists()


# --- Hostile bodies ------------------------------------------------------------------------


def test_an_xml_bomb_is_refused_without_expanding_it(db, fetcher):
    with TestServer() as server:
        source, summary = poll(server, "/bomb.xml", Response(body=BILLION_LAUGHS, headers=RSS_TYPE), fetcher)
    assert_refused(source, summary, "refused", "entities")


def test_an_external_entity_is_refused_and_nothing_is_read_from_disk(db, fetcher):
    with TestServer() as server:
        source, summary = poll(server, "/xxe.xml", Response(body=EXTERNAL_ENTITY, headers=RSS_TYPE), fetcher)
    assert_refused(source, summary, "refused")
    assert "root:" not in source.last_error


def test_a_gzip_bomb_is_cut_off_at_the_size_limit(db, fetcher):
    bomb = gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100 * 1024  # 40 MB on the wire would be a different test
    headers = {**RSS_TYPE, "Content-Encoding": "gzip"}
    with TestServer() as server:
        source, summary = poll(server, "/gz.xml", Response(body=bomb, headers=headers), fetcher)
    assert_refused(source, summary, "larger than the 1,048,576-byte limit")


def test_an_oversized_body_is_refused(db, fetcher):
    huge = rss(*(rss_item(n) for n in range(12000))).encode()
    assert len(huge) > 1024 * 1024
    with TestServer() as server:
        source, summary = poll(server, "/huge.xml", Response(body=huge, headers=RSS_TYPE), fetcher)
    assert_refused(source, summary, "larger than")


def test_a_slow_drip_server_times_out(db, fetcher):
    with TestServer() as server:
        source, summary = poll(server, "/drip.xml", drip(GOOD, every=0.5, headers=RSS_TYPE), fetcher)
    assert_refused(source, summary, "timed out")


def test_a_redirect_loop_is_an_error_on_the_source(db, fetcher):
    with TestServer({"/b.xml": redirect("/a.xml")}) as server:
        source, summary = poll(server, "/a.xml", redirect("/b.xml"), fetcher)
    assert_refused(source, summary, "redirect loop")


def test_an_html_page_is_not_mistaken_for_a_feed(db, fetcher):
    html = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>News</p></body></html>"
    with TestServer() as server:
        source, summary = poll(
            server, "/", Response(body=html, headers={"Content-Type": "text/html"}), fetcher
        )
    assert_refused(source, summary, "html")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_garbage_is_an_error_on_the_source(db, fetcher, seed):
    garbage = random.Random(seed).randbytes(50_000)
    with TestServer() as server:
        source, summary = poll(server, "/feed", Response(body=garbage, headers=RSS_TYPE), fetcher)
    assert_refused(source, summary)
    assert source.last_error


def test_an_empty_body_is_an_error_on_the_source(db, fetcher):
    with TestServer() as server:
        source, summary = poll(server, "/empty.xml", Response(body=b"", headers=RSS_TYPE), fetcher)
    assert_refused(source, summary, "empty")


def test_script_links_in_a_feed_never_become_articles(db, fetcher):
    body = rss(rss_item(1, link="javascript:alert(1)"), rss_item(2, link="data:text/html,x"), rss_item(3))
    with TestServer() as server:
        source, summary = poll(server, "/feed.xml", Response(body=body.encode(), headers=RSS_TYPE), fetcher)
    assert summary.status == "ok"
    assert list(Article.objects.filter(source=source).values_list("url", flat=True)) == [
        "https://news.example/3"
    ]


# --- Encodings -----------------------------------------------------------------------------

ARABIC_TITLE = "مفاوضات الهدنة في القاهرة"


def _arabic_feed(encoding: str) -> bytes:
    item = (
        f"<item><title>{ARABIC_TITLE}</title><link>https://news.example/ar</link>"
        f"<pubDate>{format_datetime(NOW, usegmt=True)}</pubDate></item>"
    )
    return rss(item, encoding=encoding).encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-8", "application/rss+xml"),  # no charset in the header: the XML declaration decides
        ("windows-1256", "application/rss+xml"),
        ("windows-1256", "text/xml"),
        ("utf-8", "application/rss+xml; charset=utf-8"),
    ],
)
def test_the_charset_is_found_when_the_header_is_silent(db, fetcher, encoding, content_type):
    with TestServer() as server:
        source, summary = poll(
            server,
            "/ar.xml",
            Response(body=_arabic_feed(encoding), headers={"Content-Type": content_type}),
            fetcher,
        )
    assert summary.status == "ok", source.last_error
    assert Article.objects.get(source=source).title == ARABIC_TITLE


def test_a_header_charset_contradicting_the_bytes_still_yields_arabic(db, fetcher):
    """The server says ISO-8859-1; the bytes and the XML declaration say windows-1256."""
    body = _arabic_feed("windows-1256")
    headers = {"Content-Type": "application/rss+xml; charset=iso-8859-1"}
    with TestServer() as server:
        source, summary = poll(server, "/ar.xml", Response(body=body, headers=headers), fetcher)
    assert summary.status == "ok", source.last_error
    assert Article.objects.get(source=source).title == ARABIC_TITLE


# --- Sizes, identities, dates ------------------------------------------------------------------


BIG_POLICY = FetchPolicy(timeout=30.0, max_bytes=16 * 1024 * 1024, allow_private=True)


def test_a_feed_of_ten_thousand_items_is_stored_whole_in_batches(db, django_assert_max_num_queries):
    big = rss(*(rss_item(n) for n in range(10_000))).encode()
    with TestServer({"/big.xml": Response(body=big, headers=RSS_TYPE)}) as server:
        source = SourceFactory(url=server.url("/big.xml"))
        with django_assert_max_num_queries(60):
            summary = services.poll_source(source=source, fetcher=Fetcher(BIG_POLICY), now=NOW)
        assert summary.status == "ok"
        assert len(summary.new_article_ids) == 10_000
        assert Article.objects.filter(source=source).count() == 10_000
        # Polling the same feed again stores nothing new.
        again = services.poll_source(source=source, fetcher=Fetcher(BIG_POLICY), now=NOW + timedelta(hours=1))
    assert again.new_article_ids == []
    assert Article.objects.filter(source=source).count() == 10_000


def test_a_feed_longer_than_the_per_poll_cap_keeps_its_newest_entries_and_says_so(db, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENTRIES_PER_POLL", 200)
    big = rss(*(rss_item(n) for n in range(services.MAX_ENTRIES_PER_POLL + 500))).encode()
    with TestServer({"/big.xml": Response(body=big, headers=RSS_TYPE)}) as server:
        source = SourceFactory(url=server.url("/big.xml"))
        summary = services.poll_source(source=source, fetcher=Fetcher(BIG_POLICY), now=NOW)
    source.refresh_from_db()
    stored = Article.objects.filter(source=source)
    assert stored.count() == services.MAX_ENTRIES_PER_POLL
    # rss_item(n) is n minutes old: the newest are 0 .. cap-1.
    newest = {f"https://news.example/{n}" for n in range(services.MAX_ENTRIES_PER_POLL)}
    assert set(stored.values_list("url", flat=True)) == newest
    assert any("500 older entries" in warning for warning in source.warnings)
    assert summary.status == "ok"


def test_duplicate_guids_in_one_feed_store_one_article(db, fetcher):
    body = rss(
        rss_item(1, guid="same", link="https://news.example/first"),
        rss_item(2, guid="same", link="https://news.example/second"),
        rss_item(3, guid="other", link="https://news.example/third"),
    )
    with TestServer() as server:
        source, summary = poll(server, "/feed.xml", Response(body=body.encode(), headers=RSS_TYPE), fetcher)
    assert summary.status == "ok"
    guids = sorted(Article.objects.filter(source=source).values_list("guid", flat=True))
    assert len(guids) == 2
    assert guids[0].endswith("other") and guids[1].endswith("same")


def test_items_without_guids_are_stored_once_across_polls(db, fetcher):
    body = rss(*(rss_item(n, guid=None) for n in range(5))).encode()
    with TestServer({"/feed.xml": Response(body=body, headers=RSS_TYPE)}) as server:
        source = SourceFactory(url=server.url("/feed.xml"))
        first = services.poll_source(source=source, fetcher=fetcher, now=NOW)
        second = services.poll_source(source=source, fetcher=fetcher, now=NOW + timedelta(hours=1))
    assert len(first.new_article_ids) == 5
    assert second.new_article_ids == []
    assert Article.objects.filter(source=source).count() == 5


def test_far_future_and_far_past_dates_are_not_believed(db, fetcher):
    body = rss(
        rss_item(1, date="Fri, 31 Dec 9999 23:59:59 GMT"),
        rss_item(2, date="Thu, 01 Jan 1970 00:00:00 GMT"),
        rss_item(3, date="not a date at all"),
        rss_item(4),
    )
    with TestServer() as server:
        source, summary = poll(server, "/feed.xml", Response(body=body.encode(), headers=RSS_TYPE), fetcher)
    assert summary.status == "ok"
    stored = {a.url.rsplit("/", 1)[1]: a for a in Article.objects.filter(source=source)}
    assert len(stored) == 4
    assert stored["1"].published_at <= NOW + timedelta(days=1)
    assert stored["2"].published_at >= datetime(1990, 1, 1, tzinfo=UTC)
    assert stored["2"].published_at_estimated
    assert stored["3"].published_at_estimated
    assert stored["4"].published_at == NOW - timedelta(minutes=4)
    assert not stored["4"].published_at_estimated
    assert summary.warnings  # the operator hears about the dates that were not believed


# --- Many sources at once --------------------------------------------------------------------


def test_good_sources_get_their_articles_whatever_the_bad_ones_do(db, fetcher):
    garbage = random.Random(9).randbytes(20_000)
    bomb = gzip.compress(b" " * (20 * 1024 * 1024))
    routes = {
        "/good-a.xml": Response(
            body=rss(*(rss_item(n, link=f"https://a.example/{n}") for n in range(4))).encode()
        ),
        "/bomb.xml": Response(body=BILLION_LAUGHS, headers=RSS_TYPE),
        "/gzip.xml": Response(body=bomb, headers={**RSS_TYPE, "Content-Encoding": "gzip"}),
        "/garbage.xml": Response(body=garbage),
        "/drip.xml": drip(GOOD, every=0.5),
        "/loop.xml": redirect("/loop.xml"),
        "/missing.xml": Response(status=404),
        "/error.xml": Response(status=500),
        "/good-b.xml": Response(
            body=rss(*(rss_item(n, link=f"https://b.example/{n}") for n in range(3))).encode()
        ),
    }
    with TestServer(routes) as server:
        sources = {path: SourceFactory(url=server.url(path), name=path) for path in routes}
        # What beat and the workers do: claim the due sources, then poll each one.
        claimed = services.claim_due_sources(now=NOW)
        assert sorted(claimed) == sorted(s.pk for s in sources.values())
        for source_id in claimed:
            services.poll_source(source=Source.objects.get(pk=source_id), fetcher=fetcher, now=NOW)
    counts = {path: Article.objects.filter(source=source).count() for path, source in sources.items()}
    assert counts.pop("/good-a.xml") == 4
    assert counts.pop("/good-b.xml") == 3
    assert set(counts.values()) == {0}
    failing = set(Source.objects.failing().values_list("name", flat=True))
    assert failing == set(routes) - {"/good-a.xml", "/good-b.xml"}
    assert all(s.last_error for s in Source.objects.failing())
