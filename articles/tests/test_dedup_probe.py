"""The duplicate lookup is one indexed probe on PostgreSQL, also when the table is large."""

from __future__ import annotations

import hashlib
import random

import pytest
from django.db import connection

from articles import dedup, services
from articles.models import Article, url_hash
from articles.tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _fill(count: int, *, seed: int) -> None:
    """`count` stored articles with random band keys, written in bulk."""
    source = SourceFactory()
    rng = random.Random(seed)
    Article.objects.bulk_create(
        [
            Article(
                source=source,
                url=(url := f"http://bulk.invalid/{i}"),
                canonical_url=url,
                url_hash=url_hash(url),
                title=f"t{i}",
                published_at=source.created_at,
                status=Article.Status.EXTRACTED,
                content_hash=hashlib.sha256(str(i).encode()).hexdigest(),
                minhash_bands=[rng.getrandbits(63) for _ in range(dedup.MINHASH_BANDS)],
            )
            for i in range(count)
        ],
        batch_size=5000,
    )


def _plan_of_lookup(article: Article) -> str:
    captured: list[str] = []

    def explain(execute, sql, params, many, context):
        if "minhash_bands" in sql and sql.lstrip().upper().startswith("SELECT"):
            cursor = context["cursor"]
            cursor.execute("EXPLAIN " + sql, params)
            captured.extend(row[0] for row in cursor.fetchall())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        services.find_original(article)
    return "\n".join(captured)


def _stored_article() -> Article:
    article = ArticleFactory(text="Words of an article about the harbour and its ferries. " * 5)
    services.store_text(
        article=article, title=article.title, body=article.text, language_hint="en", status="extracted"
    )
    return article


def test_the_duplicate_lookup_uses_the_hash_and_band_indexes_not_a_table_scan():
    _fill(5_000, seed=3)
    article = _stored_article()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    plan = _plan_of_lookup(article)
    assert "article_minhash_bands_gin" in plan
    assert "Seq Scan" not in plan


def test_on_a_young_table_without_statistics_the_lookup_is_driven_by_the_hash_and_band_indexes():
    # Before the first ANALYZE the planner takes any status to be rare: a status filter in the
    # probe made it walk the status index and compare band keys row by row.
    _fill(1_000, seed=4)
    plan = _plan_of_lookup(_stored_article())
    assert "article_minhash_bands_gin" in plan
    assert "status" not in plan
    assert "Seq Scan" not in plan


def test_right_after_a_burst_of_inserts_the_lookup_reads_a_few_index_pages_not_a_pending_list():
    # Autovacuum has not run (nor ANALYZE): with GIN's pending list every key stored since the
    # last VACUUM would be read by each lookup.
    _fill(3_000, seed=5)
    keys = [random.Random(6).getrandbits(63) for _ in range(dedup.MINHASH_BANDS)]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM articles_article"
                " WHERE minhash_bands && (SELECT %s::bigint[])",
                [keys],
            )
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("RESET enable_seqscan")
    top = plan[0]["Plan"]
    pages = top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    # A descent of the tree per key (42 keys, about 3 pages each) is ~130 pages; with the pending
    # list the same lookup read 377 here.
    assert pages < 200, pages
