"""Name labelled stories as the product does and measure the names (issue 23, point 1).

    manage.py names_eval                       # og2021-dev and ECB+ dev from SILSILA_EVAL_DIR
    manage.py names_eval --files og2021-dev.jsonl --json
    manage.py names_eval --cv                  # the naming settings chosen across story folds

Each file is grouped by its gold `story`; every article is encoded with the product's encoder
(title and lead, as at ingest) and every story named by `stories.curation.labels.story_labels`.
Printed per file: the share of names with no `phrases.problems` (target ≥ 0.95) and, over the
stories named in two or more languages, the median cosine between their names (target ≥ 0.6).

--cv names the stories under each setting of AGREEMENT_GRID, then for each of five folds of
stories (a stable hash of the gold label) chooses the weakest setting within 0.01 of the best
median cosine on the other four and reports it on the held-out fold: the out-of-sample figure.
Vectors are kept in VAR_DIR/names_eval/ between runs (encoding is the slow part).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import embedding
from stories.curation import labels, name_figures
from stories.timeline.training import read_jsonl

DEFAULT_FILES = ("og2021-dev.jsonl", "ecbplus-dev.jsonl")
# Newsroom-style names written by hand for the stories of ar-en-stories-dev (the dev proxy of the
# held-back check of issue 23).
REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "data" / "newsroom_names_ar_en_dev.json"
# The weights of the agreement step tried by --cv (labels.AGREEMENT is the shipped one).
AGREEMENT_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def article_vectors(path: Path, records: list[dict], cache_dir: Path | None) -> dict[str, np.ndarray]:
    """Each record's sentence vector, encoded once and kept in `cache_dir` between runs."""
    cached = cache_dir / f"{path.stem}.{embedding.MODEL_NAME}.npz" if cache_dir else None
    ids = [str(r["id"]) for r in records]
    if cached and cached.is_file():
        stored = np.load(cached)
        if list(stored["ids"]) == ids:
            return dict(zip(ids, stored["vectors"], strict=True))
    texts = [embedding.embedding_text(r.get("title") or "", r.get("text") or "") for r in records]
    vectors = np.concatenate([embedding.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cached, ids=np.array(ids), vectors=vectors)
    return dict(zip(ids, vectors, strict=True))


def load_stories(path: Path, cache_dir: Path | None) -> dict[str, list[labels.LabelArticle]]:
    records = read_jsonl(path)
    return name_figures.group_by_story(records, article_vectors(path, records, cache_dir))


class Command(BaseCommand):
    help = "Name the gold stories of evaluation files and report well-formed share and cross-language cosine."

    def add_arguments(self, parser):
        parser.add_argument("--eval-dir", type=Path, default=None, help="default: settings.SILSILA_EVAL_DIR")
        parser.add_argument("--files", nargs="+", default=list(DEFAULT_FILES))
        parser.add_argument("--cv", action="store_true", help="choose the agreement across story folds")
        parser.add_argument("--no-cache", action="store_true", help="encode again, keep nothing")
        parser.add_argument(
            "--reference",
            type=Path,
            default=REFERENCE,
            help="newsroom-style names per gold story (JSON); their median cosine to the names is reported",
        )
        parser.add_argument(
            "--agreement", type=float, default=labels.AGREEMENT, help="the agreement weight to name with"
        )
        parser.add_argument("--show", type=int, default=0, help="print this many stories' names per file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, eval_dir: Path | None, files: list[str], **options):
        eval_dir = eval_dir or Path(settings.SILSILA_EVAL_DIR)
        cache_dir = None if options["no_cache"] else Path(settings.VAR_DIR) / "names_eval"
        report: dict[str, dict] = {}
        for name in files:
            path = eval_dir / name
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            stories = load_stories(path, cache_dir)
            named = name_figures.name_stories(
                stories, encode=embedding.encode, agreement=options["agreement"]
            )
            figures = name_figures.figures(named, embedding.encode)
            report[name] = {"stories": len(stories), **figures.as_dict()}
            if options["reference"] and options["reference"].is_file():
                reference = json.loads(options["reference"].read_text(encoding="utf-8"))
                if medians := name_figures.reference_medians(named, reference, embedding.encode):
                    report[name]["reference_median_cosine"] = medians
            if options["cv"]:
                report[name]["cv"] = self._cross_validate(stories)
            for key in list(named)[: options["show"]]:
                self.stdout.write(f"{name} {key}: {json.dumps(named[key], ensure_ascii=False)}")
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        for name, row in report.items():
            self.stdout.write(
                f"{name}: {row['stories']} stories, {row['names']} names,"
                f" well-formed {row['well_formed_share']:.3f}"
                f"; {row['multilingual_stories']} multilingual, median cosine {row['median_cosine']:.3f}"
            )
            if "reference_median_cosine" in row:
                self.stdout.write(f"  against the newsroom-style names: {row['reference_median_cosine']}")
            if "cv" in row:
                self.stdout.write(f"  cross-validated: {json.dumps(row['cv'])}")

    def _cross_validate(self, stories: dict[str, list[labels.LabelArticle]]) -> dict:
        settings_grid = [{"agreement": weight} for weight in AGREEMENT_GRID]
        folds = name_figures.cross_validate(stories, settings_grid, encode=embedding.encode)
        held_out = [cosine for fold in folds for cosine in fold["held_out"].cosines]
        return {
            "folds": [
                {
                    "fold": f["fold"],
                    "chosen": f["setting"],
                    "inside_median": round(f["inside"].median_cosine, 3),
                    "inside_by_setting": f["inside_by_setting"],
                    "held_out_median": round(f["held_out"].median_cosine, 3),
                    "held_out_well_formed": round(f["held_out"].well_formed_share, 3),
                }
                for f in folds
            ],
            "held_out_median_cosine": round(statistics.median(held_out), 3) if held_out else None,
        }
