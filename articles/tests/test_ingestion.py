"""Ingestion end to end through the services: feeds and pages served on 127.0.0.1, real PostgreSQL.

Each test names what a poll or a page fetch must do with what a server sends, including
what hostile or broken servers send; feeds and pages are files in data/ingest/.
"""

from __future__ import annotations

import gzip
import json
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from articles import dedup, services, tasks
from articles.fetch import Fetcher, FetchError
from articles.models import Article, Source
from articles.tests.factories import ArticleFactory, SourceFactory
from articles.tests.harbour import DATA, HTML, PAGES, RSS, fixture, serve_harbour
from articles.tests.httpserver import Request, Response, TestServer, hang, redirect
from articles.tests.valley_ledger import BRIEFING, TIP, valley_ledger_pages
from bench import nearcopies

MiB = 1024 * 1024
NOW = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo" / "articles.jsonl"


def rss(server: TestServer, items: list[dict[str, str]]) -> bytes:
    """A small RSS document for tests that need many or changing items."""
    parts = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Generated</title>']
    for item in items:
        fields = "".join(
            f'<guid isPermaLink="false">{value}</guid>' if name == "guid" else f"<{name}>{value}</{name}>"
            for name, value in item.items()
        )
        parts.append(f"<item>{fields}</item>")
    parts.append("</channel></rss>")
    return "".join(parts).replace("{origin}", server.origin).encode()


def fetch_all(source: Source) -> list[Article]:
    for article in Article.objects.filter(source=source).select_related("source"):
        services.fetch_article(article=article)
    return list(Article.objects.filter(source=source).order_by("published_at"))


@pytest.fixture
def server():
    with TestServer() as running:
        yield running


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fetch_settings")]


# --- Polling --------------------------------------------------------------------------------


def test_a_poll_stores_one_pending_stub_per_entry(server):
    serve_harbour(server)
    source = SourceFactory(url=server.url("/feed.rss"), language="")

    summary = services.poll_source(source=source, now=NOW)

    assert summary.status == "ok"
    assert summary.entries == 3
    stubs = list(Article.objects.filter(source=source).order_by("published_at"))
    assert sorted(summary.new_article_ids) == sorted(a.pk for a in stubs)
    assert [a.guid for a in stubs] == ["harbour-gazette-1001", "harbour-gazette-1002", "harbour-gazette-1003"]
    assert {a.status for a in stubs} == {Article.Status.PENDING}
    ferry = stubs[0]
    assert ferry.title == "Ferry strike halts crossings to the islands"
    # Tracking parameters are not part of the article's address.
    assert ferry.canonical_url == server.url("/news/ferry-strike")
    assert ferry.published_at == datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    assert "<script" not in ferry.summary_html and "stranding hundreds" in ferry.summary_html
    assert ferry.language == "en"  # from the feed's "en-gb"
    source.refresh_from_db()
    assert (source.kind, source.language) == ("rss", "en")
    assert source.last_success_at == NOW
    assert source.next_poll_at == NOW + timedelta(seconds=source.poll_interval)
    assert source.consecutive_failures == 0


def test_stubs_are_written_in_one_batch_whatever_the_number_of_entries(server, django_assert_max_num_queries):
    items = [
        {"title": f"Item {n}", "link": f"{{origin}}/items/{n}", "guid": f"item-{n}", "description": "Text."}
        for n in range(200)
    ]
    server.add("/feed.rss", Response(body=rss(server, items), headers=RSS))
    source = SourceFactory(url=server.url("/feed.rss"))

    # Reads, the INSERT (one on PostgreSQL; SQLite's variable limit splits it in a few), the
    # read-back and the source's updates: never a query per entry.
    with django_assert_max_num_queries(16):
        summary = services.poll_source(source=source, now=NOW)

    assert len(summary.new_article_ids) == 200
    assert Article.objects.filter(source=source).count() == 200


