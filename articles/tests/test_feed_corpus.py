"""Every file of feedparser's own test corpus goes through parse_feed without an unhandled error."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from articles.feeds import FeedError, ParsedFeed, parse_feed
from conftest import eval_path

NOW = datetime(2024, 6, 1, tzinfo=UTC)
# The corpus' own convention: an HTTP header for the test server, written in the leading comment.
_HEADER = re.compile(rb"Header:\s*Content-type:\s*([^\r\n]*)", re.IGNORECASE)


def _content_type(body: bytes) -> str | None:
    match = _HEADER.search(body[:2000])
    return match.group(1).decode("ascii").strip() if match else None


def _url(corpus: Path, path: Path) -> str:
    return "http://127.0.0.1/" + path.relative_to(corpus).as_posix()


@pytest.fixture(scope="module")
def corpus() -> Path:
    return eval_path("feeds", "tests")


def test_every_corpus_file_parses_or_raises_feed_error_and_bozo_files_carry_warnings(corpus):
    files = sorted(corpus.rglob("*.xml"))
    assert len(files) > 900
    crashes, silent_bozo, refused = [], [], []
    for path in files:
        body = path.read_bytes()
        content_type = _content_type(body)
        url = _url(corpus, path)
        reference = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-location": url, "content-type": content_type or "application/xml"},
        )
        try:
            feed = parse_feed(body, url=url, content_type=content_type, now=NOW)
        except FeedError:
            refused.append(path.name)
            continue
        except Exception as error:
            crashes.append(f"{path.relative_to(corpus)}: {error!r}")
            continue
        if reference.bozo and not feed.warnings:
            silent_bozo.append(str(path.relative_to(corpus)))
        for entry in feed.entries:
            assert entry.published_at is None or entry.published_at.utcoffset() == timedelta(0), path
            assert entry.url is None or entry.url.startswith(("http://", "https://")), path
            assert entry.guid, path
            assert "<script" not in entry.summary_html.lower(), path
    assert crashes == []
    assert silent_bozo == []
    # What is refused: an empty document, the two files that declare entities in a DOCTYPE, and
    # a feed that breaks off inside its only item (nothing read is no successful poll).
    assert sorted(refused) == [
        "doctype_contains_entity_decl.xml",
        "entity_in_doctype.xml",
        "rss_empty_document.xml",
        "rss_incomplete_cdata.xml",
    ]


def _parse(corpus: Path, relative: str) -> ParsedFeed:
    path = corpus / relative
    body = path.read_bytes()
    return parse_feed(body, url=_url(corpus, path), content_type=_content_type(body), now=NOW)


def test_corpus_channel_title(corpus):
    assert _parse(corpus, "wellformed/rss/channel_title.xml").title == "Example feed"


def test_corpus_item_link_and_guid(corpus):
    assert _parse(corpus, "wellformed/rss/item_link.xml").entries[0].url == "http://example.com/"
    assert _parse(corpus, "wellformed/rss/item_guid.xml").entries[0].guid == "http://guid.example.com/"


def test_corpus_entries_with_only_a_date_are_dropped_with_a_warning(corpus):
    # The corpus' date files hold entries with a date and nothing else: no URL, no text to show.
    for relative in ("wellformed/atom/entry_published_parsed.xml", "wellformed/rss/item_pubDate.xml"):
        feed = _parse(corpus, relative)
        assert feed.entries == []
        assert feed.warnings == ["1 entry without URL, title or text skipped."]


def test_corpus_escaped_markup_becomes_clean_text(corpus):
    (entry,) = _parse(corpus, "wellformed/rss/item_description_escaped_markup.xml").entries
    assert entry.summary == "Example description"
    assert entry.summary_html == "<p>Example description</p>"
    inline = _parse(corpus, "wellformed/atom10/entry_title_inline_markup_2.xml").entries[0]
    # Markup in a plain-text field goes, also when it was escaped to be read as text: a reader
    # that shows titles as HTML would make it an element (articles/sanitize.py, plain_text).
    assert inline.title == "History of the tag"


def test_corpus_utf8_title_with_http_content_type(corpus):
    assert _parse(corpus, "encoding/http_i18n.xml").title == "Iñtërnâtiônàlizætiøn"
