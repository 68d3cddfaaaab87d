"""Run the production clustering engine in memory over a JSONL file and score it; or judge the
shipped method out of sample (``--out-of-sample``: in time and leave-one-dataset-out)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stories.clustering import consolidation, training
from stories.clustering.evaluation import (
    PAIRS_FILE,
    baseline_pairs_correlation,
    evaluate,
    evaluate_baseline,
    pairs_correlation,
    read_articles,
    read_pairs,
)
from stories.clustering.metrics import BCubed, joined_pairs
from stories.management.commands.train_linker import DEFAULT_STREAMS, load_streams


class Command(BaseCommand):
    # In memory only: no database or URL checks needed, so it runs on a half-configured checkout.
    requires_system_checks: list[str] = []
    help = (
        "Cluster a JSONL file of articles in file order through one engine for every language, as in "
        "production; print B-cubed scores when it has gold stories. --pairs prints SemEval Pearson. "
        "--out-of-sample refits the shipped method without the data it is scored on (several minutes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, nargs="?", help="JSONL: id, title, text, lang, published_at[, story]"
        )
        parser.add_argument(
            "--predictions", type=Path, help='write one {"id", "story"} line per article here'
        )
        parser.add_argument(
            "--baseline",
            type=float,
            metavar="THRESHOLD",
            help="also score the single-pass TF-IDF baseline at this threshold (e.g. 0.2) on the same stream",
        )
        parser.add_argument(
            "--languages", help="only the articles in these languages, comma-separated (e.g. ar,en)"
        )
        parser.add_argument(
            "--no-consolidation",
            action="store_true",
            help="without the story-to-story consolidation pass (by default it runs, and both are printed)",
        )
        parser.add_argument(
            "--pairs",
            type=Path,
            help="SemEval-2022 pairs JSONL: Pearson of the similarity with -overall per language pair",
        )
        parser.add_argument(
            "--out-of-sample",
            action="store_true",
            help="fit the shipped setting on the first 60%% of og2021-dev (by time) and the other streams "
            "and score the rest, after today's engine refitted the same way; then leave each stream out",
        )
        parser.add_argument("--eval-dir", type=Path, default=settings.SILSILA_EVAL_DIR)

    def handle(
        self,
        *args: object,
        file: Path | None,
        predictions: Path | None,
        baseline: float | None = None,
        languages: str | None = None,
        pairs: Path | None = None,
        no_consolidation: bool = False,
        out_of_sample: bool = False,
        eval_dir: Path | None = None,
        **options: object,
    ) -> None:
        if file is None and pairs is None and not out_of_sample:
            raise CommandError("give a JSONL file of articles, --pairs FILE, --out-of-sample, or several")
        if file is not None:
            self._cluster(file, predictions, baseline, languages, no_consolidation)
        if pairs is not None:
            self._pairs(pairs)
        if out_of_sample:
            self._out_of_sample(eval_dir or settings.SILSILA_EVAL_DIR)

    def _cluster(
        self,
        file: Path,
        predictions: Path | None,
        baseline: float | None,
        languages: str | None,
        no_consolidation: bool,
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        docs, gold = read_articles(file)
        if languages:
            wanted = {code.strip() for code in languages.split(",")}
            docs = [doc for doc in docs if doc.language in wanted]
            gold = {doc.id: gold[doc.id] for doc in docs if doc.id in gold}
        # As production runs: the consolidation pass at its stream-time cadence (the beat's).
        run = evaluate(docs, gold, consolidation=None if no_consolidation else consolidation.shipped())
        if predictions is not None:
            with predictions.open("w", encoding="utf-8") as out:
                for article_id, story_id in run.predictions.items():
                    out.write(json.dumps({"id": article_id, "story": story_id}, ensure_ascii=False) + "\n")
        self.stdout.write(f"articles: {len(docs)}  articles/s: {run.articles_per_second:.0f}")
        if run.score is None:
            self.stdout.write(f"stories: {len(set(run.predictions.values()))} (no gold labels to score)")
            return
        self._score_line("engine", run.score)  # as production runs it
        if not no_consolidation:
            self._score_line("engine, no consolidation", evaluate(docs, gold).score)
        languages = {doc.id: doc.language for doc in docs}
        if len(set(languages.values())) > 1:
            joined = joined_pairs(run.predictions, gold, languages)
            self.stdout.write(
                f"same-story pairs sharing a predicted story: across languages "
                f"{joined.cross_language:.1%} of {joined.cross_language_pairs}, "
                f"in one language {joined.same_language:.1%} of {joined.same_language_pairs}"
            )
        if baseline is not None:
            reference = evaluate_baseline(docs, gold, baseline)
            self._score_line(f"baseline {baseline:g}", reference.score)

    def _pairs(self, path: Path) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        by_languages = defaultdict(list)
        for a, b, overall in read_pairs(path):
            by_languages[(a.language, b.language)].append((a, b, overall))
        self.stdout.write(f"{'pair':<8} {'n':>5} {'engine r':>9} {'baseline r':>11}")
        for (first, second), rows in sorted(by_languages.items()):
            engine_r = pairs_correlation(rows)
            baseline_r = baseline_pairs_correlation(rows)
            self.stdout.write(f"{first}-{second:<5} {len(rows):>5} {engine_r:>9.3f} {baseline_r:>11.3f}")

    def _out_of_sample(self, eval_dir: Path) -> None:
        """The shipped setting (from linker.json's provenance), refitted without what it scores."""
        streams = load_streams(eval_dir, list(DEFAULT_STREAMS), self.stdout.write)
        pairs_path = eval_dir / PAIRS_FILE
        if not pairs_path.exists():
            raise CommandError(f"{pairs_path} not found")
        cache = training.ExampleCache(read_pairs(pairs_path))
        setting = training.shipped_setting()
        today = training.SETTINGS[0]
        self.stdout.write(
            f"in time: fitted on the first {training.IN_TIME_SHARE:.0%} of og2021-dev (by time) and the "
            f"other streams, scored on the last {1 - training.IN_TIME_SHARE:.0%}"
        )
        training.in_time(streams, "og2021-dev", self.stdout.write, settings=[today, setting], cache=cache)
        self.stdout.write(f"leave one dataset out ({setting.name}):")
        training.leave_one_out(
            streams,
            self.stdout.write,
            setting=setting,
            cache=cache,
            parts={"ar-en-stories-dev, its Arabic articles alone": ("ar-en-stories-dev", {"ar"})},
        )

    def _score_line(self, label: str, score: BCubed) -> None:
        self.stdout.write(
            f"{label}: B3 precision: {score.precision:.4f}  recall: {score.recall:.4f}  "
            f"F1: {score.f1:.4f}  stories: {score.predicted_clusters}  gold: {score.gold_clusters}"
        )
