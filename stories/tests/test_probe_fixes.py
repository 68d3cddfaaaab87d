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


# --- The desk ---------------------------------------------------------------------------------


def test_labels_and_titles_are_kept_only_for_the_projects_languages(story):
    from stories.services import editing
    from stories.services.audit import EditorError

    with pytest.raises(EditorError):
        editing.set_labels(story=story, user=None, labels={"ar": "محادثات", "xx": "junk"})
    with pytest.raises(EditorError):
        editing.rename_story(story=story, user=None, titles={"label_9": "junk"})
    editing.set_labels(
        story=story, user=None, labels={"ar": "محادثات\x00 الميناء", "en": "Harbour\x07 talks"}
    )
    story.refresh_from_db()
    assert story.editor_labels == {"ar": "محادثات الميناء", "en": "Harbour talks"}


def test_desk_texts_with_a_nul_are_stored_without_it(story):
    from stories.services import dossiers, editing

    editing.rename_story(story=story, user=None, title="Harbour\x00 talks", titles={"en": "Talks\x00"})
    editing.edit_summary(story=story, user=None, summary="Talks\x00 resumed.")
    dossier = dossiers.create_dossier(names={"en": "Harbour\x00"}, user=None, stories=[story])
    story.refresh_from_db()
    assert (story.editor_title, story.editor_titles, story.editor_summary) == (
        "Harbour talks",
        {"en": "Talks"},
        "Talks resumed.",
    )
    assert dossier.editor_names == {"en": "Harbour"}


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000])
def test_a_dossier_id_that_is_no_id_is_refused_not_a_500_nor_read_as_another(admin_client, story, value):
    from stories.models import Dossier

    Dossier.objects.create(slug="three", editor_names={"en": "Three"})
    response = admin_client.post(
        f"/admin/stories/story/{story.pk}/do/dossier/", {"dossier": value}, follow=True
    )
    assert response.status_code == 200
    story.refresh_from_db()
    assert story.dossier_id is None
