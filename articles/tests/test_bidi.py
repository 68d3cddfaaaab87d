"""Bidi embedding, override and isolate controls are stripped from names and text at ingest.

A right-to-left override (U+202E) in "وكالة \u202egpj.exe" makes it display as "…exe.jpg".
The browser test that shows the name on a story page is in stories/tests/test_layout_browser.py.
"""

# Arabic letters are this module's subject, not look-alikes of Latin ones.
# ruff: noqa: RUF001
from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command

from articles import services
from articles.admin import SourceForm
from articles.models import Article, Source
from articles.tests.factories import ArticleFactory, SourceFactory
from articles.tests.harbour import RSS
from articles.tests.httpserver import Response, TestServer
from articles.text import strip_bidi_controls

RLO = "\u202e"
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SPOOFED = f"وكالة {RLO}gpj.exe"
SHOWN = "وكالة gpj.exe"


def test_every_embedding_override_and_isolate_control_is_stripped():
    assert strip_bidi_controls(f"a{CONTROLS}b") == "ab"
    assert strip_bidi_controls(SPOOFED) == SHOWN


def test_marks_and_arabic_text_are_kept():
    # LRM/RLM and the Arabic letter mark reorder nothing beyond their neighbours.
    text = "\u200fالخبر\u200e 2026 \u061c"
    assert strip_bidi_controls(text) == text


@pytest.mark.django_db
@pytest.mark.usefixtures("fetch_settings")
def test_a_polled_entry_loses_its_controls_in_title_summary_and_text():
    with TestServer() as server:
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            f"<item><title>{SPOOFED}</title><link>{server.url('/a/1')}</link><guid>g1</guid>"
            f"<description>ملخص {RLO}fdp.exe\u2067 معزول\u2069</description></item></channel></rss>"
        )
        server.add("/feed.rss", Response(body=feed.encode(), headers=RSS))
        server.add("/a/1", Response(status=404))
        source = SourceFactory(url=server.url("/feed.rss"), language="ar")
        services.poll_source(source=source)
        stub = Article.objects.get(source=source)
        assert (stub.title, stub.summary) == (SHOWN, "ملخص fdp.exe معزول")
        services.fetch_article(article=stub)
    article = Article.objects.get(source=source)
    assert article.status == Article.Status.FEED_ONLY
    for value in (article.title, article.summary, article.text):
        assert not set(CONTROLS) & set(value), repr(value)
    assert article.text == "ملخص fdp.exe معزول"


@pytest.mark.django_db
def test_an_imported_article_and_its_source_lose_their_controls():
    record = {
        "id": "x1",
        "url": "https://outlet.example/a/1",
        "title": SPOOFED,
        "text": f"Body {RLO}txt. " * 20,
    }
    services.import_articles(records=iter([(1, record)]), source_name=SPOOFED)
    article = Article.objects.select_related("source").get()
    assert article.source.name == SHOWN
    assert article.title == SHOWN
    assert RLO not in article.text


@pytest.mark.django_db
def test_a_source_named_in_the_admin_form_or_the_command_loses_its_controls():
    form = SourceForm(
        data={
            "url": "https://outlet.example/feed",
            "name": SPOOFED,
            "language": "ar",
            "kind": "rss",
            "poll_interval": 900,
        }
    )
    assert form.is_valid(), form.errors
    assert form.save().name == SHOWN
    call_command("add_source", "https://other.example/feed", "--name", SPOOFED)
    assert Source.objects.get(url="https://other.example/feed").name == SHOWN


@pytest.mark.django_db
def test_the_migration_strips_controls_from_rows_stored_before():
    from django.apps import apps

    migration = importlib.import_module("articles.migrations.0004_strip_bidi_controls")
    source = SourceFactory(name=SPOOFED)
    spoofed = ArticleFactory(source=source, title=SPOOFED, summary=f"a{CONTROLS}b", text=f"{RLO}text")
    clean = ArticleFactory(source=source, title="Plain title")
    migration.forwards(apps, None)
    source.refresh_from_db()
    spoofed.refresh_from_db()
    assert source.name == SHOWN
    assert (spoofed.title, spoofed.summary, spoofed.text) == (SHOWN, "ab", "text")
    assert Article.objects.get(pk=clean.pk).title == "Plain title"
