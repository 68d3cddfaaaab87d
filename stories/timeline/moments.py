"""A story's key moments: which days matter, and one sentence from the coverage saying what happened.

Two steps, as in the timeline-summarisation literature (Ghalandari & Ifrim 2020 survey them):

1. Date selection. Every day the coverage points at (``stories.timeline.dates`` resolves "el 25 de
   enero", "on Tuesday", "أمس" against each article's publication day) is a candidate; a small
   learned ranker (``stories.timeline.ranker``, DATEWISE-like, trained by ``manage.py
   train_timeline``) gives each the probability that a journalist would list it, from features
   that mean the same in every language. Days are then picked greedily, each pick damping its
   immediate neighbours so that one busy week does not take every entry on thin evidence.
2. Sentence selection. A day is told by a sentence that reports it: one whose own date
   expression resolves to that day in an article written within the reporting lag, or a lead
   sentence, naming no other day, of an article published that day or the next. A sentence
   from a later article that names the day is used only when no such report exists, and never
   when it is a recap ("since the attack on 13 November ...": it names another day too, or a
   "since/after" word leads into the date). Among the candidates of one language the pick is
   the one nearest their TF-IDF centroid (Radev et al. 2004), skipping near-duplicates of
   entries already chosen and of the story's summary sentences. Every language of the story is
   drawn on: each entry has its sentence in the story's main language when there is one, and
   the same day's best sentence in each other language as an alternative, so a reader can be
   shown the day in their own language. Each sentence keeps its article id and character span.

Editors' moments (`fixed`) are always in the result, count toward N, and take their day out of
the choice. No language-specific settings: only the date rules, the recap words and the
stemmer know the language.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from articles.text import terms

from .articles import StoryArticle
from .dates import DateMention, find_dates
from .ranker import REPORTING_LAG_DAYS, Ranker, candidate_features, load_ranker

if TYPE_CHECKING:
    import numpy as np

# A chosen day damps the others by `damping` (the ranker's, chosen by leave-one-topic-out
# validation) * exp(-distance / reach), the reach being SPREAD of the mean gap between entries
# (at least NEIGHBOUR_SCALE_DAYS): short, since journalists' timelines follow bursts (one gold
# timeline lists 18 consecutive days of a revolution).
NEIGHBOUR_SCALE_DAYS = 1.0
SPREAD = 0.1
# Candidate sentences: length bounds in tokens (shorter is a caption or dateline, longer a list).
MIN_TOKENS, MAX_TOKENS = 8, 60
LEAD_SENTENCES = 3
NEAR_DUPLICATE = 0.5  # Jaccard of term sets
# Words that, just before a date, make the sentence look back at it rather than report it:
# "since", "after", "following", "a year after". Short on purpose; the structural test (a
# second day named in the sentence) catches most recaps in any language.
_RECAP_WORDS = (
    "since", "after", "following", "desde", "tras", "después", "despues", "depuis", "après", "apres",
    "suite", "dal", "dalla", "dopo", "منذ", "بعد", "عقب", "اثر", "إثر",
)  # fmt: skip
_RECAP_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(_RECAP_WORDS) + r")(?![^\W\d_])(?:\W+\w+){0,6}\W*$", re.IGNORECASE
)
_RECAP_WINDOW = 60


@dataclass(frozen=True, slots=True)
class KeyMoment:
    date: date
    text: str
    article_id: Hashable | None = None
    # Character span of the sentence in the article's text; None for a title or an editor's text.
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    fixed: bool = False
    language: str | None = None
    # The same day told in the story's other languages, one moment per language.
    alternatives: tuple[KeyMoment, ...] = ()

    def in_language(self, language: str | None) -> KeyMoment:
        """This day's sentence in `language` when there is one, otherwise the original."""
        if language and self.language != language:
            for other in self.alternatives:
                if other.language == language:
                    return other
        return self


@dataclass(slots=True)
class _Candidate:
    article: StoryArticle
    start: int
    end: int
    text: str
    tier: int  # 0: reports the day; 1: a later article naming the day
    terms: list[str] = field(default_factory=list)


def main_language(articles: Sequence[StoryArticle]) -> str | None:
    counts = Counter(a.language for a in articles if a.language)
    return counts.most_common(1)[0][0] if counts else None


def story_features(
    articles: Sequence[StoryArticle], mentions: dict[Hashable, list[DateMention]]
) -> tuple[list[date], np.ndarray]:
    """Candidate days and their ranker features (see stories.timeline.ranker.candidate_features)."""
    titles = {a.id: find_dates(a.title, a.day, a.language) for a in articles if a.title}
    lead_ends = {}
    for article in articles:
        spans = sentence_spans(article.text, LEAD_SENTENCES)
        lead_ends[article.id] = spans[-1][1] if spans else 0
    return candidate_features(articles, mentions, titles, lead_ends)


