"""Build key moments from a JSONL file of articles and, given a gold timeline, score them.

    manage.py timeline_eval ARTICLES.jsonl [--dates N] [--predictions OUT.jsonl] [--gold GOLD.jsonl]
    manage.py timeline_eval ../shared/eval/ml-crisis --baseline   # each X.articles.jsonl + X.timeline.jsonl
    manage.py timeline_eval ../shared/eval/ml-crisis --loto --baseline

Runs the production code (stories.timeline.moments.key_moments) on plain records, no database. Without
--dates the gold timeline's number of distinct dates is used, as in the timeline-summarisation
evaluations. --baseline also scores the busiest-days baseline in the same run.

By default the shipped date ranker is used: the right check on topics it was not trained on,
in-sample on the ones it was. --loto scores each topic of a folder with a ranker whose setting
was chosen, and whose weights were fitted, on the other topics only (nested leave-one-topic-out,
see stories.timeline.training): the out-of-sample figure for the training topics themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.timeline import training
from stories.timeline.metrics import concat_rouge1, date_prf
from stories.timeline.moments import KeyMoment, busiest_days, key_moments
from stories.timeline.training import load_articles, read_jsonl

__all__ = ["load_articles", "read_jsonl"]  # bench_timeline reads stories through this module


@dataclass(frozen=True)
class TopicScore:
    topic: str
    dates: int
    date_f1: float
    rouge1_f: float


def score(predicted: list[KeyMoment], gold: list[dict], topic: str) -> TopicScore:
    dates = date_prf([m.date for m in predicted], [date.fromisoformat(g["date"]) for g in gold])
    rouge = concat_rouge1([m.text for m in predicted], [g["text"] for g in gold])
    return TopicScore(topic, len(predicted), dates.f1, rouge.f1)


class Command(BaseCommand):
    help = "Build a story's key moments from articles in JSONL and score them against a gold timeline."

    def add_arguments(self, parser):
        parser.add_argument("articles", type=Path, help="articles JSONL, or a folder of X.articles.jsonl")
        parser.add_argument("--gold", type=Path, help="gold timeline JSONL (date, text)")
        parser.add_argument("--dates", type=int, help="number of dates (default: the gold's)")
        parser.add_argument("--predictions", type=Path, help="write the predicted timeline(s) here")
        parser.add_argument("--baseline", action="store_true", help="also score the busiest-days baseline")
        parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
        parser.add_argument(
            "--loto",
            action="store_true",
            help="score each topic of a folder with a ranker chosen and trained on the other topics",
        )

    def handle(self, *args, articles: Path, gold: Path | None, dates: int | None, **options):
        if articles.is_dir():
            topics = []
            for path in sorted(articles.glob("*.articles.jsonl")):
                name = path.name.removesuffix(".articles.jsonl")
                topics.append((name, path, path.with_name(f"{name}.timeline.jsonl")))
            if not topics:
                raise CommandError(f"no *.articles.jsonl in {articles}")
        elif articles.is_file():
            topics = [(articles.stem, articles, gold)]
        else:
            raise CommandError(f"no such file: {articles}")

        held_out = {}
        if options["loto"]:
            if not articles.is_dir():
                raise CommandError("--loto needs a folder of topics with gold timelines")
            labelled = training.topic_files(articles)
            if len(labelled) < 3:
                raise CommandError(f"--loto needs at least three topics with gold timelines in {articles}")
            held_out = training.held_out_rankers([training.load_topic(*f) for f in labelled])

        methods = {"key_moments": key_moments}
        if options["baseline"]:
            methods["busiest_days"] = busiest_days
        results: dict[str, list[TopicScore]] = {name: [] for name in methods}
        output = []
        for topic, articles_path, gold_path in topics:
            story = load_articles(articles_path)
            gold_rows = read_jsonl(gold_path) if gold_path and gold_path.is_file() else None
            if gold_path and gold_rows is None:
                raise CommandError(f"no such gold file: {gold_path}")
            n = dates or (len({g["date"] for g in gold_rows}) if gold_rows else None)
            if not n:
                raise CommandError("give --dates or --gold")
            for name, method in methods.items():
                if name == "key_moments" and topic in held_out:
                    method = partial(key_moments, ranker=held_out[topic][0])
                elif name == "key_moments" and options["loto"]:
                    raise CommandError(f"--loto: {topic} has no gold timeline")
                predicted = method(story, n)
                if name == "key_moments":
                    for moment in predicted:
                        row = {"date": moment.date.isoformat(), "text": moment.text}
                        output.append({"topic": topic, **row} if len(topics) > 1 else row)
                if gold_rows is not None:
                    results[name].append(score(predicted, gold_rows, topic))

        if options["predictions"]:
            with options["predictions"].open("w", encoding="utf-8") as handle:
                for row in output:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        if not any(results.values()):
            self.stdout.write(f"wrote {len(output)} entries")
            return
        summary = {
            name: {
                "topics": {
                    s.topic: {"dates": s.dates, "date_f1": s.date_f1, "rouge1_f": s.rouge1_f} for s in rows
                },
                "mean_date_f1": sum(s.date_f1 for s in rows) / len(rows),
                "mean_rouge1_f": sum(s.rouge1_f for s in rows) / len(rows),
            }
            for name, rows in results.items()
        }
        summary["key_moments"]["ranker"] = "nested leave-one-topic-out" if held_out else "shipped"
        if held_out:
            summary["key_moments"]["settings"] = {t: s.as_dict() for t, (_, s) in held_out.items()}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(f"key_moments ranker: {summary['key_moments']['ranker']}")
        self.stdout.write(f"{'method':<20}{'topic':<22}{'dates':>6}{'date F1':>9}{'ROUGE-1 F':>11}")
        for name, part in summary.items():
            for topic, row in part["topics"].items():
                self.stdout.write(
                    f"{name:<20}{topic:<22}{row['dates']:>6}{row['date_f1']:>9.3f}{row['rouge1_f']:>11.3f}"
                )
            self.stdout.write(
                f"{name:<20}{'mean':<22}{'':>6}{part['mean_date_f1']:>9.3f}{part['mean_rouge1_f']:>11.3f}"
            )
