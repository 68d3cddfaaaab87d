from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.feeds import FeedError, ParsedFeed, parse_feed

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def parse(name: str, *, url: str = "https://feeds.example.com/path/feed.xml", **kwargs) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), url=url, now=NOW, **kwargs)


def test_it_reads_arabic_windows_1256_from_the_xml_declaration():
    feed = parse("arabic-windows-1256.xml", url="https://news.example.com/feeds/main.xml")
    assert feed.kind == "rss"
    assert feed.title == "أخبار الشرق & الغرب"
    assert feed.language == "ar"
    assert feed.warnings == []
    first, second = feed.entries
    assert first.title == "انفجار في مرفأ بيروت يوقع عشرات القتلى"
    assert second.title == "وزير الصحة: الحصيلة مرشحة للارتفاع"
    assert first.author == "مراسلنا في بيروت"
    assert first.guid == "beirut-1"
    assert first.url == "https://news.example.com/ar/news/2020/08/04/beirut-port"
    assert first.published_at == datetime(2020, 8, 4, 15, 30, tzinfo=UTC)
    assert first.summary == "قال مسؤولون إن الانفجار هز العاصمة اللبنانية."
    assert "<script" not in first.summary_html
    assert "<b>الانفجار</b>" in first.summary_html


def test_it_reads_arabic_iso_8859_6_atom_with_xml_base():
    feed = parse("arabic-iso-8859-6.xml")
    assert feed.kind == "atom"
    assert feed.title == "صحيفة المساء"
    (entry,) = feed.entries
    assert entry.title == "الحكومة تعلن خطة جديدة للنقل العام"
    assert entry.url == "https://akhbar.example.org/ar/2024/03/transport.html"
    assert entry.published_at == datetime(2024, 3, 1, 7, 15, tzinfo=UTC)
    assert entry.author == "سارة"
    assert entry.language == "ar"
    assert entry.summary == "أعلنت الحكومة اليوم خطة جديدة."


def test_it_prefers_the_document_encoding_when_the_http_charset_is_wrong():
    feed = parse("arabic-windows-1256.xml", content_type="application/rss+xml; charset=utf-8")
    assert feed.entries[0].title == "انفجار في مرفأ بيروت يوقع عشرات القتلى"
    assert any("windows-1256" in warning for warning in feed.warnings)


def test_it_uses_the_http_charset_when_the_document_declares_none():
    feed = parse("arabic-windows-1256-no-declaration.xml", content_type="text/xml; charset=windows-1256")
    assert feed.title == "نشرة المساء"
    assert feed.entries[0].title == "هطول أمطار غزيرة في عمان"
    assert feed.warnings == []


def test_it_recognises_undeclared_windows_1256_arabic_and_warns():
    feed = parse("arabic-windows-1256-no-declaration.xml")
    assert feed.entries[0].title == "هطول أمطار غزيرة في عمان"
    assert any("windows-1256" in warning for warning in feed.warnings)


def test_it_parses_a_news_sitemap():
    feed = parse("news-sitemap.xml")
    assert feed.kind == "sitemap"
    assert feed.language == "ar"
    assert feed.title == "إكزامبل نيوز"
    first, second = feed.entries
    assert first.url == "https://www.example-news.com/ar/politics/2024/05/12/election-results"
    assert first.guid == first.url
    assert first.title == "نتائج الانتخابات البلدية & نسبة المشاركة"
    assert first.published_at == datetime(2024, 5, 12, 11, 20, tzinfo=UTC)
    assert first.image_url == "https://img.example-news.com/election.jpg"
    assert second.published_at == datetime(2024, 5, 12, tzinfo=UTC)


def test_it_parses_a_plain_sitemap_with_lastmod_and_skips_urls_without_loc():
    feed = parse("sitemap-plain.xml")
    assert [entry.url for entry in feed.entries] == [
        "https://blog.example.com/2023/01/first-post",
        "https://blog.example.com/about",
    ]
    assert feed.entries[0].published_at == datetime(2023, 1, 15, 8, 0, tzinfo=UTC)
    assert feed.entries[1].published_at is None
    assert any("skipped" in warning for warning in feed.warnings)


