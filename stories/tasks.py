"""Thin Celery tasks for clustering and story upkeep."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import clustering, dossiers


@shared_task(
    name="stories.cluster_pending",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
)
def cluster_pending() -> int:
    """Assign every ready article; a partition another worker holds is left to it."""
    return clustering.cluster_pending().assigned


@shared_task(
    name="stories.maintain_stories",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=5,
)
def maintain_stories() -> None:
    clustering.maintain_stories()


@shared_task(
    name="stories.consolidate_stories",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=5,
)
def consolidate_stories() -> None:
    """Merge fragments of one story among the recent stories (the learned consolidation pass)."""
    clustering.consolidate_stories()


@shared_task(
    name="stories.propose_dossiers",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=5,
)
def propose_dossiers() -> None:
    dossiers.propose_dossiers()
