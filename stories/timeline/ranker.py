"""Which days of a story are key moments: a small learned ranker over language-independent features.

In the spirit of DATEWISE (Ghalandari & Ifrim, ACL 2020): every day the coverage points at is
a candidate, described by features that mean the same thing in every language (how many
mentions, articles and sources name it, in titles and leads, absolutely or relatively, how
many articles came out that day and the next, whether that is a burst for this story, where it
sits in the story's span). A logistic regression turns them into the probability that a
journalist's timeline lists the day. The weights, the feature standardisation, the regulariser
and the neighbour damping used when picking days ship in ``stories/timeline/ranker.json``,
written by ``manage.py train_timeline`` (see ``stories.timeline.training``) with its provenance;
loading them needs only that file.

Pure: no Django imports, plain data in and out.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .articles import StoryArticle
    from .dates import DateMention

SHIPPED = Path(__file__).resolve().parent / "ranker.json"

# Mentions older than this before the story's first article are background (Tunisia's revolt in
# a story about Yemen), not the story; a month leaves room for the lead-up.
HISTORY_DAYS = 31
# An article naming a day up to this many days before its own reports that day ("ayer", "el martes").
REPORTING_LAG_DAYS = 3

FEATURES: tuple[str, ...] = (
    "mentions",  # log(1 + mentions of the day)
    "articles",  # log(1 + distinct articles mentioning it)
    "sources",  # log(1 + distinct sources mentioning it; an article without a source is its own)
    "article_share",  # log of the share of the story's articles mentioning it
    "mention_rank",  # 1 for the story's most-mentioned day, towards 0 for the least
    "titles",  # log(1 + titles mentioning it)
    "leads",  # log(1 + mentions in the first sentences)
    "absolute",  # log(1 + absolute or numeric mentions)
    "relative",  # log(1 + weekday or yesterday/today mentions)
    "reports",  # log(1 + articles mentioning it within the reporting lag after it)
    "later",  # log(1 + articles mentioning it more than the reporting lag after it: recalled)
    "future",  # log(1 + articles mentioning it before it happened: plans)
    "published",  # log(1 + articles published that day)
    "published_next",  # log(1 + articles published the day after)
    "burst",  # log of (articles of the day and the next two) over the story's mean for three days
    "position",  # where the day sits in the story's span, 0 first article .. 1 last
    "before_first",  # 1 for a day before the story's first article
)


@dataclass(slots=True)
class _DayStats:
    mentions: int = 0
    titles: int = 0
    leads: int = 0
    absolute: int = 0
    relative: int = 0
    articles: set[Hashable] = field(default_factory=set)
    sources: set[Hashable] = field(default_factory=set)
    reports: set[Hashable] = field(default_factory=set)
    later: set[Hashable] = field(default_factory=set)
    future: set[Hashable] = field(default_factory=set)


def candidate_features(
    articles: Sequence[StoryArticle],
    mentions: dict[Hashable, list[DateMention]],
    title_mentions: dict[Hashable, list[DateMention]],
    lead_ends: dict[Hashable, int],
) -> tuple[list[date], np.ndarray]:
    """The candidate days of a story (oldest first) and their feature matrix (columns: FEATURES).

    `lead_ends[id]` is where the article's lead (its first sentences) ends in its text.
    """
    if not articles:
        return [], np.zeros((0, len(FEATURES)))
    first = min(a.day for a in articles)
    last = max(a.day for a in articles)
    earliest = first - timedelta(days=HISTORY_DAYS)
    published = Counter(a.day for a in articles)
    span = max(1, (last - first).days)
    mean_per_day = len(articles) / (span + 1)

    stats: dict[date, _DayStats] = defaultdict(_DayStats)
    for day in published:
        stats[day]  # a publication day is a candidate even if nobody names it
    for article in articles:
        source = article.source if article.source is not None else ("article", article.id)
        lead_end = lead_ends.get(article.id, 0)
        for mention in mentions[article.id]:
            day = mention.date
            if day < earliest or day > last:
                continue
            entry = stats[day]
            entry.mentions += 1
            entry.articles.add(article.id)
            entry.sources.add(source)
            if mention.start < lead_end:
                entry.leads += 1
            if mention.kind in ("absolute", "numeric"):
                entry.absolute += 1
            else:
                entry.relative += 1
            lag = (article.day - day).days
            if lag < 0:
                entry.future.add(article.id)
            elif lag <= REPORTING_LAG_DAYS:
                entry.reports.add(article.id)
            else:
                entry.later.add(article.id)
        for mention in title_mentions.get(article.id, ()):
            if earliest <= mention.date <= last:
                stats[mention.date].titles += 1

    days = sorted(stats)
    counts = np.array([len(stats[d].articles) for d in days], dtype=float)
    # Rank by distinct articles, ties sharing the lower rank; 1 for the top day.
    order = np.argsort(np.argsort(counts, kind="stable"), kind="stable")
    ranks = order / max(1, len(days) - 1)
    log = math.log1p
    rows = []
    for i, day in enumerate(days):
        entry = stats[day]
        window = sum(published.get(day + timedelta(days=k), 0) for k in range(3))
        rows.append(
            (
                log(entry.mentions),
                log(len(entry.articles)),
                log(len(entry.sources)),
                math.log((len(entry.articles) + 0.5) / len(articles)),
                ranks[i],
                log(entry.titles),
                log(entry.leads),
                log(entry.absolute),
                log(entry.relative),
                log(len(entry.reports)),
                log(len(entry.later)),
                log(len(entry.future)),
                log(published.get(day, 0)),
                log(published.get(day + timedelta(days=1), 0)),
                math.log((window + 1) / (3 * mean_per_day + 1)),
                max(-1.0, (day - first).days / span),
                1.0 if day < first else 0.0,
            )
        )
    return days, np.array(rows, dtype=float)


@dataclass(frozen=True, eq=False)  # arrays inside: compared by identity
class Ranker:
    """A fitted logistic regression over a subset of FEATURES, plus the picking settings."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    damping: float  # how much a chosen day damps its neighbours (stories.timeline.moments.pick_dates)
    c: float = 1.0  # inverse L2 strength it was fitted with
    provenance: dict = field(default_factory=dict, compare=False)

    def columns(self) -> list[int]:
        return [FEATURES.index(name) for name in self.features]

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        if not len(matrix):
            return np.zeros(0)
        x = (matrix[:, self.columns()] - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))

    def to_json(self) -> dict:
        return {
            "model": "logistic regression",
            "features": list(self.features),
            "mean": [round(float(v), 10) for v in self.mean],
            "scale": [round(float(v), 10) for v in self.scale],
            "weights": [round(float(v), 10) for v in self.weights],
            "bias": round(float(self.bias), 10),
            "c": self.c,
            "damping": self.damping,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, data: dict) -> Ranker:
        features = tuple(data["features"])
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"timeline ranker uses unknown features: {sorted(unknown)}")
        arrays = [np.array(data[key], dtype=float) for key in ("mean", "scale", "weights")]
        if any(len(a) != len(features) for a in arrays):
            raise ValueError("timeline ranker: mean, scale and weights must have one value per feature")
        return cls(
            features,
            *arrays,
            bias=float(data["bias"]),
            damping=float(data["damping"]),
            c=float(data.get("c", 1.0)),
            provenance=data.get("provenance", {}),
        )


