"""Proposing dossiers (ملفات): long-running files of stories that keep naming the same thing.

A story is one developing event ("Tehran bazaar strike spreads"); a dossier holds the stories
of one ongoing subject ("Iran": the protests, the Iran–US channel). The grouping works on
story-level features only, so it does not care whether a story is in one language or several:

1. **Core terms of a story.** A term (a stemmed word, kept apart per language) is core to a
   story when at least half of the story's articles carry it — in the headline, or a third as
   much in the lead — plus the words of the story's labels. A one-article story's core is
   thus its headline's words. This is what the story keeps naming: its people, places and
   themes, without the day-to-day details.
2. **Anchors.** A term core to two or more stories can anchor a dossier. Its strength is the
   sum, over those stories, of how strongly each carries it, times its specificity
   (ln(S / stories carrying it), S the number of stories considered): a name few stories
   share ("Iran") outweighs a word many do ("government").
3. **Greedy filing.** The strongest anchor takes its stories; the next anchor is chosen
   among the stories left; and so on until no term is core to two unfiled stories (a lazy
   heap, since filing stories only ever weakens the other anchors). Each
   story is in at most one dossier, like the seed page files an article under one subject.
4. **Names.** Per language of the dossier's stories: the surface (most common written form)
   of the strongest term of that language that is core to at least two of its stories, or
   the anchor's own language only.

No thresholds beyond "half of the articles" (a majority) and "two stories" (a file of one
story is just the story). Pure: plain data in and out, no Django.
"""

# ruff: noqa: RUF002
from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from .labels import LEAD_CHARS, LabelArticle, _words

CORE_SHARE = 0.5
MIN_STORIES = 2

Term = tuple[str, str]  # (language, stem)


@dataclass(frozen=True, slots=True)
class DossierStory:
    id: Hashable
    articles: Sequence[LabelArticle]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProposedDossier:
    key: str  # "language:stem" of the anchor term: finds the same dossier again next time
    story_ids: list[Hashable]
    names: dict[str, str]  # language -> name


def core_terms(story: DossierStory) -> tuple[dict[Term, float], dict[Term, Counter[str]]]:
    """The story's core terms with the share of its articles carrying each, and their spellings."""
    title_count: Counter[Term] = Counter()
    lead_count: Counter[Term] = Counter()
    surfaces: dict[Term, Counter[str]] = defaultdict(Counter)
    # Shares are within a language: a term of the Arabic articles is weighed against them only.
    per_language: Counter[str] = Counter()
    for article in story.articles:
        language = article.language or "und"
        per_language[language] += 1
        in_title: set[Term] = set()
        for word in _words(article.title, article.language):
            if word.stem:
                term = (language, word.stem)
                in_title.add(term)
                surfaces[term][word.surface] += 1
        title_count.update(in_title)
        lead_count.update(
            {(language, w.stem) for w in _words(article.text[:LEAD_CHARS], article.language) if w.stem}
        )
    shares = {
        term: (title_count[term] + lead_count[term] / 3) / (per_language[term[0]] * 4 / 3)
        for term in title_count.keys() | lead_count.keys()
    }
    core = {term: share for term, share in shares.items() if share >= CORE_SHARE}
    for language, label in story.labels.items():
        for word in _words(label, None if language == "und" else language):
            if word.stem:
                term = (language, word.stem)
                core[term] = max(core.get(term, 0.0), 1.0)
                surfaces[term][word.surface] += 1
    return core, {term: surfaces[term] for term in core if surfaces.get(term)}


def propose(stories: Iterable[DossierStory]) -> list[ProposedDossier]:
    """Dossiers for `stories`, strongest first (each story in at most one)."""
    cores: dict[Hashable, dict[Term, float]] = {}
    spellings: dict[Term, Counter[str]] = defaultdict(Counter)
    for story in stories:
        core, surfaces = core_terms(story)
        cores[story.id] = core
        for term, forms in surfaces.items():
            spellings[term].update(forms)
    carriers: dict[Term, set[Hashable]] = defaultdict(set)
    for story_id, core in cores.items():
        for term in core:
            carriers[term].add(story_id)
    total = len(cores)
    specificity = {term: math.log(total / len(ids)) for term, ids in carriers.items()}

    unfiled = set(cores)
    proposals: list[ProposedDossier] = []

    def strength(term: Term) -> float:
        members = carriers[term] & unfiled
        if len(members) < MIN_STORIES:
            return 0.0
        return specificity[term] * sum(cores[s][term] for s in members)

    # Lazy greedy: filing stories only ever lowers an anchor's strength, so a term popped
    # with its strength unchanged is the strongest left. Ties go to the term that sorts
    # first (the heap orders by it), so the same input files the same way.
    heap = [(-strength(term), term) for term, ids in carriers.items() if len(ids) >= MIN_STORIES]
    heap = [item for item in heap if item[0] < 0]
    heapq.heapify(heap)
    while heap:
        stale, anchor = heapq.heappop(heap)
        current = strength(anchor)
        if current <= 0:
            continue
        if current != -stale:
            heapq.heappush(heap, (-current, anchor))
            continue
        key = f"{anchor[0]}:{anchor[1]}"
        members = sorted(carriers[anchor] & unfiled, key=str)
        unfiled -= set(members)
        proposals.append(
            ProposedDossier(key=key, story_ids=members, names=_names(anchor, members, cores, spellings))
        )
    return proposals


def _names(
    anchor: Term,
    members: list[Hashable],
    cores: dict[Hashable, dict[Term, float]],
    spellings: dict[Term, Counter[str]],
) -> dict[str, str]:
    weight: Counter[Term] = Counter()
    carried: Counter[Term] = Counter()
    for story_id in members:
        for term, share in cores[story_id].items():
            weight[term] += share
            carried[term] += 1
    names: dict[str, str] = {}
    for term, _weight in sorted(weight.items(), key=lambda item: (-item[1], item[0])):
        language = term[0]
        if language in names or (carried[term] < MIN_STORIES and term != anchor):
            continue
        if spellings.get(term):
            names[language] = _spelling(spellings[term])
    if anchor[0] not in names and spellings.get(anchor):
        names[anchor[0]] = _spelling(spellings[anchor])
    return names


def _spelling(forms: Counter[str]) -> str:
    # The shortest written form: the bare name ("إيران") rather than its derived ones
    # ("الإيرانية"); then the most common; among equals a capitalised one ("Iran", not "iran").
    return min(forms, key=lambda form: (len(form), -forms[form], not form[:1].isupper(), form))
