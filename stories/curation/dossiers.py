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
4. **Names.** Per language of the dossier's stories, named the way a story is
   (`labels.shortlist`) from all their articles in that language, with each story
   weighing as one: a phrase is central when it is carried across the dossier's stories
   («إضرابات إيران», "Iran strikes"), not by the articles of its largest story; the languages'
   names then agree as a story's do (`labels.agree`: "Iran" and «إيران», not «طهران»).

No thresholds beyond "half of the articles" (a majority) and "two stories" (a file of one
story is just the story). Pure: plain data in and out, no Django.
"""

# ruff: noqa: RUF002
from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from .labels import LEAD_CHARS, Encoder, LabelArticle, _words, agree, mean_vector, shortlist

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
                # A word of the story's name is core, but weighs what the articles give it: a
                # composed name's event word («اتفاق») must not outweigh the story's places.
                core[term] = max(core.get(term, 0.0), shares.get(term, 0.0), CORE_SHARE)
                surfaces[term][word.surface] += 1
    return core, {term: surfaces[term] for term in core if surfaces.get(term)}


def propose(stories: Iterable[DossierStory], *, encode: Encoder | None = None) -> list[ProposedDossier]:
    """Dossiers for `stories`, strongest first (each story in at most one)."""
    stories = list(stories)
    by_id = {story.id: story for story in stories}
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
            ProposedDossier(
                key=key,
                story_ids=members,
                names=dossier_names([by_id[s] for s in members], encode=encode)
                or _names(anchor, members, cores, spellings),
            )
        )
    return proposals


def dossier_names(stories: Sequence[DossierStory], *, encode: Encoder | None = None) -> dict[str, str]:
    """A name per language of the stories' articles, from what the stories share."""
    articles = [replace(a, group=story.id) for story in stories for a in story.articles]
    centroid = mean_vector(articles)
    by_language: dict[str, list[LabelArticle]] = defaultdict(list)
    for article in articles:
        by_language[article.language or "und"].append(article)
    shortlists = {}
    for language, members in sorted(by_language.items()):
        ranked = shortlist(
            members,
            language=None if language == "und" else language,
            centroid=centroid,
            encode=encode,
            # What the stories share: a dossier may be named by one word ("Iran"), a story not.
            min_words=1,
            shared_by=MIN_STORIES,
        )
        if ranked:
            shortlists[language] = ranked
    # The names in each language say the same thing ("Iran" and «إيران», not «طهران»), as a story's.
    return {language: scored.text for language, scored in agree(shortlists).items()}


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
