"""The pieces every scenario uses: worker processes, a news site on 127.0.0.1, and the tally.

Workers are real `celery worker` processes started in their own session, so one can be killed
with SIGKILL as a whole (main process and pool children together), as the kernel's OOM killer
or a lost machine would. Tasks are sent through a producer app of our own, so the harness works
the same under pytest (where Silsila's settings run tasks eagerly) and from `make chaos`.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from celery import Celery

REPO = Path(__file__).resolve().parent.parent
# Redis databases of the harness: the broker is flushed between scenarios, so it is its own.
BROKER_URL = os.environ.get("CHAOS_BROKER_URL", "redis://127.0.0.1:6379/12")
# The workers must share the cache of the process that checks on them (the guard's counters
# and the scenarios' markers live there): the test run's CACHE_URL unless told otherwise.
CACHE_URL = os.environ.get("CHAOS_CACHE_URL") or os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/5"
# Short, so a dead worker's messages come back within seconds; longer than any chaos task.
VISIBILITY_TIMEOUT = 4


@dataclass
class FaultResult:
    """One line of the summary: what should be there, and what is."""

    fault: str
    expected: int
    stored: int
    duplicated: int
    lost: int
    # Stored articles without a story (clustering must place each exactly once).
    unclustered: int = 0
    notes: list[str] = field(default_factory=list)
    # Broken promises other than counts ("pages failed while Redis was down").
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        clean = self.duplicated == 0 and self.lost == 0 and self.unclustered == 0 and not self.problems
        return clean and self.stored == self.expected

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        note = f"  ({'; '.join(self.problems + self.notes)})" if self.notes or self.problems else ""
        return (
            f"{self.fault:<28} expected={self.expected:<6} stored={self.stored:<6} "
            f"duplicated={self.duplicated:<4} lost={self.lost:<4} "
            f"unclustered={self.unclustered:<4} {verdict}{note}"
        )


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.25, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what or check}")


# --- Broker ---------------------------------------------------------------------------------


def producer() -> Celery:
    from django.conf import settings

    app = Celery("chaos-producer", broker=BROKER_URL)
    app.conf.broker_transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT}
    app.conf.broker_connection_retry_on_startup = True
    # Messages go to the queues Silsila's own producers send them to.
    app.conf.task_queues = settings.CELERY_TASK_QUEUES
    app.conf.task_routes = settings.CELERY_TASK_ROUTES
    return app


def flush_broker() -> None:
    redis.Redis.from_url(BROKER_URL).flushdb()


# The queues of config/settings.py (CELERY_TASK_QUEUES): polls, page fetches, clustering.
QUEUES = ("celery", "fetch", "clustering")


def queue_length(*queues: str) -> int:
    """Messages waiting in `queues` (all of them by default) or delivered and not yet acked."""
    client = redis.Redis.from_url(BROKER_URL)
    return sum(int(client.llen(queue)) for queue in queues or QUEUES) + int(client.hlen("unacked"))


# --- Workers --------------------------------------------------------------------------------


class Worker:
    """One `celery worker` process (and its pool), started in its own session."""

    def __init__(
        self,
        name: str,
        *,
        database_url: str,
        concurrency: int = 2,
        extra_env: dict | None = None,
        queues: str | None = None,
    ):
        self.name = name
        self.database_url = database_url
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.queues = queues  # -Q, as the Procfile runs them; None: every queue
        self.log_path = Path(tempfile.gettempdir()) / f"silsila-chaos-{name}-{os.getpid()}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DEBUG": "0",
                "SECRET_KEY": "chaos-" + "k" * 50,
                "DATABASE_URL": self.database_url,
                "DATABASE_CONN_MAX_AGE": "60",
                "CACHE_URL": CACHE_URL,
                "CELERY_BROKER_URL": BROKER_URL,
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "SILSILA_FETCH_ALLOW_PRIVATE": "1",
                "SILSILA_FETCH_HOST_DELAY": "0",
                "SILSILA_FETCH_TIMEOUT": "10",
                "LOG_LEVEL": "WARNING",
                **self.extra_env,
            }
        )
        return env

    def start(self, *, wait: bool = True) -> Worker:
        self.log_path.write_text("")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chaos.worker_app",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                f"--hostname={self.name}@chaos",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                *([f"--queues={self.queues}"] if self.queues else []),
            ],
            cwd=REPO,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if wait:
            wait_until(self.is_ready, timeout=60, what=f"worker {self.name} to start")
        return self

    def is_ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
        return " ready." in self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the whole worker: no warm shutdown, no acks, nothing flushed."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), falling back to SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        # Pool children that outlived their parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def cleanup(self) -> None:
        self.stop()
        if not os.environ.get("CHAOS_KEEP_LOGS"):
            with contextlib.suppress(OSError):
                self.log_path.unlink()


@contextlib.contextmanager
def workers(
    count: int,
    *,
    database_url: str,
    concurrency: int = 2,
    prefix: str = "w",
    queues: list[str | None] | None = None,
    extra_env: dict | None = None,
):
    """`count` workers reading every queue, or one per entry of `queues` (a -Q value each)."""
    plan = queues if queues is not None else [None] * count
    started = [
        Worker(
            f"{prefix}{i}",
            database_url=database_url,
            concurrency=concurrency,
            queues=queue,
            extra_env=extra_env,
        )
        for i, queue in enumerate(plan)
    ]
    try:
        for worker in started:
            worker.start(wait=False)
        for worker in started:
            wait_until(worker.is_ready, timeout=90, what=f"worker {worker.name} to start")
        yield started
    finally:
        for worker in started:
            worker.cleanup()


# --- A news site ------------------------------------------------------------------------------

_WORDS = [
    "council",
    "harbour",
    "bridge",
    "election",
    "minister",
    "flood",
    "drought",
    "strike",
    "court",
    "ruling",
    "budget",
    "vote",
    "railway",
    "airport",
    "hospital",
    "school",
    "festival",
    "market",
    "treaty",
    "border",
    "ceasefire",
    "summit",
    "protest",
    "storm",
    "earthquake",
    "wildfire",
    "factory",
    "union",
    "tariff",
    "currency",
    "bank",
    "inflation",
    "museum",
    "stadium",
    "river",
    "dam",
    "pipeline",
    "satellite",
    "launch",
    "vaccine",
    "outbreak",
    "mayor",
    "senate",
    "parliament",
    "coalition",
]


@dataclass
class SiteArticle:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime


def make_articles(count: int, *, seed: int = 7, topics: int = 12) -> list[SiteArticle]:
    """`count` distinct articles in `topics` threads: distinct enough that none is a copy."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    articles = []
    for n in range(count):
        topic = n % topics
        theme = _WORDS[topic * 3 % len(_WORDS) : topic * 3 % len(_WORDS) + 3]
        words = [*theme, *rng.sample(_WORDS, 12)]
        paragraphs = [
            " ".join(rng.choice(words) for _ in range(40)).capitalize() + f" Report {n}, paragraph {p}."
            for p in range(4)
        ]
        title = f"{' '.join(theme).title()}: update {n} on the {rng.choice(_WORDS)}"
        articles.append(SiteArticle(f"a{n}", title, paragraphs, start + timedelta(minutes=7 * n)))
    return articles


