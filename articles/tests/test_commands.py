"""add_source, poll_sources and import_articles, run as an operator runs them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, Source
from articles.tests.factories import SourceFactory
from articles.tests.harbour import RSS, fixture
from articles.tests.httpserver import Response, TestServer

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo" / "articles.jsonl"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fetch_settings")]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- add_source -------------------------------------------------------------------------------


def test_add_source_creates_a_source_to_poll_at_once():
    out, _ = run("add_source", "https://news.example/feed.xml", "--name", "News", "--language", "AR")

    source = Source.objects.get(url="https://news.example/feed.xml")
    assert (source.name, source.language, source.kind, source.enabled) == ("News", "ar", "auto", True)
    assert Source.objects.due().filter(pk=source.pk).exists()
    assert out.startswith(f"added source {source.pk}: News <https://news.example/feed.xml>")


def test_add_source_names_a_source_after_its_host_and_polls_it_at_the_default_interval(settings):
    settings.SILSILA_POLL_INTERVAL = 600
    run("add_source", "https://www.example.org/rss")

    assert Source.objects.values_list("name", "poll_interval").get() == ("www.example.org", 600)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://news.example/feed"], "not an http(s) URL"),
        (["not a url"], "not an http(s) URL"),
        (["https://news.example/feed", "--language", "arabic"], "--language must be an ISO 639 code"),
        (["https://news.example/feed", "--interval", "10"], "--interval must be at least 60 seconds"),
    ],
)
def test_add_source_refuses_bad_input_with_a_clear_error(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("add_source", *args)
    assert not Source.objects.exists()


def test_add_source_refuses_a_url_already_added():
    existing = SourceFactory(url="https://news.example/feed.xml", name="First")

    with pytest.raises(CommandError, match=f"source {existing.pk} \\(First\\) already has this URL"):
        run("add_source", "https://news.example/feed.xml")


# --- poll_sources --------------------------------------------------------------------------------


def test_one_broken_source_among_good_ones_does_not_stop_them(harbour):
    with TestServer() as other:
        items = "".join(
            f"<item><title>Other {n}</title><link>{other.origin}/o/{n}</link><guid>o{n}</guid>"
            f"<description>Summary of other story number {n}.</description></item>"
            for n in range(2)
        )
        other.add("/feed.rss", Response(body=f"<rss version='2.0'><channel>{items}</channel></rss>".encode()))
        # Its pages are gone: the feed's summaries stand in.
        good = SourceFactory(url=harbour.url("/feed.rss"), name="Harbour Gazette")
        broken = SourceFactory(url=harbour.url("/bomb.rss"), name="Bomb")
        harbour.add("/bomb.rss", Response(body=fixture("billion-laughs.rss", harbour), headers=RSS))
        gone = SourceFactory(url=harbour.url("/missing.rss"), name="Missing")
        summaries = SourceFactory(url=other.url("/feed.rss"), name="Other")

        out, _ = run("poll_sources", "--now")

    lines = out.splitlines()
    assert "Harbour Gazette: 3 entries, 3 new" in lines
    assert "  pages: 3 extracted" in lines
    assert any(line.startswith("Bomb: ERROR Refused: the document declares XML entities") for line in lines)
    assert f"Missing: ERROR HTTP 404 from {harbour.url('/missing.rss')}" in lines
    assert "  pages: 2 feed_only" in lines
    assert lines[-1] == "4 source(s) polled, 2 failed"
    assert Article.objects.filter(source=good, status=Article.Status.EXTRACTED).count() == 3
    assert Article.objects.filter(source=summaries, status=Article.Status.FEED_ONLY).count() == 2
    for failed in (broken, gone):
        failed.refresh_from_db()
        assert failed.consecutive_failures == 1 and failed.last_error


def test_poll_sources_without_flags_polls_only_due_sources(harbour):
    due = SourceFactory(url=harbour.url("/feed.rss"), name="Due", next_poll_at=None)
    SourceFactory(
        url=harbour.url("/later.rss"), name="Later", next_poll_at=timezone.now() + timedelta(hours=1)
    )

    out, _ = run("poll_sources")

    assert out.splitlines()[0] == "Due: 3 entries, 3 new"
    assert "Later" not in out
    assert harbour.requests_to("/later.rss") == []
    assert Article.objects.filter(source=due).count() == 3


def test_poll_sources_polls_one_source_by_id(harbour):
    source = SourceFactory(url=harbour.url("/feed.rss"), name="Harbour")
    SourceFactory(url=harbour.url("/other.rss"))

    out, _ = run("poll_sources", "--source", str(source.pk), "--no-pages")

    assert out.splitlines() == ["Harbour: 3 entries, 3 new", "1 source(s) polled, 0 failed"]
    assert harbour.requests_to("/other.rss") == []


def test_poll_sources_reports_a_disabled_source_without_fetching_it(harbour):
    source = SourceFactory(url=harbour.url("/feed.rss"), name="Off", enabled=False, disabled_reason="by hand")

    out, _ = run("poll_sources", "--source", str(source.pk))

    assert out.splitlines()[0] == "Off: disabled (by hand), not polled"
    assert harbour.requests == []


def test_poll_sources_refuses_an_unknown_source_id():
    with pytest.raises(CommandError, match="no source with id 424242"):
        run("poll_sources", "--source", "424242")


def test_a_transient_page_failure_is_left_pending_with_a_note(harbour):
    harbour.add("/news/sea-wall", Response(status=503))
    source = SourceFactory(url=harbour.url("/feed.rss"), name="Harbour")

    out, err = run("poll_sources", "--source", str(source.pk))

    assert "  pages: 2 extracted, 1 pending" in out.splitlines()
    assert f"page {harbour.url('/news/sea-wall')}: HTTP 503" in err
    assert Article.objects.get(source=source, guid="harbour-gazette-1002").status == Article.Status.PENDING


# --- import_articles ------------------------------------------------------------------------------


def test_the_demo_corpus_imports_with_its_wire_copies_linked():
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]

    out, err = run("import_articles", str(DEMO))

    assert err == ""
    assert Article.objects.count() == len(records) == 66
    assert set(Source.objects.values_list("name", flat=True)) == {r["source"] for r in records}
    assert set(Source.objects.values_list("kind", flat=True)) == {"import"}
    stored = {a.guid: a for a in Article.objects.all()}
    # The Arabic wire report of 13 November and its two republications on other sites.
    assert stored["demo-008"].duplicate_of_id is None
    assert stored["demo-010"].duplicate_of_id == stored["demo-008"].pk
    assert stored["demo-011"].duplicate_of_id == stored["demo-008"].pk
    linked = Article.objects.filter(duplicate_of__isnull=False).count()
    assert linked == 2  # and no article of another report is taken for a copy
    assert out.strip() == "read 66 line(s): created 66, already stored 0, near-duplicates linked 2, errors 0"
    for record in records:
        article = stored[record["id"]]
        assert (article.title, article.language, article.status) == (
            record["title"],
            record["lang"],
            "extracted",
        )
        assert article.published_at.isoformat() == record["published_at"]
        assert article.summary == record.get("summary", "")


def test_importing_the_same_file_twice_adds_nothing():
    run("import_articles", str(DEMO))

    out, _ = run("import_articles", str(DEMO))

    assert out.strip() == "read 66 line(s): created 0, already stored 66, near-duplicates linked 0, errors 0"
    assert Article.objects.count() == 66


def test_a_broken_import_file_loses_only_its_bad_lines(tmp_path):
    good = {
        "id": "a1",
        "lang": "en",
        "title": "Quay reopens",
        "text": "The quay reopened on Monday after repairs.",
    }
    lines = [
        json.dumps(good).encode(),
        b"{not json",
        b"[1, 2]",
        json.dumps({"id": "a2", "title": "", "text": ""}).encode(),
        json.dumps({**good, "id": "a3", "published_at": "last Tuesday"}).encode(),
        '{"id": "a4", "title": "caf\xe9"}'.encode("latin-1"),
        json.dumps({**good, "id": "a5", "url": "javascript:alert(1)"}).encode(),
        b"",
        json.dumps({"id": "a6", "title": "Lifeboat launched", "text": "Crews rescued two walkers."}).encode(),
    ]
    path = tmp_path / "articles.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    out, err = run("import_articles", str(path), "--source", "Harbour archive")

    assert err.splitlines() == [
        "line 2: not JSON (Expecting property name enclosed in double quotes)",
        "line 3: not a JSON object",
        "line 4: no title and no text",
        "line 5: published_at is not an ISO 8601 date: 'last Tuesday'",
        "line 6: not UTF-8 (invalid continuation byte at byte 26)",
        "line 7: url is not an http(s) URL: 'javascript:alert(1)'",
    ]
    assert out.strip() == "read 8 line(s): created 2, already stored 0, near-duplicates linked 0, errors 6"
    source = Source.objects.get(name="Harbour archive")
    assert sorted(source.articles.values_list("guid", flat=True)) == ["a1", "a6"]
    assert source.kind == Source.Kind.IMPORT
    assert source.last_error == (
        "import of articles.jsonl: line 2: not JSON (Expecting property name enclosed in double quotes)"
        " (and 5 more)"
    )


def test_import_articles_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_articles", str(tmp_path / "nope.jsonl"))
