"""Story-to-story consolidation: merging the fragments of one story that the engine split.

The engine decides one article at a time, against stories as they are at that moment. A story
told first in one language and then another, or in headlines that each say a different part
of it, often starts two or three times before the pieces grow alike. This pass looks at the
stories active lately, compares each with its nearest stories (the engine's own
sentence-vector index and word index find them, in any language), and merges two when a
learned model says they are one story.

Evidence (``FEATURES``) is at story level: the cosine of the two mean sentence vectors and of
their nearest members, the word-centroid cosine, shared places and numbers, the time between
the two spans, sizes, language mix, and the regime (bare headlines or full articles): one line
of headline about the Olympics sits closer to every other Olympics headline than a full report
to an unrelated report, so the same cosine means different things in the two regimes.

A logistic model turns the evidence into a probability. It is learned from labelled streams
by ``manage.py train_consolidation`` (``consolidation_training.py``): the engine is run over
each stream as in production and, at every pass, each pair of its stories the pass looks at is
one example, positive when both stories are mostly the same gold story. Its weights,
threshold, window and cadence ship in ``consolidation.json`` with their provenance; loading
needs nothing but that file and numpy.

Merges never undo an editor's decision: a locked story is never merged, two stories are never
merged when an article of one was taken out of ("not this story") the other, and an article an
editor pinned never moves (its story survives the merge; when both stories hold pins they stay
apart). The engine's editor constraints carry all three (``engine.EditorConstraints``).

The pass reads the engine's private story state (``engine._Story``): it is the engine's own
second step, kept in its own module so the linker and the pass can change apart.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .engine import Merge
from .linker import logistic, read_parameters, write_parameters

if TYPE_CHECKING:
    from .engine import Engine, _Story

__all__ = [
    "FEATURES",
    "NEVER",
    "SHIPPED",
    "Consolidation",
    "Proposal",
    "Schedule",
    "consolidate",
    "proposals",
    "shipped",
]

FEATURES: tuple[str, ...] = (
    "dense",  # cosine of the two stories' mean sentence vectors
    "dense_near",  # the best cosine between a recent member of one and a recent member of the other
    "dense_mutual",  # each recent member's best cosine in the other story, averaged over both stories
    "lex",  # cosine of the two word centroids (words within a language; names and numbers across)
    "same_lang",  # how far the language mixes agree: the sum over languages of the smaller share
    "dense_x_other_lang",  # "dense" weighted by how far the language mixes differ
    "places",  # places (CLDR codes, any language) both stories name, capped at 3, / 3
    "numbers",  # numbers both stories carry, capped at 3, / 3
    "gap",  # log(1 + days between the two stories' spans), 0 when they overlap or are undated
    "dated",  # 1 when both stories have dates
    "small",  # log(1 + articles of the smaller story)
    "large",  # log(1 + articles of the larger story)
    "headline",  # share of bare headlines (no body) among the articles of both: the regime
    "dense_x_headline",  # "dense" in the headline regime
    "lex_x_headline",  # "lex" in the headline regime
    "no_vector",  # 1 when either story has no sentence vector (the dense features are then 0)
    # How the pair compares with each story's other pairs in the same pass (``_with_ranks``):
    "dense_best",  # 1 when each is the other's closest by "dense_mutual", 0.5 when one of them is
    "lex_best",  # the same by "lex"
    "dense_margin",  # "dense_mutual" minus the best "dense_mutual" of either story's other pairs
    "lex_margin",  # "lex" minus the best "lex" of either story's other pairs
)
RELATIVE = ("dense_best", "lex_best", "dense_margin", "lex_margin")

SHIPPED = Path(__file__).with_name("consolidation.json")
NEVER = 1.01  # a threshold no probability reaches: the pass never merges in that regime
HEADLINE_SHARE = (
    0.5  # a pair is judged on the headline scale when this share of its articles are bare headlines
)
_HEADLINE = FEATURES.index("headline")
_DENSE_MUTUAL = FEATURES.index("dense_mutual")
_LEX = FEATURES.index("lex")
NEAR_MEMBERS = 8  # the newest members of a story compared one by one
DENSE_PARTNERS = 8  # nearest stories by mean sentence vector looked at for each recent story...
WORD_PARTNERS = 8  # ...and by shared index terms (the engine's word index)
ROUNDS = 3  # a pass re-examines the stories it grew, up to this many times


@dataclass(frozen=True)
class Consolidation:
    """The learned decision and when the pass runs: plain data, read from ``consolidation.json``."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = NEVER  # probability at which two stories of full articles merge...
    headline_threshold: float = NEVER  # ...and two stories of mostly bare headlines
    window: timedelta = timedelta(hours=48)  # a pass looks at stories with an article this recent...
    cadence: timedelta = timedelta(hours=6)  # ...and runs this often (stream time in replays)
    provenance: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"consolidation has {len(self.weights)} weights for {len(FEATURES)} features")
        if self.cadence <= timedelta(0) or self.window <= timedelta(0):
            raise ValueError("the consolidation window and cadence must be positive")

    @property
    def never_merges(self) -> bool:
        """No probability reaches either threshold: a pass would look at every pair and merge none."""
        return self.threshold > 1.0 and self.headline_threshold > 1.0

    def threshold_for(self, features: tuple[float, ...]) -> float:
        """The threshold of the pair's regime: bare headlines or full articles."""
        return self.headline_threshold if features[_HEADLINE] >= HEADLINE_SHARE else self.threshold

    def probability(self, features: Iterable[float]) -> float:
        return logistic(self.bias, self.weights, features)

    @classmethod
    def load(cls, path: Path | str = SHIPPED) -> Consolidation:
        data = read_parameters(path, FEATURES, "train_consolidation")
        return cls(
            weights=data["weights"],
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            headline_threshold=float(data["headline_threshold"]),
            window=timedelta(hours=float(data["window_hours"])),
            cadence=timedelta(hours=float(data["cadence_hours"])),
            provenance=data.get("provenance", {}),
        )

    def dump(self, path: Path | str) -> None:
        settings = {
            "threshold": round(self.threshold, 4),
            "headline_threshold": round(self.headline_threshold, 4),
            "window_hours": self.window / timedelta(hours=1),
            "cadence_hours": self.cadence / timedelta(hours=1),
        }
        write_parameters(path, FEATURES, self.weights, self.bias, settings, self.provenance)