def test_fetching_the_pages_extracts_their_text_and_keeps_the_feed_title(server):
    serve_harbour(server)
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)

    ferry, sea_wall, catch = fetch_all(source)

    assert {a.status for a in (ferry, sea_wall, catch)} == {Article.Status.EXTRACTED}
    assert ferry.title == "Ferry strike halts crossings to the islands"
    assert ferry.text.startswith("Ferry crews walked out at dawn on Tuesday")
    assert "Related: Council approves" not in ferry.text
    assert sea_wall.language == "en"
    assert catch.content_hash and len(catch.minhash) == 4 * dedup.MINHASH_PERMUTATIONS
    assert len(catch.minhash_bands) == dedup.MINHASH_BANDS and catch.minhash_shingles > 20
    # Three different stories: none is linked to another.
    assert [a.duplicate_of_id for a in (ferry, sea_wall, catch)] == [None, None, None]
    assert ferry.last_error == "" and ferry.fetch_attempts == 1


def test_a_second_poll_answered_304_costs_nothing(server):
    body = fixture("feed.rss", server)

    def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            body=body, headers={**RSS, "ETag": '"v1"', "Last-Modified": "Tue, 17 Nov 2026 13:00:00 GMT"}
        )

    server.add("/feed.rss", feed)
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)
    source.refresh_from_db()
    assert source.etag == '"v1"'

    summary = services.poll_source(source=source, now=NOW + timedelta(minutes=15))

    assert summary.status == "not_modified"
    assert summary.new_article_ids == []
    assert Article.objects.filter(source=source).count() == 3
    second = server.requests_to("/feed.rss")[1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Tue, 17 Nov 2026 13:00:00 GMT"
    source.refresh_from_db()
    assert source.last_success_at == NOW + timedelta(minutes=15)
    assert source.etag == '"v1"'


def test_entries_seen_before_add_no_rows_even_under_a_new_link(server):
    first = [
        {"title": "One", "link": "{origin}/a/1", "guid": "g-1"},
        {"title": "Two", "link": "{origin}/a/2", "guid": "g-2"},
    ]
    # The same GUIDs under changed links, one link with tracking added, and one new entry.
    second = [
        {"title": "One", "link": "{origin}/a/1-renamed", "guid": "g-1"},
        {"title": "Two again", "link": "{origin}/a/2?utm_campaign=x", "guid": "g-2-changed"},
        {"title": "Three", "link": "{origin}/a/3", "guid": "g-3"},
    ]
    server.add("/feed.rss", [Response(body=rss(server, first)), Response(body=rss(server, second))])
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)

    summary = services.poll_source(source=source, now=NOW + timedelta(minutes=15))

    assert summary.entries == 3
    assert len(summary.new_article_ids) == 1
    assert Article.objects.get(pk=summary.new_article_ids[0]).guid == "g-3"
    assert Article.objects.filter(source=source).count() == 3


def test_a_feed_repeating_an_entry_stores_it_once(server):
    items = [
        {"title": "Twice", "link": "{origin}/a/1", "guid": "same"},
        {"title": "Twice, other link", "link": "{origin}/a/1b", "guid": "same"},
        {"title": "No GUID, same link", "link": "{origin}/a/1#comments"},
    ]
    server.add("/feed.rss", Response(body=rss(server, items)))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert len(summary.new_article_ids) == 1
    assert Article.objects.get(source=source).title == "Twice"


@pytest.mark.skipif(not django_settings.DATABASE_IS_POSTGRES, reason="SQLite serialises its writers")
def test_concurrent_polls_of_one_feed_store_each_entry_once(server, transactional_db):
    # Both requests are answered together, so both polls reach the INSERT at about the same time.
    server.add("/feed.rss", Response(body=fixture("feed.rss", server), headers=RSS, delay=0.3))
    source = SourceFactory(url=server.url("/feed.rss"))
    results: list[services.PollSummary] = []

    def poll() -> None:
        try:
            fetcher = Fetcher(services.fetch_policy())  # no host gate: the requests overlap
            results.append(
                services.poll_source(source=Source.objects.get(pk=source.pk), now=NOW, fetcher=fetcher)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert [r.status for r in results] == ["ok", "ok"]
    assert Article.objects.filter(source=source).count() == 3
    assert len({pk for r in results for pk in r.new_article_ids}) == 3


def test_entries_without_a_link_are_skipped_with_a_warning(server):
    items = [{"title": "Linked", "link": "{origin}/a/1"}, {"title": "No link", "description": "Text only."}]
    server.add("/feed.rss", Response(body=rss(server, items)))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert len(summary.new_article_ids) == 1
    assert "1 entries without a link skipped." in summary.warnings
    source.refresh_from_db()
    assert "1 entries without a link skipped." in source.warnings


# --- Hostile and broken sources ---------------------------------------------------------------


def assert_recorded_failure(source: Source, summary: services.PollSummary, fragment: str) -> None:
    assert summary.status == "error"
    assert fragment in summary.error
    source.refresh_from_db()
    assert fragment in source.last_error
    assert source.last_error_at == NOW
    assert source.consecutive_failures == 1
    assert source.next_poll_at > NOW
    assert not Article.objects.filter(source=source).exists()


def test_a_server_that_never_answers_is_a_recorded_timeout(server, settings):
    settings.SILSILA_FETCH_TIMEOUT = 0.5
    services.get_fetcher.cache_clear()
    server.add("/feed.rss", hang())
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "timed out fetching")


