"""The incremental story-clustering engine: pure Python, plain data in and out.

Usage::

    engine = Engine()  # or Engine(EngineConfig(...), story_ids=..., event_ids=...)
    a = engine.assign(ArticleDoc(id=1, title="...", text="...", language="ar", published_at=dt))
    a.story_id, a.event_id, a.new_story, a.story_score
    view = engine.story(a.story_id)                 # StoryView: title, titles, keyphrases, languages...

How an article is placed:

1. The representation learns from it (document frequencies) and turns it into a sparse,
   L2-normalised vector.
2. Candidate stories come from two indexes: an inverted index over each *active* story's
   strongest centroid terms (stories in the article's own language; its strongest terms find
   candidates, its commoner ones only re-rank them, so the lookup stays nearly flat from
   1,000 to 100,000 stories), and the sentence-vector index (``dense.py``: the nearest means
   among the most recently touched stories, in any language).
3. For each candidate the engine computes the linker's features (``linker.FEATURES``:
   sentence-vector closeness raw, centred on the stream's language means and projected
   (``projection.py``), same-language word closeness, shared numbers and places, time gap,
   language share, …) and the learned logistic model (``linker.py``) turns them into a
   probability. The best candidate at or above the linker's threshold for the article's
   regime (``threshold`` with a body, ``headline_threshold`` for a bare headline) joins,
   otherwise a new story starts. Inside the story, the article joins the closest recent event (within
   ``event_window``, at or above ``event_threshold`` in words or ``event_dense_threshold`` in
   sentence vectors) or starts one.

Stories with no article for ``dormant_after`` of *stream time* (the newest ``published_at``
seen, so replaying last year's archive behaves as it did live) go dormant: they leave the
active indexes and come back only on a strong match of content (the linker's
``revive_threshold``, time features left out), so a months-long protest movement stays one
story while old stories stop attracting look-alikes.

Editor decisions are constraints the engine never breaks: ``pin`` (the article stays in that
story), ``exclude`` (it never returns there), ``lock`` (no automatic merges into or out of the
story), ``merge`` and ``split``. They live in ``engine.constraints`` (plain data) so a
re-clustering run can start from ``Engine(constraints=old.constraints)``.

Identity: ``story_ids`` and ``event_ids`` are zero-argument callables returning new ids, so
the database layer can allocate rows; the default is a counter. ``load(doc, story_id,
event_id)`` replays a known assignment without deciding anything, to rebuild the state
after a restart; loading the assignments of a run reproduces that run's state.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .chargrams import GramCentroid, GramStats, GramVector, title_grams
from .dense import DenseIndex, unit
from .linker import FEATURES, Linker, shipped
from .places import place_codes
from .projection import LanguageMeans, Projection
from .projection import shipped as shipped_projection
from .representation import ArticleDoc, Representation, SparseVector, TfidfRepresentation

__all__ = ["Assignment", "EditorConstraints", "Engine", "EngineConfig", "Merge", "StoryView"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    # Joining a story is the linker's decision (``linker.py``: learned weights and thresholds).
    event_threshold: float = 0.45  # same-language word cosine that joins an event inside the story...
    event_dense_threshold: float = 0.8  # ...or sentence-vector cosine (a rewrite in another language)
    event_window: timedelta = timedelta(days=2)  # an event's articles are this close in time
    dormant_after: timedelta = timedelta(days=30)  # stream-time quiet period before a story sleeps
    dense_candidates: int = 8  # stories found by sentence-vector search, beside the word index...
    dense_recent: int = 8192  # ...among this many most recently touched stories (dense.py says why)
    near_members: int = 8  # recent members compared one by one ("dense_near")
    centroid_terms: int = 150  # strongest terms kept per story centroid (memory and speed bound)
    index_terms: int = 16  # strongest centroid terms a story is findable by
    query_terms: int = 32  # strongest article terms used to look candidates up
    candidates: int = 12  # word-index candidates rescored (12 and 24: the same B³ on every stream)
    max_posting: int = 5000  # a term indexing more stories than this is too common to look up
    linked_events: int = 5  # recent events compared for event-level linking
    title_chars: int = 110  # story titles are cut at a word boundary to fit


@dataclass(frozen=True, slots=True)
class Assignment:
    article_id: object
    story_id: Hashable
    event_id: Hashable
    story_score: float  # the linker's probability for the story joined, 0.0 for a new story
    event_score: float  # cosine with the event joined, 0.0 for a new event
    new_story: bool
    new_event: bool
    revived: bool = False  # the story was dormant until this article
    decided_by: str = "engine"  # "engine", "pin", "load", "exclude" (re-placed) or "known" (seen before)


@dataclass(frozen=True, slots=True)
class Merge:
    source_id: Hashable  # merged away
    target_id: Hashable  # survives
    similarity: float


@dataclass(frozen=True, slots=True)
class StoryView:
    id: Hashable
    title: str
    titles: dict[str, str]  # per language
    keyphrases: list[str]
    language: str | None  # main language
    language_counts: dict[str, int]
    article_count: int
    source_count: int
    status: str  # "active" or "dormant"
    locked: bool
    first_at: datetime | None
    last_at: datetime | None
    event_ids: list[Hashable]


@dataclass
class EditorConstraints:
    """Editor decisions, plain data: carried into a re-clustering run unchanged."""

    pins: dict[object, Hashable] = field(default_factory=dict)  # article id -> story id
    excludes: dict[object, set[Hashable]] = field(default_factory=dict)  # article id -> story ids
    locked: set[Hashable] = field(default_factory=set)
    aliases: dict[Hashable, Hashable] = field(default_factory=dict)  # merged story id -> survivor

    def resolve(self, story_id: Hashable) -> Hashable:
        seen = set()
        while story_id in self.aliases and story_id not in seen:
            seen.add(story_id)
            story_id = self.aliases[story_id]
        return story_id


class _Counter:
    """Default id factory: 1, 2, 3… skipping ids that load() has already used."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self) -> int:
        self.last += 1
        return self.last

    def observe(self, value: Hashable) -> None:
        if isinstance(value, int) and value > self.last:
            self.last = value


class _Packed:
    """A stored article vector: terms strongest first and 32-bit weights.

    About a fifth of the memory of a dict of Python floats; at 100,000 stories that is the
    difference between fitting in 1 GB and not. Queries stay dicts (fast lookups).
    """

    __slots__ = ("terms", "weights")

    def __init__(self, vector: SparseVector) -> None:
        ordered = sorted(vector.items(), key=lambda item: item[1], reverse=True)
        self.terms = tuple(t for t, _ in ordered)
        self.weights = array("f", (w for _, w in ordered))

    def items(self) -> Iterator[tuple[str, float]]:
        return zip(self.terms, self.weights, strict=True)

    def as_dict(self) -> SparseVector:
        return dict(self.items())

    def __len__(self) -> int:
        return len(self.terms)


