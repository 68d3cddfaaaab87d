"""B-cubed precision, recall and F1 of a clustering against gold labels (Bagga & Baldwin 1998).

For each item, precision is the share of its predicted cluster that shares its gold cluster,
recall the share of its gold cluster that shares its predicted cluster; both are averaged
over items, and F1 is the harmonic mean of the two averages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BCubed:
    precision: float
    recall: float
    f1: float
    predicted_clusters: int
    gold_clusters: int


def bcubed(predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]) -> BCubed:
    """Score ``predicted`` (item → cluster) against ``gold`` (item → class) over the gold items."""
    items = [item for item in gold if item in predicted]
    if len(items) != len(gold):
        missing = len(gold) - len(items)
        raise ValueError(f"{missing} gold items have no prediction")
    if not items:
        return BCubed(0.0, 0.0, 0.0, 0, 0)
    pair = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    precision = sum(pair[predicted[i], gold[i]] / pred_size[predicted[i]] for i in items) / len(items)
    recall = sum(pair[predicted[i], gold[i]] / gold_size[gold[i]] for i in items) / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1, len(pred_size), len(gold_size))


@dataclass(frozen=True, slots=True)
class JoinedPairs:
    """Of the pairs of articles that share a gold story, the share that share a predicted one,
    for pairs across two languages and for pairs in one language."""

    cross_language: float
    cross_language_pairs: int
    same_language: float
    same_language_pairs: int


def joined_pairs(
    predicted: Mapping[Hashable, Hashable],
    gold: Mapping[Hashable, Hashable],
    languages: Mapping[Hashable, str | None],
) -> JoinedPairs:
    """Counted per gold story from (language, predicted story) counts, not pair by pair."""
    cells: Counter[tuple[Hashable, str | None, Hashable]] = Counter()
    for item, story in gold.items():
        cells[story, languages.get(item), predicted[item]] += 1
    by_language: Counter[tuple[Hashable, str | None]] = Counter()
    by_prediction: Counter[tuple[Hashable, Hashable]] = Counter()
    gold_size: Counter[Hashable] = Counter()
    same_joined = 0
    for (story, language, prediction), count in cells.items():
        by_language[story, language] += count
        by_prediction[story, prediction] += count
        gold_size[story] += count
        same_joined += count * (count - 1) // 2
    same_total = sum(n * (n - 1) // 2 for n in by_language.values())
    all_total = sum(n * (n - 1) // 2 for n in gold_size.values())
    all_joined = sum(n * (n - 1) // 2 for n in by_prediction.values())
    cross_total = all_total - same_total
    cross_joined = all_joined - same_joined
    return JoinedPairs(
        cross_joined / cross_total if cross_total else 0.0,
        cross_total,
        same_joined / same_total if same_total else 0.0,
        same_total,
    )
