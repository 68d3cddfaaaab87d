"""Time key-moment building for one large story, on one core.

    manage.py bench_timeline [--articles 1000] [--dates 30] [--repeat 5] [--data ../shared/eval/ml-crisis]

The story is made of real articles (every *.articles.jsonl in --data, reused under new ids until
there are enough), so text lengths and date mentions are those of real news. Prints the median
and the fastest of --repeat runs, and how much of it is date finding.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stories.management.commands.timeline_eval import load_articles
from stories.timeline.articles import StoryArticle
from stories.timeline.moments import article_mentions, key_moments


def build_story(data: Path, size: int) -> list[StoryArticle]:
    pool = [a for path in sorted(data.glob("*.articles.jsonl")) for a in load_articles(path)]
    if not pool:
        raise CommandError(f"no *.articles.jsonl in {data}")
    return [replace(pool[i % len(pool)], id=f"{i}") for i in range(size)]


class Command(BaseCommand):
    help = "Benchmark stories.timeline.moments.key_moments on a large story of real articles."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--dates", type=int, default=30)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--data", type=Path, default=Path(settings.BASE_DIR).parent / "shared" / "eval" / "ml-crisis"
        )

    def handle(self, *args, articles: int, dates: int, repeat: int, data: Path, **options):
        story = build_story(data, articles)
        characters = sum(len(a.text) for a in story)
        totals, scans = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            for article in story:
                article_mentions(article)
            scans.append(time.perf_counter() - started)
            started = time.perf_counter()
            moments = key_moments(story, dates)
            totals.append(time.perf_counter() - started)
        self.stdout.write(
            f"{len(story)} articles, {characters / 1e6:.1f} M characters, {len(moments)} key moments: "
            f"median {statistics.median(totals) * 1000:.0f} ms, best {min(totals) * 1000:.0f} ms "
            f"(date finding alone: median {statistics.median(scans) * 1000:.0f} ms)"
        )
