"""Search reads: stories and their articles matching a query, grouped by story.

PostgreSQL: each row's text is indexed twice in one tsvector, once through the `english`
configuration (stemming: "talks" finds "talk") and once through `simple` over Arabic-normalised
text (alef and hamza forms, alef maqsura, ta marbuta, no diacritics or tatweel). An Arabic
query term matches by prefix, with and without the attached clitics (و ف ب ل ك ال …), so
"مفاوضات" finds "والمفاوضات" and "غزة" finds "بغزة". We tried the built-in `arabic`
configuration first: its Snowball stemmer treats clitics inconsistently ("المفاوضات" →
مفاوض but "والمفاوضات" → والمفاوضا, "فلسطين" → لسط), so it missed plain matches.

Articles are searched through their stored, GIN-indexed document (articles/search.py, written
with the text: title, summary and body); stories, far fewer, through vectors of their titles
and summaries computed per query.

SQLite: `icontains` on every term, good enough for a laptop demo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet

from articles.models import Article
from articles.search import normalise, search_vector

from .models import Story

MAX_STORIES = 20
ARTICLES_PER_STORY = 3
# Article hits read before grouping; enough for 20 stories with a few hits each.
MAX_ARTICLE_HITS = 200
MAX_TERMS = 8

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_TERM = re.compile(r"\w+")
# Clitics written attached to the next word, longest first; each combination is tried.
_CLITICS = ("وال", "بال", "فال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_SUFFIXES = ("ات", "ين", "ون", "يه", "ه", "ي")  # noqa: RUF001


@dataclass
class ArticleHit:
    title: str
    url: str
    language: str
    source_name: str
    published_at: datetime


@dataclass
class StoryResult:
    story: Story
    score: float
    articles: list[ArticleHit] = field(default_factory=list)


def _arabic_core(term: str) -> str:
    """Strip one leading clitic and one suffix, keeping at least three letters."""
    for clitic in _CLITICS:
        if term.startswith(clitic) and len(term) - len(clitic) >= 3:
            term = term[len(clitic) :]
            break
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            term = term[: -len(suffix)]
            break
    return term


def prefix_tsquery(query: str) -> str:
    """A raw tsquery for the `simple` half of the vector: every term required, by prefix.

    Terms are \\w+ runs, so nothing in them can be tsquery syntax.
    """
    groups = []
    for term in _TERM.findall(normalise(query))[:MAX_TERMS]:
        if _ARABIC_LETTER.search(term):
            core = _arabic_core(term)
            variants = [core, *(clitic + core for clitic in _CLITICS)]
        else:
            variants = [term]
        groups.append("(" + " | ".join(f"{variant}:*" for variant in variants) + ")")
    return " & ".join(groups)


def _visible_stories(language: str | None) -> QuerySet[Story]:
    stories = Story.objects.visible()
    if language:
        stories = stories.filter(Q(language=language) | Q(language_counts__has_key=language))
    return stories


def search(query: str, *, language: str | None = None) -> list[StoryResult]:
    """Stories matching `query` directly or through their articles, best first.

    Three queries whatever the result size: story hits, article hits, and the stories the
    article hits belong to.
    """
    query = query.strip()
    if not _TERM.search(query):
        return []
    if settings.DATABASE_IS_POSTGRES:
        story_scores, hits = _postgres_hits(query, language)
    else:
        story_scores, hits = _portable_hits(query, language)
    return _group(story_scores, hits)


def _postgres_hits(
    query: str, language: str | None
) -> tuple[dict[int, float], list[tuple[int, float, ArticleHit]]]:
    search_query = SearchQuery(query, config="english", search_type="websearch")
    raw = prefix_tsquery(query)
    if raw:
        search_query = search_query | SearchQuery(raw, config="simple", search_type="raw")
    story_vector = search_vector(
        ("editor_title", "A"),
        ("title", "A"),
        ("editor_summary", "B"),
        ("summary", "B"),
    )
    story_rows = (
        _visible_stories(language)
        .annotate(vector=story_vector)
        .filter(vector=search_query)
        .annotate(rank=SearchRank(F("vector"), search_query))
        .order_by("-rank", "-last_activity_at")
        .values_list("pk", "rank")[:MAX_STORIES]
    )
    # Stories found by their own title or summary outrank those found through one article.
    story_scores = {pk: 2 * rank for pk, rank in story_rows}

    articles = Article.objects.filter(
        membership__story__is_published=True, membership__story__merged_into__isnull=True
    )
    if language:
        articles = articles.filter(language=language)
    # Articles carry a stored, GIN-indexed document (title, summary and body).
    article_rows = (
        articles.filter(search_document=search_query)
        .annotate(rank=SearchRank(F("search_document"), search_query))
        .order_by("-rank", "-published_at")
        .values_list(
            "membership__story_id", "rank", "title", "url", "language", "source__name", "published_at"
        )[:MAX_ARTICLE_HITS]
    )
    hits = [
        (story_id, rank, ArticleHit(title, url, lang, source, published))
        for story_id, rank, title, url, lang, source, published in article_rows
    ]
    return story_scores, hits


def _terms_filter(fields: tuple[str, ...], terms: list[str]) -> Q:
    condition = Q()
    for term in terms:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        condition &= any_field
    return condition


def _portable_hits(
    query: str, language: str | None
) -> tuple[dict[int, float], list[tuple[int, float, ArticleHit]]]:
    terms = _TERM.findall(query)[:MAX_TERMS]
    story_ids = (
        _visible_stories(language)
        .filter(_terms_filter(("title", "editor_title", "summary", "editor_summary"), terms))
        .values_list("pk", flat=True)[:MAX_STORIES]
    )
    story_scores = {pk: 2.0 for pk in story_ids}
    articles = Article.objects.filter(
        membership__story__is_published=True, membership__story__merged_into__isnull=True
    ).filter(_terms_filter(("title", "summary"), terms))
    if language:
        articles = articles.filter(language=language)
    rows = articles.order_by("-published_at").values_list(
        "membership__story_id", "title", "url", "language", "source__name", "published_at"
    )[:MAX_ARTICLE_HITS]
    hits = [
        (story_id, 1.0, ArticleHit(title, url, lang, source, published))
        for story_id, title, url, lang, source, published in rows
    ]
    return story_scores, hits


def _group(story_scores: dict[int, float], hits: list[tuple[int, float, ArticleHit]]) -> list[StoryResult]:
    scores = dict(story_scores)
    articles: dict[int, list[ArticleHit]] = {}
    for story_id, rank, hit in hits:
        scores[story_id] = max(scores.get(story_id, 0.0), rank)
        bucket = articles.setdefault(story_id, [])
        if len(bucket) < ARTICLES_PER_STORY:
            bucket.append(hit)
    best = sorted(scores, key=lambda pk: -scores[pk])[:MAX_STORIES]
    stories = Story.objects.in_bulk(best)
    return [
        StoryResult(story=stories[pk], score=scores[pk], articles=articles.get(pk, []))
        for pk in best
        if pk in stories
    ]
