"""What an attacker's probe found on the reader side (issue 27, point 5), each fixed and held."""

from __future__ import annotations

import pytest

from articles.tests.factories import ArticleFactory
from stories.models import Membership
from stories.tests.factories import EventFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    story = StoryFactory(slug="harbour-talks", is_published=True, article_count=1, source_count=1)
    article = ArticleFactory(title="Harbour talks resume")
    event = EventFactory(story=story, representative_article=article, article_count=1)
    Membership.objects.create(article=article, story=story, event=event, score=0.9)
    return story


@pytest.mark.parametrize(
    "path",
    [
        "/stories/%00/",
        "/stories/%00/updates/",
        "/stories/%00/embed/",
        "/stories/%00/feed.atom",
        "/stories/%00/feed.rss",
        "/stories/%00/feed.json",
        "/stories/harbour%00talks/",
        "/dossiers/%00/",
        "/dossiers/%00/feed.atom",
        "/dossiers/%00/feed.json",
    ],
)
def test_a_nul_in_a_story_or_dossier_address_is_a_404(client, story, path):
    assert client.get(path).status_code == 404


def test_the_story_page_is_keyed_only_by_the_parameters_it_reads(client, story):
    from django.core.cache import cache

    cache.clear()
    first = client.get("/stories/harbour-talks/?utm_source=1")
    second = client.get("/stories/harbour-talks/?utm_source=2&fbclid=abc")

    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"] == client.get("/stories/harbour-talks/")["ETag"]
    # One body in the cache for the three addresses, under the key the ETag names.
    assert cache.get(f"silsila:story-body:{first['ETag'].strip('W/').strip(chr(34))}") is not None
    assert client.get("/stories/harbour-talks/?order=oldest")["ETag"] != first["ETag"]
