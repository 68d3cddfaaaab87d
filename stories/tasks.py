"""Thin Celery tasks for clustering and story upkeep."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import clustering, dossiers

# A worker's first batch builds its engine (a snapshot restore, or a replay of every story
# when there is no usable snapshot: minutes at 100,000 stories), so the tasks that may build
# one (on the clustering queue) get more time than the default limits; killed mid-replay, a
# worker would start the replay over forever.
ENGINE_SOFT_TIME_LIMIT = 900
# The story upkeep tasks: a database hiccup is retried with backoff, anything else is a bug to see.
UPKEEP = {"ignore_result": True, "autoretry_for": (OperationalError,), "retry_backoff": 30, "max_retries": 5}


@shared_task(
    name="stories.cluster_pending",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    soft_time_limit=ENGINE_SOFT_TIME_LIMIT,
    time_limit=ENGINE_SOFT_TIME_LIMIT + 60,
)
def cluster_pending() -> int:
    """Assign every ready article; a partition another worker holds is left to it."""
    return clustering.cluster_pending().assigned


@shared_task(
    name="stories.maintain_stories",
    **UPKEEP,
    soft_time_limit=ENGINE_SOFT_TIME_LIMIT,
    time_limit=ENGINE_SOFT_TIME_LIMIT + 60,
)
def maintain_stories() -> None:
    # The engine's part here, on the clustering queue; the texts (summaries, labels, key
    # moments: seconds per story, hundreds of stories) on the default queue, so the next
    # clustering batch does not wait for them.
    clustering.maintain_stories(refresh_texts=False)
    refresh_story_texts.delay()


@shared_task(name="stories.refresh_story_texts", **UPKEEP)
def refresh_story_texts() -> int:
    return clustering.refresh_story_texts()


@shared_task(
    name="stories.consolidate_stories",
    **UPKEEP,
    soft_time_limit=ENGINE_SOFT_TIME_LIMIT,
    time_limit=ENGINE_SOFT_TIME_LIMIT + 60,
)
def consolidate_stories() -> None:
    """Merge fragments of one story among the recent stories (the learned consolidation pass)."""
    clustering.consolidate_stories()


@shared_task(name="stories.propose_dossiers", **UPKEEP)
def propose_dossiers() -> None:
    dossiers.propose_dossiers()
