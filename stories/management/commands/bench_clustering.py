"""Benchmark the clustering engine at 1,000 / 10,000 / 100,000 active stories (prints numbers)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from stories.clustering.bench import run, vocabulary


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Articles/s and assignment p50/p99 ms at growing numbers of active stories, with a baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated story counts")
        parser.add_argument("--timed", type=int, default=400, help="articles timed at each size")

    def handle(self, *args: object, sizes: str, timed: int, **options: object) -> None:
        eval_dir = Path(settings.BASE_DIR).parent / "shared" / "eval"
        words = vocabulary([eval_dir / "ecbplus-dev.jsonl", eval_dir / "gedikli-chains.jsonl"])
        self.stdout.write(f"vocabulary: {len(words)} words; one core; synthetic stories, 1 article each")
        header = (
            "stories",
            "articles/s",
            "p50 ms",
            "p99 ms",
            "baseline/s",
            "ratio",
            "engine MB",
            "rebuild s",
        )
        self.stdout.write(" ".join(f"{h:>11}" for h in header))
        for r in run([int(s) for s in sizes.split(",")], words, timed=timed):
            ratio = r.articles_per_second / r.baseline_articles_per_second
            self.stdout.write(
                f"{r.stories:>11} {r.articles_per_second:>11.0f} {r.p50_ms:>11.2f} {r.p99_ms:>11.2f} "
                f"{r.baseline_articles_per_second:>11.1f} {ratio:>10.0f}x {r.engine_mb:>11.0f} "
                f"{r.rebuild_seconds:>11.1f}"
            )