def rss(articles: list[SiteArticle], origin: str) -> bytes:
    items = "".join(
        f"<item><title>{a.title}</title><link>{origin}/news/{a.slug}</link><guid>{origin}/news/{a.slug}</guid>"
        f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>"
        f"<description>{a.paragraphs[0][:200]}</description></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Chaos Times</title>'
        f"<link>{origin}/</link><language>en</language>{items}</channel></rss>"
    ).encode()


def page(article: SiteArticle) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in article.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{article.title}</title></head>'
        f"<body><header><nav><a href='/'>Home</a></nav></header><article><h1>{article.title}</h1>"
        f"<time datetime='{article.published.isoformat()}'>{article.published:%d %B %Y}</time>"
        f"{body}</article>"
        "<footer>Chaos Times</footer></body></html>"
    ).encode()


class NewsSite:
    """A threaded HTTP server on 127.0.0.1: /feed.xml and /news/<slug>, pages served slowly."""

    def __init__(
        self, articles: list[SiteArticle], *, page_delay: float = 0.0, host: str = "127.0.0.1"
    ) -> None:
        self.articles = {a.slug: a for a in articles}
        self.page_delay = page_delay
        self.hits: dict[str, int] = {}
        self.available = threading.Event()
        self.available.set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                if self.path == "/feed.xml":
                    self._send(200, rss(list(site.articles.values()), site.origin), "application/rss+xml")
                elif self.path.startswith("/news/") and self.path[6:] in site.articles:
                    time.sleep(site.page_delay)
                    self._send(200, page(site.articles[self.path[6:]]), "text/html; charset=utf-8")
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        # Another loopback address is another host to the fetcher's per-host politeness.
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        # A killed worker leaves broken connections behind; that is the point, not news.
        self.server.handle_error = lambda request, client_address: None
        self.origin = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def feed_url(self) -> str:
        return f"{self.origin}/feed.xml"

    def url_of(self, slug: str) -> str:
        return f"{self.origin}/news/{slug}"


# --- The tally ---------------------------------------------------------------------------------


def tally_ingestion(fault: str, *, expected_urls: list[str]) -> FaultResult:
    """Compare the articles stored (and clustered) with the URLs the site published."""
    from articles.models import Article
    from stories.models import Membership

    expected = set(expected_urls)
    rows = list(Article.objects.filter(url__in=expected).values_list("url", "status", "pk"))
    seen: dict[str, int] = {}
    for url, _status, _pk in rows:
        seen[url] = seen.get(url, 0) + 1
    duplicated = sum(n - 1 for n in seen.values() if n > 1)
    ready = {
        url for url, status, _pk in rows if status in (Article.Status.EXTRACTED, Article.Status.FEED_ONLY)
    }
    notes = []
    not_ready = len(seen) - len(ready)
    if not_ready:
        notes.append(f"{not_ready} stored but not ready")
    ready_ids = [pk for _url, status, pk in rows if url_ready(status)]
    clustered = Membership.objects.filter(article_id__in=ready_ids).count()
    feed_only = sum(1 for _url, status, _pk in rows if status == Article.Status.FEED_ONLY)
    if feed_only:
        notes.append(f"{feed_only} from the feed summary")
    return FaultResult(
        fault=fault,
        expected=len(expected),
        stored=len(ready),
        duplicated=duplicated,
        lost=len(expected - ready),
        unclustered=len(ready_ids) - clustered,
        notes=notes,
    )


def url_ready(status: str) -> bool:
    from articles.models import Article

    return status in (Article.Status.EXTRACTED, Article.Status.FEED_ONLY)
