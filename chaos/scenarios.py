"""The faults, each a function returning a FaultResult (the caller owns a clean database).

Every scenario runs real workers against the database at `database_url` (the one the calling
process uses too, so both see the same rows) and a broker of its own.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import uuid
from pathlib import Path

from django.core.cache import cache
from django.db.models import Count

from .harness import (
    FaultResult,
    NewsSite,
    Worker,
    flush_broker,
    make_articles,
    producer,
    queue_length,
    tally_ingestion,
    wait_until,
    workers,
)

DEMO_CORPUS = Path(__file__).resolve().parent.parent / "articles" / "fixtures" / "demo" / "articles.jsonl"


def _ready_count(source_id: int) -> int:
    from django.db import OperationalError, connection

    from articles.models import Article

    try:
        return Article.objects.ready().filter(source_id=source_id).count()
    except OperationalError:
        connection.close()  # the database is restarting under us; ask again next time
        return -1


def _cluster_until_done(app, *, timeout: float, source_id: int | None = None) -> None:
    """Nudge clustering (as beat's tick does) until no ready article is left without a story."""
    from articles.models import Article

    last_nudge = [0.0]

    def done() -> bool:
        pending = Article.objects.unclustered()
        if source_id is not None:
            pending = pending.filter(source_id=source_id)
        if not pending.exists():
            return True
        # Like beat: a tick when the queue is idle, and one every few seconds whatever it holds.
        if queue_length() == 0 or time.monotonic() - last_nudge[0] > 5:
            app.send_task("stories.cluster_pending")
            last_nudge[0] = time.monotonic()
        return False

    try:
        wait_until(done, timeout=timeout, interval=0.5, what="every article to be clustered")
    except TimeoutError as exc:
        left = Article.objects.unclustered().count()
        raise TimeoutError(f"{exc} ({left} unclustered, {queue_length()} queued)") from exc


def worker_killed_mid_batch(*, database_url: str, size: int = 60, page_delay: float = 0.1) -> FaultResult:
    """SIGKILL the worker (main process and pool) while it fetches a feed's articles; restart it."""
    from articles.models import Source

    flush_broker()
    app = producer()
    articles = make_articles(size)
    with NewsSite(articles, page_delay=page_delay) as site:
        source = Source.objects.create(
            name="Chaos Times", url=site.feed_url, language="en", poll_interval=3600
        )
        first = Worker("doomed", database_url=database_url, concurrency=2).start()
        try:
            app.send_task("articles.poll_source", args=[source.pk])
            wait_until(lambda: _ready_count(source.pk) >= size // 3, timeout=120, what="a third of the batch")
            first.kill()
            at_kill = _ready_count(source.pk)
        finally:
            first.cleanup()
        second = Worker("restarted", database_url=database_url, concurrency=2).start()
        try:
            wait_until(lambda: _ready_count(source.pk) >= size, timeout=60 + size, what="the whole batch")
            _cluster_until_done(app, timeout=120, source_id=source.pk)
        except TimeoutError as exc:
            note = str(exc)
        else:
            note = ""
        finally:
            second.cleanup()
        fetched_twice = sum(1 for path, hits in site.hits.items() if path.startswith("/news/") and hits > 1)
    result = tally_ingestion(
        "worker SIGKILL mid-batch", expected_urls=[site.url_of(a.slug) for a in articles]
    )
    result.notes.insert(0, f"killed with {at_kill}/{size} ready; {fetched_twice} pages fetched again")
    if note:
        result.notes.append(note)
    return result


def poisoned_entries(*, database_url: str, size: int = 60) -> FaultResult:
    """A feed whose one entry holds a NUL in its title and one holds markup (escaped as the
    feed's text, so a reader decodes it to a tag), polled by a real worker on PostgreSQL.

    PostgreSQL refuses a NUL in text: the poll used to fail whole, every poll, until the source
    was disabled. Now every entry must be stored once, the two clean, and the feed healthy.
    """
    from articles.models import Article, Source

    flush_broker()
    app = producer()
    articles = make_articles(size)
    articles[1].title = articles[1].title.replace(":", ":\x00", 1)
    articles[2].title = "&lt;img src=x onerror=alert(1)&gt;" + articles[2].title
    note = ""
    with NewsSite(articles) as site:
        source = Source.objects.create(
            name="Poisoned Times", url=site.feed_url, language="en", poll_interval=3600
        )
        with workers(1, database_url=database_url, concurrency=2, prefix="entries"):
            app.send_task("articles.poll_source", args=[source.pk])
            try:
                wait_until(lambda: _ready_count(source.pk) >= size, timeout=60 + size, what="every entry")
                _cluster_until_done(app, timeout=120, source_id=source.pk)
            except TimeoutError as exc:
                note = str(exc)
    result = tally_ingestion(
        "NUL and markup in a feed", expected_urls=[site.url_of(a.slug) for a in articles]
    )
    source.refresh_from_db()
    if source.consecutive_failures or source.last_error:
        result.problems.append(f"the feed counted as failing: {source.last_error[:90]}")
    titles = list(Article.objects.filter(source=source).values_list("title", flat=True))
    dirty = sum(1 for title in titles if "\x00" in title or "<" in title)
    if dirty:
        result.problems.append(f"{dirty} title(s) kept a NUL or markup")
    if not dirty:
        result.notes.insert(0, "the NUL and markup titles stored clean")
    if note:
        result.notes.append(note)
    return result


def poison_message(*, database_url: str, good: int = 20, max_deaths: int = 3) -> FaultResult:
    """A message that kills its worker on every delivery, sent among good ones."""
    from config.taskguard import poison_record

    from .worker_app import PINGS_KEY, POISON_RUNS_KEY

    flush_broker()
    app = producer()
    token = uuid.uuid4().hex
    poison_id = f"poison-{token}"
    with workers(1, database_url=database_url, concurrency=1, prefix="poisoned"):
        app.send_task("chaos.poison", args=[token], task_id=poison_id)
        good_tokens = [f"{token}-{n}" for n in range(good)]
        for good_token in good_tokens:
            app.send_task("chaos.ping", args=[good_token])
        note = ""
        try:
            wait_until(
                lambda: poison_record(poison_id) is not None, timeout=90, what="the poison to be set aside"
            )
            wait_until(
                lambda: all(cache.get(f"{PINGS_KEY}:{t}") for t in good_tokens),
                timeout=60,
                what="the good messages",
            )
            wait_until(lambda: queue_length() == 0, timeout=30, what="an empty queue")
        except TimeoutError as exc:
            note = str(exc)
        time.sleep(2)  # a redelivery after the set-aside would show up as another run
        runs = int(cache.get(f"{POISON_RUNS_KEY}{token}") or 0)
    done = sum(1 for t in good_tokens if cache.get(f"{PINGS_KEY}:{t}"))
    record = poison_record(poison_id)
    notes = [f"poison ran {runs}x (bound {max_deaths}), then " + ("set aside" if record else "NOT set aside")]
    if record:
        notes.append(record["error"][:90])
    if note:
        notes.append(note)
    return FaultResult(
        fault="poison message",
        expected=good,
        stored=done,
        # Runs beyond the bound would be the endless loop the guard exists to stop.
        duplicated=max(0, runs - max_deaths) + (0 if record else 1),
        lost=good - done,
        notes=notes,
    )


def retries_are_not_deaths(*, database_url: str, failures: int = 5) -> tuple[int, bool, bool]:
    """A guarded task that raises (and is retried) more often than the death bound still runs.

    Returns (runs, succeeded, set_aside).
    """
    from config.taskguard import poison_record

    from .worker_app import FLAKY_RUNS_KEY, PINGS_KEY

    flush_broker()
    app = producer()
    token = uuid.uuid4().hex
    task_id = f"flaky-{token}"
    with workers(1, database_url=database_url, concurrency=1, prefix="flaky"):
        app.send_task("chaos.flaky", args=[token, failures], task_id=task_id)
        wait_until(lambda: cache.get(f"{PINGS_KEY}:{token}") is not None, timeout=60, what="the flaky task")
    runs = int(cache.get(f"{FLAKY_RUNS_KEY}{token}") or 0)
    return runs, cache.get(f"{PINGS_KEY}:{token}") is not None, poison_record(task_id) is not None


def _import_stream(records: list[dict], app, *, chunk: int) -> None:
    """Import the corpus in arrival order, a chunk at a time, nudging clustering after each."""
    from articles import services

    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        services.import_articles(records=iter(enumerate(part, start + 1)), source_name=None)
        app.send_task("stories.cluster_pending")
        app.send_task("stories.cluster_pending")
        time.sleep(0.3)


def _wipe_stories_and_articles() -> None:
    from articles.models import Article
    from stories.models import AuditEntry, Story

    Article.objects.all().delete()
    Story.objects.all().delete()
    AuditEntry.objects.all().delete()


def clustering_run(*, database_url: str, worker_count: int, chunk: int = 6) -> dict:
    """Cluster the demo corpus as a stream with `worker_count` workers; score it against gold."""
    from articles.models import Article
    from stories.clustering.metrics import bcubed
    from stories.models import Membership, Story

    records = [
        json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    records.sort(key=lambda r: (r.get("published_at") or "", r["id"]))
    _wipe_stories_and_articles()
    flush_broker()
    app = producer()
    with workers(worker_count, database_url=database_url, concurrency=1, prefix=f"cluster{worker_count}-"):
        _import_stream(records, app, chunk=chunk)
        _cluster_until_done(app, timeout=120)
        wait_until(lambda: queue_length() == 0, timeout=60, what="the queue to drain")
    survivors = {}
    for story_id, merged_into in Story.objects.values_list("pk", "merged_into_id"):
        survivors[story_id] = merged_into or story_id
    predicted = {
        guid: survivors[story_id]
        for guid, story_id in Membership.objects.values_list("article__guid", "story_id")
    }
    gold = {r["id"]: r["story"] for r in records}
    stored_guids = list(Article.objects.values_list("guid", flat=True))
    score = bcubed(
        {k: v for k, v in predicted.items() if k in gold}, {k: v for k, v in gold.items() if k in predicted}
    )
    by_gold: dict[str, set[int]] = {}
    for guid, story in predicted.items():
        by_gold.setdefault(gold.get(guid, "?"), set()).add(story)
    return {
        "articles": len(records),
        "stored": len(set(stored_guids)),
        "duplicated": len(stored_guids) - len(set(stored_guids)),
        "clustered": len(predicted),
        "stories": len(set(predicted.values())),
        "gold_stories": len(set(gold.values())),
        "f1": score.f1,
        "precision": score.precision,
        "recall": score.recall,
    }


def concurrent_clustering(*, database_url: str, chunk: int = 6) -> tuple[FaultResult, dict, dict]:
    """Two workers clustering one stream at once against one worker: same stories, same scores."""
    one = clustering_run(database_url=database_url, worker_count=1, chunk=chunk)
    two = clustering_run(database_url=database_url, worker_count=2, chunk=chunk)
    return (
        FaultResult(
            fault="2 workers clustering",
            expected=two["articles"],
            stored=two["stored"],
            duplicated=two["duplicated"] + max(0, two["stories"] - one["stories"]),
            lost=two["articles"] - two["stored"],
            unclustered=two["stored"] - two["clustered"],
            notes=[
                f"stories 1 worker={one['stories']} 2 workers={two['stories']} gold={two['gold_stories']}",
                f"B-cubed F1 1 worker={one['f1']:.3f} 2 workers={two['f1']:.3f}",
            ],
        ),
        one,
        two,
    )


def postgres_restarted(*, database_url: str, size: int = 200, page_delay: float = 0.05) -> FaultResult:
    """Restart PostgreSQL while a batch is being fetched and stored.

    Tasks that were mid-query when the server went away fail; what they leave pending is
    recovered by the stale-pending sweep of `poll_due_sources`, which beat runs every minute
    and which picks up articles pending for STALE_PENDING_AFTER (15 min). The scenario runs
    that sweep as it would be 16 minutes later instead of waiting, and reports both counts.
    """
    from datetime import timedelta

    from django.db import OperationalError, connection
    from django.utils import timezone

    from articles import services
    from articles.models import Article, Source

    flush_broker()
    app = producer()
    articles = make_articles(size, seed=11)
    notes = []
    with NewsSite(articles, page_delay=page_delay) as site:
        source = Source.objects.create(name="Chaos PG", url=site.feed_url, language="en", poll_interval=3600)
        with workers(1, database_url=database_url, concurrency=2, prefix="pg"):
            app.send_task("articles.poll_source", args=[source.pk])
            wait_until(lambda: _ready_count(source.pk) >= size // 4, timeout=120, what="a quarter")
            connection.close()
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
                check=True,
                timeout=120,
            )
            with contextlib.suppress(TimeoutError):
                wait_until(lambda: _ready_count(source.pk) >= size, timeout=60, what="the whole batch")
            try:
                states = dict(
                    Article.objects.filter(source=source)
                    .values_list("status")
                    .annotate(n=Count("pk"))
                    .values_list("status", "n")
                )
            except OperationalError:
                connection.close()
                states = {}
            notes.append(f"before the sweep: {states}")
            swept = services.claim_stale_pending_articles(now=timezone.now() + timedelta(minutes=16))
            for article_id in swept:
                app.send_task("articles.fetch_article", args=[article_id])
            notes.append(f"sweep re-queued {len(swept)}")
            note = ""
            try:
                wait_until(lambda: _ready_count(source.pk) >= size, timeout=120, what="the whole batch")
                _cluster_until_done(app, timeout=120, source_id=source.pk)
            except TimeoutError as exc:
                note = str(exc)
    result = tally_ingestion("PostgreSQL restarted", expected_urls=[site.url_of(a.slug) for a in articles])
    result.notes[:0] = notes
    if note:
        result.notes.append(note)
    return result


def slow_host_backlog(
    *,
    database_url: str,
    slow_pages: int = 40,
    fast_pages: int = 4,
    host_delay: float = 2.0,
    page_delay: float = 1.0,
) -> FaultResult:
    """A backlog of page fetches for a slow, politeness-bound host does not hold up the rest.

    Workers as the Procfile runs them, one process each: `-Q celery` (polls), `-Q fetch`
    (pages), `-Q clustering`. A slow site (every page takes `page_delay`, and politeness
    spaces requests to a host `host_delay` apart) has `slow_pages` pages queued; then a second
    site on another loopback address is polled. Its feed must be polled, its pages fetched by
    the same single fetch slot, and its articles clustered while most of the slow site's pages
    are still waiting: a fetch task that slept through the slow host's pauses would hold that
    slot for `slow_pages` times (host_delay + page_delay) seconds.
    """
    from articles.models import Article, Source
    from stories.models import Membership

    flush_broker()
    app = producer()
    slow = make_articles(slow_pages, seed=31)
    fast = make_articles(fast_pages, seed=37, topics=1)
    notes: list[str] = []
    problems: list[str] = []
    env = {
        "SILSILA_FETCH_HOST_DELAY": str(host_delay),
        # A deferred page waits unacknowledged in the worker until its countdown: longer than
        # the harness's short visibility timeout would have Redis hand it out twice.
        "CELERY_VISIBILITY_TIMEOUT": "600",
    }
    with (
        NewsSite(slow, page_delay=page_delay, host="127.0.0.1") as slow_site,
        NewsSite(fast, host="127.0.0.2") as fast_site,
        workers(
            3,
            database_url=database_url,
            concurrency=1,
            prefix="slowhost-",
            queues=["celery", "fetch", "clustering"],
            extra_env=env,
        ),
    ):
        slow_source = Source.objects.create(name="Slow Times", url=slow_site.feed_url, language="en")
        fast_source = Source.objects.create(name="Fast Post", url=fast_site.feed_url, language="en")
        app.send_task("articles.poll_source", args=[slow_source.pk])
        wait_until(
            lambda: Article.objects.filter(source=slow_source).count() == slow_pages,
            timeout=60,
            what="the slow site's pages to be queued",
        )
        started = time.monotonic()
        app.send_task("articles.poll_source", args=[fast_source.pk])
        fast_articles = Article.objects.filter(source=fast_source)
        note = ""
        try:
            wait_until(lambda: fast_articles.count() == fast_pages, timeout=60, what="the fast feed's poll")
            notes.append(f"fast feed polled after {time.monotonic() - started:.1f} s")
            wait_until(
                lambda: Article.objects.ready().filter(source=fast_source).count() == fast_pages,
                timeout=90,
                what="the fast site's pages",
            )
            notes.append(f"its pages stored after {time.monotonic() - started:.1f} s")
            wait_until(
                lambda: not Article.objects.unclustered().filter(source=fast_source).exists(),
                timeout=90,
                what="the fast site's articles to be clustered",
            )
            notes.append(f"clustered after {time.monotonic() - started:.1f} s")
        except TimeoutError as exc:
            note = str(exc)
        waiting = Article.objects.pending().filter(source=slow_source).count()
        notes.append(f"{waiting}/{slow_pages} slow pages still queued then")
        if waiting < slow_pages // 2:
            problems.append("the slow site's backlog had mostly cleared: the scenario shows nothing")
    ready = set(Article.objects.ready().filter(source=fast_source).values_list("pk", flat=True))
    clustered = Membership.objects.filter(article_id__in=ready).count()
    if note:
        notes.append(note)
    return FaultResult(
        fault="slow host backlog",
        expected=fast_pages,
        stored=len(ready),
        duplicated=fast_articles.count() - fast_pages,
        lost=fast_pages - len(ready),
        unclustered=len(ready) - clustered,
        notes=notes,
        problems=problems,
    )


class PrivateRedis:
    """A redis-server of our own on another port, so stopping it disturbs nobody else."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> PrivateRedis:
        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(up, timeout=20, what=f"redis on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def redis_stopped(
    *, database_url: str, redis: PrivateRedis, size: int = 100, down_for: float = 8.0
) -> FaultResult:
    """Stop Redis (broker and cache) mid-run: pages still serve, polls do not pile up, work resumes.

    `redis` must be the server the harness's broker and cache URLs point at.
    """
    from django.test import Client
    from django.utils import timezone

    from articles import services
    from articles.models import Source
    from stories.models import Story

    flush_broker()
    app = producer()
    # A story for the reader pages, clustered in this process (no broker needed).
    _import_stream_locally(limit=12)
    articles = make_articles(size, seed=23)
    notes = []
    with NewsSite(articles, page_delay=0.02) as site:
        source = Source.objects.create(
            name="Chaos Redis", url=site.feed_url, language="en", poll_interval=3600
        )
        with workers(1, database_url=database_url, concurrency=2, prefix="redis"):
            redis.stop()
            # Beat keeps ticking while Redis is down: each tick claims the due sources, then
            # fails to publish. The lease means only the first tick claims this source.
            claims, publish_failures = 0, 0
            for _tick in range(5):
                claimed = services.claim_due_sources()
                claims += claimed.count(source.pk)
                for source_id in claimed:
                    try:
                        app.send_task("articles.poll_source", args=[source_id], retry=False)
                    except Exception:
                        publish_failures += 1
            client = Client(HTTP_HOST="127.0.0.1")
            story = Story.objects.visible().first()
            statuses = [client.get("/").status_code, client.get(story.get_absolute_url()).status_code]
            notes.append(f"pages with Redis down: {statuses}")
            notes.append(f"{claims} claim(s) of the source in 5 ticks, {publish_failures} publish failure(s)")
            time.sleep(down_for)
            redis.start()
            # The claim's lease runs out (here: at once) and the next tick polls the source once.
            Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now())
            app.send_task("articles.poll_due_sources")
            app.send_task("articles.poll_due_sources")
            note = ""
            try:
                wait_until(
                    lambda: _ready_count(source.pk) >= size, timeout=120 + size, what="the whole batch"
                )
                _cluster_until_done(app, timeout=120, source_id=source.pk)
            except TimeoutError as exc:
                note = str(exc)
        notes.append(f"feed fetched {site.hits.get('/feed.xml', 0)}x after recovery")
    result = tally_ingestion("Redis stopped", expected_urls=[site.url_of(a.slug) for a in articles])
    result.notes[:0] = notes
    if note:
        result.notes.append(note)
    if any(code != 200 for code in statuses):
        result.problems.append(f"reader pages answered {statuses} with Redis down")
    if claims != 1:
        result.problems.append(f"the source was claimed {claims} times while Redis was down")
    if site.hits.get("/feed.xml", 0) != 1:
        result.problems.append(f"the feed was polled {site.hits.get('/feed.xml', 0)} times after recovery")
    return result


def _import_stream_locally(*, limit: int) -> None:
    from articles import services
    from stories.services import clustering

    records = [
        json.loads(line) for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    services.import_articles(records=iter(enumerate(records[:limit], 1)), source_name=None)
    clustering.cluster_pending()
