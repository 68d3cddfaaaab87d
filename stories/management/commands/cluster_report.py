"""Print the engine's B-cubed precision and recall against editors' labels, per week or day."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from stories.curation import quality
from stories.services import editing


class Command(BaseCommand):
    help = "Clustering quality against editors' corrections (defined in stories/curation/quality.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first day to include, YYYY-MM-DD (default: all)")
        parser.add_argument("--by", choices=["week", "day"], default="week", help="period per row")

    def handle(self, *args, since: str | None = None, by: str = "week", **options) -> None:
        start = None
        if since:
            day = parse_date(since)
            if day is None:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD)")
            start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        rows = editing.audit_rows(since=start)
        reports = quality.report(rows, period=by)
        if not reports:
            self.stdout.write("No editor actions in this period.")
            return
        self.stdout.write(f"{by:<10} {'labels':>7} {'B3-P':>6} {'B3-R':>6} {'F1':>6} {'corr.':>6}  actions")
        for r in reports:
            actions = ", ".join(f"{name} {n}" for name, n in sorted(r.actions.items()))
            self.stdout.write(
                f"{r.start.isoformat():<10} {r.labels:>7} {r.score.precision:>6.3f} {r.score.recall:>6.3f} "
                f"{r.score.f1:>6.3f} {r.corrections:>6}  {actions}"
            )
        self.stdout.write("")
        self.stdout.write("corrections per day (merge, split, pin, exclude):")
        for day, n in quality.corrections_per_day(rows).items():
            self.stdout.write(f"  {day.isoformat()}  {n}")
