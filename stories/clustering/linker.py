"""The linking decision: does an article belong to a candidate story, and to which one.

For each candidate story the engine computes a few features (``FEATURES``): how close the
article is to the story in the multilingual sentence space and in the same-language word
space, how far apart in time, how large the story is, whether they share numbers, whether the
story is told in the article's language. A logistic model turns them into a probability; the
best candidate joins when its probability clears ``threshold``, otherwise the article starts a
new story (a ranker plus a "new story" threshold, as in Miranda et al., EMNLP 2018).

The weights are learned from labelled streams by ``manage.py train_linker``
(``stories.clustering.training``) and shipped as ``linker.json`` beside this module, with
their provenance. Loading them needs nothing but that file.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "FEATURES",
    "RELATIVE",
    "SHIPPED",
    "Linker",
    "logistic",
    "read_parameters",
    "shipped",
    "write_parameters",
]

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of the article's sentence vector with the story's mean vector
    "dense_near",  # the best cosine with one of the story's recent members
    "dense_x_other_lang",  # "dense" when the story is mostly in another language (cross-lingual scale)
    "lex",  # same-language BM25 cosine with the story centroid or a recent event
    "lex_sq",  # its square: word overlap matters more once it is substantial
    "same_lang",  # share of the story's articles written in the article's language
    "numbers",  # numbers (counts, scores, sums) the article shares with the story, capped at 3, / 3
    "size",  # log(1 + articles in the story)
    "gap",  # log(1 + days between the article and the story's nearest activity), 0 when undated
    "dated",  # 1 when both sides have dates
    "headline_only",  # 1 when the article has no body (headline streams score on one line)
    "no_vector",  # 1 when either side has no sentence vector (dense features are then 0)
    "dense_x_headline",  # "dense" for a headline-only article (one line sits on another scale)
    "lex_x_headline",  # "lex" for a headline-only article
    "places",  # countries and cities (CLDR gazetteer, any language) shared with the story, capped at 3, / 3
    "centred",  # "dense" with each side centred on its languages' mean vectors in this stream (projection.py)
    "centred_near",  # "dense_near", centred
    "projected",  # "dense", centred and projected (the learned projection, projection.py)
    "projected_near",  # "dense_near", centred and projected
    "centred_x_headline",  # "centred" for a headline-only article
    "projected_x_headline",  # "projected" for a headline-only article
    "projected_x_other_lang",  # "projected" when the story is mostly in another language
    "chars",  # cosine of the title's character 3-5-gram TF-IDF with the story's running sum (chargrams.py)
    "chars_x_headline",  # "chars" for a headline-only article
    "spread",  # 1 - length of the mean of the story's unit sentence vectors (a catch-all spreads wide)
    "spread_x_headline",  # "spread" for a headline-only article
    "dense_margin",  # "dense_near" minus the best "dense_near" of the other candidates (a ranker's view)
    "lex_margin",  # "lex" minus the best "lex" of the other candidates
    "dense_z",  # "dense_near" against this stream's usual best candidate (z-score)
    "lex_z",  # "lex" against this stream's usual best candidate (z-score)
)
# Features that compare a candidate with the other candidates of the same article; the engine
# appends them once every candidate's own features are known (``engine._with_margins``).
RELATIVE = ("dense_margin", "lex_margin", "dense_z", "lex_z")

SHIPPED = Path(__file__).with_name("linker.json")


@dataclass(frozen=True)
class Linker:
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5  # probability the best candidate needs to join (an article with a body)
    revive_threshold: float = 0.8  # probability a dormant story needs to wake up
    # A bare headline sits on another scale (one line against a report): its own bar.
    headline_threshold: float = 0.5
    provenance: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"the linker has {len(self.weights)} weights for {len(FEATURES)} features")

    def threshold_for(self, headline_only: bool) -> float:
        return self.headline_threshold if headline_only else self.threshold

    def probability(self, features: list[float] | tuple[float, ...]) -> float:
        return logistic(self.bias, self.weights, features)

    # -- files ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str = SHIPPED) -> Linker:
        data = read_parameters(path, FEATURES, "train_linker")
        return cls(
            weights=data["weights"],
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            revive_threshold=float(data.get("revive_threshold", 0.8)),
            headline_threshold=float(data.get("headline_threshold", data["threshold"])),
            provenance=data.get("provenance", {}),
        )

    def dump(self, path: Path | str) -> None:
        thresholds = {
            "threshold": round(self.threshold, 4),
            "headline_threshold": round(self.headline_threshold, 4),
            "revive_threshold": round(self.revive_threshold, 4),
        }
        write_parameters(path, FEATURES, self.weights, self.bias, thresholds, self.provenance)


# -- a logistic model and its parameter file (the linker's, and the consolidation decision's) ---


def logistic(bias: float, weights: Iterable[float], features: Iterable[float]) -> float:
    """The model's probability for one row of features."""
    z = bias + sum(w * x for w, x in zip(weights, features, strict=True))
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def read_parameters(path: Path | str, features: tuple[str, ...], command: str) -> dict:
    """The file's fields, with ``weights`` as a tuple in the order of ``features``; ValueError
    (naming the ``manage.py`` command that retrains it) for a file of other features."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if tuple(data["features"]) != features:
        raise ValueError(f"{path} was trained on other features: retrain with manage.py {command}")
    return {**data, "weights": tuple(float(data["weights"][name]) for name in features)}


def write_parameters(
    path: Path | str,
    features: tuple[str, ...],
    weights: Iterable[float],
    bias: float,
    settings: dict,
    provenance: dict,
) -> None:
    """Weights by feature name, the bias, the model's ``settings`` (thresholds, …), then its provenance."""
    data = {
        "features": list(features),
        "weights": {name: round(w, 6) for name, w in zip(features, weights, strict=True)},
        "bias": round(bias, 6),
        **settings,
        "provenance": provenance,
    }
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@functools.cache
def shipped() -> Linker:
    """The linker shipped with the code, read once per process."""
    return Linker.load(SHIPPED)