def test_a_50_mb_feed_is_refused_at_the_size_limit(server, settings):
    settings.SILSILA_FETCH_MAX_BYTES = 2 * MiB
    services.get_fetcher.cache_clear()
    body = (b"<rss><channel>" + b" " * MiB for _ in range(50))  # produced lazily, chunked
    server.add("/feed.rss", Response(body=body, headers=RSS))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "larger than the 2,097,152-byte limit")


def test_a_redirect_loop_is_recorded(server):
    server.add("/feed.rss", redirect("/moved.rss"))
    server.add("/moved.rss", redirect("/feed.rss", status=301))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "redirect loop")


def test_a_gzip_bomb_is_refused_on_its_inflated_size(server, settings):
    settings.SILSILA_FETCH_MAX_BYTES = 2 * MiB
    services.get_fetcher.cache_clear()
    bomb = gzip.compress(bytes(30 * MiB), compresslevel=1)
    assert len(bomb) < MiB // 4
    server.add("/feed.rss", Response(body=bomb, headers={**RSS, "Content-Encoding": "gzip"}))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "larger than the 2,097,152-byte limit")


def test_an_xml_bomb_is_refused_before_parsing(server):
    server.add("/feed.rss", Response(body=fixture("billion-laughs.rss", server), headers=RSS))
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "Refused: the document declares XML entities")


def test_an_ssrf_attempt_is_blocked_and_recorded(server, settings):
    settings.SILSILA_FETCH_ALLOW_PRIVATE = False
    services.get_fetcher.cache_clear()
    serve_harbour(server)
    source = SourceFactory(url=server.url("/feed.rss"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "is not a public address")
    assert server.requests == []


def test_an_html_page_given_as_a_feed_is_a_clear_error(server):
    server.add("/", Response(body=fixture("sea-wall.html", server), headers=HTML))
    source = SourceFactory(url=server.url("/"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "returned an HTML page, not a feed")


def test_backoff_doubles_and_the_source_is_disabled_after_repeated_failures(server, settings):
    settings.SILSILA_SOURCE_MAX_FAILURES = 3
    server.add("/feed.rss", Response(status=500, body=b"oops"))
    source = SourceFactory(url=server.url("/feed.rss"), poll_interval=60)
    delays = []
    now = NOW
    for _ in range(3):
        summary = services.poll_source(source=source, now=now)
        assert summary.error == f"HTTP 500 from {server.url('/feed.rss')}"
        source.refresh_from_db()
        delays.append((source.next_poll_at - now).total_seconds())
        now = source.next_poll_at

    assert delays == [120, 240, 480]
    assert source.enabled is False
    assert source.disabled_reason == "disabled after 3 consecutive failures"
    assert not Source.objects.due(now + timedelta(days=1)).filter(pk=source.pk).exists()
    # A disabled source is not fetched again.
    assert services.poll_source(source=source, now=now).status == "disabled"
    assert len(server.requests_to("/feed.rss")) == 3


def test_a_success_after_failures_resets_the_backoff_and_clears_the_stale_error(server):
    server.add("/feed.rss", [Response(status=503), Response(body=fixture("feed.rss", server), headers=RSS)])
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)
    source.refresh_from_db()
    assert source.last_error == "HTTP 503 from " + server.url("/feed.rss")

    services.poll_source(source=source, now=NOW + timedelta(hours=1))

    source.refresh_from_db()
    assert source.consecutive_failures == 0
    # A healthy source shows no error: an old one would send the operator after a problem gone.
    assert (source.last_error, source.last_error_at) == ("", None)
    assert source.next_poll_at == NOW + timedelta(hours=1, seconds=source.poll_interval)


# --- Encodings ----------------------------------------------------------------------------------


def test_a_windows_1256_arabic_feed_and_page_are_stored_exactly(server):
    server.add("/feed.rss", Response(body=fixture("arabic-windows-1256.rss", server), headers=RSS))
    # The page names its charset only in the HTTP header.
    page = (DATA / "arabic-windows-1256.html").read_bytes()
    server.add(
        "/ar/ferry-strike", Response(body=page, headers={"Content-Type": "text/html; charset=windows-1256"})
    )
    source = SourceFactory(url=server.url("/feed.rss"), language="")

    services.poll_source(source=source, now=NOW)
    (article,) = fetch_all(source)

    assert article.title == "إضراب عمال العبارات يوقف الرحلات إلى الجزر"
    assert article.status == Article.Status.EXTRACTED
    assert article.text.startswith("أضرب طواقم العبارات فجر الثلاثاء احتجاجا على الأجور")
    assert "ثمانيا وأربعين ساعة" in article.text
    assert article.language == "ar"
    assert article.text_direction == "rtl"


# --- Pages ----------------------------------------------------------------------------------------


def test_a_page_that_fails_falls_back_to_the_feed_summary(server):
    serve_harbour(server)
    server.add("/news/sea-wall", Response(status=404, body=b"gone"))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)

    sea_wall = Article.objects.get(source=source, guid="harbour-gazette-1002")
    services.fetch_article(article=sea_wall)

    sea_wall.refresh_from_db()
    assert sea_wall.status == Article.Status.FEED_ONLY
    assert sea_wall.text == (
        "The council voted to fund a two-kilometre sea wall along the old quay after the floods."
    )
    assert sea_wall.last_error == f"HTTP 404 from {server.url('/news/sea-wall')}"
    assert sea_wall.language == "en"
    assert sea_wall.is_ready


