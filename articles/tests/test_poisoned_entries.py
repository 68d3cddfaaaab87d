"""One bad entry costs one entry, never the feed; what is stored is clean and dated right.

Real feeds on a real socket, polled by the real poll_source() into PostgreSQL: a NUL in an
entry (PostgreSQL refuses the character outright), markup in plain-text fields, bidi
controls in a byline, a row the database refuses for a reason nobody foresaw, the crawler's
own politeness, a feed that cannot be read, dates that are no dates, site names in titles.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.db import connection

from articles import services
from articles.fetch import Fetcher, FetchPolicy, LocalHostGate
from articles.models import Article, PublishedFrom, Source
from articles.tests.factories import SourceFactory
from articles.tests.httpserver import Response, TestServer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RSS_TYPE = {"Content-Type": "application/rss+xml"}
JSON_TYPE = {"Content-Type": "application/feed+json"}


def _item(
    n: int, *, title: str | None = None, author: str = "", extra: str = "", date: str | None = None
) -> str:
    date = date or format_datetime(NOW - timedelta(minutes=n), usegmt=True)
    return (
        f"<item><title>{title if title is not None else f'Report {n}'}</title>"
        f"<link>https://news.example/{n}</link><guid>https://news.example/{n}</guid>"
        f"<pubDate>{date}</pubDate>{f'<author>{author}</author>' if author else ''}"
        f"<description>Summary of report {n}.{extra}</description></item>"
    )


def _rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>'
        f"<link>https://news.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def _poll(server: TestServer, body: bytes, fetcher: Fetcher, *, headers=RSS_TYPE, path="/feed.xml", **source):
    server.add(path, Response(body=body, headers=headers))
    source = SourceFactory(url=server.url(path), **source)
    summary = services.poll_source(source=source, fetcher=fetcher, now=NOW)
    source.refresh_from_db()
    return source, summary


def _stored(source: Source) -> dict[str, Article]:
    return {article.url.rsplit("/", 1)[1]: article for article in Article.objects.filter(source=source)}


# --- NUL and other control characters -------------------------------------------------------


def test_a_raw_nul_in_an_rss_title_costs_nothing_but_the_nul(fetcher):
    body = _rss(_item(1), _item(2).replace("Report 2", "Report\x00 2"), _item(3))
    with TestServer() as server:
        source, summary = _poll(server, body, fetcher)
    assert summary.status == "ok", summary.error
    stored = _stored(source)
    assert sorted(stored) == ["1", "2", "3"]
    assert stored["2"].title == "Report 2"
    assert source.consecutive_failures == 0


def test_a_nul_character_reference_in_rss_title_author_and_summary_is_dropped(fetcher):
    body = _rss(
        _item(1),
        _item(2, title="Report&#0; two", author="desk&#0;@news.example (Desk&#0;)", extra=" More&#0;."),
        _item(3),
    )
    with TestServer() as server:
        source, summary = _poll(server, body, fetcher)
    assert summary.status == "ok", summary.error
    stored = _stored(source)
    assert sorted(stored) == ["1", "2", "3"]
    assert "\x00" not in stored["2"].title + stored["2"].author + stored["2"].summary
    assert stored["2"].title == "Report two"


def test_a_json_feed_entry_holding_escaped_nuls_and_control_characters_is_stored_clean(fetcher):
    items = [
        {"id": str(n), "url": f"https://news.example/{n}", "title": f"Report {n}", "summary": "Text."}
        for n in range(1, 4)
    ]
    items[1].update(
        title="Report\u0000 two\u0007\u001b", summary="Body\u0000 text\u000b.", authors=[{"name": "A\u0000B"}]
    )
    items[1]["url"] = "https://news.example/2\u0000"
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Feed", "items": items}
    ).encode()
    with TestServer() as server:
        source, summary = _poll(server, body, fetcher, headers=JSON_TYPE)
    assert summary.status == "ok", summary.error
    stored = _stored(source)
    assert sorted(stored) == ["1", "2", "3"]
    two = stored["2"]
    assert (two.title, two.summary, two.author) == ("Report two", "Body text.", "AB")


def test_a_row_the_database_refuses_is_reported_and_the_other_entries_still_land(fetcher):
    # A refusal nobody foresaw (here a CHECK constraint on the table, in this test's transaction):
    # the batch goes in row by row and only the refused entry is missing, named in a warning.
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE articles_article ADD CONSTRAINT test_refuses_one CHECK (title <> 'Report 2')"
        )
    with TestServer() as server:
        source, summary = _poll(server, _rss(_item(1), _item(2), _item(3)), fetcher)
    assert summary.status == "ok", summary.error
    assert sorted(_stored(source)) == ["1", "3"]
    assert len(summary.new_article_ids) == 2
    (warning,) = [w for w in source.warnings if "not stored" in w]
    assert "news.example/2" in warning and "IntegrityError" in warning
    assert source.consecutive_failures == 0


# --- Plain-text fields -----------------------------------------------------------------------


def test_markup_in_titles_and_authors_is_stripped_at_ingest_also_when_escaped(fetcher):
    body = _rss(
        _item(1, title="&lt;img src=x onerror=alert(1)&gt;Storm hits the coast"),
        _item(2, title="Talks &amp;lt;b&amp;gt;resume&amp;lt;/b&amp;gt; in Doha"),
        _item(
            3,
            title="Inflation &lt; 3% and rates &gt; 4%",
            author="&lt;b onclick=alert(1)&gt;Reporter&lt;/b&gt;",
        ),
        _item(4, title="&lt;svg onload=alert(1)&gt;"),
    )
    with TestServer() as server:
        source, _ = _poll(server, body, fetcher)
    stored = _stored(source)
    assert stored["1"].title == "Storm hits the coast"
    assert stored["2"].title == "Talks resume in Doha"
    assert stored["3"].title == "Inflation < 3% and rates > 4%"
    assert stored["3"].author == "Reporter"
    # Nothing but markup: the entry keeps its link and summary, its page gives the title later.
    assert stored["4"].title == ""


def test_the_parser_gives_plain_titles_in_every_format():
    from articles.feeds import parse_feed

    markup = "&lt;img src=x onerror=alert(1)&gt;Storm hits the coast"
    rss = _rss(_item(1, title=markup))
    json_feed = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "<b>Feed</b>",
            "items": [
                {
                    "id": "1",
                    "url": "https://news.example/1",
                    "title": '<img src=x onerror="alert(1)">Storm hits the coast',
                }
            ],
        }
    ).encode()
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://news.example/1</loc>'
        "<news:news><news:publication><news:name>Feed</news:name><news:language>en</news:language>"
        f"</news:publication><news:title>{markup}</news:title></news:news></url></urlset>"
    ).encode()
    for body, content_type in [
        (rss, "application/rss+xml"),
        (json_feed, "application/feed+json"),
        (sitemap, "application/xml"),
    ]:
        feed = parse_feed(body, url="https://news.example/feed", content_type=content_type, now=NOW)
        assert [entry.title for entry in feed.entries] == ["Storm hits the coast"], content_type
    assert parse_feed(json_feed, url="https://news.example/feed", now=NOW).title == "Feed"


def test_bidi_controls_in_an_author_are_stripped(fetcher):
    item = {
        "id": "1",
        "url": "https://news.example/1",
        "title": "Report",
        "authors": [{"name": "\u202egpj.exe"}],
    }
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "Feed", "items": [item]}
    ).encode()
    with TestServer() as server:
        source, _ = _poll(server, body, fetcher, headers=JSON_TYPE)
    (article,) = _stored(source).values()
    assert article.author == "gpj.exe"


# --- The crawler's own politeness, unreadable feeds, stale errors ------------------------------


def test_waiting_for_a_host_this_crawler_is_busy_with_is_no_failure_of_the_feed():
    # Two feeds on one host: the second poll finds the host's slot taken by the first (a 30 s
    # politeness delay) and gives up waiting after its 1 s deadline.
    policy = FetchPolicy(
        timeout=1.0, max_bytes=1024 * 1024, user_agent="SilsilaBot/0.1", allow_private=True, host_delay=30.0
    )
    shared = Fetcher(policy, gate=LocalHostGate())
    try:
        with TestServer() as server:
            _first, first_summary = _poll(server, _rss(_item(1)), shared, path="/a.xml")
            second = SourceFactory(url=server.url("/b.xml"), last_error="HTTP 500 last week")
            server.add("/b.xml", Response(body=_rss(_item(2)), headers=RSS_TYPE))
            summary = services.poll_source(source=second, fetcher=shared, now=NOW)
    finally:
        shared.close()
    second.refresh_from_db()
    assert first_summary.status == "ok"
    assert summary.status == "busy"
    assert "busy" in summary.line(second.name) and "paused" in summary.line(second.name)
    assert second.consecutive_failures == 0
    assert second.last_error == "HTTP 500 last week"  # the real error is not hidden
    assert second.enabled
    # Asked again after the pause, not after a failure's backoff.
    assert NOW < second.next_poll_at <= NOW + timedelta(seconds=31)


def test_a_feed_whose_entries_cannot_be_read_is_a_failure_not_an_empty_success(fetcher):
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>\x89PNG\x00<<<"
    with TestServer() as server:
        source, summary = _poll(server, body, fetcher)
    assert summary.status == "error"
    assert source.consecutive_failures == 1
    assert "none of its entries could be read" in source.last_error


def test_a_healthy_poll_clears_the_last_error(fetcher):
    with TestServer() as server:
        source, summary = _poll(server, _rss(_item(1)), fetcher, last_error="HTTP 503", last_error_at=NOW)
    assert summary.status == "ok"
    assert (source.last_error, source.last_error_at) == ("", None)


# --- Dates and where they came from ----------------------------------------------------------


def test_an_entry_date_ahead_falls_through_to_the_address_then_to_the_fetch_time(fetcher):
    ahead = format_datetime(NOW + timedelta(days=3), usegmt=True)
    body = _rss(
        _item(1),
        _item(2, date=ahead).replace("news.example/2", "news.example/2026/11/18/2"),
        _item(3, date="Sat, 01 Jan 0001 00:00:00 GMT"),
    )
    with TestServer() as server:
        source, _ = _poll(server, body, fetcher)
    stored = _stored(source)
    assert (stored["1"].published_from, stored["1"].published_at) == (
        PublishedFrom.FEED,
        NOW - timedelta(minutes=1),
    )
    assert (stored["2"].published_from, stored["2"].published_at) == (
        PublishedFrom.URL,
        datetime(2026, 11, 18, tzinfo=UTC),
    )
    assert (stored["3"].published_from, stored["3"].published_at) == (PublishedFrom.FETCHED, NOW)
    assert stored["3"].published_at_estimated


def test_the_page_date_replaces_an_estimated_one_and_says_so(fetcher):
    page = (
        "<html><head><title>Storm</title>"
        '<meta property="article:published_time" content="2026-11-19T07:00:00Z"></head>'
        "<body><article><h1>Storm</h1>"
        + "<p>The storm reached the coast on Thursday morning and cut power to many homes nearby.</p>" * 3
        + "</article></body></html>"
    ).encode()
    with TestServer() as server:
        server.add("/story", Response(body=page, headers={"Content-Type": "text/html"}))
        link = server.url("/story")
        body = _rss(_item(1, date="Sat, 01 Jan 0001 00:00:00 GMT").replace("https://news.example/1", link))
        _source, summary = _poll(server, body, fetcher)
        article = Article.objects.get(pk=summary.new_article_ids[0])
        assert article.published_from == PublishedFrom.FETCHED
        services.fetch_article(article=article, fetcher=fetcher)
    article.refresh_from_db()
    assert (article.published_from, article.published_at) == (
        PublishedFrom.PAGE,
        datetime(2026, 11, 19, 7, tzinfo=UTC),
    )


def test_an_import_record_dated_before_1995_gets_the_import_time():
    summary = services.import_articles(
        records=iter(
            [(1, {"title": "Old placeholder", "text": "Body text here.", "published_at": "0001-01-01"})]
        ),
        source_name="Archive",
    )
    (article,) = Article.objects.filter(pk__in=summary.article_ids)
    assert article.published_from == PublishedFrom.FETCHED
    assert article.published_at > datetime(2026, 1, 1, tzinfo=UTC)


# --- Site names in titles --------------------------------------------------------------------


def test_a_title_loses_the_sources_name(fetcher):
    with TestServer() as server:
        source, _ = _poll(
            server,
            _rss(_item(1, title="مقتل خمسة في غارة على مخيم النصيرات - الجزيرة نت")),
            fetcher,
            name="الجزيرة نت",
        )
    article = Article.objects.get(source=source)
    services.store_text(
        article=article, title=article.title, body="نص الخبر.", language_hint="ar", status="feed_only"
    )
    assert Article.objects.get(source=source).title == "مقتل خمسة في غارة على مخيم النصيرات"


def test_a_tail_shared_by_a_sources_titles_is_learned_and_cut_from_every_later_title(fetcher):
    titles = [
        "انطلاق محادثات الهدنة في الدوحة",
        "ارتفاع أسعار النفط بعد قرار أوبك",
        "زلزال بقوة ست درجات يضرب تركيا",
    ]
    body = _rss(*(_item(n, title=f"{title} | شبكة الأخبار") for n, title in enumerate(titles, 1)))
    with TestServer() as server:
        source, _ = _poll(server, body, fetcher, name="Akhbar")
    assert source.title_tail == "شبكة الأخبار"
    later = Article.objects.get(source=source, url="https://news.example/1")
    services.store_text(
        article=later,
        title="عودة الهدوء إلى غزة | شبكة الأخبار",
        body="نص.",
        language_hint="ar",
        status="feed_only",
    )
    assert Article.objects.get(pk=later.pk).title == "عودة الهدوء إلى غزة"


def test_a_learned_tail_is_written_once_though_the_pages_escape_it_twice(django_assert_num_queries):
    source = SourceFactory(name="Akhbar")
    # Page titles reach a batch as the page has them ("&amp;" escaped twice reads "&amp;");
    # the tail is stored as plain text, and compared so.
    seen = [f"News item {n} of the morning | Akhbar &amp; Co" for n in range(3)]
    services._learn_title_tail(source, seen)
    assert Source.objects.get(pk=source.pk).title_tail == "Akhbar & Co"
    with django_assert_num_queries(0):
        services._learn_title_tail(source, seen)
