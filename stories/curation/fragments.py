"""Small stories that look like pieces of a larger one: pure scoring, no Django.

The engine sometimes starts a new story for an article that belongs to one it already has
(a different angle, another language, a headline with few shared words). Such a fragment is
small, lives in the same days as the story it belongs to, and means the same thing. Each
story is summarised as a `StoryProfile`: its size, its first and last article, the centroid
of its articles' stored sentence vectors (multilingual, so an Arabic fragment of an English
story is found too) and, as a fallback when vectors are missing, the stems of its titles.
`find_fragments` pairs every small story with the most similar larger story in its time
window, when that similarity clears the threshold of the basis it was measured on.

Nothing here encodes text: the vectors were computed at ingest (articles/embedding.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np


@dataclass(frozen=True)
class StoryProfile:
    id: object
    size: int
    first: datetime | None
    last: datetime | None
    centroid: np.ndarray | None  # unit vector; None when no article of the story has one
    terms: frozenset[str]


@dataclass(frozen=True)
class FragmentSettings:
    # A story of at most this many articles may be a fragment of a larger one (a piece in
    # another language can be as large as several articles).
    small_max: int = 10
    # The fragment's days must fall within the larger story's, widened by this much each way.
    window: timedelta = timedelta(days=3)
    # Cosine of the two centroids (multilingual sentence vectors). Chosen by leave-one-story-
    # out cross-validation (`manage.py fragment_eval`, docs/evaluation.md): every fold of the
    # OG2021 dev stream chose 0.60, the demo corpus' folds 0.45 to 0.70 (median 0.60).
    vector_similarity: float = 0.6
    # Share of the smaller story's title stems found in the larger's, when a vector is missing.
    term_similarity: float = 0.5


@dataclass(frozen=True)
class Fragment:
    small: object
    large: object
    similarity: float
    basis: str  # "vectors" or "words"


def centroid(vectors: Iterable[np.ndarray | None]) -> np.ndarray | None:
    """The unit mean of the non-empty vectors, or None when there is none."""
    usable = [v for v in vectors if v is not None and np.any(v)]
    if not usable:
        return None
    mean = np.mean(np.stack(usable).astype(np.float32), axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def _within(small: StoryProfile, large: StoryProfile, window: timedelta) -> bool:
    if None in (small.first, small.last, large.first, large.last):
        return False
    return small.first <= large.last + window and small.last >= large.first - window


def similarity(small: StoryProfile, large: StoryProfile) -> tuple[float, str]:
    """How alike two stories are, and on what basis: their vectors when both have one."""
    if small.centroid is not None and large.centroid is not None:
        return float(np.dot(small.centroid, large.centroid)), "vectors"
    if not small.terms or not large.terms:
        return 0.0, "words"
    # Containment rather than Jaccard: a one-article fragment has few words, all of them
    # found in the larger story when it belongs there.
    return len(small.terms & large.terms) / len(small.terms), "words"


def _clears(score: float, basis: str, settings: FragmentSettings) -> bool:
    threshold = settings.vector_similarity if basis == "vectors" else settings.term_similarity
    return score >= threshold


def candidate_pairs(
    profiles: Sequence[StoryProfile], settings: FragmentSettings
) -> list[tuple[StoryProfile, StoryProfile, float, str]]:
    """Every (small, larger) pair in one time window with its similarity, best first per small."""
    # Bigger first; among equals the older story (lower id order) is the one kept.
    ranked = sorted(range(len(profiles)), key=lambda i: (-profiles[i].size, str(profiles[i].id)))
    rank = {i: r for r, i in enumerate(ranked)}
    pairs = []
    for i, small in enumerate(profiles):
        if small.size > settings.small_max:
            continue
        for j, large in enumerate(profiles):
            if i == j or rank[j] > rank[i] or large.size < small.size:
                continue
            if not _within(small, large, settings.window):
                continue
            score, basis = similarity(small, large)
            pairs.append((small, large, score, basis))
    pairs.sort(key=lambda p: (str(p[0].id), -p[2]))
    return pairs


def find_fragments(
    profiles: Sequence[StoryProfile], settings: FragmentSettings | None = None
) -> list[Fragment]:
    """Each small story's most likely home among larger stories of its days, best first."""
    settings = settings or FragmentSettings()
    best: dict[object, Fragment] = {}
    for small, large, score, basis in candidate_pairs(profiles, settings):
        if small.id in best or not _clears(score, basis, settings):
            continue
        best[small.id] = Fragment(small=small.id, large=large.id, similarity=score, basis=basis)
    return sorted(best.values(), key=lambda f: -f.similarity)