def test_a_page_without_article_text_falls_back_to_the_feed_summary(server):
    serve_harbour(server)
    server.add("/news/sea-wall", Response(body=b"<html><body><p>Cookies?</p></body></html>", headers=HTML))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)

    sea_wall = services.fetch_article(article=Article.objects.get(source=source, guid="harbour-gazette-1002"))

    assert sea_wall.status == Article.Status.FEED_ONLY
    assert sea_wall.last_error == "no article text found on the page"


def test_a_transient_page_failure_is_raised_for_retry_then_falls_back(server):
    serve_harbour(server)
    server.add("/news/sea-wall", Response(status=503))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)
    pk = Article.objects.get(source=source, guid="harbour-gazette-1002").pk

    for attempt in range(1, services.MAX_FETCH_ATTEMPTS):
        with pytest.raises(FetchError) as caught:
            services.fetch_article(article=Article.objects.get(pk=pk))
        assert caught.value.transient
        article = Article.objects.get(pk=pk)
        assert (article.status, article.fetch_attempts) == (Article.Status.PENDING, attempt)
    article = services.fetch_article(article=Article.objects.get(pk=pk))

    assert article.status == Article.Status.FEED_ONLY
    assert article.fetch_attempts == services.MAX_FETCH_ATTEMPTS
    assert "HTTP 503" in article.last_error
    assert len(server.requests_to("/news/sea-wall")) == services.MAX_FETCH_ATTEMPTS


def test_a_second_fetch_of_the_same_article_does_nothing(server):
    serve_harbour(server)
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)
    first = Article.objects.get(source=source, guid="harbour-gazette-1001")
    stale = Article.objects.get(pk=first.pk)  # as a duplicate task would load it, before the first ran

    services.fetch_article(article=first)
    again = services.fetch_article(article=stale)

    assert again.status == Article.Status.EXTRACTED
    assert len(server.requests_to("/news/ferry-strike")) == 1


def test_a_page_with_nothing_to_show_is_marked_failed(server):
    server.add("/feed.rss", Response(body=rss(server, [{"link": "{origin}/bare", "guid": "bare"}])))
    server.add("/bare", Response(status=410))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)

    article = services.fetch_article(article=Article.objects.get(source=source))

    assert article.status == Article.Status.FAILED
    assert article.last_error == f"HTTP 410 from {server.url('/bare')}"
    assert not article.is_ready


