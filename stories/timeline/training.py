"""Training and leave-one-topic-out validation of the key-moment date ranker.

Every choice is made by leave-one-topic-out (LOTO) validation on the labelled topics: the
feature set, the regulariser and the neighbour damping of date picking are the grid setting
whose rankers, each trained without one topic, pick that topic's dates best (mean date F1).
The figure to report is nested: for each topic, the setting is chosen by LOTO on the *other*
topics only, a ranker is trained on them with it, and the held-out topic is scored, so the
topic never influenced anything applied to it.

Used by ``manage.py train_timeline`` (writes the shipped parameter file) and ``manage.py
timeline_eval --loto``. No Django imports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np

from .articles import StoryArticle
from .metrics import date_prf
from .moments import article_mentions, pick_dates, story_features
from .ranker import FEATURES, Ranker, fit

# The grid. Feature sets: all features; without the share/rank ones (which assume a story's
# size says nothing by itself); only the plain counts DATEWISE starts from.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all": FEATURES,
    "no-ratios": tuple(f for f in FEATURES if f not in ("article_share", "mention_rank")),
    "counts": ("mentions", "articles", "sources", "published", "published_next", "burst"),
}
C_VALUES = (0.0001, 0.001, 0.01, 0.1, 1.0)
DAMPING_VALUES = (0.0, 0.3, 0.6)


@dataclass(frozen=True)
class Setting:
    features: str
    c: float
    damping: float

    def as_dict(self) -> dict:
        return {"features": self.features, "c": self.c, "damping": self.damping}


GRID = tuple(Setting(f, c, d) for f in FEATURE_SETS for c in C_VALUES for d in DAMPING_VALUES)


@dataclass
class Topic:
    name: str
    articles: list[StoryArticle]
    gold: list[dict]
    days: list[date]
    matrix: np.ndarray
    labels: np.ndarray

    @property
    def gold_dates(self) -> set[date]:
        return {date.fromisoformat(g["date"]) for g in self.gold}

    @property
    def n(self) -> int:
        return len(self.gold_dates)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _published(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if len(value) <= 10:  # a bare date: noon, so no offset moves it to another day
        parsed = datetime.combine(parsed.date(), time(12), tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_articles(path: Path) -> list[StoryArticle]:
    return [
        StoryArticle(
            id=record["id"],
            title=record.get("title") or "",
            text=record.get("text") or "",
            language=record.get("lang") or record.get("language") or None,
            published_at=_published(record["published_at"]),
            source=record.get("source"),
        )
        for record in read_jsonl(path)
        if record.get("published_at")
    ]


def topic_files(folder: Path) -> list[tuple[str, Path, Path]]:
    """(name, articles, gold timeline) for every X.articles.jsonl with an X.timeline.jsonl beside it."""
    found = []
    for path in sorted(folder.glob("*.articles.jsonl")):
        name = path.name.removesuffix(".articles.jsonl")
        gold = path.with_name(f"{name}.timeline.jsonl")
        if gold.is_file():
            found.append((name, path, gold))
    return found


def load_topic(name: str, articles_path: Path, gold_path: Path) -> Topic:
    articles = load_articles(articles_path)
    gold = read_jsonl(gold_path)
    mentions = {a.id: article_mentions(a) for a in articles}
    days, matrix = story_features(articles, mentions)
    wanted = {date.fromisoformat(g["date"]) for g in gold}
    labels = np.array([day in wanted for day in days], dtype=float)
    return Topic(name, articles, gold, days, matrix, labels)


def train_ranker(topics: Sequence[Topic], setting: Setting) -> Ranker:
    return fit(
        [t.matrix for t in topics],
        [t.labels for t in topics],
        features=FEATURE_SETS[setting.features],
        c=setting.c,
        damping=setting.damping,
    )


def date_f1(ranker: Ranker, topic: Topic) -> float:
    scores = dict(zip(topic.days, (float(p) for p in ranker.probabilities(topic.matrix)), strict=True))
    return date_prf(pick_dates(scores, topic.n, damping=ranker.damping), topic.gold_dates).f1


def loto(topics: Sequence[Topic], setting: Setting) -> dict[str, float]:
    """Date F1 of each topic under a ranker trained on the others."""
    return {
        held_out.name: date_f1(train_ranker([t for t in topics if t is not held_out], setting), held_out)
        for held_out in topics
    }


def select(topics: Sequence[Topic]) -> tuple[Setting, float]:
    """The grid setting with the best mean LOTO date F1 on `topics` (the first of equals)."""
    best: tuple[Setting, float] | None = None
    for setting in GRID:
        scores = loto(topics, setting)
        mean = sum(scores.values()) / len(scores)
        if best is None or mean > best[1] + 1e-12:
            best = (setting, mean)
    assert best is not None
    return best


def held_out_rankers(topics: Sequence[Topic]) -> dict[str, tuple[Ranker, Setting]]:
    """For each topic, the ranker chosen and trained without it (nested LOTO)."""
    if len(topics) < 3:
        raise ValueError("leave-one-topic-out selection needs at least three labelled topics")
    result = {}
    for held_out in topics:
        others = [t for t in topics if t is not held_out]
        setting, _ = select(others)
        result[held_out.name] = (train_ranker(others, setting), setting)
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
