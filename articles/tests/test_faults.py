"""Ingestion under faults, with real worker processes (full-size runs: `make chaos`)."""

from __future__ import annotations

import pytest

from articles.models import Article
from chaos import scenarios
from chaos.testing import require_redis, worker_database_url

pytestmark = [pytest.mark.integration]


@pytest.fixture
def database_url(transactional_db):
    require_redis()
    return worker_database_url()


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(database_url):
    result = scenarios.worker_killed_mid_batch(database_url=database_url, size=24, page_delay=0.1)
    print(result.line())
    assert (result.expected, result.stored, result.duplicated, result.lost) == (24, 24, 0, 0), result.line()
    assert result.unclustered == 0, result.line()
    assert not Article.objects.filter(status__in=[Article.Status.PENDING, Article.Status.FAILED]).exists()


def test_a_nul_and_markup_in_a_feeds_titles_cost_nothing_on_postgresql(database_url):
    result = scenarios.poisoned_entries(database_url=database_url, size=24)
    print(result.line())
    assert result.ok, result.line()
    assert (result.expected, result.stored, result.duplicated, result.lost) == (24, 24, 0, 0)


def test_a_message_that_kills_its_worker_is_set_aside_after_three_deaths(database_url):
    result = scenarios.poison_message(database_url=database_url, good=10, max_deaths=3)
    print(result.line())
    assert result.notes[0].startswith("poison ran 3x (bound 3), then set aside"), result.line()
    assert (result.stored, result.duplicated, result.lost) == (10, 0, 0), result.line()


def test_the_poison_guard_does_not_count_ordinary_failures_and_retries(database_url):
    runs, succeeded, set_aside = scenarios.retries_are_not_deaths(database_url=database_url, failures=5)
    assert (runs, succeeded, set_aside) == (6, True, False)


def test_a_slow_politeness_bound_host_holds_up_no_poll_fetch_or_clustering(database_url):
    # The workers of the Procfile, one process per queue, and a single fetch slot.
    result = scenarios.slow_host_backlog(database_url=database_url, slow_pages=40)
    print(result.line())
    assert result.ok, result.line()
    assert "slow pages still queued" in result.line()