def test_a_redirected_page_is_keyed_by_its_final_canonical_address(server):
    serve_harbour(server)
    items = [{"title": "Ferry strike", "link": "{origin}/go/ferry", "guid": "short-link"}]
    server.add("/short.rss", Response(body=rss(server, items)))
    server.add("/go/ferry", redirect("/news/ferry-strike", status=301))
    short = SourceFactory(url=server.url("/short.rss"))
    services.poll_source(source=short, now=NOW)

    (article,) = fetch_all(short)

    assert article.url == server.url("/go/ferry")
    assert article.canonical_url == server.url("/news/ferry-strike")
    # The page is now known by its canonical address: the site's own feed adds only the others.
    site = SourceFactory(url=server.url("/feed.rss"))
    summary = services.poll_source(source=site, now=NOW)
    assert len(summary.new_article_ids) == 2


def test_a_page_already_stored_under_its_canonical_address_is_kept_and_linked(server):
    serve_harbour(server)
    site = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=site, now=NOW)
    fetch_all(site)
    original = Article.objects.get(source=site, guid="harbour-gazette-1001")
    items = [{"title": "Ferry strike (mirror)", "link": "{origin}/go/ferry", "guid": "mirror"}]
    server.add("/mirror.rss", Response(body=rss(server, items)))
    server.add("/go/ferry", redirect("/news/ferry-strike"))
    mirror = SourceFactory(url=server.url("/mirror.rss"))
    services.poll_source(source=mirror, now=NOW)

    (copy,) = fetch_all(mirror)

    assert copy.status == Article.Status.EXTRACTED
    assert copy.duplicate_of_id == original.pk
    assert copy.canonical_url == server.url("/go/ferry")  # keeps its own key: both rows stay


# --- Politeness ----------------------------------------------------------------------------------


@pytest.fixture
def pausing_host(fetch_settings):
    """Back-off on, and the pause of 127.0.0.1 (in the shared gate) lifted afterwards."""
    fetch_settings.SILSILA_FETCH_BACK_OFF = 30.0
    fetch_settings.SILSILA_FETCH_MAX_BACK_OFF = 30.0
    services.get_fetcher.cache_clear()
    yield
    if django_settings.CACHE_URL.startswith("redis://"):
        import redis

        redis.Redis.from_url(django_settings.CACHE_URL).delete("silsila:fetch:next:127.0.0.1")
    services.get_fetcher.cache_clear()


def test_a_429_pauses_its_host_and_the_waiting_pages_keep_their_attempts(server, pausing_host):
    serve_harbour(server)
    server.add("/news/ferry-strike", Response(status=429, headers={"Retry-After": "20"}))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source, now=NOW)
    ferry = Article.objects.get(source=source, guid="harbour-gazette-1001")
    sea_wall = Article.objects.get(source=source, url__endswith="/news/sea-wall")

    with pytest.raises(FetchError) as refused:
        services.fetch_article(article=ferry)
    with pytest.raises(FetchError) as waiting:
        services.fetch_article(article=sea_wall)

    assert refused.value.status == 429 and refused.value.retry_after == 20.0
    assert waiting.value.kind == "host_busy" and 15 < waiting.value.retry_after <= 20.01
    ferry.refresh_from_db()
    sea_wall.refresh_from_db()
    assert (ferry.status, ferry.fetch_attempts) == (Article.Status.PENDING, 1)  # it was asked: counted
    assert (sea_wall.status, sea_wall.fetch_attempts) == (Article.Status.PENDING, 0)  # never asked
    assert "paused" in sea_wall.last_error
    assert server.requests_to("/news/sea-wall") == []


@pytest.fixture
def polite_host(fetch_settings):
    """No waiting for a host's turn; the pauses and bookings of the test server's two names
    (in the shared gate) are lifted afterwards."""
    fetch_settings.SILSILA_FETCH_GATE_WAIT = 0.1
    services.get_fetcher.cache_clear()
    yield fetch_settings
    if django_settings.CACHE_URL.startswith("redis://"):
        import redis

        redis.Redis.from_url(django_settings.CACHE_URL).delete(
            *(
                f"silsila:fetch:{kind}:{host}"
                for kind in ("next", "booked")
                for host in ("127.0.0.1", "localhost")
            )
        )
    services.get_fetcher.cache_clear()


