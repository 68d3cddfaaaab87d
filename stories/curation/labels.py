"""Story names ("Iran protests", «احتجاجات إيران», "Turkey earthquake"): one per language.

A headline goes stale as a story grows ("Tehran bazaar merchants strike" on day ten of a
nationwide protest); a name says what the whole story is about, as a headline writer would:
the event and its main actor or place, in a short noun phrase. Built in each language from
the story's own articles in it (a language with no articles gets no name; a name is never a
translation):

1. **Candidates.** Runs of one to five words inside one clause of a headline (clauses end at
   ":", "—", ",", quotes…), and names composed the way newsrooms compose them from the
   story's most carried place and its most carried event word: "Iran protests" (place,
   event) in English, «احتجاجات إيران» (event without its article, place) in Arabic; with both
   countries where the story is between two ("Algeria-France row", «أزمة الجزائر وفرنسا»); in
   Arabic also an event word in construct with its complement, as two articles or more write
   it, and its place («تشكيل الحكومة في لبنان»), scored as far as its event word is carried.
2. **Well-formed only.** A candidate with any of `phrases.problems` (a function word, verb or
   clitic at an edge, an English name ending on an adjective, an Arabic one opening on a nisba
   adjective or ending on an adverbial) is dropped; English names are put in sentence case.
3. **Central.** Each is scored by how much of the story carries it: the share of the
   language's articles whose headline, or (for half as much) headline and lead, contain all
   its content words, and the share of sources doing so; a name (a place, a capitalised word
   or acronym) is worth a little more; each word past three costs a little. Where the
   articles have sentence vectors and an `encode` is given (the same multilingual encoder),
   the best candidates are also scored by their cosine to the story's mean vector, over all
   its languages: that is what makes the Arabic and the English names say the same thing.
4. The best wins; ties go to the shorter, then to the newer headline.

Weights are round numbers chosen by reading names on the demo, og2021-dev and ECB+ dev
(docs/evaluation.md has what was tried and the measured shares); editors' names always win
(Story.editor_labels, applied by the model, not here). Pure: plain data in, plain data out.
"""

# ruff: noqa: RUF001
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from articles.text import normalize, normalize_word, stem_tokens, tokenize
from stories.clustering import places

from . import phrases

MAX_WORDS = 5
MIN_WORDS = 2
LEAD_CHARS = 600
# How a candidate is scored (see the module docstring): shares of articles and sources carrying
# it, a bonus for naming something, a cost per word past three, and the cosine's weight.
TITLE_WEIGHT = 1.0
LEAD_WEIGHT = 0.5
SOURCE_WEIGHT = 0.5
NAME_BONUS = 0.15
COMPOSED_BONUS = 0.05
COUNTRY_WEIGHT = 1.5
# A country names a national story better than its capital ("Iran protests", not "Tehran").
COUNTRY_BONUS = 0.15
LENGTH_COST = 0.08
COSINE_WEIGHT = 1.5
# Weight of a name's mean cosine to the names in the story's other languages (see agree). Chosen
# by `manage.py names_eval --cv` on og2021-dev (five folds of stories, the weakest weight within
# 0.01 of the best median cosine on the other four: 3.0 in three folds, 4.0 and 6.0 in one each;
# held-out median cosine 0.648). It was 1.0, set by reading names.
AGREEMENT = 3.0
# Only this many candidates (best by the counts) are encoded: encoding is the costly part.
ENCODED = 30

Encoder = Callable[[list[str]], np.ndarray]

