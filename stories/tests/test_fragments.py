"""The review queue's fragment finder: pure scoring, the service's reads, and the demo corpus."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import embedding
from articles.models import Article
from articles.tests.factories import BASE_TIME
from stories.curation.fragments import StoryProfile, centroid, find_fragments
from stories.models import Membership, Story
from stories.services import clustering, editing, review
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.tests.test_admin import make_editor

DEMO = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "demo" / "articles.jsonl"
DAY = datetime(2026, 11, 20, tzinfo=UTC)


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def profile(pk, size, vector=None, *, days=(0, 1), terms=()) -> StoryProfile:
    return StoryProfile(
        id=pk,
        size=size,
        first=DAY + timedelta(days=days[0]),
        last=DAY + timedelta(days=days[1]),
        centroid=vector,
        terms=frozenset(terms),
    )


def test_a_small_story_close_to_a_larger_one_of_the_same_days_is_a_fragment():
    big = profile("big", 8, unit(1, 0, 0))
    other = profile("other", 6, unit(0, 1, 0))
    piece = profile("piece", 1, unit(0.95, 0.1, 0))
    (fragment,) = find_fragments([big, other, piece])
    assert (fragment.small, fragment.large, fragment.basis) == ("piece", "big", "vectors")
    assert fragment.similarity > 0.9


def test_stories_of_other_days_or_too_unlike_are_not_fragments():
    big = profile("big", 8, unit(1, 0, 0), days=(0, 2))
    later = profile("later", 1, unit(1, 0, 0), days=(10, 10))
    unlike = profile("unlike", 1, unit(0.5, 1, 0))
    assert find_fragments([big, later, unlike]) == []


def test_a_story_is_a_fragment_only_of_a_larger_one_and_large_stories_are_none():
    a = profile("a", 2, unit(1, 0, 0))
    b = profile("b", 2, unit(0, 1, 0))
    huge = profile("huge", 40, unit(1, 0, 0.01))
    other_huge = profile("other huge", 30, unit(0.01, 1, 0))
    twin = profile("twin", 30, unit(0.01, 1, 0))  # as large as "other huge": too big to be a piece
    fragments = {f.small: f.large for f in find_fragments([a, b, huge, other_huge, twin])}
    assert fragments == {"a": "huge", "b": "other huge"}


def test_without_vectors_the_title_words_decide():
    big = profile("big", 5, None, terms={"quake", "elazig", "rescue", "turkey", "toll"})
    piece = profile("piece", 1, unit(1, 0), terms={"quake", "elazig", "aid"})
    stranger = profile("stranger", 1, None, terms={"summit", "lisbon"})
    (fragment,) = find_fragments([big, piece, stranger])
    assert (fragment.small, fragment.basis) == ("piece", "words")
    assert fragment.similarity == pytest.approx(2 / 3)


def test_a_centroid_ignores_missing_and_empty_vectors():
    assert centroid([None, np.zeros(3, dtype=np.float32)]) is None
    assert np.allclose(centroid([unit(1, 0), None, unit(0, 1)]), unit(1, 1))


# --- The service and the page --------------------------------------------------------------


def story_of(titles: list[str], language: str, *, day: int = 0) -> Story:
    story = StoryFactory(title=titles[0], language=language)
    event = EventFactory(story=story)
    for i, title in enumerate(titles):
        MembershipFactory(
            event=event,
            article__title=title,
            article__text="",
            article__language=language,
            article__published_at=BASE_TIME + timedelta(days=day, hours=i),
        )
    editing.refresh_story_stats(story_ids=[story.pk])
    story.refresh_from_db()
    return story


QUAKE_EN = [
    "Magnitude 6.3 earthquake strikes Elazig in eastern Turkey",
    "Rescuers search rubble in Elazig after deadly Turkey earthquake",
    "Turkey earthquake death toll rises as aftershocks hit Elazig",
    "Survivors of the Elazig earthquake spend night in tents",
]


@pytest.mark.django_db
def test_an_arabic_piece_of_an_english_story_is_suggested_across_languages():
    quake = story_of(QUAKE_EN, "en")
    piece = story_of(
        ["زلزال بقوة 6.3 درجات يضرب إلازيغ شرقي تركيا وفرق الإنقاذ تبحث تحت الأنقاض"], "ar", day=1
    )
    story_of(["Lisbon climate summit argues over coastal adaptation fund"], "en")

    suggestions = review.fragment_suggestions()

    assert [(s.small, s.large, s.basis) for s in suggestions] == [(piece, quake, "vectors")]


@pytest.mark.django_db
def test_the_review_page_lists_fragments_without_encoding_anything(
    client, monkeypatch, django_assert_max_num_queries
):
    quake = story_of(QUAKE_EN, "en")
    piece = story_of(["Elazig earthquake: foreign aid reaches survivors in eastern Turkey"], "en", day=1)
    client.force_login(make_editor())

    def no_model():
        raise AssertionError("the review page must not encode text")

    monkeypatch.setattr(embedding, "_encoder", no_model)
    # Two more than the fragments need: the queue's joins across languages and the engine's merges.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("admin:stories_review_queue"), HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert f'data-small="{piece.pk}" data-large="{quake.pk}"' in page
    assert "likely belongs to" in page
    merge = reverse("admin:stories_story_do", args=[quake.pk, "merge"])
    client.post(merge, {"other": [piece.pk], "confirmed": "1", "next": reverse("admin:stories_review_queue")})
    piece.refresh_from_db()
    assert piece.merged_into == quake


@pytest.mark.django_db(transaction=True)
def test_the_review_queue_surfaces_the_demo_corpus_fragments_and_suggests_nothing_wrong():
    clustering.reset_engines()
    call_command("load_demo", stdout=io.StringIO())
    with DEMO.open(encoding="utf-8") as lines:
        gold = {row["url"]: row["story"] for row in map(json.loads, lines)}
    label = {}
    sizes = {}
    for story in Story.objects.visible():
        urls = Membership.objects.filter(story=story).values_list("article__url", flat=True)
        label[story.pk] = Counter(gold[url] for url in urls).most_common(1)[0][0]
        sizes[story.pk] = story.article_count
    home = {}
    for pk in sorted(sizes, key=lambda pk: -sizes[pk]):
        home.setdefault(label[pk], pk)
    fragments = {pk for pk in sizes if home[label[pk]] != pk}

    suggestions = review.fragment_suggestions()

    surfaced = {s.small.pk for s in suggestions if label[s.large.pk] == label[s.small.pk]} & fragments
    wrong = [s for s in suggestions if label[s.large.pk] != label[s.small.pk]]
    print(f"demo: {len(surfaced)}/{len(fragments)} fragments surfaced, {len(wrong)} wrong suggestions")
    # The engine with projected evidence forms the demo's seven stories, leaving no fragment
    # (docs/evaluation.md); the engine before it left two. Either way the queue names at least
    # half of what fragments there are, and never suggests joining two different stories.
    assert len(surfaced) >= len(fragments) / 2
    assert wrong == []
    assert Article.objects.filter(embedding__isnull=True).count() == 0
    clustering.reset_engines()
