"""Rebuild the chain of every event (stories/timeline/chain.py), e.g. after attribute_articles."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from stories.models import Event
from stories.services.chains import refresh_event_chains

BATCH = 500


class Command(BaseCommand):
    help = "Rebuild who reported each event first and who followed, from the articles' stored credits."

    def handle(self, *args, **options):
        ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
        changed = sum(refresh_event_chains(event_ids=ids[i : i + BATCH]) for i in range(0, len(ids), BATCH))
        with_chain = Event.objects.exclude(chain={}).count()
        self.stdout.write(
            f"{len(ids)} event(s) read, {changed} chain(s) changed; {with_chain} event(s) have a chain"
        )