# Clause boundaries inside a headline: a name never spans them.
# A comma or point between digits is part of a number ("1,000", "6.3"), not a clause boundary.
_CLAUSE = re.compile(r"[:;!?؟،؛|«»\"“”‘(){}\[\]]|(?<!\d)[,.]|[,.](?!\d)|\s[-–—]\s|\.\.|…|\s'|'\s")
# Hyphenated compounds stay one word: "Iran-US", "sea-level".
# A number with thousands separators is one word ("1,000 homes" never yields "000 homes").
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+|[^\W_]+(?:['’-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# Words written in capitals are acronyms ("US", "UN", "IMF"), never stopwords.
_ACRONYM = re.compile(r"[A-Z]{2,5}")
_ARABIC_ARTICLE = ("وال", "بال", "فال", "كال", "لل", "ال")


@dataclass(frozen=True, slots=True)
class LabelArticle:
    title: str
    text: str = ""
    language: str | None = None
    published_at: datetime | None = None
    source: str = ""
    # The article's multilingual sentence vector (articles.embedding), when it has one.
    vector: np.ndarray | None = None
    # What the article stands for when several groups are named together (a dossier's story).
    group: Hashable = None


@dataclass(frozen=True, slots=True)
class _Word:
    surface: str
    stem: str | None  # None: a stopword
    key: str  # what makes two runs "the same": the stem, or the folded stopword
    # Written with "'s": the thing it possesses follows ("review of Egypt's programme").
    possessive: bool = False


def _words(clause: str, language: str | None) -> list[_Word]:
    return [_word(match.group(), language) for match in _WORD.finditer(clause)]


# Words repeat across a story's articles and across stories: analyse each spelling once.
@lru_cache(maxsize=65536)
def _word(written: str, language: str | None) -> _Word:
    # A possessive stays off the name: "Iran's protests" names "Iran".
    surface = _POSSESSIVE.sub("", written)
    parts = [_stem(part, language) for part in surface.split("-")]
    stem = "-".join(part for part in parts if part) or None
    if stem is not None and normalize(surface, language) in phrases.function_words(language):
        stem = None
    if stem is not None and language == "ar" and (place := _arabic_place(surface)):
        # «إيران», «وإيران» and «الإيرانية» all carry Iran (light10 cuts the first to «اير»).
        stem = normalize(place.removeprefix("ال"), "ar")
    return _Word(
        surface=surface, stem=stem, key=stem or normalize(surface, language), possessive=surface != written
    )


def _arabic_place(surface: str) -> str | None:
    """The place an Arabic word names or relates to: «وإيران» → «إيران», «المصرية» → «مصر»."""
    bare = _bare(surface, "ar")
    if phrases.is_place([bare], "ar"):
        return bare
    if not (phrases.is_arabic_nisba(surface) or phrases.is_indefinite_place_nisba(surface)):
        return None
    stem = surface
    for prefix in ("وال", "بال", "فال", "كال", "لل", "ال"):
        if stem.startswith(prefix) and len(stem) - len(prefix) >= 3:
            stem = stem[len(prefix) :]
            break
    for suffix in ("يين", "يون", "يات", "ية", "يه", "ي"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            base = stem[: -len(suffix)]
            for place in (base, base + "ا", base + "يا", "ال" + base):
                if phrases.is_place([place], "ar"):
                    return place
            return None
    return None


def _stem(word: str, language: str | None) -> str | None:
    if _ACRONYM.fullmatch(word):
        return word.casefold()
    stems = stem_tokens(tokenize(word, language), language)
    return stems[0] if stems else None


def _stems(text: str, language: str | None) -> set[str]:
    return {part for w in _words(text, language) if w.stem for part in (w.stem, *w.stem.split("-"))}


@dataclass(slots=True)
class _Candidate:
    words: list[str]
    stems: frozenset[str]
    position: int  # of the newest headline it comes from (0 = newest)
    composed: bool = False
    names: bool = False
    country: bool = False
    # Of a composed name: its event words and its place (scored apart, see shortlist).
    parts: tuple[frozenset[str], frozenset[str]] | None = None

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class Scored:
    text: str
    score: float
    vector: np.ndarray | None


def label_for_language(articles: Sequence[LabelArticle], **options: Any) -> str:
    """The name of a story (or of a dossier's stories) from its articles in one language.

    Options are `shortlist`'s: `language`, `centroid` and `encode` (the cosine to the story's
    mean vector), `max_words`, `min_words` (shorter names only when none is this long),
    `shared_by` (a name must be carried by the articles of this many groups, a dossier's
    stories, when any candidate is).
    """
    ranked = shortlist(articles, **options)
    return ranked[0].text if ranked else ""


def shortlist(
    articles: Sequence[LabelArticle],
    *,
    language: str | None,
    keyphrases: Iterable[str] = (),
    centroid: np.ndarray | None = None,
    encode: Encoder | None = None,
    max_words: int = MAX_WORDS,
    min_words: int = MIN_WORDS,
    shared_by: int = 1,
    cosine_weight: float = COSINE_WEIGHT,
) -> list[Scored]:
    """The candidate names in one language, best first, with their scores (and vectors when encoded)."""
    del keyphrases  # the counts of the story's own headlines say more than the engine's terms
    ordered = sorted(
        (a for a in articles if a.title.strip()),
        key=lambda a: a.published_at.timestamp() if a.published_at else 0.0,
        reverse=True,
    )
    if not ordered:
        return []
    clauses = [
        [words for clause in _CLAUSE.split(a.title) if (words := _words(clause, language))] for a in ordered
    ]
    title_stems = [
        {part for clause in cl for w in clause if w.stem for part in (w.stem, *w.stem.split("-"))}
        for cl in clauses
    ]
    lead_stems = [
        _stems(a.text[:LEAD_CHARS], language) | t for a, t in zip(ordered, title_stems, strict=True)
    ]
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for index, article in enumerate(ordered):
        groups[article.group].append(index)
    sources = {a.source for a in ordered if a.source}

    def groups_carrying(stems: frozenset[str]) -> int:
        return sum(any(stems <= lead_stems[i] for i in ids) for ids in groups.values())

    def carried(stems: frozenset[str]) -> float:
        """Share of the articles (averaged over groups) and of sources carrying all `stems`."""
        in_title = [stems <= t for t in title_stems]
        in_lead = [stems <= t for t in lead_stems]
        title_share = sum(sum(in_title[i] for i in ids) / len(ids) for ids in groups.values()) / len(groups)
        lead_share = sum(sum(in_lead[i] for i in ids) / len(ids) for ids in groups.values()) / len(groups)
        value = TITLE_WEIGHT * title_share + LEAD_WEIGHT * lead_share
        if len(sources) > 1:
            carrying = {a.source for a, hit in zip(ordered, in_lead, strict=True) if hit and a.source}
            value += SOURCE_WEIGHT * len(carrying) / len(sources)
        return value

    names = _name_stems(clauses, language)
    written = _written(ordered, language)
    candidates = _runs(clauses, language, max_words, written, names) + _composed(
        ordered, clauses, language, title_stems
    )
    if not candidates:
        return []
    base: dict[str, float] = {}
    best: dict[str, _Candidate] = {}
    for candidate in candidates:
        text = candidate.text
        if text in best and best[text].position <= candidate.position:
            continue
        best[text] = candidate
        if candidate.parts:
            # A national story's headlines often leave its country implied ("the pound falls"):
            # a composed name is carried as far as its event word is, where its place is.
            event, place = candidate.parts
            place_share = sum(place <= stems for stems in lead_stems) / len(lead_stems)
            value = max(carried(candidate.stems), carried(event) * place_share)
        else:
            value = carried(candidate.stems)
        if candidate.stems & names or candidate.names:
            value += NAME_BONUS
        if candidate.composed:
            value += COMPOSED_BONUS
        if candidate.country or _names_a_country(text, language):
            value += COUNTRY_BONUS
        value -= LENGTH_COST * max(0, len(candidate.words) - 3)
        base[text] = value
    if shared_by > 1:
        shared = [t for t in best if groups_carrying(best[t].stems) >= min(shared_by, len(groups))]
        best = {t: best[t] for t in shared} or best
    # One word is a topic, not a story's name: two or more whenever the headlines allow.
    pool = [t for t in best if len(best[t].words) >= min_words] or list(best)
    pool.sort(key=lambda t: (-base[t], len(best[t].words), best[t].position))
    scores = {t: base[t] for t in pool}
    vectors: dict[str, np.ndarray] = {}
    if centroid is not None and encode is not None and len(pool) > 1:
        pool = pool[:ENCODED]
        encoded = _unit_rows(encode(pool))
        for text, vector in zip(pool, encoded, strict=True):
            vectors[text] = vector
            scores[text] += cosine_weight * float(vector @ _unit(centroid))
    ranked = sorted(pool, key=lambda t: (-scores[t], len(best[t].words), best[t].position))
    return [Scored(best[t].text, scores[t], vectors.get(t)) for t in ranked]


def _names_a_country(text: str, language: str | None) -> bool:
    return any(len(code) == 2 for code in places.place_codes(text, "", language))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector) or 1.0)


def _name_stems(clauses: list[list[list[_Word]]], language: str | None) -> set[str]:
    """Stems written as names: capitalised where the headline is not in title case, acronyms."""
    found = set()
    for title_clauses in clauses:
        words = [w for clause in title_clauses for w in clause]
        capitals = [w for w in words if w.stem and w.surface[:1].isupper()]
        title_case = len(capitals) >= 0.7 * max(1, sum(1 for w in words if w.stem))
        for c, clause in enumerate(title_clauses):
            for i, word in enumerate(clause):
                if not word.stem:
                    continue
                if _ACRONYM.fullmatch(word.surface) or (
                    word.surface[:1].isupper() and not title_case and (c, i) != (0, 0)
                ):
                    found.add(word.stem)
    return found


def _written(articles: Sequence[LabelArticle], language: str | None) -> frozenset[str]:
    """The folded words of the articles (Arabic only: it tells a fused preposition from a word's
    own first letter, see `phrases.opens_on_arabic_clitic`)."""
    if language != "ar":
        return frozenset()
    return frozenset(
        normalize_word(match.group(), "ar")
        for a in articles
        for match in _WORD.finditer(f"{a.title} {a.text}")
    )


def _runs(
    clauses: list[list[list[_Word]]],
    language: str | None,
    max_words: int,
    written: frozenset[str] = frozenset(),
    names: set[str] | frozenset[str] = frozenset(),
) -> list[_Candidate]:
    """Well-formed runs of headline words, each clause on its own (`names`: see _name_stems)."""
    found = []
    for position, title_clauses in enumerate(clauses):
        for clause in title_clauses:
            for start in range(len(clause)):
                if clause[start].stem is None:
                    continue
                for end in range(start + 1, min(start + max_words, len(clause)) + 1):
                    run = clause[start:end]
                    if any(a.stem is None and b.stem is None for a, b in pairwise(run)):
                        break
                    if run[-1].stem is None or (len(run) > 1 and run[-1].possessive):
                        # "Review of Egypt('s programme)": a name never stops before what a
                        # possessive owns; alone, "Iran('s)" still names Iran.
                        continue
                    text = phrases.sentence_case(" ".join(_shown(w.surface, language) for w in run), language)
                    if phrases.problems(text, language, written=written):
                        continue
                    if run[-1].stem in names and phrases.place_and_name(text.split(), language):
                        continue  # "Tunisia Sfax": a place and a name, no event
                    found.append(
                        _Candidate(
                            words=text.split(),
                            # "Iran-US" is carried by articles that write "Iran" and "US".
                            stems=frozenset(part for w in run if w.stem for part in w.stem.split("-")),
                            position=position,
                        )
                    )
    return found


def _shown(surface: str, language: str | None) -> str:
    # A word in capitals in a title-case headline ("STRIKE") is shown as a word, not shouted.
    if language not in ("ar",) and surface.isupper() and len(surface) > 5:
        return surface.capitalize()
    return surface


def _composed(
    ordered: Sequence[LabelArticle],
    clauses: list[list[list[_Word]]],
    language: str | None,
    title_stems: list[set[str]],
) -> list[_Candidate]:
    """Names composed from the story's most carried place and event words."""
    del title_stems
    if language not in ("ar", "en"):
        return []
    place_count: Counter[str] = Counter()
    place_form: dict[str, Counter[str]] = defaultdict(Counter)
    place_code: dict[str, bool] = {}
    # Arabic: "the event" + the place's adjective, as the articles write it («الجنيه المصري»).
    nisba_pairs: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    nisba_forms: dict[str, Counter[str]] = defaultdict(Counter)
    # Arabic: two nouns in construct, one of them an event word, as the articles write them
    # («محادثات الهدنة», «تشكيل الحكومة»): the event with what it is about.
    construct_pairs: dict[tuple[str | None, str | None], Counter[str]] = defaultdict(Counter)
    events = phrases.event_stems(language)
    for article, title_clauses in zip(ordered, clauses, strict=True):
        seen = set()
        words = [w for clause in title_clauses for w in clause] + _words(article.text[:LEAD_CHARS], language)
        for word in words:
            if not word.stem or word.stem in seen:
                continue
            form = _bare(word.surface, language)
            if language == "ar" and phrases.is_adjective(word.surface, language):
                # «الإيرانية» carries Iran (see _word), but a name writes the place itself.
                form = _arabic_place(word.surface) or ""
            elif phrases.is_adjective(word.surface, language):
                continue
            if not form or not phrases.is_place([form], language):
                continue
            seen.add(word.stem)
            place_form[word.stem][form] += 1
            place_code[word.stem] = all(len(code) == 2 for code in places.place_codes(form, "", language))
        place_count.update(seen)
        if language == "ar":
            for word in words:
                adjective = word.surface.startswith("ال") and phrases.is_arabic_nisba(word.surface)
                if adjective and word.stem in seen:
                    nisba_forms[word.stem][word.surface] += 1
            for first, second in pairwise(words):
                nisba = second.stem in seen and phrases.is_arabic_nisba(second.surface)
                if nisba and first.surface.startswith("ال"):
                    nisba_pairs[(first.stem or "", second.stem)][f"{first.surface} {second.surface}"] += 1
            article_pairs = {
                (first.stem, second.stem): f"{first.surface} {second.surface}"
                for first, second in pairwise(words)
                if _construct_pair(first, second, events)
            }
            for key, written_pair in article_pairs.items():
                construct_pairs[key][written_pair] += 1
    standing = phrases.standing_stems(language)
    # An event word a headline carries counts as the candidates' scores count it: a headline
    # twice a lead ("talks" in two headlines beats "deal" in two leads).
    event_count: Counter[str] = Counter()
    event_form: dict[str, Counter[str]] = defaultdict(Counter)
    for article, title_clauses in zip(ordered, clauses, strict=True):
        weights: dict[str, float] = {}
        for weight, words in (
            (LEAD_WEIGHT, _words(article.text[:LEAD_CHARS], language)),
            (TITLE_WEIGHT, [w for clause in title_clauses for w in clause]),
        ):
            for word in words:
                if word.stem in events and word.stem not in place_count:
                    event_form[word.stem][_event_form(word.surface, language)] += 1
                    weights[word.stem] = weight
        event_count.update(weights)
    found = []
    # A country names a national story better than its capital ("Iran protests", not "Tehran").
    # Ties go to the place named first in the newest headlines (never to the order of a set).
    first_named = {p: i for i, p in reversed(list(enumerate(_first_places(clauses, place_count))))}
    ranked = sorted(
        place_count,
        key=lambda p: (
            -place_count[p] * (COUNTRY_WEIGHT if place_code[p] else 1),
            first_named.get(p, 1 << 30),
            p,
        ),
    )
    # A construct pair carried by two articles or more, the most carried first.
    carried_pairs = sorted(
        ((sum(forms.values()), key, forms.most_common(1)[0][0]) for key, forms in construct_pairs.items()),
        key=lambda row: -row[0],
    )
    for place in ranked[:2]:
        place_written = place_form[place].most_common(1)[0][0]
        for count, (head, noun), pair_written in carried_pairs[:3]:
            if count < 2 or place in (head, noun):
                continue
            # «محادثات الهدنة في اليمن»: what happens, and where, as a newsroom writes it.
            text = f"{pair_written} في {place_written}"
            if phrases.problems(text, language):
                continue
            found.append(
                _Candidate(
                    words=text.split(),
                    stems=frozenset({place, head or "", noun or ""}),
                    # Carried as far as its event word is, as a composed name is: its complement
                    # says which event, it does not make the story smaller.
                    parts=(frozenset({head if head in events else noun or ""}), frozenset({place})),
                    position=len(ordered),
                    composed=True,
                    names=True,
                    country=place_code[place],
                )
            )
        for event, _count in event_count.most_common(5):
            event_written = max(event_form[event], key=lambda f: (event_form[event][f], f.islower()))
            words = [event_written, place_written] if language == "ar" else [place_written, event_written]
            written = [" ".join(words)]
            if nisba_pairs.get((event, place)):
                written.append(nisba_pairs[(event, place)].most_common(1)[0][0])
            if event in standing and (adjective := _agreeing_nisba(event_written, nisba_forms[place])):
                # A standing thing takes its country's adjective: «الجنيه المصري», not «جنيه مصر».
                written = [f"ال{event_written} {adjective}"]
            for text in (phrases.sentence_case(w, language) for w in written):
                if phrases.problems(text, language):
                    continue
                found.append(
                    _Candidate(
                        words=text.split(),
                        stems=frozenset({place, event}),
                        parts=(frozenset({event}), frozenset({place})),
                        position=len(ordered),
                        composed=True,
                        names=True,
                        country=place_code[place],
                    )
                )
    countries = [p for p in ranked if place_code[p]][:2]
    if len(countries) == 2 and place_count[countries[1]] * 2 >= len(ordered):
        # A story between two countries is named by both («اتفاق الأردن وسوريا», "Algeria-France
        # row"), as a newsroom names a dispute or a deal; carried where all three words are.
        first, second = (place_form[p].most_common(1)[0][0] for p in countries)
        for event, _count in event_count.most_common(3):
            event_written = max(event_form[event], key=lambda f: (event_form[event][f], f.islower()))
            text = phrases.sentence_case(
                f"{event_written} {first} و{second}"
                if language == "ar"
                else f"{first}-{second} {event_written}",
                language,
            )
            if phrases.problems(text, language):
                continue
            found.append(
                _Candidate(
                    words=text.split(),
                    stems=frozenset({*countries, event}),
                    parts=(frozenset({event}), frozenset(countries)),
                    position=len(ordered),
                    composed=True,
                    names=True,
                    country=True,
                )
            )
    return found


def _first_places(clauses: list[list[list[_Word]]], place_count: Counter[str]) -> list[str]:
    """The places' stems in the order the headlines (newest first) write them."""
    return [w.stem for title in clauses for clause in title for w in clause if w.stem in place_count]


def _construct_pair(first: _Word, second: _Word, events: frozenset[str]) -> bool:
    """Whether two Arabic words are a noun and its definite complement, one an event word:
    «محادثات الهدنة», «تشكيل الحكومة» (not «الحكومة اللبنانية», not «يعلن الاتفاق»)."""
    if not (first.stem and second.stem) or not (first.stem in events or second.stem in events):
        return False
    head, noun = first.surface, second.surface
    return (
        len(head) >= 3
        and not head.startswith("ال")
        and not phrases.opens_on_arabic_clitic(head)
        and noun.startswith("ال")
        and not any(ch.isdigit() for ch in head + noun)
        and not phrases.is_verb(head, "ar")
        and not phrases.is_adjective(head, "ar")
        and not phrases.is_indefinite_place_nisba(head)
        and not phrases.is_arabic_nisba(noun)
        and not phrases.is_place([head], "ar")
        and not phrases.is_place([noun], "ar")
        and not phrases.ends_on_adverbial(head)
    )


def _agreeing_nisba(noun: str, forms: Counter[str]) -> str | None:
    """The place's adjective as the articles write it, agreeing with `noun` (without its article):
    feminine («ـية») after a noun in «ـة» or a plural in «ـات», masculine («ـي») otherwise."""
    feminine = noun.endswith(("ة", "ات"))
    agreeing = [f for f in forms if f.endswith(("ية", "يه")) == feminine and not f.endswith(("يين", "يون"))]
    return max(agreeing, key=lambda f: (forms[f], f)) if agreeing else None


def _bare(surface: str, language: str | None) -> str:
    """A place as a name: Arabic conjunction/preposition clitics off («وإيران» → «إيران»)."""
    if language != "ar":
        return surface
    for prefix in ("وب", "وال", "بال", "و", "ب", "ل", "ف"):
        rest = surface[len(prefix) :]
        if surface.startswith(prefix) and len(rest) >= 3 and phrases.is_place([rest], "ar"):
            if prefix.endswith("ال"):
                return "ال" + rest
            return rest
    return surface


def _is_event_word(word: _Word, language: str | None, *, opens: bool) -> bool:
    surface = word.surface
    if any(ch.isdigit() for ch in surface) or len(surface) < 3:
        return False
    if phrases.is_verb(surface, language) or phrases.is_adjective(surface, language):
        return False
    if language == "en":
        # A capitalised word inside a headline is a name, not the event.
        if surface[:1].isupper() and not opens:
            return False
        return not surface.casefold().endswith(("ly",))
    return True


def _event_form(surface: str, language: str | None) -> str:
    if language == "ar":
        # «الاحتجاجات» → «احتجاجات»: the event noun opens a construct phrase without its article.
        for prefix in _ARABIC_ARTICLE:
            if surface.startswith(prefix) and len(surface) - len(prefix) >= 3:
                return surface[len(prefix) :]
        return surface
    return surface.lower() if not _ACRONYM.fullmatch(surface) else surface


def mean_vector(articles: Iterable[LabelArticle]) -> np.ndarray | None:
    """The mean of the articles' unit sentence vectors (None when none has one)."""
    vectors = [a.vector for a in articles if a.vector is not None and len(a.vector)]
    if not vectors:
        return None
    stacked = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(stacked, axis=1, keepdims=True)
    return (stacked / np.where(norms == 0, 1.0, norms)).mean(axis=0)


def story_labels(
    articles: Sequence[LabelArticle],
    *,
    keyphrases: Iterable[str] = (),
    encode: Encoder | None = None,
    max_words: int = MAX_WORDS,
    agreement: float = AGREEMENT,
    cosine_weight: float = COSINE_WEIGHT,
) -> dict[str, str]:
    """A name per language the story's articles are in ({"ar": "…", "en": "…"}).

    `agreement` weighs how much the names in different languages must say the same thing
    (see `agree`; chosen across folds of stories by `manage.py names_eval --cv`).
    """
    keyphrases = list(keyphrases)
    centroid = mean_vector(articles)
    by_language: dict[str, list[LabelArticle]] = {}
    for article in articles:
        by_language.setdefault(article.language or "", []).append(article)
    shortlists = {
        language or "und": ranked
        for language, members in sorted(by_language.items())
        if (
            ranked := shortlist(
                members,
                language=language or None,
                keyphrases=keyphrases,
                centroid=centroid,
                encode=encode,
                max_words=max_words,
                cosine_weight=cosine_weight,
            )
        )
    }
    return {language: scored.text for language, scored in agree(shortlists, agreement).items()}


def agree(shortlists: dict[str, list[Scored]], agreement: float = AGREEMENT) -> dict[str, Scored]:
    """Each language's name, chosen so that the names say the same thing across languages.

    Starting from each language's best, every language in turn takes the candidate that
    maximises its own score plus AGREEMENT times its mean cosine to the other languages' current
    names (coordinate ascent; a few rounds settle it). Without vectors: each language's best.
    """
    chosen = {language: ranked[0] for language, ranked in shortlists.items()}
    if agreement <= 0 or len(chosen) < 2 or any(scored.vector is None for scored in chosen.values()):
        return chosen
    for _round in range(3):
        changed = False
        for language, ranked in shortlists.items():
            others = [s.vector for other, s in chosen.items() if other != language and s.vector is not None]

            def joint(scored: Scored, others=others) -> float:
                if scored.vector is None:
                    return scored.score
                return scored.score + agreement * float(np.mean([scored.vector @ o for o in others]))

            best = max(ranked, key=joint)
            if best is not chosen[language]:
                chosen[language], changed = best, True
        if not changed:
            break
    return chosen


def _one_word_inside(word: str, chip: str) -> bool:
    """Whether `word` and one of `chip`'s words contain one another ("quake", "earthquake")."""
    folded = word.casefold()
    return len(folded) >= 4 and any(
        folded in other or (len(other) >= 4 and other in folded) for other in chip.casefold().split()
    )


def _chip_form(text: str, words: list[_Word], names: set[str], language: str | None) -> str:
    """A one-word chip as a word, not a heading: «إيران» for «وإيران», "protests" for "Protests"."""
    if len(words) > 1:
        return text
    word = words[0]
    if language == "ar":
        return _bare(word.surface, language)
    if word.stem in names or _ACRONYM.fullmatch(word.surface) or phrases.is_place([word.surface], language):
        return text
    return text.lower()


# A story page shows this many chips: the things the story is about, in the reader's language.
CHIPS = 6


def story_chips(articles: Sequence[LabelArticle], *, limit: int = CHIPS) -> dict[str, list[str]]:
    """Keyphrase chips per language ({"ar": [...], "en": [...]}), each from that language's articles.

    A chip is a name or a noun phrase the story's headlines carry, best first by the names'
    scoring (`shortlist`, one to three words): a single word only when it names something (a place, an
    acronym, a word capitalised inside a headline) or is a kind-of-event word ("earthquake",
    «هدنة»), never a bare adjective, plural without its head or number word («الرسائل»،
    «عاما»), which the rules of `phrases.problems` and this test leave out; one chip per concept
    (no two chips share a word's stem: "Iran" beside "Iran protests" says nothing new; nor a place,
    a capital standing for its country: "Tehran" beside "Iran", see `phrases.concepts`). A reader is
    shown the chips of their language, so no concept appears twice across languages.
    """
    by_language: dict[str, list[LabelArticle]] = defaultdict(list)
    for article in articles:
        if article.language:
            by_language[article.language].append(article)
    chips: dict[str, list[str]] = {}
    for language, members in sorted(by_language.items()):
        clauses = [
            [words for clause in _CLAUSE.split(a.title) if (words := _words(clause, language))]
            for a in members
        ]
        names = _name_stems(clauses, language)
        events = phrases.event_stems(language)
        chosen: list[str] = []
        seen: set[str] = set()
        for scored in shortlist(members, language=language, max_words=3, min_words=1):
            words = [_word(w, language) for w in scored.text.split()]
            stems = {part for w in words if w.stem for part in (w.stem, *w.stem.split("-"))}
            # A place is one concept whatever names it: "Iran" and "Tehran", «إيران» and «طهران».
            stems |= {f"place:{code}" for code in phrases.concepts(scored.text, language)}
            if not stems or stems & seen or words[0].surface[:1].isdigit() or words[-1].surface[:1].isdigit():
                continue  # a concept already shown, or a count ("12,000 homes") rather than a thing
            if language == "ar" and phrases.ends_on_adverbial(words[-1].surface):
                continue  # «اتفاقا»: the accusative of a clause («أعلن اتفاقا»), not a thing
            if language == "ar" and any(w.stem is None for w in words[1:-1]):
                continue  # «جدة بين الجيش», «الرسائل مع واشنطن»: a chip is a thing, not a clause's part
            if len(words) == 1 and not (
                words[0].stem in names
                or words[0].stem in events
                or phrases.is_place([_bare(words[0].surface, language)], language)
            ):
                continue
            if any(_one_word_inside(w.surface, chip) for w in words if w.stem for chip in chosen):
                continue  # "Strong earthquake" beside "quake": one concept
            chosen.append(_chip_form(scored.text, words, names, language))
            seen |= stems
            if len(chosen) == limit:
                break
        if chosen:
            chips[language] = chosen
    return chips
