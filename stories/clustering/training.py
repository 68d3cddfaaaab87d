"""Learning the linker from labelled streams, and judging it on streams it did not see.

How examples are made (teacher forcing): each labelled stream is replayed in order through an
engine whose history is the *gold* one (every article is put in its gold story after it has
been looked at). For each arriving article the engine's own candidate search runs, exactly as
in production, and every candidate story becomes one example: its ``linker.FEATURES`` and
whether it is the article's gold story. So the model learns from the decisions the engine
really faces, including "none of these" (an article whose gold story is not among the
candidates, or is new, has only negative examples).

A tenth of the articles are taught without their sentence vector (seeded, reproducible), as
when the encoder fails on an article: the model then knows how to decide on words alone.

Streams differ in size by a factor of 40; each stream weighs the same in the fit, so the model is not
the model of the largest one. SemEval-2022 pairs add pairwise examples (a one-article story
and a second article: same story when the annotators' ``overall`` ≤ 1.5, different at ≥ 3),
which is where cross-lingual pairs in many languages come from.

The fit is L2-regularised logistic regression (Newton's method, numpy; deterministic). The
join threshold is chosen by running the engine over the *training* streams only and keeping
the threshold with the best mean B³ F1; ``leave_one_out`` reports each stream scored by a model
and threshold chosen without it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine import Engine
from .linker import FEATURES, Linker
from .metrics import bcubed
from .representation import ArticleDoc

__all__ = [
    "Stream",
    "choose_threshold",
    "examples_from_pairs",
    "examples_from_stream",
    "fit_logistic",
    "leave_one_out",
    "train",
]

WITHOUT_VECTOR = 0.1  # share of training articles taught without their sentence vector
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
L2 = 1.0


@dataclass
class Stream:
    name: str
    docs: list[ArticleDoc]
    gold: dict[object, object]
    path: str = ""


@dataclass
class Examples:
    features: np.ndarray  # one row per example, one column per feature
    labels: np.ndarray  # n, 0/1
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _untrained() -> Linker:
    return Linker(weights=(0.0,) * len(FEATURES), bias=0.0, threshold=1.1, revive_threshold=1.1)


def examples_from_stream(stream: Stream, *, seed: int = 0) -> Examples:
    """Teacher-forced examples; a fixed share of articles lose their sentence vector, as when
    the encoder fails on an article, so the model also learns to decide on words alone."""
    engine = Engine(linker=_untrained(), stream_scale=True)
    rng = random.Random(f"{seed}:{stream.name}")
    rows: list[list[float]] = []
    labels: list[int] = []
    for doc in stream.docs:
        gold = stream.gold.get(doc.id)
        if gold is None:
            continue
        if rng.random() < WITHOUT_VECTOR:
            doc = dataclasses.replace(doc, vector=None)
        for story_id, features, _dormant in engine.teach(doc, ("gold", gold)):
            rows.append(features)
            labels.append(1 if story_id == ("gold", gold) else 0)
    return Examples(
        np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(labels, dtype=np.float64)
    )


def examples_from_pairs(pairs: Iterable[tuple[ArticleDoc, ArticleDoc, float]]) -> Examples:
    """(article, article, overall) → one example each: clear same-story or clear different only."""
    pairs = list(pairs)
    engine = Engine(linker=_untrained(), stream_scale=True)
    for a, b, _ in pairs:
        engine.observe(a)
        engine.observe(b)
    rows, labels = [], []
    for a, b, overall in pairs:
        if 1.5 < overall < 3.0:
            continue
        rows.append(engine.pair_features(a, b))
        labels.append(1 if overall <= 1.5 else 0)
    return Examples(
        np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(labels, dtype=np.float64)
    )


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, weights: np.ndarray, l2: float = L2, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by Newton's method; returns (coefficients, intercept)."""
    n, d = features.shape
    x = np.hstack([features, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        z = np.clip(x @ beta, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        gradient = x.T @ (weights * (p - labels)) + penalty * beta
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _balanced(parts: Sequence[Examples]) -> Examples:
    """Concatenate, each part weighing the same in total (parts sized 100 and 4,000 count alike)."""
    parts = [p for p in parts if len(p.labels)]
    total = sum(len(p.labels) for p in parts)
    weights = [np.full(len(p.labels), total / (len(parts) * len(p.labels))) for p in parts]
    return Examples(
        np.vstack([p.features for p in parts]),
        np.concatenate([p.labels for p in parts]),
        np.concatenate(weights),
    )


def run_stream(stream: Stream, linker: Linker) -> float:
    """B³ F1 of the engine with ``linker`` over ``stream`` (cold engine, file order)."""
    engine = Engine(linker=linker)
    predictions = {doc.id: engine.assign(doc).story_id for doc in stream.docs}
    return bcubed(predictions, stream.gold).f1


def choose_threshold(
    streams: Sequence[Stream], make: Callable[[float], Linker], thresholds: Sequence[float] = THRESHOLDS
) -> tuple[float, dict[float, float]]:
    """The threshold with the best mean B³ F1 over ``streams`` (ties: the higher, more cautious)."""
    means = {t: float(np.mean([run_stream(s, make(t)) for s in streams])) for t in thresholds}
    best = max(means, key=lambda t: (round(means[t], 4), t))
    return best, means


@dataclass(frozen=True)
class Setting:
    """What leave-one-dataset-out chooses between: which of the engine's features the model uses."""

    name: str
    features: tuple[str, ...]


_STREAM_SCALE = ("dense_z", "lex_z")
_STORY_STATE = ("size", "dense_margin", "lex_margin", "numbers")
_ABSOLUTE = ("dense", "dense_near", "lex", "lex_sq", "dense_x_headline", "lex_x_headline", "size", "numbers")
SETTINGS = (
    Setting("all features", FEATURES),
    Setting("without stream scale", tuple(f for f in FEATURES if f not in _STREAM_SCALE)),
    Setting(
        "compact (no stream scale, no story-state features)",
        tuple(f for f in FEATURES if f not in _STREAM_SCALE + _STORY_STATE),
    ),
    # Only how a candidate compares with the others and with the stream's usual closeness:
    # what should carry from one kind of stream to another.
    Setting("relative", tuple(f for f in FEATURES if f not in _ABSOLUTE)),
)


class ExampleCache:
    """Each stream's teacher-forced examples, made once and reused by every fold and setting."""

    def __init__(self, pairs: Examples | None = None) -> None:
        self.pairs = pairs
        self._examples: dict[str, Examples] = {}

    def examples(self, stream: Stream) -> Examples:
        if stream.name not in self._examples:
            self._examples[stream.name] = examples_from_stream(stream)
        return self._examples[stream.name]


def train(
    streams: Sequence[Stream],
    pairs: Examples | None = None,
    *,
    setting: Setting = SETTINGS[0],
    cache: ExampleCache | None = None,
    provenance: dict | None = None,
) -> tuple[Linker, dict[float, float]]:
    """Fit the weights on ``streams`` (and ``pairs``), then choose the threshold on them."""
    cache = cache or ExampleCache(pairs)
    taught = list(streams)
    parts = [cache.examples(s) for s in taught]
    if pairs is not None:
        parts.append(pairs)
    data = _balanced(parts)
    used = [FEATURES.index(name) for name in setting.features]
    fitted, intercept = fit_logistic(data.features[:, used], data.labels, data.weights)
    coefficients = np.zeros(len(FEATURES))
    coefficients[used] = fitted  # a feature left out weighs nothing

    def make(threshold: float) -> Linker:
        return Linker(
            weights=tuple(float(c) for c in coefficients),
            bias=intercept,
            threshold=threshold,
            revive_threshold=max(0.8, threshold),
            provenance=provenance or {},
        )

    threshold, means = choose_threshold(taught, make)
    return make(threshold), means


def leave_one_out(
    streams: Sequence[Stream],
    pairs: Examples | None = None,
    log: Callable[[str], None] = lambda _: None,
    *,
    setting: Setting = SETTINGS[0],
    cache: ExampleCache | None = None,
) -> dict[str, dict[str, float]]:
    """Each stream scored by a linker (weights and threshold) chosen on the other streams only."""
    cache = cache or ExampleCache(pairs)
    results: dict[str, dict[str, float]] = {}
    for held in streams:
        rest = [s for s in streams if s is not held]
        linker, _ = train(rest, pairs, setting=setting, cache=cache)
        engine = Engine(linker=linker)
        predictions = {doc.id: engine.assign(doc).story_id for doc in held.docs}
        score = bcubed(predictions, held.gold)
        results[held.name] = {
            "precision": round(score.precision, 4),
            "recall": round(score.recall, 4),
            "f1": round(score.f1, 4),
            "threshold": linker.threshold,
            "stories": score.predicted_clusters,
            "gold_stories": score.gold_clusters,
        }
        log(f"  held out {held.name}: B3 F1 {score.f1:.4f} (threshold {linker.threshold})")
    return results


def choose_setting(
    streams: Sequence[Stream],
    pairs: Examples | None = None,
    log: Callable[[str], None] = lambda _: None,
    settings: Sequence[Setting] = SETTINGS,
) -> tuple[Setting, dict[str, dict]]:
    """The setting with the best mean leave-one-dataset-out B³ F1, and every setting's results."""
    cache = ExampleCache(pairs)
    report: dict[str, dict] = {}
    for setting in settings:
        log(f"{setting.name}:")
        results = leave_one_out(streams, pairs, log, setting=setting, cache=cache)
        mean = float(np.mean([r["f1"] for r in results.values()]))
        report[setting.name] = {"mean_f1": round(mean, 4), "held_out": results}
        log(f"  mean {mean:.4f}")
    best = max(settings, key=lambda s: report[s.name]["mean_f1"])
    return best, report


def file_digest(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(linker: Linker) -> str:
    return json.dumps(
        {n: round(w, 3) for n, w in zip(FEATURES, linker.weights, strict=True)}
        | {"bias": round(linker.bias, 3)}
    )