def polite_pages(server) -> list[int]:
    """The harbour site asking 30 s between requests (robots.txt Crawl-delay), its feed polled,
    and one more page of the same site under its other name (another host to politeness)."""
    serve_harbour(server)
    server.add("/robots.txt", Response(body=b"User-agent: *\nCrawl-delay: 30\n"))
    server.add("/elsewhere", Response(body=fixture("record-catch.html", server), headers=HTML))
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source, now=NOW).new_article_ids
    other = ArticleFactory(
        source=source, url=f"http://localhost:{server.port}/elsewhere", status=Article.Status.PENDING, text=""
    )
    return [*ids, other.pk]


def test_a_batch_sends_the_pages_of_a_host_in_its_delay_back_for_a_booked_turn(server, polite_host):
    ids = polite_pages(server)

    batch = services.fetch_articles(
        articles=Article.objects.select_related("source").filter(pk__in=ids).order_by("pk")
    )

    # The first page of each host is fetched; the others of 127.0.0.1 wait for a booked turn.
    assert sorted(article.pk for article in batch.stored) == [ids[0], ids[-1]]
    ((deferred, seconds),) = batch.deferred
    assert deferred == ids[1:-1] and 29.0 < seconds <= 30.01
    assert batch.retry == [] and batch.left == []
    waiting = Article.objects.filter(pk__in=deferred)
    # Not asked, and not counted as an attempt.
    assert {(a.status, a.fetch_attempts) for a in waiting} == {(Article.Status.PENDING, 0)}
    assert sum(len(server.requests_to(path)) for path in PAGES) == 1


def test_the_batch_task_requeues_the_waiting_pages_on_the_fetch_queue_with_that_countdown(
    server, polite_host, monkeypatch
):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    ids = polite_pages(server)
    with current_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("fetch")
        queue.clear()

        tasks.fetch_articles(ids)

        message = queue.get(timeout=1)
        message.ack()
        assert queue.qsize() == 0
        queue.close()
    assert message.headers["task"] == "articles.fetch_articles"
    assert message.headers["retries"] == 0  # a new message, not a retry: waiting is not failing
    assert message.payload[0] == [ids[1:-1]]
    countdown = (datetime.fromisoformat(message.headers["eta"]) - timezone.now()).total_seconds()
    assert 28.0 < countdown <= 31.0  # the booked turn, plus at most a second of jitter


# --- Duplicates across sites ------------------------------------------------------------------------


def test_the_same_article_on_two_sites_is_kept_and_linked_to_the_earlier():
    with TestServer() as wire, TestServer() as paper:
        wire.add(
            "/feed.rss", Response(body=rss(wire, [{"title": "Cottages", "link": "{origin}/a", "guid": "w1"}]))
        )
        wire.add("/a", Response(body=fixture("wire-original.html", wire), headers=HTML))
        # Another site carries it with its own headline and a sentence added.
        paper.add("/feed.rss", Response(body=rss(paper, [{"link": "{origin}/b", "guid": "p1"}])))
        paper.add("/b", Response(body=fixture("wire-copy.html", paper), headers=HTML))
        wire_source = SourceFactory(url=wire.url("/feed.rss"), name="Wire")
        paper_source = SourceFactory(url=paper.url("/feed.rss"), name="Paper")

        services.poll_source(source=wire_source, now=NOW)
        (original,) = fetch_all(wire_source)
        services.poll_source(source=paper_source, now=NOW + timedelta(hours=2))
        (copy,) = fetch_all(paper_source)

    assert copy.status == original.status == Article.Status.EXTRACTED
    assert copy.title == "Headland cottages sold to scientists in lease deal"  # from the page
    assert original.duplicate_of_id is None
    assert copy.duplicate_of_id == original.pk
    assert list(original.near_duplicates.all()) == [copy]


