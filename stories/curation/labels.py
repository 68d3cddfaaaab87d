"""Short story labels ("Iran protests", «احتجاجات إيران»): a name of 2–6 words per language.

A headline goes stale as a story grows ("Tehran bazaar merchants strike" on day ten of a
nationwide protest); a label names what the whole story is about. It is built from what the
story's own headlines keep repeating, in each language separately (a label is never a
translation: it is words the story's writers used):

1. Every headline word gets a weight: the share of the story's articles (in that language)
   that carry its stem in the headline, plus a third as much for carrying it in the lead
   (the first paragraphs). A word every article repeats weighs 1; a one-off weighs little.
   The story's keyphrases (the engine's strongest terms) and names (a capitalised word that
   does not open its headline, an acronym) add a small bonus, so that between two equally
   frequent words the one that names the story wins.
2. Candidates are runs of words inside one headline clause (clauses end at ":", "—", ",",
   quotes…): 1 to `max_words` words, not starting or ending with a stopword, with no more than
   one stopword in a row. A run is scored by the weight of its distinct content words minus
   a rising cost: the k-th content word costs k × `WORD_COST`, so each further word must be
   carried by more of the story than the one before, which keeps labels short. Runs that
   recur across headlines get a bonus for the share of headlines they recur in, which
   favours a phrase the writers settled on ("Lisbon summit") over an accidental sequence.
3. The best run of two or more words wins (one word is a topic, not a name; a one-word
   run only when no headline has two words); ties go to the shorter, then to the newer
   headline.

The costs and bonuses are round numbers chosen by reading labels, not fitted to any data
set; the tests check the shape (2–6 words, per language, moving with the story), and
editors override any label (Story.editor_labels).

Pure: plain data in, plain data out; no Django.
"""

# ruff: noqa: RUF001, RUF002, RUF003
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from articles.text import normalize, stem_tokens, tokenize

MAX_WORDS = 6
MIN_WORDS = 2
# The price of the first content word of a label; the k-th costs k times this (see score()).
WORD_COST = 0.25
# Worth of a run recurring in every headline, scaled by the share it recurs in.
RECURRENCE_BONUS = 0.5
KEYPHRASE_BONUS = 0.15
# Names (a capitalised word not opening its headline, an acronym) are what a label is for.
NAME_BONUS = 0.15
LEAD_CHARS = 600

# Clause boundaries inside a headline: a label never spans them.
_CLAUSE = re.compile(r"[:;,.!?؟،؛|«»\"“”‘(){}\[\]]|\s[-–—]\s|\.\.|…")
# Hyphenated compounds stay one word: "Iran-US", "sea-level".
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# Words written in capitals are acronyms ("US", "UN", "IMF"), never stopwords.
_ACRONYM = re.compile(r"[A-Z]{2,5}")


@dataclass(frozen=True, slots=True)
class LabelArticle:
    title: str
    text: str = ""
    language: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Word:
    surface: str
    stem: str | None  # None: a stopword
    key: str  # what makes two runs "the same": the stem, or the folded stopword


def _words(clause: str, language: str | None) -> list[_Word]:
    return [_word(match.group(), language) for match in _WORD.finditer(clause)]


# Words repeat across a story's articles and across stories: analyse each spelling once.
@lru_cache(maxsize=65536)
def _word(written: str, language: str | None) -> _Word:
    # A possessive stays off the label: "Iran's protests" names "Iran".
    surface = _POSSESSIVE.sub("", written)
    parts = [_stem(part, language) for part in surface.split("-")]
    stem = "-".join(part for part in parts if part) or None
    return _Word(surface=surface, stem=stem, key=stem or normalize(surface, language))


def _stem(word: str, language: str | None) -> str | None:
    if _ACRONYM.fullmatch(word):
        return word.casefold()
    stems = stem_tokens(tokenize(word, language), language)
    return stems[0] if stems else None


def _stems(text: str, language: str | None) -> set[str]:
    return set(stem_tokens(tokenize(text, language), language)) | {
        word.casefold() for word in _WORD.findall(text) if _ACRONYM.fullmatch(word)
    }