def test_it_returns_child_sitemaps_of_an_index_resolved_and_web_only():
    feed = parse("sitemap-index.xml", url="https://www.example-news.com/sitemap.xml")
    assert feed.kind == "sitemap_index"
    assert feed.entries == []
    assert feed.child_sitemaps == [
        "https://www.example-news.com/sitemaps/news.xml",
        "https://www.example-news.com/sitemaps/archive-2024-05.xml",
    ]


def test_it_reads_a_gzipped_sitemap():
    feed = parse_feed(
        gzip.compress((FEEDS / "news-sitemap.xml").read_bytes()), url="https://x.example/s.xml.gz"
    )
    assert feed.kind == "sitemap"
    assert len(feed.entries) == 2


def test_it_refuses_a_gzip_bomb():
    bomb = gzip.compress(b" " * (60 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(FeedError, match="more than 50 MB"):
        parse_feed(bomb, url="https://x.example/s.xml.gz")


def test_it_parses_json_feed_1_1():
    feed = parse("json-feed-1.1.json", url="https://wire.example.net/feed.json")
    assert feed.kind == "json"
    assert feed.title == "Wire & Wire"
    assert feed.link == "https://wire.example.net/"
    floods, roads, note = feed.entries
    assert floods.guid == "2024-0001"
    assert floods.published_at == datetime(2024, 2, 3, 9, 0, tzinfo=UTC)
    assert floods.author == "Ana Ruiz"
    assert floods.image_url == "https://wire.example.net/img/floods.jpg"
    assert floods.summary == "Rescue teams reached the area."
    assert 'href="https://wire.example.net/teams"' in floods.summary_html
    assert "onerror" not in floods.summary_html
    assert roads.guid == "42"
    assert roads.url == "https://wire.example.net/2024/roads"
    assert roads.language == "fr"
    assert roads.author == "Wire Desk"
    assert roads.published_at == datetime(2024, 2, 4, 8, 30, tzinfo=UTC)
    assert note.url is None
    assert note.guid.startswith("sha256:")
    assert feed.warnings == ["1 entry without URL, title or text skipped."]


def test_it_parses_json_feed_1_0_with_a_single_author():
    (entry,) = parse("json-feed-1.0.json").entries
    assert entry.author == "Editor"
    assert entry.summary == "Line one.\n\nLine two."


def test_it_parses_rss_1_0_rdf():
    feed = parse("rss-1.0.rdf")
    assert feed.kind == "rss"
    (entry,) = feed.entries
    assert entry.title == "Story one"
    assert entry.author == "J. Doe"
    assert entry.published_at == datetime(2022, 11, 5, 21, 45, tzinfo=UTC)


def test_it_accepts_the_netscape_rss_091_doctype_and_decodes_entities():
    feed = parse("rss-0.91-netscape.xml")
    assert feed.title == "Café Journal"
    assert feed.language == "fr"
    assert feed.entries[0].title == "Ouverture d\u2019un café"
    assert feed.entries[0].summary == "Le café ouvre & sert."


def test_it_drops_future_and_ancient_dates_and_skips_empty_items():
    feed = parse("rss-dates-and-gaps.xml")
    by_title = {entry.title: entry for entry in feed.entries}
    # Not a date: the next candidate (the page's, the address's, the fetch time) stands in.
    assert by_title["From the future"].published_at is None
    assert by_title["Epoch zero"].published_at is None
    assert by_title["No date at all"].published_at is None
    assert by_title["Garbage date"].published_at is None
    assert len(feed.entries) == 8
    assert feed.warnings == [
        "1 entry dated more than a day ahead; date dropped (the page's date, or the time of reading, "
        "stands in).",
        "1 entry dated before 1995; date dropped (the page's date, or the time of reading, stands in).",
        "1 entry without URL, title or text skipped.",
    ]


def test_it_derives_a_stable_guid_when_an_entry_has_neither_id_nor_link():
    first = {entry.title: entry for entry in parse("rss-dates-and-gaps.xml").entries}["No link, no guid"]
    again = {entry.title: entry for entry in parse("rss-dates-and-gaps.xml").entries}["No link, no guid"]
    assert first.url is None
    assert first.guid == again.guid
    assert first.guid.startswith("sha256:")
    assert first.summary == "Text only & entities ال"


def test_it_uses_the_link_as_guid_and_refuses_non_web_links():
    by_title = {entry.title: entry for entry in parse("rss-dates-and-gaps.xml").entries}
    assert by_title["No date at all"].guid == "https://edge.example.com/undated"
    assert by_title["Bad link scheme"].url is None


def test_it_finds_entry_images_in_media_thumbnails_and_enclosures():
    by_title = {entry.title: entry for entry in parse("rss-dates-and-gaps.xml").entries}
    assert by_title["With media"].image_url == "https://cdn.example.com/t.jpg"
    assert by_title["Enclosure image"].image_url == "https://cdn.example.com/e.png"


def test_it_returns_entries_of_a_bozo_feed_with_the_reason():
    feed = parse("rss-bozo-ampersands.xml")
    assert [entry.title for entry in feed.entries] == ["Cats & dogs", "Second & last"]
    assert feed.entries[0].url == "https://bozo.example.com/a?x=1&y=2"
    assert len(feed.warnings) == 1
    assert "not well-formed" in feed.warnings[0]


@pytest.mark.parametrize(
    "name", ["billion-laughs.xml", "external-entity.xml", "parameter-entity.xml", "ill-formed-bomb.xml"]
)
def test_it_refuses_xml_that_declares_entities(name):
    with pytest.raises(FeedError, match="Refused"):
        parse(name)


def test_it_refuses_a_quadratic_blowup_without_expanding_it():
    big = "x" * 100_000
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]>'
        f'<rss version="2.0"><channel><title>{"&big;" * 10_000}</title></channel></rss>'
    ).encode()
    with pytest.raises(FeedError, match="Refused"):
        parse_feed(body, url="https://evil.example/feed")


