"""Clustering with several workers at once, in real worker processes (`make chaos` too)."""

from __future__ import annotations

import pytest

from chaos import scenarios
from chaos.testing import require_redis, worker_database_url

pytestmark = [pytest.mark.integration]


def test_two_workers_cluster_a_stream_like_one_worker(transactional_db):
    require_redis()
    result, one, two = scenarios.concurrent_clustering(database_url=worker_database_url(), chunk=6)
    print(result.line())
    assert (result.stored, result.lost, result.unclustered) == (one["articles"], 0, 0), result.line()
    assert two["duplicated"] == 0
    # The partition lock serialises decisions, so two workers make the stories one would
    # make; batch boundaries differ with timing, so allow a story's worth of noise.
    assert abs(two["stories"] - one["stories"]) <= 1, result.line()
    assert two["f1"] == pytest.approx(one["f1"], abs=0.03), result.line()
