"""Run the production clustering engine in memory over a JSONL file and score it."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stories.clustering.evaluation import evaluate, evaluate_baseline, per_language_gold, read_articles
from stories.clustering.metrics import BCubed, bcubed


class Command(BaseCommand):
    # In memory only: no database or URL checks needed, so it runs on a half-configured checkout.
    requires_system_checks: list[str] = []
    help = (
        "Cluster a JSONL file of articles in file order, one engine per language as in production; "
        "print B-cubed scores when it has gold stories."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSONL: id, title, text, lang, published_at[, story]")
        parser.add_argument(
            "--predictions", type=Path, help='write one {"id", "story"} line per article here'
        )
        parser.add_argument(
            "--baseline",
            type=float,
            metavar="THRESHOLD",
            help="also score the single-pass TF-IDF baseline at this threshold (e.g. 0.2) on the same stream",
        )

    def handle(
        self,
        *args: object,
        file: Path,
        predictions: Path | None,
        baseline: float | None = None,
        **options: object,
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        docs, gold = read_articles(file)
        run = evaluate(docs, gold)
        if predictions is not None:
            with predictions.open("w", encoding="utf-8") as out:
                for article_id, story_id in run.predictions.items():
                    out.write(json.dumps({"id": article_id, "story": story_id}, ensure_ascii=False) + "\n")
        self.stdout.write(f"articles: {len(docs)}  articles/s: {run.articles_per_second:.0f}")
        if run.score is None:
            self.stdout.write(f"stories: {len(set(run.predictions.values()))} (no gold labels to score)")
            return
        s = run.score
        self.stdout.write(
            f"B3 precision: {s.precision:.4f}  recall: {s.recall:.4f}  F1: {s.f1:.4f}\n"
            f"stories predicted: {s.predicted_clusters}  gold: {s.gold_clusters}"
        )
        bilingual = len({doc.language for doc in docs}) > 1
        if bilingual:
            # A gold story told in two languages can only come out as two stories (one engine
            # per language), so also score against gold stories split by language.
            self._score_line("per-language gold", bcubed(run.predictions, per_language_gold(docs, gold)))
        if baseline is not None:
            reference = evaluate_baseline(docs, gold, baseline)
            self._score_line(f"baseline {baseline:g}", bcubed(reference.predictions, gold))
            if bilingual:
                split = bcubed(reference.predictions, per_language_gold(docs, gold))
                self._score_line(f"baseline {baseline:g}, per-language gold", split)

    def _score_line(self, label: str, score: BCubed) -> None:
        self.stdout.write(
            f"{label}: B3 precision: {score.precision:.4f}  recall: {score.recall:.4f}  "
            f"F1: {score.f1:.4f}  stories: {score.predicted_clusters}  gold: {score.gold_clusters}"
        )
