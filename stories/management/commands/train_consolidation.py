"""Learn the story-consolidation decision from labelled streams and write its parameter file."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import embedding
from stories.clustering import consolidation_training as learning
from stories.clustering.consolidation import SHIPPED
from stories.clustering.evaluation import PAIRS_FILE, STREAM_FILES, read_pairs
from stories.management.commands.train_linker import load_streams, source

STREAMS = (*STREAM_FILES, "demo")  # the labelled streams and the demo corpus (evaluation.stream_paths)
IN_TIME = "og2021-dev"  # the stream split in time: fit on its first 60%, score its last 40%


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Train the story-consolidation decision on the labelled streams (pairs of the engine's own "
        "stories), report held-out B3 with and without the pass, and write the parameter file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--eval-dir", type=Path, default=settings.SILSILA_EVAL_DIR)
        parser.add_argument("--out", type=Path, default=SHIPPED, help="where to write the parameters")
        parser.add_argument(
            "--streams",
            default=",".join(STREAMS),
            help="comma-separated subset of: " + ", ".join(STREAMS),
        )
        parser.add_argument(
            "--refit-linker",
            action="store_true",
            help="held-out figures with a linker refitted without the held-out stream too (slow)",
        )
        parser.add_argument(
            "--cross-fit",
            action="store_true",
            help="learn from each stream clustered by a linker fitted without it, as the shipped "
            "linker meets new articles (implies --refit-linker; slow: a linker per stream)",
        )
        parser.add_argument(
            "--skip-validation", action="store_true", help="no leave-one-dataset-out or in-time run"
        )

    def handle(self, *args: object, eval_dir: Path, out: Path, streams: str, **options: object) -> None:
        wanted = [s.strip() for s in streams.split(",") if s.strip()]
        refit = bool(options["refit_linker"] or options["cross_fit"])
        # The pass never reads the streams' headline views (``evaluation.read_stream``); a linker
        # refitted here does, as ``train_linker`` and ``cluster_eval --out-of-sample`` fit it.
        loaded = load_streams(eval_dir, wanted, self.stdout.write, headlines=refit)
        sources = {s.name: source(Path(s.path)) for s in loaded}
        pairs: list = []
        if refit:
            pairs_path = eval_dir / PAIRS_FILE
            if not pairs_path.exists():
                raise CommandError(f"{pairs_path} not found")
            pairs = list(read_pairs(pairs_path))
            sources["semeval2022-pairs"] = source(pairs_path)
        linkers = learning.LinkerFolds(
            loaded, refit=refit, cross_fit=bool(options["cross_fit"]), pairs=pairs, log=self.stdout.write
        )
        cache = learning.ExampleCache()

        setting, validation, in_time = learning.SETTINGS[0], {}, {}
        if not options["skip_validation"] and len(loaded) > 1:
            self.stdout.write("leave-one-dataset-out, per setting:")
            setting, validation = learning.choose_setting(loaded, linkers, cache=cache, log=self.stdout.write)
            self.stdout.write(f"chosen: {setting.name}")
            split = next((s for s in loaded if s.name == IN_TIME), None)
            if split is not None:
                first, last = learning.split_in_time(split)
                rest = [s for s in loaded if s is not split] + [first]
                in_time = {last.name: learning.held_out(last, rest, linkers, setting, cache)}
                figures = in_time[last.name]
                self.stdout.write(
                    f"in time: {last.name} B3 F1 {figures['without']['f1']:.4f} without the pass, "
                    f"{figures['with']['f1']:.4f} with it (fitted on {first.name} and the other streams)"
                )
        command = "manage.py train_consolidation --streams " + ",".join(wanted)
        if options["cross_fit"]:
            command += " --cross-fit"
        elif options["refit_linker"]:
            command += " --refit-linker"
        provenance = {
            "command": command,
            "encoder": embedding.MODEL_NAME,
            "linker": "the shipped linker (stories/clustering/linker.json)"
            + (
                "; in the held-out figures, a linker and projection refitted without the held-out stream"
                if refit
                else ""
            )
            + (
                "; the examples of each stream from the engine run by a linker fitted without it"
                if options["cross_fit"]
                else ""
            ),
            "data": sources,
            "method": "L2 logistic regression (Newton) over pairs of the engine's stories each pass looks "
            "at, streams weighted equally; a threshold per regime (full text, headlines) by mean B3 F1 "
            "over the training streams, highest within the tolerance",
            "setting": {
                "name": setting.name,
                "features": list(setting.features),
                "window_hours": setting.window_hours,
                "cadence_hours": setting.cadence_hours,
                "tolerance": setting.tolerance,
            },
            "leave_one_dataset_out": validation.get(setting.name, {}).get("held_out", {}),
            "settings_compared": {name: result["mean_f1"] for name, result in validation.items()},
            "in_time": in_time,
            "python": platform.python_version(),
            "numpy": np.__version__,
        }
        model, table = learning.train(
            loaded, None, setting, cache=cache, provenance=provenance, linker_of=linkers.without(loaded, None)
        )
        provenance["threshold_search"] = table
        model.dump(out)
        self.stdout.write(
            f"thresholds: full text {model.threshold}, headlines {model.headline_threshold}; wrote {out}"
        )
        if validation:
            self.stdout.write(json.dumps({"held_out": validation, "in_time": in_time}, indent=1))
