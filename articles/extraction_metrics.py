"""The article-extraction benchmark's shingle metric (scrapinghub/article-extraction-benchmark).

Each text becomes a multiset of word 4-gram shingles of its ``\\w+`` tokens; for one page the
overlap, surplus and shortfall of shingle counts are TP, FP and FN, normalised by their sum.
Precision and recall are averaged over pages and F1 is taken of the two means, so a page counts
the same whatever its length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        # Nothing expected and nothing predicted is a perfect page, not an undefined one.
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp == 0 and self.fp == 0:
            return 0.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp == 0 and self.fn == 0:
            return 0.0
        return self.tp / (self.tp + self.fn)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def shingles(text: str | None, n: int = SHINGLE_SIZE) -> Counter[str]:
    """Word n-grams of a text; a text shorter than n tokens is one shingle of all its tokens."""
    tokens = _TOKEN_RE.findall(text or "")
    grams = (" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def score_page(true: str | None, predicted: str | None) -> PageScore:
    expected, got = shingles(true), shingles(predicted)
    tp = fp = fn = 0
    for key in expected.keys() | got.keys():
        t, p = expected[key], got[key]
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if not total:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


def score_pages(pairs: Iterable[tuple[str | None, str | None]]) -> Score:
    """Mean per-page precision and recall over (true, predicted) pairs, and F1 of the two means."""
    pages = [score_page(true, predicted) for true, predicted in pairs]
    if not pages:
        return Score(0.0, 0.0, 0.0, 0)
    precision = sum(p.precision for p in pages) / len(pages)
    recall = sum(p.recall for p in pages) / len(pages)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, len(pages))


def score_predictions(truth: Mapping[str, str | None], predictions: Mapping[str, str | None]) -> Score:
    """Score every page of the truth; a page missing from predictions counts as predicted empty."""
    return score_pages((truth[key], predictions.get(key)) for key in sorted(truth))
