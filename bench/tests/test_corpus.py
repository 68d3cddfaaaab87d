"""The benchmark corpus: every feed entry leads to a page the server answers and the extractor reads."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from articles.extract import extract_article
from articles.feeds import parse_feed
from bench import corpus, server
from conftest import eval_path

DEMO = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "demo" / "articles.jsonl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> corpus.Corpus:
    eval_dir = eval_path()
    root = tmp_path_factory.mktemp("corpus")
    # More articles than distinct texts would be needed for copies; 250 pages over 3 sites is
    # enough to check the structure, and texts come back only at full scale.
    return corpus.build(
        root=root, eval_dir=eval_dir, demo_path=DEMO, articles=250, port=_free_port(), sites=3
    )


def test_every_feed_entry_links_a_distinct_generated_page(built: corpus.Corpus) -> None:
    links = []
    for feed_url in built.feed_urls:
        parts = urlsplit(feed_url)
        body = (built.root / parts.hostname / parts.path.lstrip("/")).read_bytes()
        feed = parse_feed(body, url=feed_url, content_type="application/rss+xml")
        assert feed.kind == "rss"
        assert len(feed.entries) <= corpus.ENTRIES_PER_FEED
        for entry in feed.entries:
            page = urlsplit(entry.url)
            assert (built.root / page.hostname / page.path.lstrip("/")).is_file()
            assert entry.published_at is not None
            links.append(entry.url)
    assert len(links) == 250
    assert len(set(links)) == 250


def test_the_production_extractor_reads_the_article_and_drops_the_boilerplate(built: corpus.Corpus) -> None:
    page_path = next((built.root / built.hosts[0] / "news").glob("*.html"))
    extracted = extract_article(page_path.read_bytes(), url=f"http://{built.hosts[0]}/news/{page_path.name}")
    assert extracted is not None
    assert extracted.title
    assert "cookies" not in extracted.text
    assert "Most read" not in extracted.text
    assert extracted.published_at is not None


def test_republished_copies_get_their_own_headline_and_rotated_text() -> None:
    text = corpus.Text(title="Storm hits the coast", body="First.\nSecond.\nThird.", language="en")
    copy = corpus._variant(text, 1, "site127.0.0.2")
    assert copy.title == "Update: Storm hits the coast"
    assert copy.body.split("\n") == ["(site127.0.0.2) —", "Second.", "Third.", "First."]


def test_the_server_answers_each_site_on_its_own_address_and_404s_the_rest(built: corpus.Corpus) -> None:
    servers = server.serve(built.root, built.port)
    try:
        feed = urlsplit(built.feed_urls[0])
        with urllib.request.urlopen(built.feed_urls[0], timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("application/rss+xml")
            assert b"<rss" in response.read()
        other_host = next(h for h in built.hosts if h != feed.hostname)
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://{other_host}:{built.port}{feed.path}x", timeout=5)
        assert missing.value.code == 404
        missing.value.close()
    finally:
        for running in servers:
            running.shutdown()
            running.server_close()
