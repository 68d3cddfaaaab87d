"""One real Celery worker, a real Redis broker and the test database: a feed polled end to end.

The worker is a subprocess (`celery -A config worker`, prefork) pointed at the test database
that pytest-django created; the test enqueues poll_source through Redis and waits, bounded,
until the worker has polled the feed, fanned out one fetch task per entry and stored the
extracted articles.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import current_app
from django.conf import settings

from articles import tasks
from articles.models import Article
from articles.tests.factories import SourceFactory
from articles.tests.httpserver import Response, TestServer

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "ingest"
# A Redis database of this test's own, flushed before use: no other test or process shares it.
BROKER_URL = os.environ.get("SILSILA_TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/13")
READY_TIMEOUT = 20.0
WORK_TIMEOUT = 20.0

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(BROKER_URL).flushdb()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        # Persistent connections would outlive the test and block dropping the test database.
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CACHE_URL": settings.CACHE_URL,
        "SILSILA_FETCH_ALLOW_PRIVATE": "1",
        "SILSILA_FETCH_HOST_DELAY": "0",
        "SILSILA_FETCH_TIMEOUT": "5",
        "SECRET_KEY": f"worker-integration-test-{uuid.uuid4().hex}",
        "DEBUG": "0",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=ingest-test-{uuid.uuid4().hex[:8]}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield log_path
    finally:
        # Warm shutdown first (the prefork children finish), then make sure of it.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def enqueue_to_worker(monkeypatch):
    """Send tasks to the worker's broker instead of running them in this (eager) process."""
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    with current_app.connection_for_write(BROKER_URL) as connection:
        yield connection


def test_a_real_worker_polls_a_feed_and_stores_its_extracted_articles(worker, enqueue_to_worker):
    with TestServer() as server:
        server.add(
            "/feed.rss", Response(body=fixture("feed.rss", server), headers={"Content-Type": "text/xml"})
        )
        server.add("/news/ferry-strike", Response(body=fixture("ferry-strike.html", server), headers=HTML))
        server.add("/news/record-catch", Response(body=fixture("record-catch.html", server), headers=HTML))
        server.add("/news/sea-wall", Response(status=404))
        source = SourceFactory(url=server.url("/feed.rss"))

        tasks.poll_source.apply_async((source.pk,), connection=enqueue_to_worker)

        deadline = time.monotonic() + WORK_TIMEOUT
        while time.monotonic() < deadline:
            statuses = list(Article.objects.filter(source=source).values_list("status", flat=True))
            if len(statuses) == 3 and Article.Status.PENDING not in statuses:
                break
            time.sleep(0.2)
        else:
            pytest.fail(
                f"articles not ready in {WORK_TIMEOUT}s:\n{worker.read_text(errors='replace')[-3000:]}"
            )

    articles = {a.guid: a for a in Article.objects.filter(source=source)}
    assert articles["harbour-gazette-1001"].status == Article.Status.EXTRACTED
    assert articles["harbour-gazette-1001"].text.startswith("Ferry crews walked out at dawn on Tuesday")
    assert articles["harbour-gazette-1003"].status == Article.Status.EXTRACTED
    assert articles["harbour-gazette-1002"].status == Article.Status.FEED_ONLY
    assert articles["harbour-gazette-1002"].last_error == f"HTTP 404 from {server.url('/news/sea-wall')}"
    source.refresh_from_db()
    assert source.last_success_at is not None and source.kind == "rss"
    log = worker.read_text(errors="replace")
    # Pages go through fetch_articles (a poll's batch) or fetch_article (one page).
    assert "Task articles.poll_source[" in log and "Task articles.fetch_article" in log


HTML = {"Content-Type": "text/html; charset=utf-8"}


def fixture(name: str, server: TestServer) -> bytes:
    return (DATA / name).read_bytes().replace(b"{origin}", server.origin.encode())
