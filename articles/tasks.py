"""Thin Celery tasks: ids in, one service call, the next step enqueued after commit."""

from __future__ import annotations

import logging
import random

from celery import current_app, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction

from config.taskguard import guard_worker_deaths

from . import services
from .fetch import FetchError
from .models import Article, Source

logger = logging.getLogger(__name__)

# Clustering works in batches, so one nudge per this many seconds is plenty however many
# articles become ready; the nudge waits as long, to let a batch gather.
CLUSTER_NUDGE_SECONDS = 5
CLUSTER_TASK = "stories.cluster_pending"
# A retry waits at most this long (a longer Retry-After is met by retrying again): ETAs far
# beyond the broker's visibility timeout would be redelivered early.
MAX_RETRY_COUNTDOWN = 600


@shared_task(name="articles.poll_due_sources", ignore_result=True)
def poll_due_sources() -> int:
    """Beat's entry point: claim the due sources and fan out one task per source.

    It also re-queues pending articles whose fetch task was lost, so nothing stays pending.
    """
    with transaction.atomic():
        source_ids = services.claim_due_sources()
        for source_id in source_ids:
            poll_source.delay_on_commit(source_id)
        for article_id in services.claim_stale_pending_articles():
            fetch_article.delay_on_commit(article_id)
    return len(source_ids)


@shared_task(name="articles.poll_source", ignore_result=True)
@guard_worker_deaths(on_poison=services.source_poisoned)
def poll_source(source_id: int) -> None:
    # Not retried: a failed poll is written on the source, whose backoff decides the next try.
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return
    summary = services.poll_source(source=source)
    # Several pages per task: the encoder runs once per batch, and a task's fixed costs
    # (broker round trip, loading, the clustering nudge) are paid once.
    size = max(1, settings.SILSILA_FETCH_BATCH)
    ids = summary.new_article_ids
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        if len(chunk) == 1:
            fetch_article.delay_on_commit(chunk[0])
        else:
            fetch_articles.delay_on_commit(chunk)


@shared_task(
    bind=True,
    name="articles.fetch_article",
    ignore_result=True,
    # The service raises FetchError only for transient failures, and only while attempts
    # remain; its last attempt falls back to the feed summary instead of raising. A database
    # restart (OperationalError) is transient too: retried rather than left pending.
    autoretry_for=(FetchError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=services.MAX_FETCH_ATTEMPTS,
)
@guard_worker_deaths(on_poison=services.article_poisoned)
def fetch_article(self, article_id: int) -> None:
    article = Article.objects.select_related("source").filter(pk=article_id).first()
    if article is None:
        return
    try:
        article = services.fetch_article(article=article)
    except FetchError as exc:
        if exc.kind == "host_busy":
            # Our politeness holds the host (its delay, a Crawl-delay, a Retry-After pause):
            # the page was not tried, so it goes back to the queue for a booked turn, as a
            # new message rather than a retry (waiting is not failing).
            _defer([article_id], services.book_turn(article.url, pause=services.pause_of(exc)))
            return
        # The host asked for a pause (429/503 Retry-After): come back when it ends rather
        # than on the generic backoff.
        if exc.retry_after is not None and self.request.retries < self.max_retries:
            countdown = min(exc.retry_after, MAX_RETRY_COUNTDOWN) + random.uniform(0, 5)
            raise self.retry(exc=exc, countdown=countdown) from exc
        raise
    if article.is_ready:
        transaction.on_commit(nudge_clustering)


def _batch_poisoned(error: str, args: tuple, kwargs: dict, deaths: int) -> None:
    """A batch that killed its worker `deaths` times: its pages still pending go on alone, so
    the guard then sets aside only the page that kills (as fetch_article's poison)."""
    ids = args[0] if args else kwargs.get("article_ids", [])
    for article_id in Article.objects.pending().filter(pk__in=ids).values_list("pk", flat=True):
        fetch_article.delay(article_id)


@shared_task(
    bind=True,
    name="articles.fetch_articles",
    ignore_result=True,
    # A database restart while the batch is loaded (before any page is claimed): the whole
    # batch again, later. Pages already stored are skipped by their claim.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=services.MAX_FETCH_ATTEMPTS,
)
@guard_worker_deaths(on_poison=_batch_poisoned)
def fetch_articles(self, article_ids: list[int]) -> None:
    articles = list(Article.objects.select_related("source").filter(pk__in=article_ids).order_by("pk"))
    batch = services.fetch_articles(articles=articles)
    if any(article.is_ready for article in batch.stored):
        transaction.on_commit(nudge_clustering)
    for ids, seconds in batch.deferred:
        _defer(ids, seconds)
    if not batch.retry:
        return
    # The pages that failed transiently, once more as one batch: after the longest pause a
    # host asked for, or the task's exponential backoff (30 s, 60 s, ... with jitter).
    asked = [exc.retry_after for _, exc in batch.retry if getattr(exc, "retry_after", None) is not None]
    backoff = 30 * 2**self.request.retries * random.uniform(0.5, 1.0)
    countdown = min(max(asked, default=backoff), MAX_RETRY_COUNTDOWN) + random.uniform(0, 5)
    retry_ids = [article_id for article_id, _ in batch.retry]
    if self.request.retries < self.max_retries:
        raise self.retry(args=(retry_ids,), countdown=countdown, exc=batch.retry[0][1])
    # Out of retries: each page goes on alone (its attempts are bounded by the service).
    for article_id in retry_ids:
        fetch_article.apply_async((article_id,), countdown=countdown)


def _defer(article_ids: list[int], seconds: float) -> None:
    """Send pages back to the fetch queue to be tried `seconds` from now (a booked turn at
    their host), a little jitter apart so pages of one host do not all wake at once.

    Not in eager mode (tests), which runs a task at once whatever its countdown: the page
    would be asked again while its host is still paused, and again. It stays pending there.
    """
    if current_app.conf.task_always_eager:
        return
    countdown = min(seconds, MAX_RETRY_COUNTDOWN) + random.uniform(0, min(1.0, seconds / 4))
    if len(article_ids) == 1:
        fetch_article.apply_async((article_ids[0],), countdown=countdown)
    else:
        fetch_articles.apply_async((article_ids,), countdown=countdown)


def nudge_clustering() -> None:
    """Ask the stories app to cluster soon, by task name (articles never imports stories).

    Debounced through the cache so a burst of ready articles sends one message. Skipped in
    eager mode (tests, where clustering is called directly): send_task ignores eagerness
    and would publish to a broker nobody reads.
    """
    app = current_app
    if app.conf.task_always_eager:
        return
    try:
        if not cache.add(f"silsila:{CLUSTER_TASK}:nudged", 1, timeout=CLUSTER_NUDGE_SECONDS):
            return
        app.send_task(CLUSTER_TASK, countdown=CLUSTER_NUDGE_SECONDS, ignore_result=True)
    except Exception:
        # The beat tick clusters anyway; a cache or broker hiccup here must not fail a stored article.
        logger.warning("could not nudge clustering", exc_info=True)
