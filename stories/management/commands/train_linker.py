"""Learn the clustering projection and linker from labelled streams and write their files."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import embedding
from stories.clustering import projection as projection_file
from stories.clustering import training
from stories.clustering.evaluation import PAIRS_FILE, read_pairs, read_stream, stream_paths
from stories.clustering.linker import SHIPPED

DEFAULT_STREAMS = ("ecbplus-dev", "gedikli-chains", "og2021-dev", "demo", "ar-en-stories-dev")


def load_streams(eval_dir: Path, names: list[str], log, *, headlines: bool = True) -> list[training.Stream]:
    """The named labelled streams with their vectors (and their headline views unless ``headlines``
    is off: ``evaluation.read_stream``); a clear error for an unknown or missing one."""
    paths = stream_paths(eval_dir)
    unknown = [name for name in names if name not in paths]
    if unknown:
        raise CommandError(f"unknown streams: {', '.join(unknown)} (known: {', '.join(paths)})")
    loaded = []
    for name in names:
        path = paths[name]
        if not path.exists():
            raise CommandError(f"{path} not found (set --eval-dir or SILSILA_EVAL_DIR)")
        log(f"encoding {name} ({path})")
        loaded.append(read_stream(name, path, headlines=headlines))
    return loaded


def source(path: Path) -> dict[str, str]:
    return {"file": path.name, "sha256": training.file_digest(path)}


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Fit the sentence-vector projection and the linker (logistic regression over candidate features) "
        "on the labelled streams, choose the feature setting by leave-one-dataset-out, and write both "
        "files with their provenance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--eval-dir", type=Path, default=settings.SILSILA_EVAL_DIR)
        parser.add_argument("--out", type=Path, default=SHIPPED, help="where to write the linker")
        parser.add_argument(
            "--projection-out",
            type=Path,
            default=projection_file.SHIPPED,
            help="where to write the projection",
        )
        parser.add_argument(
            "--streams",
            default=",".join(DEFAULT_STREAMS),
            help="comma-separated subset of: " + ", ".join(DEFAULT_STREAMS),
        )
        parser.add_argument("--no-pairs", action="store_true", help="leave out the SemEval-2022 pairs")
        parser.add_argument(
            "--compare",
            help="compare only these settings (numbers from 1, in the order of training.SETTINGS); "
            "the default compares all of them",
        )
        parser.add_argument(
            "--skip-validation",
            action="store_true",
            help="no leave-one-dataset-out run: fit the last setting (or the last one --compare names)",
        )

    def handle(
        self,
        *args: object,
        eval_dir: Path,
        out: Path,
        projection_out: Path,
        streams: str,
        **options: object,
    ) -> None:
        np.random.seed(0)  # the fits are deterministic; fixed anyway so any future sampling is too
        wanted = [s.strip() for s in streams.split(",") if s.strip()]
        loaded = load_streams(eval_dir, wanted, self.stdout.write)
        pairs = []
        sources = {s.name: source(Path(s.path)) for s in loaded}
        if not options["no_pairs"]:
            pairs_path = eval_dir / PAIRS_FILE
            if not pairs_path.exists():
                raise CommandError(f"{pairs_path} not found (or pass --no-pairs)")
            self.stdout.write("encoding semeval2022-pairs")
            pairs = read_pairs(pairs_path)
            sources["semeval2022-pairs"] = source(pairs_path)
        candidates = _settings(options.get("compare"))

        validation: dict = {}
        setting = candidates[-1]
        cache = training.ExampleCache(pairs)
        if not options["skip_validation"] and len(loaded) > 1:
            self.stdout.write("leave-one-dataset-out, per setting:")
            setting, validation = training.choose_setting(
                loaded, log=self.stdout.write, settings=candidates, cache=cache
            )
            self.stdout.write(f"chosen: {setting.name}")
        named = (("streams", streams), ("compare", options.get("compare")))
        command = "manage.py train_linker " + " ".join(f"--{name} {value}" for name, value in named if value)
        provenance = {
            "command": command,
            "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "encoder": embedding.MODEL_NAME,
            "data": sources,
            "method": "L2 logistic regression (Newton), streams weighted equally; join thresholds per regime "
            "(full text, headline only) by mean B3 F1 over the training streams of that regime",
            "setting": {
                "name": setting.name,
                "features": list(setting.features),
                "per_regime": setting.per_regime,
            },
            "leave_one_dataset_out": validation.get(setting.name, {}).get("held_out", {}),
            "settings_compared": {name: result["mean_f1"] for name, result in validation.items()},
            "python": platform.python_version(),
            "numpy": np.__version__,
        }
        trained = training.train(loaded, setting=setting, cache=cache, provenance=provenance)
        projection = trained.projection
        projection_provenance = {
            "command": command,
            "data": sources,
            "method": "language-centred sentence vectors; within- against between-story scatter (LDA), "
            f"within-story scatter shrunk {training.SHRINKAGE} towards the identity, "
            f"{training.PROJECTION_DIMENSIONS} directions",
            "fitted": setting.projected,
            "dimensions": projection.dimensions,
            "shrinkage": training.SHRINKAGE,
            "numpy": np.__version__,
        }
        projection = projection_file.Projection(projection.matrix, projection_provenance)
        projection.dump(projection_out)
        provenance["projection"] = source(projection_out)
        provenance["threshold_search"] = {
            regime: {str(t): round(v, 4) for t, v in means.items()}
            for regime, means in trained.threshold_search.items()
        }
        trained.linker.dump(out)
        linker = trained.linker
        self.stdout.write(
            f"thresholds {linker.threshold} (full text) / {linker.headline_threshold} (headlines); "
            f"weights {training.describe(linker)}"
        )
        self.stdout.write(f"wrote {out} and {projection_out}")
        if validation:
            self.stdout.write(json.dumps(validation, indent=1))


def _settings(numbers: object) -> list[training.Setting]:
    if not numbers:
        return list(training.SETTINGS)
    try:
        chosen = [training.SETTINGS[int(n) - 1] for n in str(numbers).split(",")]
    except (ValueError, IndexError) as error:
        raise CommandError(f"--compare takes numbers from 1 to {len(training.SETTINGS)}") from error
    return chosen