@functools.cache
def shipped() -> Consolidation:
    """The decision shipped with the code, read once per process."""
    return Consolidation.load(SHIPPED)


# --- the pass -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    """Two stories the pass looked at, with the model's evidence (``FEATURES``)."""

    first: Hashable
    second: Hashable
    features: tuple[float, ...]


def consolidate(
    engine: Engine,
    model: Consolidation,
    *,
    now: datetime | None = None,
    looked_at: Callable[[list[Proposal]], None] | None = None,
) -> list[Merge]:
    """Merge the fragments among the stories active within ``model.window`` before ``now``.

    ``now`` is stream time (``engine.stream_time`` by default). A stream without dates has no
    recent window, and the pass does nothing there: without the time between two stories, two
    events of one kind (two quakes, two heists) look like one story told twice. Pairs are
    merged best first; a story that changed in this round waits for the next round, where it
    is compared again as it now is. Returns the merges in the order they were made
    (``Merge.similarity`` is the model's probability), already applied to ``engine``.
    ``looked_at`` receives each round's proposals before they are decided (training collects
    its examples so).
    """
    now = now if now is not None else engine.stream_time
    if now is None:
        return []
    merges: list[Merge] = []
    recent = _recent(engine, now, model.window)
    for _ in range(ROUNDS):
        found = proposals(engine, recent)
        if looked_at is not None:
            looked_at(found)
        scored = [(model.probability(p.features), p) for p in found]
        scored = [(score, p) for score, p in scored if score >= model.threshold_for(p.features)]
        # Best first; ties in a fixed order, so a replay merges exactly as the live pass did.
        scored.sort(key=lambda item: (-item[0], str(item[1].first), str(item[1].second)))
        changed: set[Hashable] = set()
        for score, proposal in scored:
            if proposal.first in changed or proposal.second in changed:
                continue
            merge = _merge(engine, proposal.first, proposal.second, score)
            if merge is not None:
                merges.append(merge)
                changed.update((merge.source_id, merge.target_id))
        if not changed:
            break
        recent = [sid for sid in changed if sid in engine._stories]
    return merges


def proposals(engine: Engine, recent: Iterable[Hashable]) -> list[Proposal]:
    """Each recent story paired with its nearest active stories, with the pair's evidence.

    Locked stories and pairs an editor's exclusion keeps apart are left out. A pair found
    from both sides appears once.
    """
    stories = engine._stories
    locked = engine.constraints.locked
    looking = [
        stories[sid]
        for sid in dict.fromkeys(recent)
        if sid in stories and not stories[sid].dormant and sid not in locked
    ]
    profiles: dict[Hashable, _Profile] = {}
    for story in looking:
        profiles[story.id] = _Profile(story)
    seen: set[tuple[str, str]] = set()
    out: list[Proposal] = []
    for story, partners in zip(looking, _partners(engine, looking, profiles), strict=True):
        for other_id in partners:
            other = stories.get(other_id)
            if other is None or other is story or other.dormant or other_id in locked:
                continue
            key = (
                (str(story.id), str(other_id))
                if str(story.id) < str(other_id)
                else (str(other_id), str(story.id))
            )
            if key in seen:
                continue
            seen.add(key)
            if engine._conflicts(story, other):
                continue
            if other_id not in profiles:
                profiles[other_id] = _Profile(other)
            out.append(Proposal(story.id, other_id, pair_features(profiles[story.id], profiles[other_id])))
    return _with_ranks(out)


