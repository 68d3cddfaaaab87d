from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Source
from articles.tests.factories import ArticleFactory, SourceFactory
from articles.tests.httpserver import Response, TestServer

pytestmark = pytest.mark.django_db

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk Test Wire</title><link>https://wire.example/</link>
<item><title>First story of the day</title><link>https://wire.example/1</link>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate></item>
<item><title>عنوان الخبر الثاني</title><link>https://wire.example/2</link>
<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate></item>
</channel></rss>""".encode()


@pytest.fixture
def editor_client(client):
    if not Group.objects.filter(name="Editors").exists():
        importlib.import_module("stories.migrations.0003_editors_group").create_editors_group(
            django_apps, None
        )
    user = get_user_model().objects.create_user("editor", password="x-long-passphrase-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    # Messages are asserted in English; the site's default language is Arabic.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def local_fetching(settings):
    # The test feed is served on 127.0.0.1, which the fetcher refuses unless told otherwise.
    settings.SILSILA_FETCH_ALLOW_PRIVATE = True
    settings.SILSILA_FETCH_HOST_DELAY = 0.0
    services.get_fetcher.cache_clear()
    yield
    services.get_fetcher.cache_clear()


def add_form_data(**overrides) -> dict:
    return {
        "url": "https://wire.example/feed.xml",
        "name": "",
        "language": "en",
        "kind": "auto",
        **overrides,
    } | {
        "enabled": "on",
        "poll_interval": "900",
    }


def test_adding_a_source_by_url_names_it_after_its_host(editor_client):
    response = editor_client.post(reverse("admin:articles_source_add"), add_form_data(language="AR"))
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.name, source.url, source.language, source.enabled) == (
        "wire.example",
        "https://wire.example/feed.xml",
        "ar",
        True,
    )


@pytest.mark.parametrize(
    "url, language",
    [("ftp://wire.example/feed.xml", "en"), ("https://wire.example/feed.xml", "arabic"), ("not a url", "en")],
)
def test_the_add_form_refuses_non_http_addresses_and_bad_language_codes(editor_client, url, language):
    response = editor_client.post(
        reverse("admin:articles_source_add"), add_form_data(url=url, language=language)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Source.objects.exists()


def test_test_fetch_shows_what_would_be_ingested_without_saving(editor_client, local_fetching):
    routes = {"/feed.xml": Response(body=RSS, headers={"Content-Type": "application/rss+xml"})}
    with TestServer(routes) as server:
        url = server.url("/feed.xml")
        add_page = editor_client.get(reverse("admin:articles_source_add")).content.decode()
        assert reverse("admin:articles_source_test_fetch") in add_page
        response = editor_client.post(reverse("admin:articles_source_test_fetch"), add_form_data(url=url))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview["kind"], preview["title"], preview["entry_count"]) == ("rss", "Desk Test Wire", 2)
    assert [e.title for e in preview["entries"]] == ["First story of the day", "عنوان الخبر الثاني"]
    html = response.content.decode()
    assert "Desk Test Wire" in html and "عنوان الخبر الثاني" in html
    assert not Source.objects.exists()
    # The preview page carries the form on to the add view: posting it adds the source.
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert carried["url"] == url
    saved = editor_client.post(reverse("admin:articles_source_add"), {**carried, "_save": "1"})
    assert saved.status_code == 302
    assert Source.objects.get().url == url


def test_test_fetch_reports_an_unreadable_feed(editor_client, local_fetching):
    with TestServer({}) as server:
        response = editor_client.post(
            reverse("admin:articles_source_test_fetch"), add_form_data(url=server.url("/missing.xml"))
        )
    assert "404" in response.context["preview"]["error"]
    assert b'id="fetch-error"' in response.content


def test_test_fetch_needs_the_add_permission(client):
    user = get_user_model().objects.create_user("viewer", password="x-long-passphrase-1", is_staff=True)
    client.force_login(user)
    response = client.post(reverse("admin:articles_source_test_fetch"), add_form_data())
    assert response.status_code == 403


def test_poll_now_enqueues_one_poll_per_enabled_source_after_commit(
    editor_client, django_capture_on_commit_callbacks
):
    enabled = SourceFactory()
    disabled = SourceFactory(enabled=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = editor_client.post(
            reverse("admin:articles_source_changelist"),
            {"action": "poll_now", "_selected_action": [enabled.pk, disabled.pk]},
            follow=True,
        )
    assert len(callbacks) == 1
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["1 source(s) queued for polling.", "1 disabled or import source(s) skipped."]
    assert LogEntry.objects.filter(object_id=str(enabled.pk), change_message="Polled now").exists()


def test_enable_and_disable_actions(editor_client):
    failing = SourceFactory(enabled=False, consecutive_failures=10, disabled_reason="too many failures")
    healthy = SourceFactory()
    changelist = reverse("admin:articles_source_changelist")
    editor_client.post(changelist, {"action": "enable", "_selected_action": [failing.pk]})
    editor_client.post(changelist, {"action": "disable", "_selected_action": [healthy.pk]})
    failing.refresh_from_db()
    healthy.refresh_from_db()
    assert (failing.enabled, failing.consecutive_failures, failing.disabled_reason) == (True, 0, "")
    assert (healthy.enabled, healthy.disabled_reason) == (False, "disabled by editor")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_source_list_shows_health_with_constant_queries(
    editor_client, django_assert_max_num_queries, rows
):
    now = timezone.now()
    sources = [SourceFactory(last_success_at=now) for _ in range(rows)]
    ArticleFactory.create_batch(3, source=sources[0])
    old = ArticleFactory(source=sources[0])
    type(old).objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("admin:articles_source_changelist"))
    counts = {s.pk: s.articles_last_day for s in response.context["cl"].result_list}
    assert counts[sources[0].pk] == 3
    assert sum(counts.values()) == 3


def test_the_health_filter_finds_failing_and_silent_sources(editor_client):
    failing = SourceFactory(consecutive_failures=3, last_error="HTTP 500")
    silent = SourceFactory(last_success_at=timezone.now())
    busy = SourceFactory(last_success_at=timezone.now())
    ArticleFactory(source=busy)
    changelist = reverse("admin:articles_source_changelist")
    failing_page = editor_client.get(changelist, {"health": "failing"})
    assert [s.pk for s in failing_page.context["cl"].result_list] == [failing.pk]
    assert "HTTP 500" in failing_page.content.decode()
    silent_page = editor_client.get(changelist, {"health": "silent"})
    assert {s.pk for s in silent_page.context["cl"].result_list} == {failing.pk, silent.pk}
