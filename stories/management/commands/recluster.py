from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from stories.services import clustering


class Command(BaseCommand):
    help = "Rebuild the engine's story assignments from scratch, keeping every editor decision."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")

    def handle(self, *args, since: str | None, **options):
        since_at = None
        if since:
            try:
                since_at = datetime.fromisoformat(since).replace(tzinfo=UTC)
            except ValueError as exc:
                raise CommandError(f"--since takes a date like 2026-11-01, not {since!r}") from exc
        result = clustering.recluster(since=since_at)
        self.stdout.write(
            f"re-clustered {result.assigned} article(s) into {result.new_stories} new story(ies)"
        )