class _Centroid:
    """A running sum of unit vectors, truncated to its strongest terms.

    A one-member centroid shares the member's packed vector (no copy) and becomes a dict on
    the second add. Most stories have one article, so this keeps 100,000 stories small.
    """

    __slots__ = ("count", "norm", "owned", "weights")

    def __init__(self, vector: _Packed) -> None:
        self.weights: dict[str, float] | _Packed = vector
        self.owned = False
        self.count = 1
        self.norm = math.sqrt(sum(w * w for w in vector.weights)) if len(vector) else 0.0

    def _own(self) -> dict[str, float]:
        if not self.owned:
            self.weights = dict(self.weights.items())
            self.owned = True
        return self.weights  # type: ignore[return-value]

    def add(self, vector: SparseVector | _Packed, limit: int) -> None:
        self._own()
        weights = self.weights
        for term, w in vector.items():
            weights[term] = weights.get(term, 0.0) + w
        self.count += 1
        self._trim(limit)

    def remove(self, vector: SparseVector | _Packed, limit: int) -> None:
        self._own()
        weights = self.weights
        for term, w in vector.items():
            if term in weights:
                left = weights[term] - w
                if left > 1e-9:
                    weights[term] = left
                else:
                    del weights[term]
        self.count -= 1
        self._trim(limit)

    def _trim(self, limit: int) -> None:
        weights = self.weights
        if len(weights) > limit * 1.3:  # trim in batches: sorting on every add would dominate
            kept = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:limit]
            self.weights = weights = dict(kept)
        self.norm = math.sqrt(sum(w * w for w in weights.values()))

    def cosine(self, vector: SparseVector | _Packed) -> float:
        if not self.norm:
            return 0.0
        weights = self.weights
        if isinstance(vector, _Packed):
            if isinstance(weights, _Packed):
                weights = weights.as_dict()
            return sum(w * weights.get(t, 0.0) for t, w in vector.items()) / self.norm
        if isinstance(weights, _Packed) or len(vector) > len(weights):
            return sum(w * vector.get(t, 0.0) for t, w in weights.items()) / self.norm
        return sum(w * weights.get(t, 0.0) for t, w in vector.items()) / self.norm

    def top_terms(self, n: int) -> list[str]:
        if isinstance(self.weights, _Packed):
            return list(self.weights.terms[:n])
        return [t for t, _ in sorted(self.weights.items(), key=lambda item: item[1], reverse=True)[:n]]


class _Member:
    __slots__ = (
        "bare",
        "dense",
        "event_id",
        "grams",
        "id",
        "language",
        "numbers",
        "places",
        "published_at",
        "source",
        "title",
        "vector",
    )

    def __init__(
        self,
        doc: ArticleDoc,
        vector: _Packed,
        event_id: Hashable,
        dense: np.ndarray | None,
        numbers: frozenset,
    ) -> None:
        self.id = doc.id
        self.title = doc.title
        self.language = doc.language
        self.published_at = doc.published_at
        self.source = doc.source
        self.vector = vector
        self.event_id = event_id
        self.dense = dense  # float16 unit vector, or None
        self.numbers = numbers
        self.places: frozenset[str] = frozenset()
        self.grams: GramVector | None = None  # its title's character n-grams, as added to the story
        self.bare = not doc.text  # a headline without a body (story consolidation weighs the regime)

    def doc(self) -> ArticleDoc:
        """Enough of the article to place it again (its vectors are kept, its text is not)."""
        return ArticleDoc(
            self.id,
            self.title,
            "",
            self.language,
            self.published_at,
            self.source,
            None if self.dense is None else self.dense.astype(np.float32),
        )


class _DenseSum:
    """A running sum of sentence vectors (None until a member has one).

    While it holds one vector it keeps that member's float16 array itself, not a float32
    copy: most stories and events have one article, and at 100,000 stories the copies would
    cost 400 MB.
    """

    __slots__ = ("_unit", "count", "total")

    def __init__(self) -> None:
        self.total: np.ndarray | None = None
        self.count = 0
        self._unit: np.ndarray | None = None

    def add(self, dense: np.ndarray | None) -> None:
        if dense is None:
            return
        self._unit = None
        if self.total is None:
            self.total = dense
        elif self.count == 1:
            self.total = self.total.astype(np.float32) + dense
        else:
            self.total += dense
        self.count += 1

    def remove(self, dense: np.ndarray | None) -> None:
        if dense is None or self.total is None:
            return
        self._unit = None
        self.count -= 1
        if self.count <= 0:
            self.total, self.count = None, 0
        else:
            self.total = self.total - dense  # a new array: the one-vector case may share it

    def unit(self) -> np.ndarray | None:
        if self.total is None:
            return None
        if self.count == 1:
            # The member's own vector is already unit length: no copy is kept (most stories
            # and events have one article; a float32 copy each would cost 2 KB).
            return self.total.astype(np.float32)
        # Read for every candidate comparison, changed only when a member comes or goes.
        if self._unit is None:
            self._unit = unit(self.total.astype(np.float32, copy=False))
        return self._unit


class _Event:
    __slots__ = ("centroid", "dense", "first_at", "id", "last_at", "members")

    def __init__(self, event_id: Hashable, vector: _Packed, when: datetime | None) -> None:
        self.id = event_id
        self.centroid = _Centroid(vector)
        self.dense = _DenseSum()
        self.members = 1
        self.first_at = when
        self.last_at = when


class _Story:
    __slots__ = (
        "born",
        "centroid",
        "dense",
        "dormant",
        "events",
        "first_at",
        "grams",
        "id",
        "indexed",
        "languages",
        "last_at",
        "members",
        "numbers",
        "places",
        "recent_dense",
    )

    def __init__(self, story_id: Hashable, vector: _Packed, born: int) -> None:
        self.id = story_id
        self.born = born  # creation order: ties in merges keep the older story
        self.centroid = _Centroid(vector)
        self.dense = _DenseSum()
        self.languages: Counter[str | None] = Counter()
        self.numbers: Counter[str] | None = None  # made when a member brings a number
        self.places: Counter[str] | None = None  # ...or names a place
        self.grams = GramCentroid()  # its headlines' character n-grams (chargrams.py)
        # The recent members' sentence vectors as one matrix, built when first needed after a
        # change of members (candidate scoring reads it far more often than members change).
        self.recent_dense: _Recent | None = None
        self.members: dict[object, _Member] = {}
        self.events: dict[Hashable, _Event] = {}
        self.first_at: datetime | None = None
        self.last_at: datetime | None = None
        self.dormant = False
        self.indexed: tuple[str, ...] = ()

    def touch(self, when: datetime | None) -> None:
        if when is None:
            return
        if self.first_at is None or when < self.first_at:
            self.first_at = when
        if self.last_at is None or when > self.last_at:
            self.last_at = when


