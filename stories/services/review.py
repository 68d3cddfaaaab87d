"""Reads for the review queue: which small stories look like pieces of a larger one.

The scoring is `stories.curation.fragments` (pure); this module only reads what it needs: the
visible stories active lately, and the stored sentence vectors of their most recent
articles. Nothing is encoded here (the vectors were written at ingest), so the review page
costs a few queries and a matrix product, never a model.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from articles import text
from articles.embedding import from_bytes
from stories.curation.fragments import FragmentSettings, StoryProfile, centroid, find_fragments
from stories.models import Membership, Story

# The most recently active stories are compared, whatever their age: a quiet week (or the
# demo corpus on a fresh install) still gets its fragments found. Pairs must share days
# anyway (FragmentSettings.window).
CANDIDATES = 300
# A story's centroid is the mean of its newest articles' vectors: enough to place it, and a
# story of thousands of articles is not read whole for one page.
VECTORS_PER_STORY = 40


@dataclass(frozen=True)
class FragmentSuggestion:
    small: Story
    large: Story
    similarity: float
    basis: str


def story_terms(story: Story) -> frozenset[str]:
    """A story's title words and keyphrases as search terms (the review queue's word overlap)."""
    words = " ".join([story.display_title, *story.titles.values(), *map(str, story.keyphrases)])
    return frozenset(text.terms(words, story.language or None))


def fragment_suggestions(
    *, settings: FragmentSettings | None = None, limit: int = 50
) -> list[FragmentSuggestion]:
    """Small visible stories that likely belong to a larger one, most likely first."""
    stories = {
        story.pk: story
        for story in Story.objects.visible()
        .filter(last_activity_at__isnull=False)
        .order_by("-last_activity_at", "-pk")[:CANDIDATES]
    }
    if len(stories) < 2:
        return []
    newest = (
        Membership.objects.filter(story_id__in=list(stories))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("story_id")], order_by=F("article__published_at").desc())
        )
        .filter(rank__lte=VECTORS_PER_STORY)
        .values_list("story_id", "article__embedding")
    )
    vectors: dict[int, list] = {pk: [] for pk in stories}
    for story_id, raw in newest:
        vectors[story_id].append(from_bytes(raw) if raw else None)
    profiles = [
        StoryProfile(
            id=story.pk,
            size=story.article_count,
            first=story.first_activity_at,
            last=story.last_activity_at,
            centroid=centroid(vectors[story.pk]),
            terms=story_terms(story),
        )
        for story in stories.values()
    ]
    return [
        FragmentSuggestion(stories[f.small], stories[f.large], f.similarity, f.basis)
        for f in find_fragments(profiles, settings)[:limit]
    ]
