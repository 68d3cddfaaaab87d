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

The safety net (articles.extract.SafetyNet: another method when the text is implausibly short
for its page) is chosen the same way among NET_CANDIDATES, the production method with each net
of a grid of thresholds and methods and with none; on a tie the widest net wins (it costs
nothing there and protects pages the set lacks). `--write-net` ships the net chosen on all
pages, with the held-out figure of that choice, as articles/extraction_net.json.

Every run also counts the pages whose date fell through an implausible candidate (before 1995,
more than a day ahead; articles.published) and those still dated before 1995 (none should be).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import trafilatura
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import published
from articles.extract import (
    NET_METHODS,
    NET_PATH,
    ExtractedPage,
    SafetyNet,
    extract_article,
    implausibly_short,
)
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


# Widest first: on a tie in the training folds the first wins (see the module's docstring).
NET_RATIOS = (0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
NET_CANDIDATES: dict[str, SafetyNet | None] = {
    f"safety net under {ratio:.0%} of the paragraphs' words, {method}": SafetyNet(ratio, method)
    for ratio in NET_RATIOS
    for method in NET_METHODS
} | {"no safety net": None}


def run_nets(
    pages: dict[str, bytes], urls: dict[str, str | None]
) -> tuple[dict[str, dict[str, str | None]], dict[str, int]]:
    """Predictions of every NET_CANDIDATES entry, and on how many pages each net took over.

    The method runs once without a net; a net is run on a page only where it can fire (the text
    is implausibly short for it, or the page gave no text): elsewhere it returns that same text.
    """
    bare = {key: extract_article(html, url=urls.get(key), net=None) for key, html in pages.items()}
    predictions: dict[str, dict[str, str | None]] = {}
    fired: dict[str, int] = {}
    for name, net in NET_CANDIDATES.items():
        predictions[name], fired[name] = {}, 0
        for key, html in pages.items():
            page: ExtractedPage | None = bare[key]
            if net is not None and (page is None or implausibly_short(page.text, page.page_words, net)):
                page = extract_article(html, url=urls.get(key), net=net)
                fired[name] += page is not None and page.method == net.method
            predictions[name][key] = page.text if page else None
    return predictions, fired


def best_candidate(
    truth: dict[str, str | None], predictions: dict[str, dict[str, str | None]], keys: set[str]
) -> str:
    """The candidate with the best F1 on the pages `keys`; the first of them on a tie."""
    return max(
        predictions,
        key=lambda name: (
            score_predictions({k: truth[k] for k in keys}, {k: predictions[name].get(k) for k in keys}).f1
        ),
    )


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
        best = best_candidate(truth, predictions, train)
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
        parser.add_argument(
            "--write-net",
            type=Path,
            nargs="?",
            const=NET_PATH,
            metavar="PATH",
            help=f"with --cv: write the safety net chosen on all pages (default {NET_PATH.name})",
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

        if options["cv"] is not None:
            self._cross_validate(pages, urls, truth, options["cv"], baseline=bool(options["baseline"]))
            self._choose_net(pages, urls, truth, options["cv"], write=options["write_net"])
            return
        if options["write_net"]:
            raise CommandError("--write-net needs --cv K")
        runs: list[tuple[str, Extractor]] = [("silsila", _silsila)]
        if options["baseline"]:
            runs.append(("trafilatura-defaults", _trafilatura_defaults))
        self._count_dates(pages, urls)
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

    def _count_dates(self, pages: dict[str, bytes], urls: dict) -> None:
        """How many pages' dates fell through an implausible candidate, and how many are still
        before 1995 (it should be none)."""
        results = [extract_article(html, url=urls.get(key)) for key, html in pages.items()]
        dated = [page for page in results if page is not None and page.published_at is not None]
        fell_through = sum(1 for page in results if page is not None and page.dates_refused)
        early = sum(1 for page in dated if page.published_at < published.OLDEST)
        self.stdout.write(
            f"dates: {len(dated)} of {len(pages)} pages dated; {fell_through} fell through an implausible "
            f"candidate (before {published.OLDEST.year} or more than a day ahead); "
            f"{early} dated before {published.OLDEST.year}"
        )

    def _choose_net(
        self, pages: dict[str, bytes], urls: dict, truth: dict, folds: int, *, write: Path | None
    ) -> None:
        gold = {key: truth.get(key, {}).get("articleBody") for key in pages}
        predictions, fired = run_nets(pages, urls)
        held_out, chosen = cross_validate(gold, predictions, folds)
        score = score_predictions(gold, held_out)
        without = score_predictions(gold, predictions["no safety net"])
        for name in predictions:
            in_sample = score_predictions(gold, predictions[name])
            self.stdout.write(f"in sample  {name}: F1 {in_sample.f1:.4f} (took over on {fired[name]} pages)")
        self.stdout.write(
            f"safety net, {folds}-fold cross-validation: precision {score.precision:.4f} "
            f"recall {score.recall:.4f} F1 {score.f1:.4f}; without it {without.f1:.4f} "
            f"(chosen per fold: {'; '.join(chosen)})"
        )
        if write is None:
            return
        best = best_candidate(gold, predictions, set(gold))
        net = NET_CANDIDATES[best]
        provenance = {
            "net": None
            if net is None
            else {"ratio": net.ratio, "method": net.method, "min_page_words": net.min_page_words},
            "chosen": best,
            "by": f"manage.py extract_eval DIR --cv {folds} --write-net",
            "pages": len(pages),
            "in_sample_f1": round(score_predictions(gold, predictions[best]).f1, 4),
            "held_out_f1": round(score.f1, 4),
            "held_out_f1_without_net": round(without.f1, 4),
            "chosen_per_fold": chosen,
            "written": date.today().isoformat(),
        }
        write.write_text(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.stdout.write(f"wrote {best} to {write}")
