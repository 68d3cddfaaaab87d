"""The Celery app and its periodic schedule (the schedule lives in code, each entry explained)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("silsila")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every source has its own interval and backoff (Source.next_poll_at); this tick only
    # claims the due ones, so a minute is the finest interval a source can have.
    "poll-due-sources": {"task": "articles.poll_due_sources", "schedule": 60.0},
    # Clustering runs in batches under a per-language lock; page fetches also nudge it, and
    # this tick catches whatever a nudge missed (an article is never left unclustered).
    "cluster-pending": {"task": "stories.cluster_pending", "schedule": 30.0},
    # Dormancy, summaries and key moments of changed stories: slow-moving state, so every ten
    # minutes is fresh enough. (Merging fragments is the consolidation pass's, below.)
    "maintain-stories": {"task": "stories.maintain_stories", "schedule": 600.0},
    # Consolidation: the stories of the last two days compared with their nearest stories, and
    # fragments of one story merged by the learned decision (audited as the engine, undoable
    # from the desk, listed in the review queue). Every 6 hours: the cadence the shipped
    # decision was chosen and measured with (stories/clustering/consolidation.json,
    # cadence_hours; a test keeps the two equal).
    "consolidate-stories": {"task": "stories.consolidate_stories", "schedule": 6 * 3600.0},
    # Dossiers gather stories over months: filing them anew every half hour is plenty.
    "propose-dossiers": {"task": "stories.propose_dossiers", "schedule": 1800.0},
}
