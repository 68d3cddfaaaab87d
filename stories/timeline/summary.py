"""A story's summary: a few extractive sentences from its most central articles. Pure Python.

The centroid method (Radev et al. 2004): sentences from the leads of the story's articles are
scored by TF-IDF cosine with the centroid of all of them; the best ones that do not repeat one
another are returned in reading order of their articles. Leads carry a news story's who, what
and when, and keep the cost small for a story of a thousand articles.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from articles.text import terms

LEAD_SENTENCES = 2
MIN_WORDS, MAX_WORDS = 8, 55
NEAR_DUPLICATE = 0.5  # Jaccard of term sets: above it, a sentence repeats one already chosen
MAX_ARTICLES = 200  # the newest this many articles are enough to find the centre of a story

_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n+")


@dataclass(frozen=True, slots=True)
class SummaryArticle:
    title: str
    text: str
    language: str | None


def _lead_sentences(text: str) -> list[str]:
    sentences = []
    for raw in _SENTENCE_END.split(text):
        sentence = " ".join(raw.split())
        if MIN_WORDS <= len(sentence.split()) <= MAX_WORDS:
            sentences.append(sentence)
        if len(sentences) == LEAD_SENTENCES:
            break
    return sentences


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def summarize(articles: Sequence[SummaryArticle], *, language: str | None, sentences: int = 3) -> list[str]:
    """Up to `sentences` central, non-repeating sentences in the story's main `language`."""
    pool: list[tuple[str, list[str]]] = []
    for article in articles[-MAX_ARTICLES:]:
        if language and article.language and article.language != language:
            continue
        for sentence in _lead_sentences(article.text):
            sentence_terms = terms(sentence, article.language or language)
            if sentence_terms:
                pool.append((sentence, sentence_terms))
    if not pool:
        return []
    document_frequency = Counter(term for _, sentence_terms in pool for term in set(sentence_terms))
    total = len(pool)
    idf = {term: math.log((1 + total) / (1 + df)) + 1 for term, df in document_frequency.items()}
    vectors = [{t: c * idf[t] for t, c in Counter(sentence_terms).items()} for _, sentence_terms in pool]
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    ranked = sorted(range(total), key=lambda i: _cosine(vectors[i], centroid), reverse=True)
    chosen: list[int] = []
    for index in ranked:
        own = set(pool[index][1])
        if any(len(own & set(pool[j][1])) / len(own | set(pool[j][1])) > NEAR_DUPLICATE for j in chosen):
            continue
        chosen.append(index)
        if len(chosen) == sentences:
            break
    return [pool[i][0] for i in sorted(chosen)]
