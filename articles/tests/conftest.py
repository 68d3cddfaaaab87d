from __future__ import annotations

import pytest

from articles import services
from articles.tests.harbour import serve_harbour
from articles.tests.httpserver import TestServer


@pytest.fixture
def fetch_settings(settings):
    """Fetch settings for servers on 127.0.0.1, and a fetcher rebuilt from them."""
    settings.SILSILA_FETCH_ALLOW_PRIVATE = True
    settings.SILSILA_FETCH_HOST_DELAY = 0.0
    settings.SILSILA_FETCH_TIMEOUT = 5.0
    # Every test server is 127.0.0.1: a 429/503 in one test must not pause the host for the
    # next ones (the pause lives in Redis). Politeness tests set their own.
    settings.SILSILA_FETCH_BACK_OFF = 0.0
    settings.SILSILA_FETCH_MAX_BACK_OFF = 0.0
    services.get_fetcher.cache_clear()
    yield settings
    services.get_fetcher.cache_clear()


@pytest.fixture
def harbour():
    """The harbour news site (a feed and three pages) on a local server."""
    with TestServer() as server:
        serve_harbour(server)
        yield server


@pytest.fixture
def fetcher():
    """A real fetcher for feeds on 127.0.0.1 (the bad-feed and poisoned-entry tests)."""
    from articles.fetch import Fetcher, FetchPolicy

    policy = FetchPolicy(timeout=3.0, max_bytes=1024 * 1024, user_agent="SilsilaBot/0.1", allow_private=True)
    made = Fetcher(policy)
    yield made
    made.close()