def test_a_verbatim_copy_is_linked_by_its_content_hash_and_to_the_original_of_a_copy():
    published = datetime(2026, 11, 10, tzinfo=UTC)
    first = ArticleFactory(text="", published_at=published, status=Article.Status.PENDING)
    services.store_text(
        article=first,
        title=first.title,
        body=(DATA / "wire-original.txt").read_text(),
        language_hint="en",
        status=Article.Status.EXTRACTED,
    )
    # Weeks later, beyond any time window: only the exact hash can find it.
    late = ArticleFactory(title=first.title, text="", published_at=published + timedelta(days=40))
    services.store_text(
        article=late,
        title=first.title,
        body=first.text.upper(),
        language_hint="en",
        status=Article.Status.EXTRACTED,
    )
    third = ArticleFactory(title=first.title, text="", published_at=published + timedelta(days=41))
    services.store_text(
        article=third, title=first.title, body=first.text, language_hint="en", status=Article.Status.EXTRACTED
    )

    assert first.duplicate_of_id is None
    assert late.duplicate_of_id == first.pk
    assert third.duplicate_of_id == first.pk  # to the original, never to a copy


def _demo_texts() -> list[nearcopies.Text]:
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [nearcopies.Text(r["id"], r["lang"], r["title"], r["text"]) for r in rows]


def _store(title: str, body: str, language: str, *, published_at: datetime) -> Article:
    article = ArticleFactory(title=title, text="", published_at=published_at, status=Article.Status.PENDING)
    return services.store_text(
        article=article, title=title, body=body, language_hint=language, status=Article.Status.EXTRACTED
    )


@pytest.mark.parametrize("kind", nearcopies.KINDS)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_edited_copy_is_stored_and_linked_to_its_original(kind, language):
    texts = _demo_texts()
    original_text = max((t for t in texts if t.language == language), key=lambda t: len(t.body))
    signature = dedup.minhash(original_text.full)
    # The demo corpus holds near-copies of its own; the bystanders are none of the original.
    others = [
        t
        for t in texts
        if t.language == language
        and t.key != original_text.key
        and not dedup.minhash(t.full).is_near_copy(signature)
    ]
    edit = getattr(nearcopies, kind)
    rng = random.Random(kind)
    copy = edit(
        original_text,
        others
        if kind in {"inserted_paragraphs", "changed_headline"}
        else " ".join(t.body for t in others).split(),
        rng,
    )
    published = datetime(2026, 11, 10, tzinfo=UTC)
    bystanders = [_store(t.title, t.body, language, published_at=published) for t in others[:5]]
    original = _store(original_text.title, original_text.body, language, published_at=published)

    stored = _store(copy.title, copy.body, language, published_at=published + timedelta(days=30))

    assert stored.pk and stored.status == Article.Status.EXTRACTED  # kept, never dropped
    assert stored.text == copy.body.strip()
    assert stored.duplicate_of_id == original.pk
    assert original.duplicate_of_id is None
    assert all(b.duplicate_of_id is None for b in bystanders)


def test_short_texts_alike_by_accident_are_not_linked():
    one = ArticleFactory(title="Video", text="")
    services.store_text(
        article=one, title="Video", body="", language_hint="en", status=Article.Status.FEED_ONLY
    )
    two = ArticleFactory(title="Video", text="")
    services.store_text(
        article=two, title="Video", body="", language_hint="en", status=Article.Status.FEED_ONLY
    )

    assert two.content_hash == one.content_hash
    assert two.duplicate_of_id is None


# --- Sitemaps ---------------------------------------------------------------------------------------


def serve_sitemaps(server: TestServer) -> None:
    xml = {"Content-Type": "application/xml", "ETag": '"index-1"'}
    server.add("/sitemap-index.xml", Response(body=fixture("sitemap-index.xml", server), headers=xml))
    server.add("/sitemaps/news-today.xml", Response(body=fixture("news-today.xml", server), headers=xml))
    server.add(
        "/sitemaps/news-yesterday.xml", Response(body=fixture("news-yesterday.xml", server), headers=xml)
    )
    for path, name in PAGES.items():
        server.add(path, Response(body=fixture(name, server), headers=HTML))