def _with_ranks(found: list[Proposal]) -> list[Proposal]:
    """Append the ``RELATIVE`` features: how each pair stands among its two stories' pairs.

    One Olympics headline sits close to every other, and two reports on one oil market share
    many words: what tells a fragment is that its partner stands out among the story's
    neighbours, not only how close it is.
    """
    columns = (_DENSE_MUTUAL, _LEX)
    best: dict[Hashable, list[list[float]]] = {}
    for proposal in found:
        for story in (proposal.first, proposal.second):
            tops = best.setdefault(story, [[-1.0, -1.0] for _ in columns])
            for top, column in zip(tops, columns, strict=True):
                value = proposal.features[column]
                if value > top[0]:
                    top[0], top[1] = value, top[0]
                elif value > top[1]:
                    top[1] = value
    out = []
    for proposal in found:
        ranks, margins = [], []
        for k, column in enumerate(columns):
            value = proposal.features[column]
            sides = (best[proposal.first][k], best[proposal.second][k])
            ranks.append(sum(0.5 for top in sides if value >= top[0]))
            # The best of the story's *other* pairs: the runner-up when this pair is its best.
            margins.append(min(value - (top[1] if value >= top[0] else top[0]) for top in sides))
        extra = (*ranks, *(max(m, -1.0) for m in margins))
        out.append(Proposal(proposal.first, proposal.second, proposal.features + extra))
    return out


def _recent(engine: Engine, now: datetime, window: timedelta) -> list[Hashable]:
    """Active stories with an article within ``window`` before ``now``."""
    since = now - window
    return [
        sid
        for sid, s in engine._stories.items()
        if not s.dormant and s.last_at is not None and s.last_at >= since
    ]


def _partners(
    engine: Engine, looking: list[_Story], profiles: dict[Hashable, _Profile]
) -> list[list[Hashable]]:
    """For each story, the stories nearest it: by mean sentence vector (any language, the
    engine's vector index, one matrix product for all) and by shared index terms."""
    with_vector = [story for story in looking if profiles[story.id].dense is not None]
    nearest: dict[Hashable, list[Hashable]] = {}
    if with_vector:
        queries = np.vstack([profiles[story.id].dense for story in with_vector])
        found = engine._active_dense.search_many(queries, DENSE_PARTNERS + 1)
        nearest = {story.id: keys for story, keys in zip(with_vector, found, strict=True)}
    index = engine._active_index
    limit = engine.config.max_posting
    out = []
    for story in looking:
        overlap: dict[Hashable, int] = {}
        for term in story.indexed:
            posting = index.get(term, ())
            if len(posting) <= limit:
                for sid in posting:
                    overlap[sid] = overlap.get(sid, 0) + 1
        overlap.pop(story.id, None)
        # Most shared terms first; ties in a fixed order (posting sets have none).
        ranked = sorted(overlap, key=lambda sid: (-overlap[sid], str(sid)))[:WORD_PARTNERS]
        out.append(list(dict.fromkeys([*nearest.get(story.id, ()), *ranked])))
    return out


class _Profile:
    """What the features read of one story, computed once per pass."""

    __slots__ = ("bare", "dense", "first", "languages", "last", "near", "size", "story", "words")

    def __init__(self, story: _Story) -> None:
        self.story = story
        self.size = len(story.members)
        self.dense = story.dense.unit()
        # The newest members by time (not by arrival): a rebuilt engine, which loads members in
        # time order, sees the same ones.
        newest = sorted(
            (m for m in story.members.values() if m.dense is not None),
            key=lambda m: (m.published_at is not None, m.published_at or datetime.min, str(m.id)),
        )[-NEAR_MEMBERS:]
        self.near = np.vstack([m.dense for m in newest]).astype(np.float32) if newest else None
        self.bare = sum(1 for m in story.members.values() if m.bare)
        total = sum(story.languages.values()) or 1
        self.languages = {lang: n / total for lang, n in story.languages.items() if n > 0}
        self.first = story.first_at
        self.last = story.last_at
        norm = story.centroid.norm or 1.0
        self.words = {term: w / norm for term, w in story.centroid.weights.items()}


