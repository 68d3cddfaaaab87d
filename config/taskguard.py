"""Poison-message guard: a task that kills its worker every time is set aside, not looped on.

With `acks_late` and `task_reject_on_worker_lost`, a message whose worker dies (SIGKILL, the
out-of-memory killer, the hard time limit, a segfault in a C extension) goes back on the queue
and is delivered again. That is what we want for a worker killed by a deploy; it is an endless
loop for a message that itself kills the worker — every worker that takes it dies.

The guard counts deliveries that ended in a dead worker. Before the task body runs it
increments a counter keyed by the task id (a redelivered message keeps its id); whenever the
body finishes — returns, raises, retries — the counter is deleted, because Python got control
back. So only deliveries that never came back add up. On the delivery after `max_deaths` such
deaths, the body is not run: `on_poison` is called (write the failure on the row), the message
is recorded under `silsila:poison:<task id>` with its arguments, and the task returns, so the
message is acknowledged and leaves the queue.

The counter lives in the Django cache, which is Redis in production, so it survives the dead
worker and is shared by all workers. With the in-process cache (embedded mode) a dead worker
takes its counter with it: the guard then never trips, which is the behaviour without it.

Usage (the guard goes under the task decorator; bound or not):

    @shared_task(name="articles.fetch_article", ...)
    @guard_worker_deaths(on_poison=services.article_poisoned)
    def fetch_article(article_id: int) -> None: ...

`on_poison(error, args, kwargs, deaths)` gets the task's own arguments (without `self`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from celery import Task, current_task
from django.core.cache import cache

logger = logging.getLogger(__name__)

DEFAULT_MAX_DEATHS = 3
# Long enough to outlive any redelivery delay (visibility timeout), short enough to forget.
COUNTER_TTL = 24 * 60 * 60
POISON_TTL = 30 * 24 * 60 * 60
COUNTER_PREFIX = "silsila:deliveries:"
POISON_PREFIX = "silsila:poison:"

PoisonHandler = Callable[[str, tuple[Any, ...], dict[str, Any], int], None]


def _counter_key(task_id: str) -> str:
    return f"{COUNTER_PREFIX}{task_id}"


def poison_record(task_id: str) -> dict[str, Any] | None:
    """What was recorded about a message set aside as poison (None if it was not)."""
    return cache.get(f"{POISON_PREFIX}{task_id}")


def worker_deaths(task_id: str) -> int:
    """How many deliveries of this message ended with its worker dead, so far."""
    return int(cache.get(_counter_key(task_id)) or 0)


def guard_worker_deaths(
    *, max_deaths: int = DEFAULT_MAX_DEATHS, on_poison: PoisonHandler | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a Celery task body so that poison messages are set aside."""

    def decorate(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            request = current_task.request if current_task else None
            task_id = getattr(request, "id", None)
            if not task_id or getattr(request, "is_eager", False):
                return body(*args, **kwargs)  # direct and eager calls cannot kill a worker
            key = _counter_key(task_id)
            cache.add(key, 0, COUNTER_TTL)
            try:
                started = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, COUNTER_TTL)
                started = 1
            deaths = started - 1
            if deaths >= max_deaths:
                own_args = tuple(arg for arg in args if not isinstance(arg, Task))
                _set_aside(current_task.name, task_id, own_args, kwargs, deaths, on_poison)
                cache.delete(key)
                return None
            try:
                return body(*args, **kwargs)
            finally:
                # Python got control back: whatever happened, this delivery did not kill the worker.
                cache.delete(key)

        return guarded

    return decorate


def _set_aside(
    task_name: str,
    task_id: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    deaths: int,
    on_poison: PoisonHandler | None,
) -> None:
    error = (
        f"set aside: {deaths} deliveries of {task_name}[{task_id}] ended with the worker dead "
        "(killed, out of memory, or over the hard time limit)"
    )
    logger.error("%s; args=%r kwargs=%r", error, args, kwargs)
    cache.set(
        f"{POISON_PREFIX}{task_id}",
        {
            "task": task_name,
            "id": task_id,
            "args": list(args),
            "kwargs": kwargs,
            "deaths": deaths,
            "error": error,
            "at": time.time(),
        },
        POISON_TTL,
    )
    if on_poison is not None:
        on_poison(error, args, kwargs, deaths)
