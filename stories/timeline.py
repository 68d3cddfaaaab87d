"""A story's key moments: which days matter, and one sentence from the coverage saying what happened.

Two steps, as in the timeline-summarisation literature (Ghalandari & Ifrim 2020 survey them):

1. Date selection. Every article "votes" for the days its text mentions (``stories.dates``
   resolves "el 25 de enero", "on Tuesday", "أمس" against its publication day) and, more
   weakly, for its own publication day. Votes from one source saturate (source diversity), days
   that open a burst of coverage get more weight, days far ahead of the vote (plans) and long
   before the coverage (background) less. Days are then picked greedily, each pick damping its
   immediate neighbours so that one busy week does not take every entry on thin evidence.
2. Sentence selection. For each chosen day, the candidates are the sentences that mention the
   day plus the leads of the articles published that day; the pick is the candidate nearest
   the TF-IDF centroid of all of them (the centroid method, Radev et al. 2004), skipping
   near-duplicates of entries already chosen. Only sentences in the story's main language are
   used, and each entry keeps its article id and character span for linking.

Editors' moments (`fixed`) are always in the result, count toward N, and take their day out of
the choice. No language-specific settings: only the date rules and the stemmer know the language.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from articles.text import terms
from stories.dates import DateMention, find_dates

# A vote for one's own publication day is weaker than an explicit mention, and an article that
# names one of the REPORTING_LAG_DAYS days before it ("ayer", "on Tuesday") reports that day, so
# it casts no publication vote at all.
PUBLICATION_VOTE = 0.5
REPORTING_LAG_DAYS = 3
# Each further vote from the same source for the same day counts this much of the one before.
SOURCE_DECAY = 0.5
# Days mentioned as far ahead of publication are plans, not events: they count this fraction.
FUTURE_VOTE = 0.25
# Mentions older than this before the story's first article are background (Tunisia's revolt in
# a story about Yemen), not the story; a month leaves room for the lead-up.
HISTORY_DAYS = 31
# Multiplier 1 + BURST_WEIGHT * log(articles in the day and the next two / the story's mean).
BURST_WEIGHT = 1.0
# A chosen day damps the others by NEIGHBOUR_DAMPING * exp(-distance / reach), the reach being
# SPREAD of the mean gap between entries (at least NEIGHBOUR_SCALE_DAYS). Kept short and mild:
# journalists' timelines follow bursts (one gold timeline here lists 18 consecutive days of a
# revolution) and a reach of a quarter of the gap, or damping by half, cost date F1 on the
# ml-crisis topics; this setting cost nothing measurable there and breaks up week-long runs of
# thinly reported days in long stories.
NEIGHBOUR_DAMPING = 0.3
NEIGHBOUR_SCALE_DAYS = 1.0
SPREAD = 0.1
# Candidate sentences: length bounds in tokens (shorter is a caption or dateline, longer a list).
MIN_TOKENS, MAX_TOKENS = 8, 60
LEAD_SENTENCES = 3
NEAR_DUPLICATE = 0.5  # Jaccard of term sets


@dataclass(frozen=True, slots=True)
class StoryArticle:
    id: Hashable
    title: str
    text: str
    language: str
    published_at: datetime
    source: str | None = None

    @property
    def day(self) -> date:
        # The publication day in the article's own offset: the writer's "yesterday" is relative to it.
        return self.published_at.date()


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


@dataclass(slots=True)
class _Candidate:
    article: StoryArticle
    start: int
    end: int
    text: str
    terms: list[str] = field(default_factory=list)


def main_language(articles: Sequence[StoryArticle]) -> str | None:
    counts = Counter(a.language for a in articles if a.language)
    return counts.most_common(1)[0][0] if counts else None


def date_scores(
    articles: Sequence[StoryArticle], mentions: dict[Hashable, list[DateMention]] | None = None
) -> dict[date, float]:
    """How strongly the coverage points at each day (see the module docstring)."""
    if not articles:
        return {}
    if mentions is None:
        mentions = {a.id: article_mentions(a) for a in articles}
    first = min(a.day for a in articles)
    last = max(a.day for a in articles)
    published_per_day = Counter(a.day for a in articles)
    span_days = (last - first).days + 1
    mean_per_day = len(articles) / span_days

    # votes[day][source] = weights of the votes that source cast for the day
    votes: dict[date, dict[Hashable, list[float]]] = defaultdict(lambda: defaultdict(list))
    for article in articles:
        source = article.source or article.id  # no source known: every article its own
        own = article.day
        days = {m.date for m in mentions[article.id]}
        for day in days:
            if (first - day).days > HISTORY_DAYS or day > last:
                continue
            lag = (own - day).days
            weight = FUTURE_VOTE if lag < 0 else 1.0
            votes[day][source].append(weight)
        # An article that names a day of the last few days reports that day, not the one it came out on.
        if not any(0 <= (own - day).days <= REPORTING_LAG_DAYS for day in days):
            votes[own][source].append(PUBLICATION_VOTE)

    scores: dict[date, float] = {}
    for day, by_source in votes.items():
        total = 0.0
        for weights in by_source.values():
            weights.sort(reverse=True)
            total += sum(w * SOURCE_DECAY**i for i, w in enumerate(weights))
        # A burst: the day and the next two carry more articles than the story's average.
        window = sum(published_per_day.get(date.fromordinal(day.toordinal() + k), 0) for k in range(3))
        burst = max(0.0, math.log(window / (3 * mean_per_day))) if window else 0.0
        scores[day] = total * (1.0 + BURST_WEIGHT * burst)
    return scores


def pick_dates(
    scores: dict[date, float], n: int, taken: Sequence[date] = (), *, entries: int | None = None
) -> list[date]:
    """The n best days, each pick damping days near it so entries spread over the story.

    `entries` is the size of the timeline being built (default n) when more days are asked for
    as spares; it sets how far the damping reaches.
    """
    if n <= 0 or not scores:
        return []
    span = (max(scores) - min(scores)).days + 1
    scale = max(NEIGHBOUR_SCALE_DAYS, SPREAD * span / ((entries or n) + len(taken)))
    current = dict(scores)
    chosen: list[date] = []

    def damp(center: date) -> None:
        for day in current:
            distance = abs((day - center).days)
            current[day] *= 1.0 - NEIGHBOUR_DAMPING * math.exp(-distance / scale)

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


def _sentence_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
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


def _candidates(
    articles: Sequence[StoryArticle],
    mentions: dict[Hashable, list[DateMention]],
    days: set[date],
    language: str | None,
) -> dict[date, list[_Candidate]]:
    found: dict[date, list[_Candidate]] = defaultdict(list)
    seen: set[tuple[Hashable, int, date]] = set()

    def add(day: date, article: StoryArticle, start: int, end: int) -> None:
        key = (article.id, start, day)
        if key in seen:
            return
        seen.add(key)
        text = article.text[start:end].strip()
        if _usable(text):
            found[day].append(_Candidate(article, start, end, text))

    for article in articles:
        if language and article.language != language:
            continue
        for mention in mentions[article.id]:
            if mention.date in days:
                add(mention.date, article, *_sentence_around(article.text, mention.start))
        if article.day in days:
            for start, end in _sentence_spans(article.text, LEAD_SENTENCES):
                add(article.day, article, start, end)
    return found


def key_moments(
    articles: Sequence[StoryArticle],
    n: int,
    *,
    fixed: Sequence[KeyMoment] = (),
    language: str | None = None,
) -> list[KeyMoment]:
    """Up to `n` key moments of a story, oldest first; editors' `fixed` moments are always among them."""
    editors = [KeyMoment(m.date, m.text, m.article_id, m.start, m.end, m.score, fixed=True) for m in fixed]
    wanted = n - len(editors)
    if wanted <= 0 or not articles:
        return sorted(editors, key=lambda m: m.date)
    language = language or main_language(articles)
    mentions = {a.id: article_mentions(a) for a in articles}
    scores = date_scores(articles, mentions)
    taken = [m.date for m in editors]
    # Pick spare days: a day whose coverage has no usable sentence is replaced by the next one.
    ranked = pick_dates(scores, min(len(scores), 2 * wanted + 5), taken, entries=wanted)
    pool = _candidates(articles, mentions, set(ranked), language)

    for candidates in pool.values():
        for candidate in candidates:
            candidate.terms = terms(candidate.text, language)
    documents = [set(c.terms) for cs in pool.values() for c in cs]
    df = Counter(t for terms_ in documents for t in terms_)
    idf = {t: math.log((1 + len(documents)) / (1 + f)) + 1.0 for t, f in df.items()}

    chosen_terms = [set(terms(m.text, language)) for m in editors]
    moments = list(editors)
    for day in ranked:
        if len(moments) - len(editors) >= wanted:
            break
        candidates = pool.get(day)
        if not candidates:
            continue
        vectors = [_tfidf(c.terms, idf) for c in candidates]
        centroid: Counter[str] = Counter()
        for vector in vectors:
            centroid.update(vector)
        # Unnormalised: scaling the centroid does not change which sentence is nearest.
        centroid_vector = dict(centroid)
        ranked_candidates = sorted(
            zip(candidates, vectors, strict=True),
            key=lambda cv: (-_cosine(cv[1], centroid_vector), cv[0].start),
        )
        for candidate, _vector in ranked_candidates:
            term_set = set(candidate.terms)
            if any(_jaccard(term_set, other) >= NEAR_DUPLICATE for other in chosen_terms):
                continue
            chosen_terms.append(term_set)
            moments.append(
                KeyMoment(
                    day, candidate.text, candidate.article.id, candidate.start, candidate.end, scores[day]
                )
            )
            break
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
        spans = _sentence_spans(first.text, 1)
        start, end = spans[0] if spans else (0, 0)
        moments.append(KeyMoment(day, first.text[start:end].strip() or first.title, first.id, start, end))
    return moments
