"""The Celery app the chaos workers run: Silsila's own, plus two tasks made for injecting faults.

Redis redelivers the messages of a dead worker only when a periodic sweep finds them older than
the visibility timeout; by default that sweep runs about every 100 s. The chaos workers sweep
every second so a scenario does not sit idle — what is measured is the same.
"""

from __future__ import annotations

import os
import signal

from django.core.cache import cache

from config.celery import app
from config.taskguard import guard_worker_deaths

app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

POISON_RUNS_KEY = "chaos:poison-runs:"
PINGS_KEY = "chaos:pings"


@app.task(name="chaos.poison", bind=True, ignore_result=True)
@guard_worker_deaths(max_deaths=3)
def poison(self, token: str) -> None:
    """Counts its own start, then kills the process running it, every time it is delivered."""
    cache.add(f"{POISON_RUNS_KEY}{token}", 0, 3600)
    cache.incr(f"{POISON_RUNS_KEY}{token}")
    os.kill(os.getpid(), signal.SIGKILL)


@app.task(name="chaos.ping", ignore_result=True)
def ping(token: str) -> None:
    """Proof that a worker is still taking work."""
    cache.set(f"{PINGS_KEY}:{token}", os.getpid(), 3600)


FLAKY_RUNS_KEY = "chaos:flaky-runs:"


@app.task(
    name="chaos.flaky",
    bind=True,
    ignore_result=True,
    autoretry_for=(RuntimeError,),
    max_retries=6,
    default_retry_delay=0,
)
@guard_worker_deaths(max_deaths=3)
def flaky(self, token: str, failures: int) -> None:
    """Raises `failures` times (each one retried), then succeeds: retries are not deaths."""
    cache.add(f"{FLAKY_RUNS_KEY}{token}", 0, 3600)
    runs = cache.incr(f"{FLAKY_RUNS_KEY}{token}")
    if runs <= failures:
        raise RuntimeError(f"failure {runs} of {failures}")
    cache.set(f"{PINGS_KEY}:{token}", os.getpid(), 3600)
