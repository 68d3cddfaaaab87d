"""Train the key-moment date ranker and write the parameter file that ships in the repo.

    manage.py train_timeline [--data ../shared/eval/ml-crisis] [--output stories/timeline/ranker.json]

Every X.articles.jsonl with an X.timeline.jsonl beside it is one labelled topic. The setting
(feature set, L2 strength, neighbour damping) is the one with the best leave-one-topic-out
date F1 over the grid of ``stories.timeline.training``; the ranker is then fitted on all topics.
Deterministic (Newton's method from zero, no sampling): the same data write the same weights.
The file records its provenance: the data files and their sha256, the date, the command, the
LOTO scores of the chosen setting and the nested LOTO scores (setting chosen without the topic).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stories.timeline import training
from stories.timeline.ranker import SHIPPED, Ranker


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {name: round(value, 4) for name, value in scores.items()}


class Command(BaseCommand):
    help = "Train the key-moment date ranker by leave-one-topic-out selection and write its parameter file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, default=Path(settings.BASE_DIR).parent / "shared" / "eval" / "ml-crisis"
        )
        parser.add_argument("--output", type=Path, default=SHIPPED)

    def handle(self, *args, data: Path, output: Path, **options):
        files = training.topic_files(data) if data.is_dir() else []
        if len(files) < 3:
            raise CommandError(f"need at least three X.articles.jsonl + X.timeline.jsonl topics in {data}")
        topics = [training.load_topic(*f) for f in files]
        setting, mean = training.select(topics)
        chosen_loto = training.loto(topics, setting)
        nested = {}
        for name, (ranker, inner) in training.held_out_rankers(topics).items():
            topic = next(t for t in topics if t.name == name)
            nested[name] = {"date_f1": round(training.date_f1(ranker, topic), 4), "setting": inner.as_dict()}
        ranker = training.train_ranker(topics, setting)
        provenance = {
            "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "command": f"manage.py train_timeline --data {data.name}",
            "data": {
                path.name: training.sha256(path) for _, articles, gold in files for path in (articles, gold)
            },
            "grid": {
                "features": {name: list(names) for name, names in training.FEATURE_SETS.items()},
                "c": list(training.C_VALUES),
                "damping": list(training.DAMPING_VALUES),
            },
            "setting": setting.as_dict(),
            "loto_date_f1": {"topics": _rounded(chosen_loto), "mean": round(mean, 4)},
            "nested_loto_date_f1": {
                "topics": nested,
                "mean": round(sum(v["date_f1"] for v in nested.values()) / len(nested), 4),
            },
        }
        ranker = Ranker(
            ranker.features, ranker.mean, ranker.scale, ranker.weights, ranker.bias,
            damping=ranker.damping, c=ranker.c, provenance=provenance,
        )  # fmt: skip
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(ranker.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(
            f"setting {setting.as_dict()}: LOTO mean date F1 {mean:.3f}, "
            f"nested {provenance['nested_loto_date_f1']['mean']:.3f}; wrote {output}"
        )
