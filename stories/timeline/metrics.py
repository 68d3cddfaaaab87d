"""Scores for a predicted timeline against a journalist's: date F1 and ROUGE-1 F of the concatenation.

Date F1 compares the *sets* of dates (a gold timeline may hold two entries on one day; that day
counts once). ROUGE-1 compares the concatenated texts of all entries as bags of words: tokens
are lowercase ``\\w+`` runs (Unicode-aware), no stemming and no stopword removal, overlap counts
clipped to the smaller count (Lin 2004). Both are the "concat" variants used for timeline
summarisation (Martschat & Markert 2017; Ghalandari & Ifrim 2020), without their date alignment.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_TOKEN_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def _prf(overlap: float, predicted: float, expected: float) -> PRF:
    precision = overlap / predicted if predicted else 0.0
    recall = overlap / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def date_prf(predicted: Iterable[date | str], gold: Iterable[date | str]) -> PRF:
    """Precision, recall and F1 of the set of predicted dates against the set of gold dates."""
    got = {str(d) for d in predicted}
    expected = {str(d) for d in gold}
    return _prf(len(got & expected), len(got), len(expected))


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def rouge1(predicted: str, gold: str) -> PRF:
    """ROUGE-1 precision, recall and F of two texts."""
    got, expected = Counter(tokens(predicted)), Counter(tokens(gold))
    overlap = sum((got & expected).values())
    return _prf(overlap, sum(got.values()), sum(expected.values()))


def concat_rouge1(predicted: Iterable[str], gold: Iterable[str]) -> PRF:
    """ROUGE-1 of all entries' texts joined, as one summary against the other."""
    return rouge1("\n".join(predicted), "\n".join(gold))
