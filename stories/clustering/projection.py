"""Sentence vectors made comparable across languages and sharper between stories.

Two steps, both linear, both plain numpy:

1. **Language centring** (``LanguageMeans``): a stream keeps, per language, the running mean of
   its articles' sentence vectors, and an article's vector minus its language's mean is what
   the story features compare. Multilingual encoders put every language in its own region
   of the space (Libovický et al. 2020 measured the same for mBERT): two same-story
   headlines in different languages share the story's direction but not the language's, and
   on one-line headlines the language's part is large enough that a same-story pair across
   languages (median cosine 0.47 on OG2021) sits below unrelated same-day pairs in one
   language. Nothing is learned from labels here: the means come from the stream itself, so
   the step carries to any stream. A language's mean is the plain mean of its first
   ``window`` articles and a moving mean over about that many after, shrunk towards zero
   while it has few articles (``prior``), so the first articles of a language are barely
   moved.

2. **A learned projection** (``Projection``): the centred vectors mapped to ``k`` directions
   that separate stories and ignore how one story's articles differ among themselves
   (within-story against between-story scatter, as in linear discriminant analysis, with the
   within-story scatter shrunk towards the identity). Fitted by ``manage.py train_linker``
   from the labelled dev stories and the SemEval-2022 pairs with clear labels, and shipped as
   ``projection.npz`` beside this module with its provenance; ``shipped()`` reads it once per
   process.

The engine gives the linker the cosines in both spaces *beside* the raw ones, never instead:
a projection fitted on some streams can mislead on another, and the linker's weights (chosen
by leave-one-dataset-out) say how far to trust it.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DIMENSIONS", "SHIPPED", "LanguageMeans", "Projection", "fit", "shipped"]

DIMENSIONS = 512  # the sentence encoder's (articles.embedding)
SHIPPED = Path(__file__).with_name("projection.npz")


class LanguageMeans:
    """Running mean sentence vector per language, and vectors centred on it.

    Plain data (a dict of numpy arrays and counts), so an engine holding it can be pickled.
    """

    __slots__ = ("counts", "means", "prior", "window")

    def __init__(self, prior: float = 20.0, window: int = 2000) -> None:
        self.prior = prior
        self.window = window
        self.means: dict[str | None, np.ndarray] = {}
        self.counts: dict[str | None, int] = {}

    def add(self, vector: np.ndarray, language: str | None) -> None:
        count = self.counts.get(language, 0)
        mean = self.means.get(language)
        if mean is None:
            self.means[language] = np.asarray(vector, dtype=np.float64).copy()
        else:
            # The plain mean of the first ``window`` articles, then a moving mean over about as many.
            mean += (vector - mean) / min(count + 1, self.window)
        self.counts[language] = count + 1

    def mean(self, language: str | None) -> np.ndarray | None:
        """The language's mean, shrunk towards zero while it has few articles (None before any)."""
        mean = self.means.get(language)
        if mean is None:
            return None
        count = self.counts[language]
        return mean * (count / (count + self.prior))

    def centre(self, vector: np.ndarray, language: str | None) -> np.ndarray:
        mean = self.mean(language)
        return vector - mean if mean is not None else np.asarray(vector, dtype=np.float64)


@dataclass(frozen=True)
class Projection:
    """A ``DIMENSIONS`` by k matrix applied to centred sentence vectors."""

    matrix: np.ndarray
    provenance: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.ndim != 2 or self.matrix.shape[0] != DIMENSIONS:
            raise ValueError(f"a projection maps {DIMENSIONS} dimensions, not {self.matrix.shape}")

    @property
    def dimensions(self) -> int:
        return int(self.matrix.shape[1])

    # -- files ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str = SHIPPED) -> Projection:
        with np.load(path, allow_pickle=False) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            provenance = json.loads(str(data["provenance"]))
        return cls(matrix, provenance)

    def dump(self, path: Path | str) -> None:
        # Written through a buffer with a fixed archive layout, so the same fit gives the
        # same bytes (the linker's provenance records the file's sha256).
        buffer = io.BytesIO()
        np.savez(
            buffer,
            matrix=self.matrix.astype(np.float32),
            provenance=np.array(json.dumps(self.provenance, sort_keys=True, ensure_ascii=False)),
        )
        Path(path).write_bytes(buffer.getvalue())


def fit(
    streams: Iterable[Sequence[np.ndarray]],
    pairs: Sequence[tuple[np.ndarray, np.ndarray, bool]] = (),
    *,
    dimensions: int = 128,
    shrinkage: float = 0.5,
    provenance: dict | None = None,
) -> Projection:
    """The directions that best separate stories relative to their spread within a story.

    ``streams``: per labelled stream, its stories as matrices of centred vectors (one row per
    article). Each stream weighs the same, whatever its size. ``pairs``: (vector, vector,
    same story) from pairwise labels; a same-story pair adds to the within-story scatter, a
    different pair to the between-story scatter, weighing as much as one stream together.
    ``shrinkage`` (0 to 1) pulls the within-story scatter towards the identity: with 512
    dimensions and a few hundred stories the scatter is poorly estimated, and an unshrunk
    inverse would amplify the directions that merely happened not to vary.
    """
    within = np.zeros((DIMENSIONS, DIMENSIONS))
    between = np.zeros((DIMENSIONS, DIMENSIONS))
    for stories in streams:
        stories = [np.asarray(s, dtype=np.float64) for s in stories if len(s)]
        if not stories:
            continue
        everything = np.vstack(stories)
        centre = everything.mean(axis=0)
        w = np.zeros_like(within)
        b = np.zeros_like(between)
        for members in stories:
            mean = members.mean(axis=0)
            spread = members - mean
            w += spread.T @ spread
            offset = mean - centre
            b += len(members) * np.outer(offset, offset)
        within += w / len(everything)
        between += b / len(everything)
    same = [a - b for a, b, joined in pairs if joined]
    different = [a - b for a, b, joined in pairs if not joined]
    if same and different:
        s = np.vstack(same) / np.sqrt(2.0)
        d = np.vstack(different) / np.sqrt(2.0)
        within += s.T @ s / len(s)
        between += d.T @ d / len(d)
    if not np.trace(within) or not np.trace(between):
        raise ValueError("a projection needs stories with several articles and several stories")
    within = (1.0 - shrinkage) * within / np.trace(within) * DIMENSIONS + shrinkage * np.eye(DIMENSIONS)
    values, vectors = np.linalg.eigh(within)
    whiten = (vectors / np.sqrt(values)) @ vectors.T
    scaled = whiten @ (between / np.trace(between) * DIMENSIONS) @ whiten
    values, vectors = np.linalg.eigh((scaled + scaled.T) / 2.0)
    order = np.argsort(values)[::-1][:dimensions]
    matrix = whiten @ vectors[:, order]
    # eigh's sign of each direction is arbitrary; fix it so a refit gives the same file.
    signs = np.sign(matrix[np.abs(matrix).argmax(axis=0), np.arange(matrix.shape[1])])
    return Projection((matrix * signs).astype(np.float32), provenance or {})


@functools.cache
def shipped() -> Projection:
    """The projection shipped with the code, read once per process."""
    return Projection.load(SHIPPED)
