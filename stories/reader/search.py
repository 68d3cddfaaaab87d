"""Search reads: stories and their articles matching a query, grouped by story.

Both backends read a query the same way (articles/search.py): whole words, Arabic normalised
(alef and hamza forms, alef maqsura, ta marbuta, no diacritics or tatweel) and matched with
and without attached clitics (و ف ب ل ك ال …) and common suffixes, English stemmed ("talks"
finds "talk", "dam" does not find "Rotterdam"). Every term is required.

PostgreSQL: each row's text is indexed twice in one tsvector, once through the `english`
configuration and once through `simple` over Arabic-normalised text. An Arabic query term
matches by prefix of its core, with each clitic, so "مفاوضات" finds "والمفاوضات" and "غزة"
finds "بغزة". We tried the built-in `arabic` configuration first: its Snowball stemmer treats
clitics inconsistently ("المفاوضات" → مفاوض but "والمفاوضات" → والمفاوضا, "فلسطين" → لسط), so
it missed plain matches. Articles are searched through their stored, GIN-indexed document
(title, summary and body); stories, far fewer, through vectors computed per query.

SQLite (the embedded default): FTS5 tables of the same folded words, kept by triggers
(articles/search.py `install_sqlite_index`); an Arabic core matches by prefix there too.

Ranking is the same on both, so both backends list the same stories in the same order: a
story whose own title matches comes first, then one whose summary matches, then one found
through an article's title, then through an article's text; within each tier the story with
the latest activity comes first (news readers look for what is new; a backend's own
relevance score would make the order differ between backends, and between "ايران" and
"إيران" on PostgreSQL, whose `english` half matches the raw spelling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from articles.models import Article
from articles.search import (
    fold_words,
    install_sqlite_index,
    normalise,  # noqa: F401 - read here by the search tests
    prefix_tsquery,  # noqa: F401 - read here by the search tests
    query_terms,
    search_query,
    search_vector,
)
from stories.models import Story

MAX_STORIES = 20
ARTICLES_PER_STORY = 3
# Article hits read before grouping; enough for 20 stories with a few hits each.
MAX_ARTICLE_HITS = 200
# Score tiers: what matched decides the order; recency orders within a tier.
STORY_TITLE, STORY_SUMMARY, ARTICLE_TITLE, ARTICLE_TEXT = 3.0, 2.0, 1.0, 0.0

STORY_INDEX = {
    "table": "stories_story",
    "title": "{row}editor_title || ' ' || {row}title",
    "body": "{row}editor_summary || ' ' || {row}summary",
    "watched": ("title", "editor_title", "summary", "editor_summary"),
}


def install_story_index(sender=None, *, using: str = "default", **kwargs) -> None:
    """`post_migrate` receiver (and the migration's operation) for the stories' SQLite index."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and "stories_story" in connection.introspection.table_names():
        install_sqlite_index(connection, **STORY_INDEX)


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
    terms = query_terms(query)
    # Nothing left once normalised (a lone tatweel or diacritic): no query to run.
    if not terms:
        return []
    if settings.DATABASE_IS_POSTGRES:
        story_rows, article_rows = _postgres_rows(query, language)
    else:
        story_rows, article_rows = _sqlite_rows(query, language)
    story_scores = {
        pk: STORY_TITLE if title_matches(terms, f"{editor_title} {title}") else STORY_SUMMARY
        for pk, title, editor_title in story_rows
    }
    hits = [
        (
            story_id,
            ARTICLE_TITLE if title_matches(terms, title) else ARTICLE_TEXT,
            ArticleHit(title, url, lang, source, published),
        )
        for story_id, title, url, lang, source, published in article_rows
    ]
    return _group(story_scores, hits)


def title_matches(terms: list[tuple[str, bool]], title: str) -> bool:
    """Whether every term is among the title's words, read as the search index reads them."""
    words = fold_words(title)
    return all(
        any(word.startswith(term) if prefix else word == term for word in words) for term, prefix in terms
    )


_STORY_FIELDS = ("pk", "title", "editor_title")
_ARTICLE_FIELDS = ("membership__story_id", "title", "url", "language", "source__name", "published_at")


def _published_articles(language: str | None) -> QuerySet[Article]:
    articles = Article.objects.filter(
        membership__story__is_published=True, membership__story__merged_into__isnull=True
    )
    return articles.filter(language=language) if language else articles


def _rows(stories: QuerySet[Story], articles: QuerySet[Article]) -> tuple[list[tuple], list[tuple]]:
    """Either backend's matches as the rows search() ranks: the newest first, capped."""
    story_rows = list(stories.order_by("-last_activity_at", "-pk").values_list(*_STORY_FIELDS)[:MAX_STORIES])
    article_rows = list(
        articles.order_by("-published_at", "-pk").values_list(*_ARTICLE_FIELDS)[:MAX_ARTICLE_HITS]
    )
    return story_rows, article_rows


def _postgres_rows(query: str, language: str | None) -> tuple[list[tuple], list[tuple]]:
    found = search_query(query)
    story_vector = search_vector(
        ("editor_title", "A"),
        ("title", "A"),
        ("editor_summary", "B"),
        ("summary", "B"),
    )
    stories = _visible_stories(language).annotate(vector=story_vector).filter(vector=found)
    # Articles carry a stored, GIN-indexed document (title, summary and body).
    articles = _published_articles(language).filter(search_document=found)
    return _rows(stories, articles)


def fts_query(query: str) -> str:
    """An FTS5 query over the folded words: every term required, an Arabic core by prefix.

    Folded terms are \\w+ runs, quoted, so nothing in them can be FTS5 syntax.
    """
    return " AND ".join(f'"{term}"*' if prefix else f'"{term}"' for term, prefix in query_terms(query))


def _sqlite_rows(query: str, language: str | None) -> tuple[list[tuple], list[tuple]]:
    match = fts_query(query)
    story_ids = RawSQL("SELECT rowid FROM stories_story_fts WHERE stories_story_fts MATCH %s", [match])
    article_ids = RawSQL(
        "SELECT rowid FROM articles_article_fts WHERE articles_article_fts MATCH %s", [match]
    )
    return _rows(
        _visible_stories(language).filter(pk__in=story_ids),
        _published_articles(language).filter(pk__in=article_ids),
    )


def _group(story_scores: dict[int, float], hits: list[tuple[int, float, ArticleHit]]) -> list[StoryResult]:
    """Best tier first, then latest activity; a few article hits under each story."""
    scores = dict(story_scores)
    articles: dict[int, list[ArticleHit]] = {}
    for story_id, score, hit in hits:
        scores[story_id] = max(scores.get(story_id, 0.0), score)
        bucket = articles.setdefault(story_id, [])
        if len(bucket) < ARTICLES_PER_STORY:
            bucket.append(hit)
    # Every candidate is read (at most MAX_STORIES + MAX_ARTICLE_HITS rows, one query) so
    # that recency, not the order hits arrived in, decides within a tier.
    stories = Story.objects.in_bulk(list(scores))
    oldest = datetime.min.replace(tzinfo=UTC)

    def order(pk: int) -> tuple[float, datetime, int]:
        return (scores[pk], stories[pk].last_activity_at or oldest, pk)

    best = sorted((pk for pk in scores if pk in stories), key=order, reverse=True)[:MAX_STORIES]
    return [StoryResult(story=stories[pk], score=scores[pk], articles=articles.get(pk, [])) for pk in best]