def test_a_sitemap_index_is_read_through_its_child_sitemaps(server):
    serve_sitemaps(server)
    source = SourceFactory(url=server.url("/sitemap-index.xml"), language="")

    summary = services.poll_source(source=source, now=NOW)

    assert summary.status == "ok"
    assert summary.entries == 3
    assert any("missing.xml" in w and "HTTP 404" in w for w in summary.warnings)
    articles = fetch_all(source)
    assert [a.title for a in articles] == [
        "Fishing fleet reports record autumn catch",
        "Ferry strike halts crossings to the islands",
        "Council approves new sea wall after winter floods",
    ]
    assert {a.status for a in articles} == {Article.Status.EXTRACTED}
    source.refresh_from_db()
    assert (source.kind, source.language, source.etag) == ("sitemap_index", "en", "")


def test_a_sitemap_index_is_fetched_in_full_on_every_poll(server):
    serve_sitemaps(server)
    source = SourceFactory(url=server.url("/sitemap-index.xml"))
    services.poll_source(source=source, now=NOW)
    source.refresh_from_db()
    server.add("/sitemaps/news-today.xml", Response(body=fixture("news-yesterday.xml", server)))

    services.poll_source(source=source, now=NOW + timedelta(minutes=15))

    # Its children change while it does not, so a 304 must never hide them.
    assert "if-none-match" not in server.requests_to("/sitemap-index.xml")[1].headers
    assert len(server.requests_to("/sitemaps/news-today.xml")) == 2


def test_a_sitemap_index_whose_sitemaps_all_fail_is_an_error(server):
    server.add("/sitemap-index.xml", Response(body=fixture("sitemap-index.xml", server)))
    source = SourceFactory(url=server.url("/sitemap-index.xml"))

    summary = services.poll_source(source=source, now=NOW)

    assert_recorded_failure(source, summary, "none of the 3 sitemaps in the index could be read")


# --- Claiming ---------------------------------------------------------------------------------------


def test_claiming_due_sources_takes_each_once_and_skips_the_rest():
    due = SourceFactory(next_poll_at=NOW - timedelta(minutes=1))
    never_polled = SourceFactory(next_poll_at=None)
    SourceFactory(next_poll_at=NOW + timedelta(minutes=5))
    SourceFactory(next_poll_at=None, enabled=False)

    first = services.claim_due_sources(now=NOW)
    second = services.claim_due_sources(now=NOW)

    assert first == [never_polled.pk, due.pk]
    assert second == []
    due.refresh_from_db()
    assert due.next_poll_at == NOW + timedelta(minutes=5)


def test_an_import_source_is_never_polled():
    source = SourceFactory(url=None, kind=Source.Kind.IMPORT)

    summary = services.poll_source(source=source, now=NOW)

    assert summary.status == "error"
    source.refresh_from_db()
    assert source.consecutive_failures == 0


@pytest.fixture
def site_boilerplate(settings):
    settings.SILSILA_SITE_BOILERPLATE = True
    services.site_lines.cache_clear()
    yield
    services.site_lines.cache_clear()


def _serve_valley_ledger(server: TestServer) -> list[tuple[Article, list[str]]]:
    """The Valley Ledger's seven pages on the server, each a pending article of one source."""
    source = SourceFactory(url=server.url("/feed.rss"))
    pending = []
    for n, (url, html, paragraphs) in enumerate(valley_ledger_pages()):
        path = "/" + url.split("/", 3)[3]
        server.add(path, Response(body=html.encode(), headers=HTML))
        article = ArticleFactory(
            source=source,
            url=server.url(path),
            text="",
            status=Article.Status.PENDING,
            published_at=NOW + timedelta(hours=n),
        )
        pending.append((article, paragraphs))
    return pending


def test_with_site_boilerplate_on_the_lines_a_site_repeats_are_not_stored(server, site_boilerplate):
    pending = _serve_valley_ledger(server)

    stored = [(services.fetch_article(article=article), paragraphs) for article, paragraphs in pending]

    assert {article.status for article, _ in stored} == {Article.Status.EXTRACTED}
    # Learned as the pages arrive: the first five keep the tip line and the pitch, later ones not.
    assert stored[0][0].text.split("\n") == [*stored[0][1], TIP, BRIEFING]
    for article, paragraphs in stored[5:]:
        assert article.text.split("\n") == paragraphs


def test_with_site_boilerplate_off_every_page_keeps_its_text(server):
    pending = _serve_valley_ledger(server)

    stored = [services.fetch_article(article=article) for article, _ in pending]

    assert all(article.text.endswith(BRIEFING) for article in stored)
