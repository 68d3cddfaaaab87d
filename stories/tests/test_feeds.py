from __future__ import annotations

import json

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from stories.tests.factories import StoryFactory
from stories.tests.test_views import build_story

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _url(name: str, story) -> str:
    return reverse(f"stories:{name}", kwargs={"slug": story.slug})


def test_atom_feed_lists_the_timeline_events_newest_first(client):
    story = build_story(events=3, sources_per_event=2, title="الهدنة في غزة", summary="ملخص")
    response = client.get(_url("feed_atom", story))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert feed.find(f"{ATOM}title").text == "الهدنة في غزة"
    assert feed.find(f"{ATOM}subtitle").get("type") == "html"
    assert feed.find(f"{ATOM}subtitle").text == "<p>ملخص</p>"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == ["حدث رقم 0", "حدث رقم 1", "حدث رقم 2"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href").startswith(f"http://testserver/stories/{story.slug}/#event-")
    assert first.find(f"{ATOM}updated").text == "2026-11-28T09:00:00+00:00"
    # The reader's language (Arabic by default) labels the list of outlets.
    assert first.find(f"{ATOM}summary").get("type") == "html"
    assert first.find(f"{ATOM}summary").text.endswith("<p>المصادر: Outlet 0، Outlet 1</p>")
    assert [category.get("term") for category in first.findall(f"{ATOM}category")] == ["Outlet 0", "Outlet 1"]


def test_rss_feed_carries_the_same_items(client):
    story = build_story(events=2, language="en", headline="Event {n}", title="Harbour strike")
    response = client.get(_url("feed_rss", story), HTTP_ACCEPT_LANGUAGE="en")

    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.find("title").text == "Harbour strike"
    assert channel.find("language").text == "en"
    items = channel.findall("item")
    assert [item.find("title").text for item in items] == ["Event 0", "Event 1"]
    assert items[0].find("guid").get("isPermaLink") == "false"
    assert "Sources: Outlet 0, Outlet 1" in items[0].find("description").text


def test_json_feed_follows_version_1_1(client):
    story = build_story(events=2, language="en", headline="Event {n}", title="Harbour strike")
    response = client.get(_url("feed_json", story))

    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    body = json.loads(response.content)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["title"] == "Harbour strike"
    assert body["home_page_url"] == f"http://testserver/stories/{story.slug}/"
    assert body["feed_url"] == f"http://testserver/stories/{story.slug}/feed.json"
    assert body["language"] == "en"
    first = body["items"][0]
    assert first["title"] == "Event 0"
    assert first["url"].startswith(f"http://testserver/stories/{story.slug}/#event-")
    assert first["external_url"] == f"https://0.example/{story.slug}/0"
    assert first["date_published"] == "2026-11-28T09:00:00+00:00"
    assert first["tags"] == ["Outlet 0", "Outlet 1"]


@pytest.mark.parametrize("name", ["feed_atom", "feed_rss", "feed_json"])
def test_feeds_of_a_merged_story_redirect_to_the_survivor(client, name):
    survivor = StoryFactory(slug="survivor")
    merged = StoryFactory(slug="merged", merged_into=survivor)
    response = client.get(_url(name, merged))
    assert response.status_code == 301
    assert response["Location"] == _url(name, survivor)


@pytest.mark.parametrize("name", ["feed_atom", "feed_json"])
def test_feeds_revalidate_with_etags(client, name):
    story = build_story(events=2)
    first = client.get(_url(name, story))
    assert "max-age=300" in first["Cache-Control"]
    again = client.get(_url(name, story), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("events", [3, 30])
@pytest.mark.parametrize("name", ["feed_atom", "feed_rss", "feed_json"])
def test_feed_query_count_does_not_grow_with_events(client, django_assert_num_queries, name, events):
    story = build_story(events=events, sources_per_event=3)
    # Validators, story, events, their sources.
    with django_assert_num_queries(4):
        response = client.get(_url(name, story))
    assert response.status_code == 200
