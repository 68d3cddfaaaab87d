"""Learn the clustering linker from labelled streams and write its parameter file."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import embedding
from stories.clustering import training
from stories.clustering.evaluation import read_articles, read_pairs
from stories.clustering.linker import SHIPPED

DEFAULT_STREAMS = (
    ("ecbplus-dev", "ecbplus-dev.jsonl"),
    ("gedikli-chains", "gedikli-chains.jsonl"),
    ("og2021-dev", "og2021-dev.jsonl"),
)
DEMO = Path(settings.BASE_DIR) / "articles" / "fixtures" / "demo" / "articles.jsonl"


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Train the linker (logistic regression over candidate features) on the labelled streams, "
        "report leave-one-dataset-out B3, and write the parameter file with its provenance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default_eval = os.environ.get(
            "SILSILA_EVAL_DIR", str(Path(settings.BASE_DIR).parent / "shared" / "eval")
        )
        parser.add_argument("--eval-dir", type=Path, default=Path(default_eval))
        parser.add_argument("--out", type=Path, default=SHIPPED, help="where to write the parameters")
        parser.add_argument(
            "--streams",
            default=",".join(name for name, _ in DEFAULT_STREAMS) + ",demo",
            help="comma-separated subset of: ecbplus-dev, gedikli-chains, og2021-dev, demo",
        )
        parser.add_argument("--no-pairs", action="store_true", help="leave out the SemEval-2022 pairs")
        parser.add_argument("--skip-validation", action="store_true", help="no leave-one-dataset-out run")

    def handle(self, *args: object, eval_dir: Path, out: Path, streams: str, **options: object) -> None:
        np.random.seed(0)  # the fit is deterministic; fixed anyway so any future sampling is too
        wanted = [s.strip() for s in streams.split(",") if s.strip()]
        paths = {name: eval_dir / file for name, file in DEFAULT_STREAMS} | {"demo": DEMO}
        unknown = [name for name in wanted if name not in paths]
        if unknown:
            raise CommandError(f"unknown streams: {', '.join(unknown)}")
        loaded = []
        for name in wanted:
            path = paths[name]
            if not path.exists():
                raise CommandError(f"{path} not found (set --eval-dir or SILSILA_EVAL_DIR)")
            self.stdout.write(f"encoding {name} ({path})")
            docs, gold = read_articles(path)
            loaded.append(training.Stream(name, docs, gold, str(path)))
        pairs_path = eval_dir / "semeval2022-pairs.jsonl"
        pair_examples = None
        sources = {s.name: _source(Path(s.path)) for s in loaded}
        if not options["no_pairs"]:
            if not pairs_path.exists():
                raise CommandError(f"{pairs_path} not found (or pass --no-pairs)")
            self.stdout.write("encoding semeval2022-pairs")
            pair_examples = training.examples_from_pairs(read_pairs(pairs_path))
            sources["semeval2022-pairs"] = _source(pairs_path)

        validation: dict = {}
        setting = training.SETTINGS[0]
        cache = training.ExampleCache(pair_examples)
        if not options["skip_validation"] and len(loaded) > 1:
            self.stdout.write("leave-one-dataset-out, per setting:")
            setting, validation = training.choose_setting(loaded, pair_examples, log=self.stdout.write)
            self.stdout.write(f"chosen: {setting.name}")
        provenance = {
            "command": "manage.py train_linker " + " ".join(f"--streams {streams}".split()),
            "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "encoder": embedding.MODEL_NAME,
            "data": sources,
            "method": "L2 logistic regression (Newton), streams weighted equally; threshold by mean B3 F1 "
            "over the training streams",
            "setting": {
                "name": setting.name,
                "features": list(setting.features),
            },
            "leave_one_dataset_out": validation.get(setting.name, {}).get("held_out", {}),
            "settings_compared": {name: result["mean_f1"] for name, result in validation.items()},
            "python": platform.python_version(),
            "numpy": np.__version__,
        }
        linker, means = training.train(
            loaded, pair_examples, setting=setting, cache=cache, provenance=provenance
        )
        provenance["threshold_search"] = {str(t): round(v, 4) for t, v in means.items()}
        linker.dump(out)
        self.stdout.write(f"threshold {linker.threshold}; weights {training.describe(linker)}")
        self.stdout.write(f"wrote {out}")
        if validation:
            self.stdout.write(json.dumps(validation, indent=1))


def _source(path: Path) -> dict[str, str]:
    return {"file": path.name, "sha256": training.file_digest(path)}
