"""Synthetic load for ``bench_clustering``: many active stories built from real vocabulary.

Stories are made of words drawn from a real corpus (the evaluation texts when present,
otherwise generated words), each with a handful of rarer "topic" words and a Zipfian
background, so posting lists have realistic lengths. Nothing here is used in production.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .baseline import SinglePassBaseline
from .engine import Engine
from .representation import ArticleDoc

_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True, slots=True)
class BenchResult:
    stories: int
    articles_per_second: float
    p50_ms: float
    p99_ms: float
    engine_mb: float  # resident memory growth since the engine was empty
    baseline_articles_per_second: float = 0.0
    rebuild_seconds: float = 0.0  # replaying (Engine.load) every story so far, as a restarted worker does


def vocabulary(paths: Iterable[Path], size: int = 60000, seed: int = 7) -> list[str]:
    """Words by falling frequency from the texts at ``paths``, padded with generated words.

    The padding stands in for the long tail of a real stream (names, places, rare words):
    100,000 live stories use far more distinct terms than two small corpora hold.
    """
    counts: Counter[str] = Counter()
    for path in paths:
        if path.exists():
            counts.update(_WORD.findall(path.read_text(encoding="utf-8")))
    words = [w for w, _ in counts.most_common(size)]
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(words) < size:
        words.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return words


class SyntheticNews:
    def __init__(self, words: list[str], seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.words = words
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
        self.topics: list[list[str]] = []
        self.seed = seed
        self.noise = np.random.default_rng(seed)
        self.serial = 0

    def new_story(self) -> ArticleDoc:
        # Topic words come from outside the most common 300: what makes a story is not "said".
        topic = [self.words[self.rng.randrange(300, len(self.words))] for _ in range(6)]
        name = f"{self.words[self.rng.randrange(300, len(self.words))].title()} "
        name += self.words[self.rng.randrange(300, len(self.words))].title()
        self.topics.append([*topic, name])
        return self._article(len(self.topics) - 1)

    def _meaning(self, story: int) -> np.ndarray:
        # A story's articles share a direction in the sentence space, each off it by noise of
        # the size seen between same-story articles. Regenerated from the story's number, not
        # kept: 100,000 kept vectors would count 200 MB against the engine's memory.
        return np.random.default_rng((self.seed, story)).standard_normal(512).astype(np.float32)

    def follow_up(self) -> ArticleDoc:
        return self._article(self.rng.randrange(len(self.topics)))

    def _article(self, story: int) -> ArticleDoc:
        rng = self.rng
        topic = self.topics[story]
        background = rng.choices(self.words, cum_weights=self.cum_weights, k=60)
        picked = rng.sample(topic[:6], 4)
        title = " ".join([*picked[:3], topic[6], *background[:3]])
        body = " ".join([*background, *topic, *picked, topic[6]])
        self.serial += 1
        meaning = self._meaning(story) + 0.9 * self.noise.standard_normal(512).astype(np.float32)
        vector = meaning / np.linalg.norm(meaning)
        return ArticleDoc(id=f"s{self.serial}", title=title, text=body, language="en", vector=vector)


def run(
    sizes: Iterable[int], words: list[str], timed: int = 400, baseline_timed: int = 10
) -> list[BenchResult]:
    """Grow one engine through ``sizes`` active stories, timing arrivals at each, then the baseline.

    The baseline runs after the engine is freed, so the memory figure is the engine's alone.
    """
    sizes = sorted(sizes)
    news = SyntheticNews(words)
    engine = Engine()
    gc.collect()
    rss_empty = _rss_mb()
    results: list[BenchResult] = []
    loading = 0.0
    for size in sizes:
        while len(engine) < size:
            doc = news.new_story()
            t = time.perf_counter()
            engine.load(doc, f"story-{len(engine)}", f"event-{len(engine)}")
            loading += time.perf_counter() - t
        gc.collect()
        engine_mb = _rss_mb() - rss_empty
        # Half follow-ups of existing stories, half new stories: both paths cost.
        docs = [news.follow_up() if i % 2 else news.new_story() for i in range(timed)]
        latencies = []
        started = time.perf_counter()
        for doc in docs:
            t = time.perf_counter()
            engine.assign(doc)
            latencies.append((time.perf_counter() - t) * 1000)
        elapsed = time.perf_counter() - started
        latencies.sort()
        results.append(
            BenchResult(
                stories=size,
                articles_per_second=timed / elapsed,
                p50_ms=statistics.median(latencies),
                p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                engine_mb=engine_mb,
                rebuild_seconds=loading,
            )
        )
    del engine
    gc.collect()

    news = SyntheticNews(words)
    baseline = SinglePassBaseline()
    for position, size in enumerate(sizes):
        while len(baseline.centroids) < size:
            baseline.seed(news.new_story())
        docs = [news.follow_up() for _ in range(baseline_timed)]
        started = time.perf_counter()
        for doc in docs:
            baseline.assign(doc)
        rate = baseline_timed / (time.perf_counter() - started)
        results[position] = dataclasses.replace(results[position], baseline_articles_per_second=rate)
    return results


def _rss_mb() -> float:
    """Current resident memory (Linux /proc; the peak figure would include freed garbage)."""
    with open(f"/proc/{os.getpid()}/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
