"""The Celery tasks, called in eager mode: fan-out after commit, retries, idempotence.

Enqueued tasks run when the surrounding transaction commits; pytest-django's transaction
never does, so tests run the on-commit callbacks with django_capture_on_commit_callbacks.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import numpy as np
import pytest
import redis
from celery import current_app
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from articles import embedding, services, tasks
from articles.models import Article
from articles.tests.factories import ArticleFactory, SourceFactory
from articles.tests.harbour import PAGES, fixture
from articles.tests.httpserver import Response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fetch_settings")]


@pytest.fixture
def server(harbour):
    return harbour


def test_the_beat_tick_polls_due_sources_and_their_pages_after_commit(
    server, django_capture_on_commit_callbacks
):
    due = SourceFactory(url=server.url("/feed.rss"), next_poll_at=None)
    later = SourceFactory(url=server.url("/other.rss"), next_poll_at=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        claimed = tasks.poll_due_sources()

    assert claimed == 1
    assert len(callbacks) >= 1
    assert Article.objects.filter(source=due, status=Article.Status.EXTRACTED).count() == 3
    assert server.requests_to("/other.rss") == []
    later.refresh_from_db()
    assert later.last_polled_at is None


def test_nothing_is_enqueued_until_the_transaction_commits(server, django_capture_on_commit_callbacks):
    source = SourceFactory(url=server.url("/feed.rss"), next_poll_at=None)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.poll_due_sources()

    assert len(callbacks) == 1  # poll_source, waiting for the commit
    assert server.requests == []
    assert not Article.objects.filter(source=source).exists()


def test_a_second_tick_does_not_poll_a_source_already_claimed(server, django_capture_on_commit_callbacks):
    SourceFactory(url=server.url("/feed.rss"), next_poll_at=None)

    with django_capture_on_commit_callbacks(execute=False):
        first = tasks.poll_due_sources()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = tasks.poll_due_sources()

    assert (first, second) == (1, 0)
    assert callbacks == []


def test_the_poll_task_enqueues_the_new_pages_in_batches(
    server, fetch_settings, django_capture_on_commit_callbacks
):
    fetch_settings.SILSILA_FETCH_BATCH = 2
    source = SourceFactory(url=server.url("/feed.rss"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.poll_source(source.pk)

    batches = [c.args for c in callbacks if getattr(c, "func", None) == tasks.fetch_articles.delay]
    singles = [c.args for c in callbacks if getattr(c, "func", None) == tasks.fetch_article.delay]
    assert [len(args[0]) for args in batches] == [2] and len(singles) == 1  # 3 pages: 2 + 1
    assert sorted(Article.objects.filter(source=source).values_list("status", flat=True)) == ["extracted"] * 3
    for path in PAGES:
        assert len(server.requests_to(path)) == 1


@pytest.fixture
def eager_retries(monkeypatch):
    """Eager mode runs a retry at once (no countdown), but only when errors are not propagated:
    a propagated Retry would end the chain at the first attempt."""
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", False)


@pytest.mark.usefixtures("eager_retries")
def test_the_fetch_task_retries_a_transient_failure_then_falls_back(server):
    server.add("/news/sea-wall", Response(status=503))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source)
    article = Article.objects.get(source=source, guid="harbour-gazette-1002")

    tasks.fetch_article.delay(article.pk)

    article.refresh_from_db()
    assert article.status == Article.Status.FEED_ONLY
    assert article.fetch_attempts == services.MAX_FETCH_ATTEMPTS
    assert len(server.requests_to("/news/sea-wall")) == services.MAX_FETCH_ATTEMPTS


@pytest.mark.usefixtures("eager_retries")
def test_a_retry_that_succeeds_extracts_the_page(server):
    server.add("/news/sea-wall", [Response(status=503), Response(body=fixture("sea-wall.html", server))])
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source)
    article = Article.objects.get(source=source, guid="harbour-gazette-1002")

    tasks.fetch_article.delay(article.pk)

    article.refresh_from_db()
    assert (article.status, article.fetch_attempts) == (Article.Status.EXTRACTED, 2)


@pytest.mark.usefixtures("eager_retries")
def test_a_batch_retries_only_its_failed_page_and_falls_it_back_alone(server):
    server.add("/news/sea-wall", Response(status=503))
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source).new_article_ids

    tasks.fetch_articles.delay(ids)

    statuses = dict(Article.objects.filter(source=source).values_list("guid", "status"))
    assert statuses == {
        "harbour-gazette-1001": Article.Status.EXTRACTED,
        "harbour-gazette-1002": Article.Status.FEED_ONLY,  # the 503 page, after its attempts
        "harbour-gazette-1003": Article.Status.EXTRACTED,
    }
    assert len(server.requests_to("/news/sea-wall")) == services.MAX_FETCH_ATTEMPTS
    assert len(server.requests_to("/news/ferry-strike")) == 1  # the retries left it alone


@pytest.mark.usefixtures("eager_retries")
def test_a_batch_that_loses_the_database_while_loading_is_retried_whole(server, monkeypatch):
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source).new_article_ids
    real = services.fetch_articles
    calls = []

    def database_restarting_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:  # as PostgreSQL restarting under the first delivery
            raise OperationalError("the database system is shutting down")
        return real(**kwargs)

    monkeypatch.setattr(services, "fetch_articles", database_restarting_once)

    tasks.fetch_articles.delay(ids)

    assert len(calls) == 2
    assert set(Article.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"extracted"}


def test_a_batch_encodes_its_pages_as_single_fetches_would(server):
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source).new_article_ids

    batch = services.fetch_articles(articles=Article.objects.select_related("source").filter(pk__in=ids))

    assert batch.retry == [] and batch.left == [] and len(batch.stored) == 3
    for article in Article.objects.filter(pk__in=ids):
        alone = embedding.encode_one(embedding.embedding_text(article.title, article.text))
        assert article.embedding_error == ""
        assert float(alone @ article.embedding_vector) > 0.999


def test_a_batch_reads_the_outlet_index_once_for_all_its_pages(server, monkeypatch):
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source).new_article_ids
    reads = []
    read_index = services.outlet_index
    monkeypatch.setattr(services, "outlet_index", lambda: reads.append(1) or read_index())

    batch = services.fetch_articles(articles=Article.objects.select_related("source").filter(pk__in=ids))

    assert len(batch.stored) == 3 and reads == [1]


def test_a_page_the_batch_could_not_encode_is_stored_with_its_error():
    article = ArticleFactory(status=Article.Status.PENDING, text="")

    services.store_text(
        article=article,
        title="1234",
        body="",
        language_hint="en",
        status=Article.Status.FEED_ONLY,
        vector=np.zeros(embedding.DIMENSIONS, dtype=np.float32),
    )

    article.refresh_from_db()
    assert article.status == Article.Status.FEED_ONLY
    assert article.embedding is None and "no readable text" in article.embedding_error


def test_a_poisoned_batch_sends_its_pending_pages_on_alone(server):
    source = SourceFactory(url=server.url("/feed.rss"))
    ids = services.poll_source(source=source).new_article_ids
    done = Article.objects.select_related("source").get(pk=ids[0])
    services.fetch_article(article=done)

    tasks._batch_poisoned("worker lost", (ids,), {}, 3)

    assert set(Article.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"extracted"}
    assert len(server.requests_to(urlsplit(done.url).path)) == 1  # the stored one is not asked again


def test_a_page_whose_host_asks_for_a_pause_is_retried_when_the_pause_ends(
    server, fetch_settings, monkeypatch
):
    fetch_settings.SILSILA_FETCH_BACK_OFF = 30.0
    fetch_settings.SILSILA_FETCH_MAX_BACK_OFF = 120.0
    services.get_fetcher.cache_clear()
    server.add("/news/sea-wall", Response(status=429, headers={"Retry-After": "90"}))
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source)
    article = Article.objects.get(source=source, guid="harbour-gazette-1002")
    asked: dict = {}

    def retry(*, exc, countdown, **kwargs):
        asked.update(exc=exc, countdown=countdown)
        raise Retry()

    # Celery's own retry ignores countdowns in eager mode; what the task asks for is checked.
    monkeypatch.setattr(tasks.fetch_article, "retry", retry)
    try:
        with pytest.raises(Retry):
            tasks.fetch_article(article.pk)
    finally:
        if django_settings.CACHE_URL.startswith("redis://"):
            redis.Redis.from_url(django_settings.CACHE_URL).delete("silsila:fetch:next:127.0.0.1")

    assert asked["exc"].status == 429
    assert 90 <= asked["countdown"] <= 95  # the host's Retry-After, plus a little jitter


def test_a_duplicate_fetch_task_does_nothing(server):
    source = SourceFactory(url=server.url("/feed.rss"))
    services.poll_source(source=source)
    article = Article.objects.get(source=source, guid="harbour-gazette-1001")

    tasks.fetch_article(article.pk)
    tasks.fetch_article(article.pk)

    assert len(server.requests_to("/news/ferry-strike")) == 1


def test_tasks_for_rows_that_are_gone_return_quietly():
    assert tasks.poll_source(987654321) is None
    assert tasks.fetch_article(987654321) is None


def test_the_beat_tick_requeues_pending_articles_whose_task_was_lost(
    server, django_capture_on_commit_callbacks
):
    source = SourceFactory(url=server.url("/feed.rss"), next_poll_at=timezone.now() + timedelta(hours=1))
    services.poll_source(source=source)
    lost = Article.objects.get(source=source, guid="harbour-gazette-1001")
    Article.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_due_sources()

    lost.refresh_from_db()
    assert lost.status == Article.Status.EXTRACTED
    # Recent pending articles still have their own task coming: left alone.
    assert Article.objects.filter(source=source, status=Article.Status.PENDING).count() == 2


def test_clustering_is_not_nudged_in_eager_mode(django_capture_on_commit_callbacks):
    # send_task ignores eagerness; in eager mode (tests) it must not be called at all.
    article = ArticleFactory(status=Article.Status.PENDING, text="", url="http://127.0.0.1:9/unreachable")
    Article.objects.filter(pk=article.pk).update(fetch_attempts=services.MAX_FETCH_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.fetch_article(article.pk)

    article.refresh_from_db()
    assert article.status == Article.Status.FEED_ONLY  # its title stands in
    assert [c.__name__ for c in callbacks] == ["nudge_clustering"]


def test_the_clustering_nudge_is_one_message_per_burst_on_the_clustering_queue(monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    cache.delete(f"silsila:{tasks.CLUSTER_TASK}:nudged")
    with current_app.connection_for_read() as connection:
        # Its own queue: a nudge never waits behind the page fetches of the "fetch" queue.
        queue = connection.SimpleQueue("clustering")
        queue.clear()

        for _ in range(5):
            tasks.nudge_clustering()

        message = queue.get(timeout=1)
        assert message.headers["task"] == "stories.cluster_pending"
        message.ack()
        assert queue.qsize() == 0
        queue.close()
    cache.delete(f"silsila:{tasks.CLUSTER_TASK}:nudged")
