"""Score article extraction on a labelled set of pages (the article-extraction benchmark's layout).

DIR/html/<key>.html.gz are the pages, DIR/ground-truth.json maps key -> {"articleBody", "url"}.
Speed is extraction time only, measured in this one process (one core). With --baseline, plain
trafilatura with default settings runs in the same process so the two figures are comparable on a
busy machine.

With --cv K the choice of method is scored out of sample: every candidate of CANDIDATES (the
production method and its variants: trafilatura mode, line cleaning, the link-run, bare-text and
body-piece rules) runs on every page; the pages are cut into K folds (by a hash of their key), and
each fold is predicted by the candidate that scored best on the other folds. The pooled held-out
score is the method's figure; the in-sample score of each candidate is printed beside it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import trafilatura
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.extract import extract_article
from articles.extraction_metrics import score_predictions

Extractor = Callable[[bytes, str | None], str | None]


def _silsila(html: bytes, url: str | None) -> str | None:
    page = extract_article(html, url=url)
    return page.text if page else None


def _variant(html: bytes, url: str | None, **options: Any) -> str | None:
    page = extract_article(html, url=url, **options)
    return page.text if page else None


# The production method first: on a tie in the training folds it is kept. Each variant changes
# one production choice (see articles/extract.py); "none of the three" is the method before the
# link-run, bare-text and body-piece rules.
CANDIDATES: dict[str, Extractor] = {
    "silsila (precision, cleaned, link runs, bare text, pieces)": _silsila,
    "without dropping link runs": partial(_variant, link_runs=False),
    "without bare-text paragraphs": partial(_variant, bare_text=False),
    "without body pieces": partial(_variant, pieces=False),
    "none of the three (precision, cleaned)": partial(
        _variant, link_runs=False, bare_text=False, pieces=False
    ),
    "not cleaned": partial(_variant, clean=False),
    "default mode": partial(_variant, mode="default"),
    "recall mode": partial(_variant, mode="recall"),
}


def fold_of(key: str, folds: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % folds


def cross_validate(
    truth: dict[str, str | None], predictions: dict[str, dict[str, str | None]], folds: int
) -> tuple[dict[str, str | None], list[str]]:
    """Held-out predictions per page and the candidate chosen for each fold."""
    held_out: dict[str, str | None] = {}
    chosen: list[str] = []
    for fold in range(folds):
        train = {key for key in truth if fold_of(key, folds) != fold}
        test = [key for key in truth if fold_of(key, folds) == fold]
        best = max(
            predictions,
            key=lambda name: (
                score_predictions(
                    {k: truth[k] for k in train}, {k: predictions[name].get(k) for k in train}
                ).f1
            ),
        )
        chosen.append(best)
        held_out.update({key: predictions[best].get(key) for key in test})
    return held_out, chosen


def _trafilatura_defaults(html: bytes, url: str | None) -> str | None:
    return trafilatura.extract(html, url=url)


def run_extractor(
    extractor: Extractor, pages: dict[str, bytes], urls: dict[str, str | None]
) -> tuple[dict[str, str | None], float]:
    """Predictions per key and the seconds spent extracting (reading files excluded)."""
    predictions: dict[str, str | None] = {}
    # One untimed call first: module imports and lazy model loads are paid once per process,
    # not per page.
    first = next(iter(pages), None)
    if first is not None:
        extractor(pages[first], urls.get(first))
    elapsed = 0.0
    for key, html in pages.items():
        start = time.perf_counter()
        predictions[key] = extractor(html, urls.get(key))
        elapsed += time.perf_counter() - start
    return predictions, elapsed


class Command(BaseCommand):
    help = "Run the production article extractor on DIR/html/*.html.gz and score it against the ground truth."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--predictions", type=Path, help="write {key: {'articleBody': text}} here")
        parser.add_argument(
            "--baseline", action="store_true", help="also run trafilatura with default settings"
        )
        parser.add_argument(
            "--cv", type=int, metavar="K", help="score the choice among CANDIDATES by K-fold cross-validation"
        )

    def handle(self, *args: object, **options: object) -> None:
        directory = options["directory"]
        assert isinstance(directory, Path)
        files = sorted((directory / "html").glob("*.html.gz"))
        if not files:
            raise CommandError(f"no html/*.html.gz pages under {directory}")
        pages = {path.name.removesuffix(".html.gz"): gzip.decompress(path.read_bytes()) for path in files}
        truth_path = directory / "ground-truth.json"
        truth = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.exists() else None
        urls = {key: (truth or {}).get(key, {}).get("url") for key in pages}

        if options["cv"]:
            self._cross_validate(pages, urls, truth, options["cv"], baseline=bool(options["baseline"]))
            return
        runs: list[tuple[str, Extractor]] = [("silsila", _silsila)]
        if options["baseline"]:
            runs.append(("trafilatura-defaults", _trafilatura_defaults))
        for name, extractor in runs:
            predictions, elapsed = run_extractor(extractor, pages, urls)
            if name == "silsila" and options["predictions"]:
                out = options["predictions"]
                assert isinstance(out, Path)
                out.write_text(
                    json.dumps(
                        {key: {"articleBody": text or ""} for key, text in predictions.items()},
                        ensure_ascii=False,
                        indent=1,
                    ),
                    encoding="utf-8",
                )
            speed = len(pages) / elapsed if elapsed else float("inf")
            if truth is None:
                self.stdout.write(f"{name}: {len(pages)} pages, {speed:.1f} pages/s (no ground truth)")
                continue
            score = score_predictions(
                {key: value.get("articleBody") for key, value in truth.items()}, predictions
            )
            self.stdout.write(
                f"{name}: precision {score.precision:.4f} recall {score.recall:.4f} "
                f"F1 {score.f1:.4f} ({score.pages} pages, {speed:.1f} pages/s)"
            )

    def _cross_validate(
        self, pages: dict[str, bytes], urls: dict, truth: dict | None, folds: int, *, baseline: bool
    ) -> None:
        if truth is None or folds < 2:
            raise CommandError("--cv needs a ground truth and K >= 2")
        gold = {key: truth.get(key, {}).get("articleBody") for key in pages}
        predictions: dict[str, dict[str, str | None]] = {}
        for name, extractor in CANDIDATES.items():
            predictions[name], elapsed = run_extractor(extractor, pages, urls)
            score = score_predictions(gold, predictions[name])
            self.stdout.write(
                f"in sample  {name}: precision {score.precision:.4f} recall {score.recall:.4f} "
                f"F1 {score.f1:.4f} ({len(pages) / elapsed:.1f} pages/s)"
            )
        held_out, chosen = cross_validate(gold, predictions, folds)
        score = score_predictions(gold, held_out)
        self.stdout.write(
            f"{folds}-fold cross-validation: precision {score.precision:.4f} recall {score.recall:.4f} "
            f"F1 {score.f1:.4f} (chosen per fold: {'; '.join(chosen)})"
        )
        if baseline:
            base, elapsed = run_extractor(_trafilatura_defaults, pages, urls)
            score = score_predictions(gold, base)
            self.stdout.write(
                f"trafilatura-defaults: precision {score.precision:.4f} recall {score.recall:.4f} "
                f"F1 {score.f1:.4f} ({len(pages) / elapsed:.1f} pages/s)"
            )