def label_for_language(
    articles: Sequence[LabelArticle],
    *,
    language: str | None,
    keyphrases: Iterable[str] = (),
    max_words: int = MAX_WORDS,
) -> str:
    """The label of a story from its articles in one language ("" when none has a headline)."""
    # Newest first: ties go to the phrasing the story uses now.
    ordered = sorted(
        (a for a in articles if a.title.strip()),
        key=lambda a: a.published_at.timestamp() if a.published_at else 0.0,
        reverse=True,
    )
    if not ordered:
        return ""
    total = len(ordered)
    clauses = [
        [words for clause in _CLAUSE.split(a.title) if (words := _words(clause, language))] for a in ordered
    ]
    title_df: Counter[str] = Counter()
    lead_df: Counter[str] = Counter()
    for article, title_clauses in zip(ordered, clauses, strict=True):
        title_df.update({w.stem for clause in title_clauses for w in clause if w.stem})
        lead_df.update(_stems(article.text[:LEAD_CHARS], language))
    special = set()
    for phrase in keyphrases:
        special |= _stems(phrase, language)
    # A headline's first word is capitalised for grammar, not because it is a name.
    names = {
        word.stem
        for title_clauses in clauses
        for c, clause in enumerate(title_clauses)
        for w, word in enumerate(clause)
        if word.stem and word.surface[:1].isupper() and (c, w) != (0, 0)
    }
    weight = {
        stem: (title_df[stem] + lead_df[stem] / 3) / (total * 4 / 3)
        + (KEYPHRASE_BONUS if stem in special else 0.0)
        + (NAME_BONUS if stem in names else 0.0)
        for stem in title_df
    }

    runs: dict[tuple[str, ...], tuple[list[_Word], int]] = {}
    run_df: Counter[tuple[str, ...]] = Counter()
    for position, title_clauses in enumerate(clauses):
        seen_here: set[tuple[str, ...]] = set()
        for clause in title_clauses:
            for start in range(len(clause)):
                if clause[start].stem is None:
                    continue
                for end in range(start + 1, min(start + max_words, len(clause)) + 1):
                    run = clause[start:end]
                    if run[-1].stem is None:
                        continue
                    if any(a.stem is None and b.stem is None for a, b in pairwise(run)):
                        break
                    key = tuple(w.key for w in run)
                    seen_here.add(key)
                    runs.setdefault(key, (run, position))
        run_df.update(seen_here)

    def score(key: tuple[str, ...]) -> tuple[float, int, int]:
        run, position = runs[key]
        content = {w.stem for w in run if w.stem}
        # The k-th content word costs k × WORD_COST: each further word must be carried by
        # more of the story than the one before, which keeps labels short.
        value = sum(weight[stem] for stem in content) - WORD_COST * len(content) * (len(content) + 1) / 2
        if total > 1:
            value += RECURRENCE_BONUS * (run_df[key] - 1) / (total - 1)
        return (value, -len(run), -position)

    # A label names something: one word ("Iran") is a topic, so runs of two or more words
    # are preferred whenever a headline has them.
    long_enough = [key for key, (run, _p) in runs.items() if len(run) >= MIN_WORDS]
    best, _position = runs[max(long_enough or runs, key=score)]
    return " ".join(w.surface for w in best)


def story_labels(
    articles: Sequence[LabelArticle], *, keyphrases: Iterable[str] = (), max_words: int = MAX_WORDS
) -> dict[str, str]:
    """A label per language the story's articles are in ({"ar": "…", "en": "…"})."""
    keyphrases = list(keyphrases)
    by_language: dict[str, list[LabelArticle]] = {}
    for article in articles:
        by_language.setdefault(article.language or "", []).append(article)
    labels = {}
    for language, members in sorted(by_language.items()):
        label = label_for_language(
            members, language=language or None, keyphrases=keyphrases, max_words=max_words
        )
        if label:
            labels[language or "und"] = label
    return labels
