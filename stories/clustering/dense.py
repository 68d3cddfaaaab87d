"""Nearest stories in the sentence-vector space: the candidate search that crosses languages.

The word index (``engine._active_index``) finds stories that share strong terms with an
article, which means stories in the article's own language. Stories told in another language
are found here instead: one matrix of the stories' unit mean vectors, searched with one
matrix-vector product (numpy) and a partial sort.

The matrix holds the ``capacity`` most recently *touched* stories, not every active one: a
rewrite in another language follows its source within hours or days, and a long-running story
that keeps receiving articles keeps being touched, so it stays. Older, quiet stories are still
found through the word index in their own language. That bounds the cost per article
whatever the number of active stories (a product over 100,000 rows costs ~25 ms on one core,
over 8,192 about 1 ms). Rows are reused when a story leaves. Measured: ``make bench``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

__all__ = ["DenseIndex", "unit"]


def unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return None if norm < 1e-6 else (vector / norm).astype(np.float32, copy=False)


class DenseIndex:
    def __init__(self, dimensions: int = 512, capacity: int = 8192) -> None:
        self.dimensions = dimensions
        self.capacity = capacity
        self._matrix = np.zeros((min(capacity, 1024), dimensions), dtype=np.float32)
        self._keys: list[Hashable | None] = []
        self._rows: OrderedDict[Hashable, int] = OrderedDict()  # least recently touched first
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._rows

    def set(self, key: Hashable, vector: np.ndarray | None) -> None:
        """Index ``key`` at ``vector`` (a unit vector), or drop it when there is none."""
        if vector is None:
            self.remove(key)
            return
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
        else:
            if len(self._rows) >= self.capacity:
                self.remove(next(iter(self._rows)))  # the story touched longest ago
            if self._free:
                row = self._free.pop()
                self._keys[row] = key
            else:
                row = len(self._keys)
                if row == len(self._matrix):
                    size = min(len(self._matrix) * 2, self.capacity)
                    grown = np.zeros((size, self.dimensions), dtype=np.float32)
                    grown[:row] = self._matrix
                    self._matrix = grown
                self._keys.append(key)
            self._rows[key] = row
        self._matrix[row] = vector

    def remove(self, key: Hashable) -> None:
        row = self._rows.pop(key, None)
        if row is not None:
            self._matrix[row] = 0.0  # a free row scores 0 and is skipped
            self._keys[row] = None
            self._free.append(row)

    def search_many(self, queries: np.ndarray, k: int) -> list[list[Hashable]]:
        """``search`` for each row of ``queries`` at once (one matrix product), keys only."""
        used = len(self._keys)
        if not used or k <= 0 or not len(queries):
            return [[] for _ in range(len(queries))]
        scores = queries @ self._matrix[:used].T
        if used > k:
            top = np.argpartition(scores, used - k, axis=1)[:, used - k :]
        else:
            top = np.broadcast_to(np.arange(used), (len(queries), used))
        keys = self._keys
        found = []
        for row, columns in zip(scores, top, strict=True):
            ordered = columns[np.argsort(row[columns])[::-1]]
            found.append([keys[i] for i in ordered if keys[i] is not None])
        return found

    def search(self, query: np.ndarray, k: int) -> list[tuple[Hashable, float]]:
        """The ``k`` indexed keys with the highest cosine to ``query``, best first."""
        used = len(self._keys)
        if not used or k <= 0:
            return []
        scores = self._matrix[:used] @ query
        top = np.argpartition(scores, used - k)[used - k :] if used > k else np.arange(used)
        top = top[np.argsort(scores[top])[::-1]]
        keys = self._keys
        return [(keys[i], float(scores[i])) for i in top if keys[i] is not None]
