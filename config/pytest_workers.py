"""A pytest plugin (``-p config.pytest_workers`` in pyproject.toml): one Redis database per xdist worker.

`make test` runs the suite in two pytest-xdist workers. pytest-django gives each worker its own
test database (``…_gw0``, ``…_gw1``); the Redis cache needs the same, because it holds the
shared fetch gate's pauses of 127.0.0.1, the task guard's counters and cached page parts, and
one worker's test would see (or flush) the other's. Worker ``gwN`` uses the database N above
CACHE_URL's, so a run with ``CACHE_URL=redis://127.0.0.1:6379/1`` and two workers uses 1 and 2.

It runs before pytest-django reads the settings, so the settings, the app and every process a
test starts (its environment is inherited) see the worker's own URL. Without xdist it does nothing.
"""

from __future__ import annotations

import os
import re

import pytest

REDIS_DATABASES = 16  # redis-server's default `databases`
TESTING_CACHE_URL = "redis://127.0.0.1:6379/1"  # config/settings.py's CACHE_URL under pytest
SHIFTED_FOR = "SILSILA_TEST_CACHE_URL_WORKER"
_DATABASE = re.compile(r"^(?P<base>rediss?://[^/]+)(?:/(?P<db>\d*))?$")


def worker_cache_url(url: str, worker: str) -> str:
    """CACHE_URL for xdist worker `worker` ("gw0", "gw1", …): the Redis database that many above."""
    found = _DATABASE.match(url)
    if found is None:
        return url  # not a Redis URL: an in-process cache is each worker's own already
    database = int(found["db"] or 0) + int(worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"xdist worker {worker} would use Redis database {database} (from CACHE_URL {url}); "
            f"Redis has {REDIS_DATABASES}: give CACHE_URL a lower database or run fewer workers"
        )
    return f"{found['base']}/{database}"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # A pytest that a test starts inherits both variables: its CACHE_URL is the worker's already.
    if worker and os.environ.get(SHIFTED_FOR) != worker:
        os.environ["CACHE_URL"] = worker_cache_url(os.environ.get("CACHE_URL", TESTING_CACHE_URL), worker)
        os.environ[SHIFTED_FOR] = worker
