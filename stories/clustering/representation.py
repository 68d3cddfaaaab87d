"""How an article becomes a vector: the representation interface and its TF-IDF implementation.

The engine only needs three things from a representation (``Representation`` below):
``update(doc)`` to learn from an arriving article (document frequencies, vocabulary),
``vectorize(doc)`` to turn it into an L2-normalised sparse vector (``dict[term, weight]``),
and ``surface(term)`` to turn a term back into something a reader can read. A sentence-
embedding model could implement the same protocol (dense dimensions as ``"d0".."d383"``
keys, or a different engine index); nothing in the engine depends on TF-IDF.

``TfidfRepresentation`` keeps document frequencies incrementally, so terms that appear
months into a stream (a new minister's name) get their IDF as soon as they arrive. Weighting
is BM25-style (saturating term frequency with length normalisation) rather than raw counts:
long articles that repeat a word twenty times should not drown a short wire item. The
saturation is gentle (``k1`` 3.0 rather than the textbook 1.2): early in a stream IDF is
nearly flat, and how often an article repeats a word is then the best sign of its subject.
The title counts several times, and names (runs of capitalised words in Latin script, joined
into one term such as ``"~lindsay lohan"``) and numbers get a boost: same-kind stories ("a
celebrity checks into rehab") differ mostly in who, where and how many. A capitalised word is
boosted only while it is rare in the stream: the country every other article names is the
backdrop, not the who. Measurements behind these choices: ``docs/evaluation.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from articles.text import display_forms, normalize, normalize_word, stopwords, tokenize

from . import arabic

SparseVector = dict[str, float]


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """What the engine knows about an article: plain data, no database rows."""

    id: object
    title: str
    text: str = ""
    language: str | None = None
    published_at: datetime | None = None
    source: str | None = None
    # The multilingual sentence vector (unit length, ``articles.embedding``), or None when the
    # article could not be encoded: it is then placed on its words alone.
    vector: Any = None


@runtime_checkable
class Representation(Protocol):
    """The pluggable part of the engine: turns articles into comparable sparse vectors."""

    def update(self, doc: ArticleDoc) -> None:
        """Learn from one arriving article (called once per article, before ``vectorize``)."""

    def vectorize(self, doc: ArticleDoc) -> SparseVector:
        """An L2-normalised sparse vector; cosine similarity is the dot product of two."""

    def title_vector(self, doc: ArticleDoc) -> SparseVector:
        """The vector of the headline alone (picks the most representative headline)."""

    def surface(self, term: str) -> str:
        """A readable form of ``term`` for keyphrases."""


@dataclass(frozen=True, slots=True)
class TfidfConfig:
    title_weight: float = 2.0  # a title word counts as this many body occurrences
    name_weight: float = 1.5  # a multiword name term, on top of its words' own weights
    number_weight: float = 1.0  # multiplier for number terms ("61", "2,000")
    proper_weight: float = 3.0  # multiplier for words written capitalised mid-sentence (names)...
    proper_max_df: float = 0.1  # ...while in at most this share of the articles seen so far
    k1: float = 3.0  # BM25 saturation: higher lets repeated words weigh more
    b: float = 0.5  # BM25 length normalisation (0 = none, 1 = full)
    max_terms: int = 100  # strongest terms kept per article vector: bounds memory and dot cost
    body_chars: int = 6000  # the lead carries the story; tails are boilerplate and tangents


# Latin-script capitalised words ("Lindsay", "McCain", "O'Neal"); a run of two or more is a name.
_CAPITALISED = re.compile("\\b[A-Z][\\w'\u2019-]*[a-z][\\w'\u2019-]*|\\b[A-Z]{2,}\\b")
_WORD = re.compile("[^\\W_]+(?:['\u2019-][^\\W_]+)*|[.!?;:,\"\u201c\u201d()\n]")
_NUMBER = re.compile(r"\d")


class TfidfRepresentation:
    """Incremental TF-IDF with BM25 term weighting, a title boost, and name and number terms."""

    def __init__(self, config: TfidfConfig | None = None) -> None:
        self.config = config or TfidfConfig()
        self.df: dict[str, int] = {}
        self.n_docs = 0
        self._total_length = 0.0
        self._surfaces: dict[str, dict[str, int]] = {}
        # update() and vectorize() both need the analysed article; analyse it once.
        self._last: tuple[object, dict[str, float], float, frozenset[str]] | None = None

    # -- the protocol ------------------------------------------------------------------------

    def update(self, doc: ArticleDoc) -> None:
        counts, length, _ = self._analysed(doc, learn_surfaces=True)
        self.n_docs += 1
        self._total_length += length
        df = self.df
        for term in counts:
            df[term] = df.get(term, 0) + 1

    def vectorize(self, doc: ArticleDoc) -> SparseVector:
        counts, length, proper = self._analysed(doc)
        if proper:
            # Only a name that is still rare is boosted: one that a tenth of the stream
            # mentions (the country, its capital) is the backdrop of many stories, and boosting
            # it makes two stories from one country look alike. IDF discounts such a name, but
            # a boost applied before IDF multiplied it back.
            cfg, df = self.config, self.df
            limit = cfg.proper_max_df * self.n_docs
            counts = {
                term: tf * cfg.proper_weight if term in proper and df.get(term, 0) <= limit else tf
                for term, tf in counts.items()
            }
        return self._weigh(counts, length)

    def title_vector(self, doc: ArticleDoc) -> SparseVector:
        counts: dict[str, float] = {}
        for term in self._terms(doc.title, doc.language):
            counts[term] = counts.get(term, 0.0) + 1.0
        return self._weigh(counts, self._average_length())

    def numbers(self, doc: ArticleDoc) -> frozenset[str]:
        """The number terms of ``doc`` (digits normalised across scripts): evidence in any language."""
        counts, _, _ = self._analysed(doc)
        return frozenset(t for t in counts if _NUMBER.search(t) and not t.startswith("~"))

    def surface(self, term: str) -> str:
        forms = self._surfaces.get(term)
        if not forms:
            return term.lstrip("~")
        return max(forms.items(), key=lambda item: item[1])[0]

    # -- public helpers ----------------------------------------------------------------------

    def idf(self, term: str) -> float:
        # +1 inside the log keeps every IDF positive, also for a term in every document.
        return math.log(1.0 + (self.n_docs + 1) / (self.df.get(term, 0) + 0.5))

    # -- internals ---------------------------------------------------------------------------

    def _average_length(self) -> float:
        return self._total_length / self.n_docs if self.n_docs else 100.0

    def _weigh(self, counts: dict[str, float], length: float) -> SparseVector:
        if not counts:
            return {}
        cfg = self.config
        norm = cfg.k1 * (1.0 - cfg.b + cfg.b * length / max(self._average_length(), 1.0))
        idf = self.idf
        weights = {term: idf(term) * tf * (cfg.k1 + 1.0) / (tf + norm) for term, tf in counts.items()}
        if len(weights) > cfg.max_terms:
            kept = sorted(weights.items(), key=lambda item: item[1], reverse=True)[: cfg.max_terms]
            weights = dict(kept)
        total = math.sqrt(sum(w * w for w in weights.values()))
        return {term: w / total for term, w in weights.items()} if total else {}

    def _analysed(
        self, doc: ArticleDoc, *, learn_surfaces: bool = False
    ) -> tuple[dict[str, float], float, frozenset[str]]:
        if self._last is not None and self._last[0] is doc:
            return self._last[1], self._last[2], self._last[3]
        counts, length, proper = self._analyse(doc, learn_surfaces)
        self._last = (doc, counts, length, proper)
        return counts, length, proper

    def _analyse(
        self, doc: ArticleDoc, learn_surfaces: bool
    ) -> tuple[dict[str, float], float, frozenset[str]]:
        """Weighted term counts, the length for BM25, and the terms written as names."""
        cfg = self.config
        lang = doc.language
        body = doc.text[: cfg.body_chars] if doc.text else ""
        counts: dict[str, float] = {}
        for weight, part in ((cfg.title_weight, doc.title or ""), (1.0, body)):
            tokens = tokenize(part, lang)
            stems = arabic.stems(tokens, lang)
            for stem in stems:
                counts[stem] = counts.get(stem, 0.0) + weight
            if learn_surfaces and (weight == 1.0 or not body):
                self._learn_surfaces(tokens, stems, lang, display_forms(part, lang))
        length = sum(counts.values())
        if cfg.number_weight != 1.0:
            for term in counts:
                if _NUMBER.search(term):
                    counts[term] *= cfg.number_weight
        proper: frozenset[str] = frozenset()
        if cfg.proper_weight != 1.0 and lang != "ar":
            proper = frozenset(_proper_terms(f"{doc.title}. {body}", lang) & counts.keys())
        if cfg.name_weight:
            for weight, part in ((cfg.title_weight, doc.title or ""), (1.0, body)):
                for name, surface in _names(part, lang):
                    counts[name] = counts.get(name, 0.0) + weight * cfg.name_weight
                    if learn_surfaces:
                        self._remember(name, surface)
        return counts, length, proper

    def _terms(self, text: str, lang: str | None) -> list[str]:
        return arabic.stems(tokenize(text, lang), lang)

    def _learn_surfaces(
        self, tokens: list[str], stems: list[str], lang: str | None, written: dict[str, str]
    ) -> None:
        # arabic.stems() dropped stopwords and one-letter words; drop them here too to realign.
        stop = stopwords(lang)
        kept = [t for t in tokens if len(t) > 1 and t not in stop]
        for token, stem in zip(kept, stems, strict=True):
            self._remember(stem, written.get(token, token))

    def _remember(self, term: str, surface: str) -> None:
        forms = self._surfaces.setdefault(term, {})
        if surface in forms:
            forms[surface] += 1
        elif len(forms) < 4:  # a few forms are enough to pick the usual one
            forms[surface] = 1


def _names(text: str, lang: str | None) -> list[tuple[str, str]]:
    """Runs of two or more capitalised words as (term, surface): "Lindsay Lohan" → "~lindsay lohan".

    A run that starts a sentence drops a leading stopword ("The", "In"), which is capitalised
    for grammar, not because it names something. Latin script only: Arabic has no capitals.
    """
    if not text or lang == "ar":
        return []
    stop = stopwords(lang) or stopwords("en")
    found: list[tuple[str, str]] = []
    run: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if _CAPITALISED.fullmatch(word) and not (not run and word.lower() in stop):
            run.append(word)
            continue
        if len(run) >= 2:
            found.append(_name_term(run, lang))
        run = []
    if len(run) >= 2:
        found.append(_name_term(run, lang))
    return found


def _proper_terms(text: str, lang: str | None) -> set[str]:
    """Stems of words written capitalised where grammar does not ask for it (not sentence-initial)."""
    found: list[str] = []
    sentence_start = True
    for match in _WORD.finditer(text):
        word = match.group()
        if word in _SENTENCE_END:
            sentence_start = True
            continue
        if not word[0].isalnum():
            continue
        if not sentence_start and _CAPITALISED.fullmatch(word):
            found.append(word)
        sentence_start = False
    return set(arabic.stems([normalize_word(w, lang) for w in found], lang))


_SENTENCE_END = frozenset('.!?:;\n"“”(')


def _name_term(run: list[str], lang: str | None) -> tuple[str, str]:
    surface = " ".join(run)
    return "~" + normalize(surface, lang), surface