def test_it_refuses_an_entity_declaration_hidden_in_a_comment():
    # feedparser copies declarations it finds before the root element, comments included.
    body = (
        '<?xml version="1.0"?><!--\n<!ENTITY big "' + "x" * 10_000 + '">\n-->'
        '<rss version="2.0"><channel><title>' + "&big;" * 1_000 + "</title></channel></rss>"
    ).encode()
    with pytest.raises(FeedError, match="Refused"):
        parse_feed(body, url="https://evil.example/feed")


def test_it_finds_a_doctype_after_a_long_leading_comment():
    padding = "<!--" + " " * 40_000 + "-->"
    body = ('<?xml version="1.0"?>' + padding + (FEEDS / "billion-laughs.xml").read_text()[21:]).encode()
    with pytest.raises(FeedError, match="Refused"):
        parse_feed(body, url="https://evil.example/feed")


def test_it_tells_an_html_page_from_a_feed():
    with pytest.raises(FeedError, match="HTML page"):
        parse("html-page.html")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"  \r\n ", "empty"),
        (bytes(range(256)) * 8, "No RSS or Atom feed"),
        (b'<?xml version="1.0"?><inventory><item/></inventory>', "No RSS or Atom feed"),
        (b'{"name": "not a feed"}', "not a JSON Feed"),
        (b"{broken", "not valid JSON"),
    ],
)
def test_it_raises_a_readable_error_for_bodies_that_are_not_feeds(body, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(body, url="https://x.example/feed")


def test_it_parses_a_feed_of_ten_thousand_items():
    items = "".join(
        f"<item><title>Story {i} &amp; more</title><link>/s/{i}</link>"
        f"<description>&lt;p&gt;Body {i}&lt;/p&gt;</description></item>"
        for i in range(10_000)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'
    feed = parse_feed(body.encode(), url="https://big.example.com/rss", now=NOW)
    assert len(feed.entries) == 10_000
    assert feed.entries[-1].url == "https://big.example.com/s/9999"
    assert feed.entries[-1].title == "Story 9999 & more"
    assert feed.entries[-1].summary == "Body 9999"