def date_scores(
    articles: Sequence[StoryArticle],
    mentions: dict[Hashable, list[DateMention]] | None = None,
    ranker: Ranker | None = None,
) -> dict[date, float]:
    """The probability, per candidate day, that the day belongs in the story's key moments."""
    if not articles:
        return {}
    if mentions is None:
        mentions = {a.id: article_mentions(a) for a in articles}
    ranker = ranker or load_ranker()
    days, matrix = story_features(articles, mentions)
    return dict(zip(days, (float(p) for p in ranker.probabilities(matrix)), strict=True))


def pick_dates(
    scores: dict[date, float],
    n: int,
    taken: Sequence[date] = (),
    *,
    entries: int | None = None,
    damping: float = 0.3,
) -> list[date]:
    """The n best days, each pick damping days near it so entries spread over the story.

    `entries` is the size of the timeline being built (default n) when more days are asked for
    as spares; it sets how far the damping reaches. Scores must be positive.
    """
    if n <= 0 or not scores:
        return []
    span = (max(scores) - min(scores)).days + 1
    scale = max(NEIGHBOUR_SCALE_DAYS, SPREAD * span / ((entries or n) + len(taken)))
    current = dict(scores)
    chosen: list[date] = []

    def damp(center: date) -> None:
        if not damping:
            return
        for day in current:
            distance = abs((day - center).days)
            if distance <= 30 * scale:  # beyond, the factor is 1 to float precision
                current[day] *= 1.0 - damping * math.exp(-distance / scale)

    for day in taken:
        current.pop(day, None)
        damp(day)
    while current and len(chosen) < n:
        best = max(current, key=lambda d: (current[d], d))
        chosen.append(best)
        del current[best]
        damp(best)
    return chosen


def article_mentions(article: StoryArticle) -> list[DateMention]:
    return find_dates(article.text, article.day, article.language)


_SENTENCE_END = re.compile(r"(?<=[.!?؟…])[\"'»”)]*\s+|\n+")


def sentence_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
            if limit is not None and len(spans) >= limit:
                return spans
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _sentence_around(text: str, pos: int) -> tuple[int, int]:
    """The sentence holding character `pos`, found by looking for boundaries near it only."""
    window_start = max(0, pos - 600)
    start = window_start
    for match in _SENTENCE_END.finditer(text, window_start, pos):
        start = match.end()
    if start == window_start and window_start > 0:
        start = pos  # no boundary in reach: a run-on block, keep from the mention on
    end_match = _SENTENCE_END.search(text, pos, pos + 600)
    end = end_match.start() if end_match else min(len(text), pos + 600)
    return start, end


