"""What HTTP clients other than browsers expect: HEAD, a favicon, real error pages, feeds that
name their author and speak their story's language to a client that names none."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from stories.tests.test_views import build_story

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "search",
        "detail",
        "embed",
        "updates",
        "feed_atom",
        "feed_rss",
        "feed_json",
        "healthz",
        "favicon",
    ],
)
def test_head_answers_wherever_get_does(client, name):
    story = build_story(events=2, slug="truce")
    if name in {"healthz", "favicon"}:
        url = reverse(name)
    elif name in {"home", "search"}:
        url = reverse(f"stories:{name}") + ("?q=truce" if name == "search" else "")
    else:
        url = reverse(f"stories:{name}", kwargs={"slug": story.slug})
    get = client.get(url)
    head = client.head(url)
    # The updates poll answers 286 (htmx: stop polling) when nothing is new.
    assert get.status_code in {200, 286}
    assert head.status_code == get.status_code
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age=604800" in response["Cache-Control"]
    html = client.get("/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg" type="image/svg+xml"' in html


@pytest.mark.parametrize(
    ("language", "heading", "home_link"),
    [
        ("ar", "الصفحة غير موجودة", "العودة إلى أحدث القصص"),
        ("en", "Page not found", "Back to the latest stories"),
    ],
)
def test_a_missing_page_is_a_localised_404_in_the_site_layout(client, language, heading, home_link):
    response = client.get("/stories/no-such-story/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}"' in html
    assert f"<h1>{heading}</h1>" in html
    assert home_link in html
    assert 'class="site-header"' in html
    assert 'role="search"' in html


@pytest.mark.parametrize(("language", "heading"), [("ar", "حدث خطأ ما"), ("en", "Something went wrong")])
def test_a_server_error_is_a_localised_500_in_the_site_layout(client, monkeypatch, language, heading):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a reader view")

    monkeypatch.setattr("stories.reader.views._attach_top_sources", broken)
    build_story(events=1)
    client.raise_request_exception = False
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}"' in html
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-header"' in html
    assert "a bug in a reader view" not in html


def test_the_atom_feed_names_its_author(client):
    story = build_story(events=2)
    feed = ElementTree.fromstring(
        client.get(
            reverse("stories:feed_atom", kwargs={"slug": story.slug}), HTTP_ACCEPT_LANGUAGE="en"
        ).content
    )
    author = feed.find(f"{ATOM}author")
    assert author is not None
    assert author.find(f"{ATOM}name").text == "Silsila"
    assert author.find(f"{ATOM}uri").text == "http://testserver/"


def _first_summary(client, story, **headers) -> tuple[str, str]:
    response = client.get(reverse("stories:feed_atom", kwargs={"slug": story.slug}), **headers)
    entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
    # The summary is inert HTML (escaped text in <p> blocks): compare its text.
    return re.sub(r"<[^>]+>", "", entry.find(f"{ATOM}summary").text), response["ETag"]


def test_a_feed_speaks_its_storys_language_when_the_request_names_none(client):
    english = build_story(events=2, language="en", sources_per_event=2, slug="strike", headline="Strike {n}")
    arabic = build_story(events=2, sources_per_event=2, slug="truce")

    silent, silent_etag = _first_summary(client, english)
    assert silent.endswith("Sources: Outlet 0, Outlet 1")
    asked_arabic, arabic_etag = _first_summary(client, english, HTTP_ACCEPT_LANGUAGE="ar")
    assert asked_arabic.endswith("المصادر: Outlet 0، Outlet 1")
    assert silent_etag != arabic_etag
    assert _first_summary(client, arabic)[0].endswith("المصادر: Outlet 0، Outlet 1")
    assert _first_summary(client, arabic, HTTP_ACCEPT_LANGUAGE="en")[0].endswith(
        "Sources: Outlet 0, Outlet 1"
    )
    response = client.get(reverse("stories:feed_json", kwargs={"slug": english.slug}))
    assert response["Content-Language"] == "en"
    assert response.json()["items"][0]["content_text"].endswith("Sources: Outlet 0, Outlet 1")
