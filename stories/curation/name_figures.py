"""How good a set of story names is, measured on labelled stories: pure, no Django.

Two figures, the acceptance measures of issue 23 (point 1), over stories grouped by their gold
label (`story` in the evaluation files):

* **Well-formed share**: of all names given (one per story and language), the share with no
  `phrases.problems`. The same rules filter the candidates, so this says the rules always leave
  a candidate, not that a reader would approve every name.
* **Cross-language agreement**: for each story named in two or more languages, the mean cosine
  between its names' sentence vectors (the product's multilingual encoder), and the median over
  stories. Names that say the same thing in two languages score high.

`name_stories` names stories with `labels.story_labels`; `folds` splits stories into folds by a
stable hash of their label, for choosing a naming setting on some stories and scoring it on the
others (`cross_validate`).
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any

import numpy as np

from . import labels, phrases


@dataclass(frozen=True, slots=True)
class NameFigures:
    names: int
    well_formed: int
    multilingual: int
    cosines: tuple[float, ...]  # one per multilingual story

    @property
    def well_formed_share(self) -> float:
        return self.well_formed / self.names if self.names else 0.0

    @property
    def median_cosine(self) -> float:
        return statistics.median(self.cosines) if self.cosines else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "names": self.names,
            "well_formed": self.well_formed,
            "well_formed_share": round(self.well_formed_share, 3),
            "multilingual_stories": self.multilingual,
            "median_cosine": round(self.median_cosine, 3),
        }


def name_stories(
    stories: Mapping[Hashable, Sequence[labels.LabelArticle]],
    *,
    encode: labels.Encoder | None,
    **options: Any,
) -> dict[Hashable, dict[str, str]]:
    """Each story's names per language, as the product computes them (`options` go to story_labels)."""
    return {
        key: labels.story_labels(list(members), encode=encode, **options) for key, members in stories.items()
    }


def figures(named: Mapping[Hashable, Mapping[str, str]], encode: labels.Encoder | None) -> NameFigures:
    """The well-formed share and the cross-language cosines of `named` (story → language → name)."""
    count = well_formed = 0
    for names in named.values():
        for language, name in names.items():
            count += 1
            well_formed += not phrases.problems(name, None if language == "und" else language)
    multilingual = [names for names in named.values() if len(names) >= 2]
    cosines: list[float] = []
    if encode is not None and multilingual:
        texts = sorted({name for names in multilingual for name in names.values()})
        vectors = dict(zip(texts, _unit_rows(encode(texts)), strict=True))
        for names in multilingual:
            pairs = list(combinations(names.values(), 2))
            cosines.append(float(np.mean([vectors[a] @ vectors[b] for a, b in pairs])))
    return NameFigures(count, well_formed, len(multilingual), tuple(cosines))


def reference_medians(
    named: Mapping[Hashable, Mapping[str, str]],
    reference: Mapping[Hashable, Mapping[str, str]],
    encode: labels.Encoder,
) -> dict[str, float]:
    """Per language, the median cosine between each story's name and a reference name written for it."""
    pairs = [
        (language, names[language], reference[key][language])
        for key, names in named.items()
        if key in reference
        for language in names
        if language in reference[key]
    ]
    if not pairs:
        return {}
    texts = sorted({text for _, a, b in pairs for text in (a, b)})
    vectors = dict(zip(texts, _unit_rows(encode(texts)), strict=True))
    by_language: dict[str, list[float]] = {}
    for language, name, written in pairs:
        by_language.setdefault(language, []).append(float(vectors[name] @ vectors[written]))
    return {language: round(statistics.median(values), 3) for language, values in sorted(by_language.items())}


def fold_of(key: Hashable, folds: int) -> int:
    """A stable fold number for a story label (the same in every run and process)."""
    digest = hashlib.sha1(str(key).encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") % folds


def cross_validate(
    stories: Mapping[Hashable, Sequence[labels.LabelArticle]],
    settings: Sequence[Mapping[str, Any]],
    *,
    encode: labels.Encoder,
    folds: int = 5,
    score: Callable[[NameFigures], float] = lambda f: f.median_cosine,
    tolerance: float = 0.01,
) -> list[dict[str, Any]]:
    """For each fold: the setting that scores best on the other folds, and its figures on this one.

    Every setting names every story once (names depend only on the story's own articles), so
    choosing on k-1 folds and scoring on the held-out fold costs one naming pass per setting.
    """
    named = [name_stories(stories, encode=encode, **setting) for setting in settings]
    results = []
    for fold in range(folds):
        inside = [
            figures({k: v for k, v in by_story.items() if fold_of(k, folds) != fold}, encode)
            for by_story in named
        ]
        # Settings are ordered from the least to the most forceful; the first within `tolerance`
        # of the best is chosen (the one-standard-error habit: no stronger setting for a
        # difference the folds cannot tell apart).
        best = max(score(figure) for figure in inside)
        chosen = next(i for i, figure in enumerate(inside) if score(figure) >= best - tolerance)
        held_out = figures({k: v for k, v in named[chosen].items() if fold_of(k, folds) == fold}, encode)
        results.append(
            {
                "fold": fold,
                "setting": dict(settings[chosen]),
                "inside": inside[chosen],
                "held_out": held_out,
                "inside_by_setting": [round(score(figure), 3) for figure in inside],
            }
        )
    return results


def group_by_story(
    records: Iterable[Mapping[str, Any]], vectors: Mapping[str, np.ndarray]
) -> dict[str, list[labels.LabelArticle]]:
    """Evaluation records (id, lang, title, text, published_at, story, source) as each story's articles."""
    stories: dict[str, list[labels.LabelArticle]] = {}
    for record in records:
        published = record.get("published_at")
        stories.setdefault(str(record["story"]), []).append(
            labels.LabelArticle(
                record.get("title") or "",
                record.get("text") or "",
                record.get("lang") or None,
                datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None,
                source=str(record.get("source") or ""),
                vector=vectors.get(record["id"]),
            )
        )
    return stories


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)