def _usable(text: str) -> bool:
    # A question ("¿Quién es quién en la guerra?") is a teaser or a heading, never an event.
    if text.endswith(("?", "؟")):
        return False
    return MIN_TOKENS <= len(text.split()) <= MAX_TOKENS


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _tfidf(term_list: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(term_list)
    vector = {t: (1.0 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _is_recap(text: str, mention: DateMention, sentence_start: int) -> bool:
    """A "since/after" word in the few words before the date, within its sentence."""
    window_start = max(sentence_start, mention.start - _RECAP_WINDOW)
    return bool(_RECAP_BEFORE.search(text, window_start, mention.start))


def _candidates(
    articles: Sequence[StoryArticle], mentions: dict[Hashable, list[DateMention]], days: set[date]
) -> dict[date, list[_Candidate]]:
    """Sentences that may tell each day (see the module docstring), every language together."""
    found: dict[date, list[_Candidate]] = defaultdict(list)
    seen: set[tuple[Hashable, int, date]] = set()

    def add(day: date, article: StoryArticle, start: int, end: int, tier: int) -> None:
        key = (article.id, start, day)
        if key in seen:
            return
        seen.add(key)
        text = article.text[start:end].strip()
        if _usable(text):
            found[day].append(_Candidate(article, start, end, text, tier))

    for article in articles:
        own = mentions[article.id]
        # Only sentences naming a wanted day are looked at, with every mention they hold.
        sentences = sorted({_sentence_around(article.text, m.start) for m in own if m.date in days})
        for start, end in sentences:
            inside = [m for m in own if start <= m.start < end]
            named = {m.date for m in inside}
            if len(named) != 1:
                continue  # two days in one sentence: a recap or a chronology, not one day's report
            day = next(iter(named))
            lag = (article.day - day).days
            if lag < 0:
                continue  # a plan, not a report
            if lag <= REPORTING_LAG_DAYS:
                add(day, article, start, end, 0)
            elif not any(_is_recap(article.text, m, start) for m in inside):
                add(day, article, start, end, 1)
        # A lead reports its own day or the day before; a lead naming a day is handled above.
        for reported in (article.day, article.day - timedelta(days=1)):
            if reported not in days:
                continue
            for start, end in sentence_spans(article.text, LEAD_SENTENCES):
                if not any(start <= m.start < end for m in own):
                    add(reported, article, start, end, 0)
    return found


def _idf(pool: dict[date, list[_Candidate]]) -> dict[str | None, dict[str, float]]:
    """Inverse document frequencies of candidate terms, per language."""
    documents: dict[str | None, list[set[str]]] = defaultdict(list)
    for candidates in pool.values():
        for candidate in candidates:
            candidate.terms = terms(candidate.text, candidate.article.language)
            documents[candidate.article.language].append(set(candidate.terms))
    idf = {}
    for language, sets in documents.items():
        df = Counter(t for terms_ in sets for t in terms_)
        idf[language] = {t: math.log((1 + len(sets)) / (1 + f)) + 1.0 for t, f in df.items()}
    return idf


def _best(candidates: list[_Candidate], idf: dict[str, float], avoid: list[set[str]]) -> _Candidate | None:
    """The candidate nearest the centroid of its tier's candidates, not repeating `avoid`."""
    for tier in (0, 1):
        group = [c for c in candidates if c.tier == tier]
        if not group:
            continue
        vectors = [_tfidf(c.terms, idf) for c in group]
        centroid: Counter[str] = Counter()
        for vector in vectors:
            centroid.update(vector)
        # Unnormalised: scaling the centroid does not change which sentence is nearest.
        centroid_vector = dict(centroid)
        ranked = sorted(
            zip(group, vectors, strict=True),
            key=lambda cv: (-_cosine(cv[1], centroid_vector), str(cv[0].article.id), cv[0].start),
        )
        for candidate, _vector in ranked:
            term_set = set(candidate.terms)
            if not any(_jaccard(term_set, other) >= NEAR_DUPLICATE for other in avoid):
                return candidate
    return None


def key_moments(
    articles: Sequence[StoryArticle],
    n: int,
    *,
    fixed: Sequence[KeyMoment] = (),
    language: str | None = None,
    avoid: Sequence[str] = (),
    ranker: Ranker | None = None,
) -> list[KeyMoment]:
    """Up to `n` key moments of a story, oldest first; editors' `fixed` moments are always among them.

    `language` is the story's main language (default: its most common one); `avoid` are
    sentences no entry may repeat, such as the story's summary; `ranker` defaults to the
    shipped one.
    """
    editors = [
        KeyMoment(m.date, m.text, m.article_id, m.start, m.end, m.score, fixed=True, language=m.language)
        for m in fixed
    ]
    wanted = n - len(editors)
    if wanted <= 0 or not articles:
        return sorted(editors, key=lambda m: m.date)
    ranker = ranker or load_ranker()
    language = language or main_language(articles)
    mentions = {a.id: article_mentions(a) for a in articles}
    scores = date_scores(articles, mentions, ranker)
    taken = [m.date for m in editors]
    # Pick spare days: a day whose coverage has no usable sentence is replaced by the next one.
    ranked = pick_dates(
        scores, min(len(scores), 2 * wanted + 5), taken, entries=wanted, damping=ranker.damping
    )
    pool = _candidates(articles, mentions, set(ranked))
    idf = _idf(pool)

    # Sentences already used or to avoid, per language.
    used: dict[str | None, list[set[str]]] = defaultdict(list)
    for sentence in avoid:
        for lang in idf:
            used[lang].append(set(terms(sentence, lang)))
    for moment in editors:
        used[moment.language or language].append(set(terms(moment.text, moment.language or language)))

    moments = list(editors)
    for day in ranked:
        if len(moments) - len(editors) >= wanted:
            break
        by_language: dict[str | None, list[_Candidate]] = defaultdict(list)
        for candidate in pool.get(day, ()):
            by_language[candidate.article.language].append(candidate)
        picks = {}
        for lang, candidates in by_language.items():
            best = _best(candidates, idf[lang], used[lang])
            if best is not None:
                picks[lang] = best
        if not picks:
            continue
        # The original: the story's language when it has a sentence, else the best-covered one.
        primary = (
            language
            if language in picks
            else max(picks, key=lambda lang: (len(by_language[lang]), str(lang)))
        )
        for lang, candidate in picks.items():
            used[lang].append(set(candidate.terms))
        entries = {
            lang: KeyMoment(
                day, c.text, c.article.id, c.start, c.end, scores[day], language=c.article.language
            )
            for lang, c in picks.items()
        }
        main = entries.pop(primary)
        alternatives = tuple(entries[lang] for lang in sorted(entries, key=str))
        moments.append(
            KeyMoment(
                main.date, main.text, main.article_id, main.start, main.end, main.score,
                language=main.language, alternatives=alternatives,
            )
        )  # fmt: skip
    return sorted(moments, key=lambda m: (m.date, not m.fixed))


def busiest_days(articles: Sequence[StoryArticle], n: int) -> list[KeyMoment]:
    """Baseline: the n days with most articles, each told by the lead sentence of its first article."""
    by_day: dict[date, list[StoryArticle]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: a.published_at):
        by_day[article.day].append(article)
    days = sorted(by_day, key=lambda d: (-len(by_day[d]), d))[:n]
    moments = []
    for day in sorted(days):
        first = by_day[day][0]
        spans = sentence_spans(first.text, 1)
        start, end = spans[0] if spans else (0, 0)
        text = first.text[start:end].strip() or first.title
        moments.append(KeyMoment(day, text, first.id, start, end, language=first.language))
    return moments