@lru_cache(maxsize=4)
def load_ranker(path: Path = SHIPPED) -> Ranker:
    with path.open(encoding="utf-8") as handle:
        return Ranker.from_json(json.load(handle))


def fit(
    matrices: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    *,
    features: Sequence[str],
    c: float,
    damping: float,
    iterations: int = 50,
) -> Ranker:
    """L2-regularised logistic regression by Newton's method, each story weighing the same.

    Deterministic (no random start, no sampling), so the same data give the same file. Stories
    weigh the same whatever their number of candidate days, so an eight-year story does not
    drown a two-month one.
    """
    columns = [FEATURES.index(name) for name in features]
    x = np.vstack([m[:, columns] for m in matrices])
    y = np.concatenate(labels).astype(float)
    w_rows = np.concatenate([np.full(len(m), 1.0 / len(m)) for m in matrices])
    w_rows *= len(y) / w_rows.sum()
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    x = (x - mean) / scale
    x1 = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(x1.shape[1])
    penalty = np.full(x1.shape[1], 1.0 / c)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x1 @ theta)))
        gradient = x1.T @ (w_rows * (p - y)) + penalty * theta
        hessian = (x1 * (w_rows * p * (1 - p))[:, None]).T @ x1 + np.diag(penalty) + 1e-9 * np.eye(len(theta))
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Ranker(tuple(features), mean, scale, theta[:-1], float(theta[-1]), damping=damping, c=c)