def pair_features(a: _Profile, b: _Profile) -> tuple[float, ...]:
    """The evidence that the stories of ``a`` and ``b`` are one (names in ``FEATURES``)."""
    if a.dense is not None and b.dense is not None and a.near is not None and b.near is not None:
        dense = float(a.dense @ b.dense)
        cross = a.near @ b.near.T
        near = float(cross.max())
        mutual = (float(cross.max(axis=1).sum()) + float(cross.max(axis=0).sum())) / (
            cross.shape[0] + cross.shape[1]
        )
        no_vector = 0.0
    else:
        dense = near = mutual = 0.0
        no_vector = 1.0
    first, second = (a.words, b.words) if len(a.words) <= len(b.words) else (b.words, a.words)
    lex = sum(w * second.get(term, 0.0) for term, w in first.items())
    same = sum(min(share, b.languages.get(lang, 0.0)) for lang, share in a.languages.items())
    places = _shared(a.story.places, b.story.places)
    numbers = _shared(a.story.numbers, b.story.numbers)
    gap = _gap_days(a, b)
    headline = (a.bare + b.bare) / max(1, a.size + b.size)
    return (
        dense,
        near,
        mutual,
        lex,
        same,
        dense * (1.0 - same),
        min(places, 3) / 3.0,
        min(numbers, 3) / 3.0,
        math.log1p(gap) if gap is not None else 0.0,
        0.0 if gap is None else 1.0,
        math.log1p(min(a.size, b.size)),
        math.log1p(max(a.size, b.size)),
        headline,
        dense * headline,
        lex * headline,
        no_vector,
    )


def _shared(first: dict[str, int] | None, second: dict[str, int] | None) -> int:
    if not first or not second:
        return 0
    if len(first) > len(second):
        first, second = second, first
    return sum(1 for key in first if key in second)


def _gap_days(a: _Profile, b: _Profile) -> float | None:
    if a.first is None or a.last is None or b.first is None or b.last is None:
        return None
    if a.last < b.first:
        return (b.first - a.last).total_seconds() / 86400.0
    if b.last < a.first:
        return (a.first - b.last).total_seconds() / 86400.0
    return 0.0


def _merge(engine: Engine, first: Hashable, second: Hashable, score: float) -> Merge | None:
    """Merge two stories in ``engine``: the smaller into the larger (ties: into the older),
    except that an article an editor pinned never moves."""
    a, b = engine._stories.get(first), engine._stories.get(second)
    if a is None or b is None or a is b or engine._conflicts(a, b):
        return None
    source, target = sorted((a, b), key=lambda s: (len(s.members), -s.born))
    pinned = _pinned_stories(engine)
    if source.id in pinned:
        if target.id in pinned:
            return None
        source, target = target, source
    engine._merge(source, target)
    return Merge(source.id, target.id, round(score, 4))


def _pinned_stories(engine: Engine) -> set[Hashable]:
    resolve = engine.constraints.resolve
    return {resolve(story_id) for story_id in engine.constraints.pins.values()}


# --- in a replay --------------------------------------------------------------------------------


class Schedule:
    """The pass at stream-time cadence, as the beat runs it live: for evaluation and replays.

    Call ``before(doc.published_at)`` before each arrival is assigned and ``finish()`` at the
    end of the stream. The pass runs whenever an arrival reaches the next tick (ticks fall on
    multiples of ``model.cadence``, counted from the epoch, so a replay started anywhere
    ticks at the same times), and once more at the end, as the next tick would.
    """

    def __init__(
        self,
        engine: Engine,
        model: Consolidation,
        *,
        looked_at: Callable[[list[Proposal]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.model = model
        self.looked_at = looked_at
        self.merges: list[Merge] = []
        self.passes: list[datetime] = []  # when each pass ran (stream time)
        self._next: datetime | None = None
        self._since_last = False  # an arrival since the last pass

    def before(self, when: datetime | None) -> list[Merge]:
        done: list[Merge] = []
        if when is not None:
            if self._next is None:
                self._next = self._tick_after(when)
            elif when >= self._next:
                if self._since_last:
                    done = self._run(self._next)
                self._next = self._tick_after(when)
        self._since_last = True
        return done

    def finish(self) -> list[Merge]:
        if not self._since_last or self._next is None:
            return []
        return self._run(self._next)

    def _run(self, now: datetime) -> list[Merge]:
        self.passes.append(now)
        merges = consolidate(self.engine, self.model, now=now, looked_at=self.looked_at)
        self.merges.extend(merges)
        self._since_last = False
        return merges

    def _tick_after(self, when: datetime) -> datetime:
        epoch = datetime(2000, 1, 1, tzinfo=when.tzinfo)
        cadence = self.model.cadence
        return epoch + cadence * ((when - epoch) // cadence + 1)