class Engine:
    """Incremental story and event clustering over a stream of ``ArticleDoc``."""

    def __init__(
        self,
        config: EngineConfig | None = None,
        representation: Representation | None = None,
        story_ids: Callable[[], Hashable] | None = None,
        event_ids: Callable[[], Hashable] | None = None,
        constraints: EditorConstraints | None = None,
        linker: Linker | None = None,
        stream_scale: bool | None = None,
        projection: Projection | None = None,
        chars_on_text: bool | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.linker = linker or shipped()
        self.projection = projection if projection is not None else shipped_projection()
        # Per-language mean sentence vectors of this stream, raw and projected (projection.py).
        self._language_means = LanguageMeans()
        self._projected_means = LanguageMeans()
        # The stream-scale features cost a comparison with the latest arrivals per article;
        # an engine whose linker gives them no weight skips it (training always keeps it).
        if stream_scale is None:
            stream_scale = any(self.linker.weights[FEATURES.index(name)] for name in ("dense_z", "lex_z"))
        self.stream_scale = stream_scale
        # The n-gram cosine of an article with a body is a comparison per candidate; a linker
        # that weighs it on bare headlines only skips it for reports (training always keeps it).
        if chars_on_text is None:
            chars_on_text = bool(self.linker.weights[FEATURES.index("chars")])
        self.chars_on_text = chars_on_text
        self.representation: Representation = representation or TfidfRepresentation()
        self._story_ids = story_ids or _Counter()
        self._event_ids = event_ids or _Counter()
        self.constraints = constraints or EditorConstraints()
        self._stories: dict[Hashable, _Story] = {}
        self._article_story: dict[object, Hashable] = {}
        self._active_index: dict[str, set[Hashable]] = {}
        self._dormant_index: dict[str, set[Hashable]] = {}
        self._places_cache: tuple[ArticleDoc, frozenset[str]] | None = None
        self._gram_stats = GramStats()
        self._grams_cache: tuple[ArticleDoc, GramVector] | None = None
        self._dense_scale = _StreamScale(mean=0.45, spread=0.15)
        self._lex_scale = _StreamScale(mean=0.15, spread=0.1)
        self._recent_vectors: deque[np.ndarray] = deque(maxlen=STREAM_NEIGHBOURS)
        self._recent_words: deque[SparseVector] = deque(maxlen=STREAM_NEIGHBOURS // 4)
        self._active_dense = DenseIndex(capacity=self.config.dense_recent)
        self._dormant_dense = DenseIndex(capacity=self.config.dense_recent)
        self._quiet_heap: list[tuple[datetime, int, Hashable]] = []
        self._tiebreak = itertools.count()
        self.stream_time: datetime | None = None

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._stories)

    def story_ids(self, *, active_only: bool = False) -> Iterator[Hashable]:
        for sid, story in self._stories.items():
            if not (active_only and story.dormant):
                yield sid

    @property
    def active_count(self) -> int:
        return sum(1 for s in self._stories.values() if not s.dormant)

    def story_of(self, article_id: object) -> Hashable | None:
        return self._article_story.get(article_id)

    def event_of(self, article_id: object) -> Hashable | None:
        sid = self._article_story.get(article_id)
        return self._stories[sid].members[article_id].event_id if sid is not None else None

    def members(self, story_id: Hashable) -> list[object]:
        return list(self._stories[self.constraints.resolve(story_id)].members)

    def story(self, story_id: Hashable) -> StoryView:
        """Title, per-language titles, keyphrases and counts of one story."""
        story = self._stories[self.constraints.resolve(story_id)]
        members = list(story.members.values())
        languages = Counter(m.language or "und" for m in members)
        main = languages.most_common(1)[0][0] if languages else None
        titles: dict[str, str] = {}
        mean = story.dense.unit()

        def closeness(member: _Member) -> float:
            # The headline nearest the story's mean meaning; words where there are no vectors.
            if mean is not None and member.dense is not None:
                return float(member.dense.astype(np.float32) @ mean)
            return story.centroid.cosine(member.vector)

        for lang in languages:
            best = max(
                (m for m in members if (m.language or "und") == lang and m.title),
                key=closeness,
                default=None,
            )
            if best is not None:
                titles[lang] = shorten(best.title, self.config.title_chars)
        return StoryView(
            id=story.id,
            title=titles.get(main, "") if main else "",
            titles=titles,
            keyphrases=self.keyphrases(story.id),
            language=None if main == "und" else main,
            language_counts=dict(languages),
            article_count=len(members),
            source_count=len({m.source for m in members if m.source}),
            status="dormant" if story.dormant else "active",
            locked=story.id in self.constraints.locked,
            first_at=story.first_at,
            last_at=story.last_at,
            event_ids=list(story.events),
        )

    def keyphrases(self, story_id: Hashable, n: int = 8) -> list[str]:
        """The story's strongest terms in readable form; names before the words they contain."""
        story = self._stories[self.constraints.resolve(story_id)]
        phrases: list[str] = []
        covered: set[str] = set()
        for term in story.centroid.top_terms(n * 3):
            surface = self.representation.surface(term)
            words = set(surface.casefold().split())
            if words <= covered:
                continue
            covered |= words
            phrases.append(surface)
            if len(phrases) == n:
                break
        return phrases

    def similarity(self, doc_a: ArticleDoc, doc_b: ArticleDoc) -> float:
        """How likely ``doc_b`` belongs to the story of ``doc_a`` alone: the linker's probability
        (no state change). Works across languages."""
        return self.linker.probability(self.pair_features(doc_a, doc_b))

    def pair_features(self, doc_a: ArticleDoc, doc_b: ArticleDoc) -> list[float]:
        """The linker's features of ``doc_b`` against a one-article story made of ``doc_a``."""
        a = self.representation.vectorize(doc_a)
        story = _Story("pair", _Packed(a), -1)
        numbers = self.representation.numbers(doc_a)
        member = _Member(doc_a, _Packed(a), None, _half(doc_a.vector), numbers)
        member.places = self._doc_places(doc_a)
        member.grams = self._doc_grams(doc_a)
        story.grams.add(member.grams)
        _count_places(story, member.places)
        story.members[doc_a.id] = member
        story.dense.add(_half(doc_a.vector))
        story.languages[doc_a.language] += 1
        _count_numbers(story, numbers)
        story.touch(doc_a.published_at)
        b = self.representation.vectorize(doc_b)
        dense = _unit_or_none(doc_b.vector)
        (closeness,) = self._closeness([story], doc_b, dense)
        row = self._features(story, doc_b, b, closeness, self.representation.numbers(doc_b))
        return self._with_margins([row])[0]

    def teach(self, doc: ArticleDoc, story_id: Hashable) -> list[tuple[Hashable, list[float], bool]]:
        """Learn ``doc``, return the candidates the engine would weigh for it, then put it in
        ``story_id`` as an editor's pin would (how training replays a gold history)."""
        self.representation.update(doc)
        self._learn_grams(doc)
        self._advance_clock(doc.published_at)
        found = self.candidates(doc)
        self.constraints.pins[doc.id] = story_id
        vector = self.representation.vectorize(doc)
        self._place(doc, vector, numbers=self.representation.numbers(doc))
        self._observe_stream(doc, vector)
        return found

    def observe(self, doc: ArticleDoc) -> None:
        """Learn term statistics and language means from ``doc`` without clustering it (e.g. a
        background corpus)."""
        self.representation.update(doc)
        self._learn_grams(doc)
        self._learn_language(_unit_or_none(doc.vector), doc.language)

    # -- clustering --------------------------------------------------------------------------

    def assign(self, doc: ArticleDoc) -> Assignment:
        """Place one arriving article. An article already placed keeps its place."""
        known = self._article_story.get(doc.id)
        if known is not None:
            member = self._stories[known].members[doc.id]
            return Assignment(doc.id, known, member.event_id, 0.0, 0.0, False, False, decided_by="known")
        self.representation.update(doc)
        self._learn_grams(doc)
        vector = self.representation.vectorize(doc)
        self._advance_clock(doc.published_at)
        assignment = self._place(doc, vector, numbers=self.representation.numbers(doc))
        self._observe_stream(doc, vector)
        return assignment

    def candidates(self, doc: ArticleDoc) -> list[tuple[Hashable, list[float], bool]]:
        """(story id, linker features, dormant) of each story ``doc`` would be compared with.

        Reads the state without changing it, except that ``doc`` must already have been
        learned (``observe``): training uses this to see the decisions the engine faces.
        """
        vector = self.representation.vectorize(doc)
        scored = self._scored_candidates(doc, vector, self.representation.numbers(doc))
        return [(story.id, row, dormant) for story, row, dormant in scored]

    def _scored_candidates(
        self, doc: ArticleDoc, vector: SparseVector, numbers: frozenset[str]
    ) -> list[tuple[_Story, list[float], bool]]:
        """Every candidate story ``doc`` is not excluded from, with its linker features."""
        dense = _unit_or_none(doc.vector)
        excluded = self.constraints.excludes.get(doc.id, ())
        found = [
            (story, dormant)
            for story, dormant in self._candidate_stories(doc, vector, dense)
            if story.id not in excluded
        ]
        closeness = self._closeness([story for story, _ in found], doc, dense)
        rows = self._with_margins(
            [
                self._features(story, doc, vector, close, numbers)
                for (story, _), close in zip(found, closeness, strict=True)
            ]
        )
        return [(story, row, dormant) for (story, dormant), row in zip(found, rows, strict=True)]

    def load(self, doc: ArticleDoc, story_id: Hashable, event_id: Hashable) -> Assignment:
        """Replay a known assignment (from the database) without deciding anything."""
        self.representation.update(doc)
        self._learn_grams(doc)
        vector = self.representation.vectorize(doc)
        numbers = self.representation.numbers(doc)
        self._advance_clock(doc.published_at)
        for factory, value in ((self._story_ids, story_id), (self._event_ids, event_id)):
            if isinstance(factory, _Counter):
                factory.observe(value)
        story_id = self.constraints.resolve(story_id)
        story = self._stories.get(story_id)
        new_story = story is None
        packed = _Packed(vector)
        if story is None:
            story = self._new_story(story_id, packed)
        revived = story.dormant
        new_event = event_id not in story.events
        self._add(story, doc, packed, event_id=event_id, fresh=new_story, numbers=numbers)
        if revived:
            self._wake(story)
        self._observe_stream(doc, vector)
        return Assignment(doc.id, story_id, event_id, 0.0, 0.0, new_story, new_event, revived, "load")

    def _place(
        self,
        doc: ArticleDoc,
        vector: SparseVector | _Packed,
        decided_by: str = "engine",
        *,
        numbers: frozenset[str] = frozenset(),
    ) -> Assignment:
        if isinstance(vector, _Packed):
            packed, vector = vector, vector.as_dict()
        else:
            packed = _Packed(vector)
        pinned = self.constraints.pins.get(doc.id)
        if pinned is not None:
            pinned = self.constraints.resolve(pinned)
            story = self._stories.get(pinned)
            if story is None:
                story = self._new_story(pinned, packed)
                event_id, event_score, new_event = self._add(story, doc, packed, fresh=True, numbers=numbers)
                return Assignment(doc.id, pinned, event_id, 0.0, event_score, True, new_event, False, "pin")
            revived = story.dormant
            event_id, event_score, new_event = self._add(story, doc, packed, query=vector, numbers=numbers)
            if revived:
                self._wake(story)
            return Assignment(doc.id, pinned, event_id, 1.0, event_score, False, new_event, revived, "pin")

        best, score, revived = self._best_story(doc, vector, numbers)
        if best is None:
            story = self._new_story(self._story_ids(), packed)
            event_id, event_score, new_event = self._add(story, doc, packed, fresh=True, numbers=numbers)
            return Assignment(
                doc.id, story.id, event_id, 0.0, event_score, True, new_event, False, decided_by
            )
        event_id, event_score, new_event = self._add(best, doc, packed, query=vector, numbers=numbers)
        if revived:
            self._wake(best)
        return Assignment(
            doc.id, best.id, event_id, score, event_score, False, new_event, revived, decided_by
        )

    def _best_story(
        self, doc: ArticleDoc, vector: SparseVector, numbers: frozenset[str]
    ) -> tuple[_Story | None, float, bool]:
        """The candidate the linker rates highest, if it clears the threshold.

        Returns (story or None, its probability, whether it was dormant).
        """
        linker = self.linker
        best: _Story | None = None
        best_p = 0.0
        best_dormant = False
        threshold = linker.threshold_for(not doc.text)
        for story, row, dormant in self._scored_candidates(doc, vector, numbers):
            if dormant:
                # A dormant story wakes only on a strong match of content, whatever the time
                # since it slept (its quiet weeks would otherwise always outweigh it): the
                # time features are left out and the bar is higher.
                row = row.copy()
                row[_GAP], row[_DATED] = 0.0, 0.0
            p = linker.probability(row)
            if p < (linker.revive_threshold if dormant else threshold):
                continue
            if p > best_p:
                best, best_p, best_dormant = story, p, dormant
        return best, best_p, best_dormant

    def _candidate_stories(
        self, doc: ArticleDoc, vector: SparseVector, dense: np.ndarray | None
    ) -> Iterator[tuple[_Story, bool]]:
        """Active then dormant stories found by the word index or the sentence-vector index."""
        cfg = self.config
        query = sorted(vector.items(), key=lambda item: item[1], reverse=True)[: cfg.query_terms]
        stories = self._stories
        for index, dense_index, dormant in (
            (self._active_index, self._active_dense, False),
            (self._dormant_index, self._dormant_dense, True),
        ):
            overlap: dict[Hashable, float] = {}
            for term, weight in query:
                posting = index.get(term)
                if posting is None or len(posting) > cfg.max_posting:
                    continue
                if len(overlap) >= cfg.candidates and len(posting) > cfg.candidates:
                    # Terms come strongest first: once they have found enough candidates, a
                    # common term only re-ranks those (walking its long posting list would
                    # cost more than the weak candidates it adds are worth).
                    for sid in overlap.keys() & posting:
                        overlap[sid] += weight
                    continue
                for sid in posting:
                    overlap[sid] = overlap.get(sid, 0.0) + weight
            if len(overlap) > cfg.candidates:
                shortlist = heapq.nlargest(cfg.candidates, overlap, key=overlap.__getitem__)
            else:
                shortlist = list(overlap)
            if dense is not None:
                seen = set(shortlist)
                for sid, _ in dense_index.search(dense, cfg.dense_candidates):
                    if sid not in seen:
                        shortlist.append(sid)
            for sid in shortlist:
                story = stories.get(sid)
                if story is not None:
                    yield story, dormant

    def _features(
        self,
        story: _Story,
        doc: ArticleDoc,
        vector: SparseVector,
        closeness: tuple[float, ...] | None,
        numbers: frozenset[str],
    ) -> list[float]:
        """The linker's evidence that ``doc`` belongs to ``story`` (names in ``linker.FEATURES``).

        ``closeness`` is the story's entry of ``_closeness`` (None: no sentence vectors to compare).
        """
        size = len(story.members)
        if closeness is not None:
            dense_score, near, centred, centred_near, projected, projected_near = closeness
            no_vector = 0.0
        else:
            dense_score = near = centred = centred_near = projected = projected_near = 0.0
            no_vector = 1.0
        same = story.languages.get(doc.language, 0) / size if size else 0.0
        # Words are evidence within a language: a story with no article in this one shares at
        # most a number or a name with it, which "numbers" and the sentence vectors weigh.
        lex = self._link_score(story, vector) if same else 0.0
        shared = sum(1 for n in numbers if n in story.numbers) if numbers and story.numbers else 0
        places = self._doc_places(doc)
        common = sum(1 for p in places if p in story.places) if places and story.places else 0
        gap = self._gap_days(story, doc.published_at)
        headline = 0.0 if doc.text else 1.0
        chars = story.grams.cosine(self._doc_grams(doc)) if headline or self.chars_on_text else 0.0
        spread = _spread(story)
        return [
            dense_score,
            near,
            dense_score * (1.0 - same),
            lex,
            lex * lex,
            same,
            min(shared, 3) / 3.0,
            math.log1p(size),
            math.log1p(gap) if gap is not None else 0.0,
            0.0 if gap is None else 1.0,
            headline,
            no_vector,
            headline * dense_score,
            headline * lex,
            min(common, 3) / 3.0,
            centred,
            centred_near,
            projected,
            projected_near,
            headline * centred,
            headline * projected,
            projected * (1.0 - same),
            chars,
            headline * chars,
            spread,
            headline * spread,
        ]  # the features relative to other candidates follow (``_with_margins``)

    def _closeness(
        self, stories: list[_Story], doc: ArticleDoc, dense: np.ndarray | None
    ) -> list[tuple[float, ...] | None]:
        """Per story, how close ``doc`` is in meaning: cosines of its sentence vector with the
        story's mean and with its nearest recent member, raw, centred on each language's mean,
        and centred then projected (``projection.py``); None where either side has no vector.

        Centring is linear, so a story's centred mean is its raw mean less its languages' means
        weighted by their shares, and the projection of that is the projected raw mean less
        the languages' projected means: nothing per member is stored beyond the raw vectors
        (and, with the recent members' matrix, its projection). Every candidate is scored in
        the same few matrix products.
        """
        out: list[tuple[float, ...] | None] = [None] * len(stories)
        if dense is None:
            return out
        matrix = self.projection.matrix
        offsets = _Offsets(self._language_means, self._projected_means, dense.shape[0], matrix.shape[1])
        own, own_projected = offsets.of(doc.language)
        centred_doc = _unit_or_zero(dense - own)
        projected_doc = _unit_or_zero(dense @ matrix - own_projected)
        positions: list[int] = []
        means: list[np.ndarray] = []
        weights: list[dict[str | None, float]] = []
        recent_rows: list[_Recent] = []
        recent_of: list[int] = []  # per recent matrix, its story's index in ``positions``
        for position, story in enumerate(stories):
            total = story.dense.total
            if total is None:
                continue
            index = len(positions)
            positions.append(position)
            means.append(total.astype(np.float32) / story.dense.count)
            weights.append(_shares(story.languages))
            if story.dense.count > 1:
                recent = story.recent_dense
                if recent is None:
                    recent = story.recent_dense = _Recent(story, self.config.near_members, matrix)
                recent_rows.append(recent)
                recent_of.append(index)
        if not positions:
            return out
        mean_matrix = np.vstack(means)
        shift, projected_shift = offsets.weighted(weights)
        raw = _row_cosines(mean_matrix, dense)
        centred = _row_cosines(mean_matrix - shift, centred_doc)
        projected = _row_cosines(mean_matrix @ matrix - projected_shift, projected_doc)
        near, centred_near, projected_near = raw.copy(), centred.copy(), projected.copy()
        if recent_rows:
            vectors = np.vstack([r.vectors for r in recent_rows])
            member_shift, member_projected_shift = offsets.each(
                [lang for r in recent_rows for lang in r.languages]
            )
            owner = np.repeat(recent_of, [len(r.languages) for r in recent_rows])
            for best, scores in (
                (near, vectors @ dense),
                (centred_near, _row_cosines(vectors - member_shift, centred_doc)),
                (
                    projected_near,
                    _row_cosines(
                        np.vstack([r.projected for r in recent_rows]) - member_projected_shift, projected_doc
                    ),
                ),
            ):
                np.maximum.at(best, owner, scores)
        for i, position in enumerate(positions):
            out[position] = (
                float(raw[i]),
                float(near[i]),
                float(centred[i]),
                float(centred_near[i]),
                float(projected[i]),
                float(projected_near[i]),
            )
        return out

    def _with_margins(self, rows: list[list[float]]) -> list[list[float]]:
        """Append the features that compare a candidate with others (``linker.RELATIVE``): its
        lead over the best other candidate, and how unusual its closeness is for this stream.

        The second is a z-score against how close articles of this stream usually are to the
        articles that arrived just before them (``_StreamScale``, fed by ``_observe_stream`` on
        every arrival, placed or replayed): one line of headline about the Olympics sits closer
        to every other Olympics headline than a full report sits to an unrelated report, so an
        absolute cosine means different things in different streams.
        """
        for column in (_NEAR, _LEX):
            values = [row[column] for row in rows]
            if not values:
                break
            top = max(values)
            second = sorted(values)[-2] if len(values) > 1 else 0.0
            for row, value in zip(rows, values, strict=True):
                row.append(value - (second if value == top else top))
        for column, scale in ((_NEAR, self._dense_scale), (_LEX, self._lex_scale)):
            for row in rows:
                row.append(scale.z(row[column]))
        return rows

    def _observe_stream(self, doc: ArticleDoc, vector: SparseVector) -> None:
        """Feed the stream scales with this article's closeness to the ones before it.

        Neighbours in arrival order are mostly other stories, so these figures describe what
        "unrelated" looks like in this stream. Placing and replaying (``load``) both call this,
        so an engine rebuilt from the database scores exactly as the live one did.
        """
        dense = _unit_or_none(doc.vector)
        self._learn_language(dense, doc.language)
        if not self.stream_scale:
            return
        if dense is not None:
            if self._recent_vectors:
                previous = np.vstack(self._recent_vectors)
                self._dense_scale.add(float((previous @ dense).max()))
            self._recent_vectors.append(dense)
        if vector:
            best = 0.0
            for other in self._recent_words:
                if len(other) < len(vector):
                    best = max(best, sum(w * vector.get(t, 0.0) for t, w in other.items()))
                else:
                    best = max(best, sum(w * other.get(t, 0.0) for t, w in vector.items()))
            if self._recent_words:
                self._lex_scale.add(best)
            self._recent_words.append(vector)

    def _learn_language(self, dense: np.ndarray | None, language: str | None) -> None:
        if dense is not None:
            self._language_means.add(dense, language)
            self._projected_means.add(dense @ self.projection.matrix, language)

    def _doc_places(self, doc: ArticleDoc) -> frozenset[str]:
        # Every candidate of an arriving article asks; look its places up once.
        cached = self._places_cache
        if cached is not None and cached[0] is doc:
            return cached[1]
        places = place_codes(doc.title, doc.text, doc.language)
        self._places_cache = (doc, places)
        return places

    def _learn_grams(self, doc: ArticleDoc) -> None:
        """Count the title's n-grams in the stream's frequencies, then keep its vector for the
        candidates about to be scored (weighed with the frequencies that include it, as the
        word index weighs terms)."""
        counts = title_grams(doc.title, doc.language)
        self._gram_stats.update(counts)
        self._grams_cache = (doc, self._gram_stats.vector(counts))

    def _doc_grams(self, doc: ArticleDoc) -> GramVector:
        cached = self._grams_cache
        if cached is not None and cached[0] is doc:
            return cached[1]
        grams = self._gram_stats.vector(title_grams(doc.title, doc.language))
        self._grams_cache = (doc, grams)
        return grams

    def _link_score(self, story: _Story, vector: SparseVector) -> float:
        score = story.centroid.cosine(vector)
        if len(story.events) > 1:
            recent = itertools.islice(reversed(story.events.values()), self.config.linked_events)
            for event in recent:
                score = max(score, event.centroid.cosine(vector))
        return score

    @staticmethod
    def _gap_days(story: _Story, when: datetime | None) -> float | None:
        if when is None or story.last_at is None:
            return None
        if when > story.last_at:
            return (when - story.last_at).total_seconds() / 86400.0
        if story.first_at is not None and when < story.first_at:
            return (story.first_at - when).total_seconds() / 86400.0
        return 0.0

    def _new_story(self, story_id: Hashable, vector: _Packed) -> _Story:
        story = _Story(story_id, vector, next(self._tiebreak))
        self._stories[story_id] = story
        return story

    def _add(
        self,
        story: _Story,
        doc: ArticleDoc,
        vector: _Packed,
        *,
        query: SparseVector | None = None,
        event_id: Hashable | None = None,
        fresh: bool = False,
        numbers: frozenset[str] = frozenset(),
        dense: np.ndarray | None = None,
        places: frozenset[str] | None = None,
        grams: GramVector | None = None,
    ) -> tuple[Hashable, float, bool]:
        """Put ``doc`` in ``story`` (and an event); returns (event id, event score, new event).

        ``query`` is the same vector as a dict, when the caller has it (faster to compare).
        ``dense`` is the stored float16 sentence vector when the article is moving between
        stories (it is read from ``doc.vector`` otherwise).
        """
        cfg = self.config
        when = doc.published_at
        if dense is None:
            dense = _half(doc.vector)
        if not fresh:
            story.centroid.add(vector, cfg.centroid_terms)
        event_score = 0.0
        event: _Event | None = None
        if event_id is None:
            event, event_score = self._best_event(
                story, query if query is not None else vector, when, _unit_or_none(dense)
            )
        else:
            event = story.events.get(event_id)
        new_event = event is None
        if event is None:
            event = _Event(event_id if event_id is not None else self._event_ids(), vector, when)
            story.events[event.id] = event
        else:
            event.centroid.add(vector, cfg.centroid_terms)
            event.members += 1
            if when is not None:
                event.first_at = when if event.first_at is None else min(event.first_at, when)
                event.last_at = when if event.last_at is None else max(event.last_at, when)
        event.dense.add(dense)
        member = _Member(doc, vector, event.id, dense, numbers)
        member.places = places if places is not None else self._doc_places(doc)
        member.grams = grams if grams is not None else self._doc_grams(doc)
        story.grams.add(member.grams)
        _count_places(story, member.places)
        story.members[doc.id] = member
        story.recent_dense = None
        story.dense.add(dense)
        story.languages[doc.language] += 1
        _count_numbers(story, numbers)
        self._article_story[doc.id] = story.id
        story.touch(when)
        if not story.dormant:
            self._reindex(story)
            if story.last_at is not None:
                heapq.heappush(self._quiet_heap, (story.last_at, next(self._tiebreak), story.id))
        else:
            self._reindex(story)
        return event.id, event_score, new_event

    def _best_event(
        self,
        story: _Story,
        vector: SparseVector | _Packed,
        when: datetime | None,
        dense: np.ndarray | None = None,
    ) -> tuple[_Event | None, float]:
        cfg = self.config
        best, best_score = None, 0.0
        for event in itertools.islice(reversed(story.events.values()), cfg.linked_events * 4):
            # Dated on both sides: only events the article falls in or within a window of.
            if when is not None and event.last_at is not None:
                start = (event.first_at or event.last_at) - cfg.event_window
                if not start <= when <= event.last_at + cfg.event_window:
                    continue
            score = event.centroid.cosine(vector)
            joins = score >= cfg.event_threshold
            if dense is not None:
                mean = event.dense.unit()
                if mean is not None:
                    similar = float(mean @ dense)
                    # The same happening told in another language shares no words: its
                    # sentence vector is the evidence, on a scale of its own.
                    if similar >= cfg.event_dense_threshold:
                        joins = True
                        score = max(score, cfg.event_threshold + (similar - cfg.event_dense_threshold))
            if joins and score >= best_score:
                best, best_score = event, score
        return best, (best_score if best is not None else 0.0)

    # -- the inverted index and dormancy -----------------------------------------------------

    def _reindex(self, story: _Story) -> None:
        index = self._dormant_index if story.dormant else self._active_index
        (self._dormant_dense if story.dormant else self._active_dense).set(story.id, story.dense.unit())
        new = tuple(story.centroid.top_terms(self.config.index_terms))
        old = story.indexed
        if new == old:
            return
        new_set = set(new)
        for term in old:
            if term not in new_set:
                posting = index.get(term)
                if posting is not None:
                    posting.discard(story.id)
                    if not posting:
                        del index[term]
        old_set = set(old)
        for term in new:
            if term not in old_set:
                index.setdefault(term, set()).add(story.id)
        story.indexed = new

    def _unindex(self, story: _Story) -> None:
        index = self._dormant_index if story.dormant else self._active_index
        (self._dormant_dense if story.dormant else self._active_dense).remove(story.id)
        for term in story.indexed:
            posting = index.get(term)
            if posting is not None:
                posting.discard(story.id)
                if not posting:
                    del index[term]
        story.indexed = ()

    def _advance_clock(self, when: datetime | None) -> None:
        if when is None or (self.stream_time is not None and when <= self.stream_time):
            return
        self.stream_time = when
        cutoff = when - self.config.dormant_after
        heap = self._quiet_heap
        while heap and heap[0][0] < cutoff:
            last_at, _, sid = heapq.heappop(heap)
            story = self._stories.get(sid)
            # Stale entries (the story has had articles since, or is gone) are skipped.
            if story is None or story.dormant or story.last_at != last_at:
                continue
            self._unindex(story)
            story.dormant = True
            self._reindex(story)

    def _wake(self, story: _Story) -> None:
        self._unindex(story)
        story.dormant = False
        self._reindex(story)
        if story.last_at is not None:
            heapq.heappush(self._quiet_heap, (story.last_at, next(self._tiebreak), story.id))

    # -- merging -----------------------------------------------------------------------------

    def merge(self, source_id: Hashable, target_id: Hashable) -> None:
        """An editor's merge: ``source`` joins ``target`` and its id resolves to ``target`` from now on."""
        source = self._stories[self.constraints.resolve(source_id)]
        target = self._stories[self.constraints.resolve(target_id)]
        if source is not target:
            self._merge(source, target)

    def _conflicts(self, a: _Story, b: _Story) -> bool:
        excludes = self.constraints.excludes
        return any(b.id in excludes.get(m, ()) for m in a.members) or any(
            a.id in excludes.get(m, ()) for m in b.members
        )

    def _merge(self, source: _Story, target: _Story) -> None:
        cfg = self.config
        for member in source.members.values():
            target.centroid.add(member.vector, cfg.centroid_terms)
            target.members[member.id] = member
            target.recent_dense = None
            target.dense.add(member.dense)
            target.languages[member.language] += 1
            _count_numbers(target, member.numbers)
            _count_places(target, member.places)
            self._article_story[member.id] = target.id
        target.grams.absorb(source.grams)
        for event in source.events.values():
            target.events[event.id] = event
        target.touch(source.first_at)
        target.touch(source.last_at)
        self._unindex(source)
        del self._stories[source.id]
        self.constraints.aliases[source.id] = target.id
        for article_id, pinned in self.constraints.pins.items():
            if pinned == source.id:
                self.constraints.pins[article_id] = target.id
        # "Not this story" follows the story into the one it merged into, as pins do.
        for excluded in self.constraints.excludes.values():
            if source.id in excluded:
                excluded.discard(source.id)
                excluded.add(target.id)
        if target.dormant:
            self._wake(target)
        else:
            self._reindex(target)

    # -- editor constraints ------------------------------------------------------------------

    def pin(self, article_id: object, story_id: Hashable) -> None:
        """The article belongs to ``story_id``, now and in every later run."""
        story_id = self.constraints.resolve(story_id)
        self.constraints.pins[article_id] = story_id
        self.constraints.excludes.get(article_id, set()).discard(story_id)
        current = self._article_story.get(article_id)
        if current is not None and current != story_id:
            self._move(article_id, self._stories[story_id])

    def unpin(self, article_id: object) -> None:
        self.constraints.pins.pop(article_id, None)

    def exclude(self, article_id: object, story_id: Hashable) -> Assignment | None:
        """The article never returns to ``story_id``; if it is there, it is placed again elsewhere."""
        story_id = self.constraints.resolve(story_id)
        self.constraints.excludes.setdefault(article_id, set()).add(story_id)
        if self.constraints.pins.get(article_id) == story_id:
            del self.constraints.pins[article_id]
        if self._article_story.get(article_id) != story_id:
            return None
        member = self._detach(article_id)
        return self._place(member.doc(), member.vector, decided_by="exclude", numbers=member.numbers)

    def lock(self, story_id: Hashable) -> None:
        self.constraints.locked.add(self.constraints.resolve(story_id))

    def unlock(self, story_id: Hashable) -> None:
        self.constraints.locked.discard(self.constraints.resolve(story_id))

    def split(self, story_id: Hashable, article_ids: Iterable[object]) -> Hashable:
        """An editor's split: the articles move to a new story, pinned there. Returns its id."""
        story_id = self.constraints.resolve(story_id)
        moving = [a for a in article_ids if self._article_story.get(a) == story_id]
        if not moving:
            raise ValueError("none of these articles is in the story")
        new_id = self._story_ids()
        first = self._detach(moving[0])
        new_story = self._new_story(new_id, first.vector)
        self._reattach(new_story, first, fresh=True)
        self.constraints.pins[first.id] = new_id
        for article_id in moving[1:]:
            self._move(article_id, new_story)
            self.constraints.pins[article_id] = new_id
        return new_id

    def _move(self, article_id: object, target: _Story) -> None:
        member = self._detach(article_id)
        self._reattach(target, member)

    def _reattach(self, story: _Story, member: _Member, *, fresh: bool = False) -> None:
        revived = story.dormant
        self._add(
            story,
            member.doc(),
            member.vector,
            fresh=fresh,
            numbers=member.numbers,
            dense=member.dense,
            places=member.places,
            grams=member.grams,
        )
        story.members[member.id].bare = member.bare  # member.doc() keeps no text
        if revived:
            self._wake(story)

    def _detach(self, article_id: object) -> _Member:
        story = self._stories[self._article_story.pop(article_id)]
        member = story.members.pop(article_id)
        event = story.events[member.event_id]
        event.members -= 1
        if event.members == 0:
            del story.events[event.id]
        else:
            event.centroid.remove(member.vector, self.config.centroid_terms)
            event.dense.remove(member.dense)
        story.dense.remove(member.dense)
        story.recent_dense = None
        story.languages[member.language] -= 1
        _count_numbers(story, member.numbers, -1)
        _count_places(story, member.places, -1)
        if member.grams is not None:
            story.grams.remove(member.grams)
        if not story.members:
            self._unindex(story)
            del self._stories[story.id]
        else:
            story.centroid.remove(member.vector, self.config.centroid_terms)
            self._reindex(story)
        return member

    @staticmethod
    def _unit(centroid: _Centroid) -> SparseVector:
        norm = centroid.norm or 1.0
        return {t: w / norm for t, w in centroid.weights.items()}


def shorten(title: str, limit: int) -> str:
    """``title`` cut at the last word boundary before ``limit`` characters, with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014\u060c") + "\u2026"


class _StreamScale:
    """Running mean and spread (Welford) of one score over a stream, with a prior of
    ``PRIOR`` pseudo-observations so the first articles of a stream are judged sensibly."""

    PRIOR = 20

    __slots__ = ("m2", "mean", "n")

    def __init__(self, mean: float, spread: float) -> None:
        self.n = self.PRIOR
        self.mean = mean
        self.m2 = spread * spread * self.PRIOR

    def add(self, value: float) -> None:
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (value - self.mean)

    def z(self, value: float) -> float:
        spread = math.sqrt(self.m2 / self.n) or 1.0
        return max(-5.0, min(5.0, (value - self.mean) / spread))


# How many of the latest arrivals an article is compared with to learn the stream's scale.
STREAM_NEIGHBOURS = 32
_NEAR = FEATURES.index("dense_near")
_GAP = FEATURES.index("gap")
_DATED = FEATURES.index("dated")
_LEX = FEATURES.index("lex")


def _count_numbers(story: _Story, numbers: frozenset[str], sign: int = 1) -> None:
    story.numbers = _counted(story.numbers, numbers, sign)


def _count_places(story: _Story, places: frozenset[str], sign: int = 1) -> None:
    story.places = _counted(story.places, places, sign)


def _counted(counts: Counter[str] | None, values: frozenset[str], sign: int) -> Counter[str] | None:
    if not values:
        return counts
    counts = counts if counts is not None else Counter()
    for value in values:
        left = counts[value] + sign
        if left > 0:
            counts[value] = left
        else:
            counts.pop(value, None)  # no member has it any more
    return counts or None


def _spread(story: _Story) -> float:
    """How far a story's members stray from their mean: 1 minus the length of the mean of their
    unit sentence vectors (0 for one article or none; a catch-all of one topic's many events
    spreads wider than the reports of one event)."""
    dense = story.dense
    if dense.count < 2 or dense.total is None:
        return 0.0
    total = dense.total.astype(np.float32, copy=False)
    return max(0.0, 1.0 - math.sqrt(float(total @ total)) / dense.count)


def _half(vector: np.ndarray | None) -> np.ndarray | None:
    """A sentence vector as stored per member: float16, a quarter of a float64 array."""
    if vector is None:
        return None
    vector = np.asarray(vector)
    return vector.astype(np.float16) if vector.any() else None


class _Recent:
    """A story's most recent members' sentence vectors, raw and projected, and their languages."""

    __slots__ = ("languages", "projected", "vectors")

    def __init__(self, story: _Story, count: int, matrix: np.ndarray) -> None:
        members = [
            m for m in itertools.islice(reversed(story.members.values()), count) if m.dense is not None
        ]
        self.vectors = np.vstack([m.dense for m in members]).astype(np.float32)
        self.languages = [m.language for m in members]
        self.projected = self.vectors @ matrix


class _Offsets:
    """The stream's language means (raw and projected) that centring subtracts, looked up once
    per language for one article's candidates."""

    __slots__ = ("_found", "_language_means", "_projected_means", "_zero")

    def __init__(
        self, language_means: LanguageMeans, projected_means: LanguageMeans, dimensions: int, projected: int
    ) -> None:
        self._language_means = language_means
        self._projected_means = projected_means
        self._zero = (np.zeros(dimensions), np.zeros(projected))
        self._found: dict[str | None, tuple[np.ndarray, np.ndarray]] = {}

    def of(self, language: str | None) -> tuple[np.ndarray, np.ndarray]:
        found = self._found.get(language)
        if found is None:
            mean = self._language_means.mean(language)
            found = self._zero if mean is None else (mean, self._projected_means.mean(language))
            self._found[language] = found
        return found

    def each(self, languages: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """One row per language given (a recent member's)."""
        pairs = [self.of(language) for language in languages]
        return np.vstack([p[0] for p in pairs]), np.vstack([p[1] for p in pairs])

    def weighted(self, shares: list[dict[str | None, float]]) -> tuple[np.ndarray, np.ndarray]:
        """One row per story: its languages' means weighted by their shares of its members."""
        raw: list[np.ndarray] = []
        projected: list[np.ndarray] = []
        for weights in shares:
            if len(weights) == 1:
                mean, projected_mean = self.of(next(iter(weights)))
            else:
                mean, projected_mean = 0.0, 0.0
                for language, share in weights.items():
                    a, b = self.of(language)
                    mean, projected_mean = mean + a * share, projected_mean + b * share
            raw.append(mean)
            projected.append(projected_mean)
        return np.vstack(raw), np.vstack(projected)


def _shares(languages: Counter[str | None]) -> dict[str | None, float]:
    """Each language's share of a story's members (languages whose count fell to 0 left out)."""
    if len(languages) == 1:
        return dict.fromkeys(languages, 1.0)
    size = sum(count for count in languages.values() if count > 0)
    return {language: count / size for language, count in languages.items() if count > 0}


def _row_cosines(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Cosine of each row with ``target`` (a unit vector); 0 for a zero row."""
    return rows @ target / np.maximum(np.linalg.norm(rows, axis=1), 1e-6)


def _unit_or_zero(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-6 else vector


def _unit_or_none(vector: np.ndarray | None) -> np.ndarray | None:
    if vector is None:
        return None
    return unit(np.asarray(vector, dtype=np.float32))
