"""The reference point for benchmarks: textbook single-pass TF-IDF centroid clustering.

Lower-cased word tokens, no stemming or stopwords, incremental IDF, and every new article
compared with *every* story centroid (no index, no time, no events). It is what the engine
is measured against, not something to use in production.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .representation import ArticleDoc

_WORD = re.compile(r"[^\W_]+")


class SinglePassBaseline:
    def __init__(self, threshold: float = 0.2) -> None:
        self.threshold = threshold
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        self.centroids: list[dict[str, float]] = []
        self.norms: list[float] = []

    def assign(self, doc: ArticleDoc) -> int:
        """The index of the story ``doc`` joins (a new index for a new story)."""
        tf = Counter(_WORD.findall(f"{doc.title} {doc.text}".lower()))
        self.n_docs += 1
        self.df.update(tf.keys())
        vector = {
            t: (1 + math.log(c)) * math.log((self.n_docs + 1) / (self.df[t] + 0.5)) for t, c in tf.items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vector = {t: w / norm for t, w in vector.items()}
        best, best_score = -1, self.threshold
        for i, centroid in enumerate(self.centroids):
            score = sum(w * centroid.get(t, 0.0) for t, w in vector.items()) / self.norms[i]
            if score >= best_score:
                best, best_score = i, score
        if best < 0:
            self.centroids.append(vector)
            self.norms.append(1.0)
            return len(self.centroids) - 1
        centroid = self.centroids[best]
        for t, w in vector.items():
            centroid[t] = centroid.get(t, 0.0) + w
        self.norms[best] = math.sqrt(sum(w * w for w in centroid.values()))
        return best

    def observe(self, doc: ArticleDoc) -> None:
        self.n_docs += 1
        self.df.update(set(_WORD.findall(f"{doc.title} {doc.text}".lower())))

    def similarity(self, a: ArticleDoc, b: ArticleDoc) -> float:
        """TF-IDF cosine of two articles under the document frequencies seen so far."""
        va, vb = self._vector(a), self._vector(b)
        return sum(w * vb.get(t, 0.0) for t, w in va.items())

    def _vector(self, doc: ArticleDoc) -> dict[str, float]:
        tf = Counter(_WORD.findall(f"{doc.title} {doc.text}".lower()))
        vector = {
            t: (1 + math.log(c)) * math.log((self.n_docs + 1) / (self.df[t] + 0.5)) for t, c in tf.items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {t: w / norm for t, w in vector.items()}

    def seed(self, doc: ArticleDoc) -> int:
        """Start a story with ``doc`` without comparing (builds benchmark state in linear time)."""
        tf = Counter(_WORD.findall(f"{doc.title} {doc.text}".lower()))
        self.n_docs += 1
        self.df.update(tf.keys())
        norm = math.sqrt(sum((1 + math.log(c)) ** 2 for c in tf.values())) or 1.0
        self.centroids.append({t: (1 + math.log(c)) / norm for t, c in tf.items()})
        self.norms.append(1.0)
        return len(self.centroids) - 1
