"""Character n-grams of a headline: same-language evidence that survives inflection and names.

Word stems miss what a headline's letters share: «بطهران» and «طهران», "Djokovic" and
"Djokovic's", "Olympia" and "Olympics", a name spelt alike in English, French and German. The
n-grams (3 to 5 characters, inside words padded with a space, after the word index's
normalisation) of an article's title are weighed TF-IDF by how many titles of this stream carry
them, and compared with a story's running sum of its members' n-gram vectors (``GramCentroid``):
one comparison per candidate, never a rescan of the story's members.

The n-grams are hashed into ``BUCKETS`` slots with CRC-32 (Python's ``hash`` of a string
changes between processes; a snapshot and a rebuild must see the same slots), and the document
frequencies live in one fixed array, so the state is the same size however long the stream.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np

from articles.text import normalize

__all__ = ["BUCKETS", "SIZES", "GramCentroid", "GramStats", "GramVector", "title_grams"]

SIZES = (3, 4, 5)
BUCKETS = 1 << 20
# A story keeps its strongest n-grams only (a 400-headline story has tens of thousands): the
# ones its headlines share, which are the ones a new headline can match.
STORY_GRAMS = 384
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

GramVector = tuple[np.ndarray, np.ndarray]  # sorted slot numbers (int32), unit-length weights (float32)
_EMPTY: GramVector = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def title_grams(title: str, language: str | None) -> dict[int, int]:
    """Slot → count of the title's character n-grams (each word padded: " word ")."""
    counts: dict[int, int] = {}
    for word in _WORD.findall(normalize(title, language)):
        padded = f" {word} "
        for size in SIZES:
            for start in range(len(padded) - size + 1):
                slot = zlib.crc32(padded[start : start + size].encode("utf-8")) & (BUCKETS - 1)
                counts[slot] = counts.get(slot, 0) + 1
    return counts


class GramStats:
    """How many titles of the stream carry each n-gram slot, for the IDF weights."""

    __slots__ = ("documents", "frequency")

    def __init__(self) -> None:
        self.frequency = np.zeros(BUCKETS, dtype=np.int32)
        self.documents = 0

    def update(self, counts: dict[int, int]) -> None:
        if not counts:
            return
        self.frequency[np.fromiter(counts, dtype=np.int64, count=len(counts))] += 1
        self.documents += 1

    def vector(self, counts: dict[int, int]) -> GramVector:
        """The title's unit-length TF-IDF vector (sublinear counts, smoothed IDF)."""
        if not counts:
            return _EMPTY
        slots = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.array([counts[s] for s in slots.tolist()], dtype=np.float64))
        idf = np.log((1.0 + self.documents) / (1.0 + self.frequency[slots])) + 1.0
        weights = tf * idf
        norm = math.sqrt(float(weights @ weights)) or 1.0
        return slots.astype(np.int32), (weights / norm).astype(np.float32)


class GramCentroid:
    """A story's running sum of its members' n-gram vectors, trimmed to ``STORY_GRAMS`` slots."""

    __slots__ = ("norm", "slots", "weights")

    def __init__(self) -> None:
        self.slots, self.weights = _EMPTY
        self.norm = 0.0

    def add(self, vector: GramVector, sign: float = 1.0) -> None:
        slots, weights = vector
        if not len(slots):
            return
        if not len(self.slots) and sign > 0 and len(slots) <= STORY_GRAMS and bool((weights > 1e-6).all()):
            # A story's first member: its sum is that member's vector (sorted, unique slots), so
            # the two share one pair of arrays; most stories hold one article. Arrays are never
            # changed in place, and a snapshot's pickle keeps the sharing.
            self.slots, self.weights = slots, weights
            self.norm = math.sqrt(float(weights.astype(np.float64) @ weights))
            return
        merged = np.concatenate([self.slots, slots])
        values = np.concatenate([self.weights, weights * np.float32(sign)])
        unique, inverse = np.unique(merged, return_inverse=True)
        summed = np.bincount(inverse, weights=values).astype(np.float32)
        keep = summed > 1e-6  # a removed member leaves no negative or empty slots behind
        unique, summed = unique[keep], summed[keep]
        if len(unique) > STORY_GRAMS:
            strongest = np.sort(np.argpartition(summed, -STORY_GRAMS)[-STORY_GRAMS:])
            unique, summed = unique[strongest], summed[strongest]
        self.slots, self.weights = unique.astype(np.int32), summed
        self.norm = math.sqrt(float(summed.astype(np.float64) @ summed))

    def remove(self, vector: GramVector) -> None:
        self.add(vector, -1.0)

    def absorb(self, other: GramCentroid) -> None:
        self.add((other.slots, other.weights))

    def cosine(self, vector: GramVector) -> float:
        slots, weights = vector
        if not self.norm or not len(slots):
            return 0.0
        positions = np.searchsorted(self.slots, slots)
        positions[positions == len(self.slots)] = 0
        hit = self.slots[positions] == slots
        if not hit.any():
            return 0.0
        return float(self.weights[positions[hit]] @ weights[hit]) / self.norm
