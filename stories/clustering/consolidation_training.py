"""Learning the consolidation decision from labelled streams, and judging it on streams it did not see.

How examples are made: each labelled stream is clustered as production clusters it (the
engine with a given linker, articles in order) with the pass running at its stream-time
cadence but merging nothing; every pair of stories a pass looks at is one example, positive
when the two stories are mostly the same gold story (the gold story most of each one's
articles carry). So the model learns from the fragments the engine really produces, in the
states the pass really sees them, across languages where the engine splits across languages.

The fit is L2 logistic regression (``training.fit_logistic``, numpy, deterministic), each
stream weighing the same. Two thresholds are then chosen by running the engine with the pass
over the *training* streams and keeping the best mean B³ F1: one for pairs of full articles,
then one for pairs of bare headlines (``consolidation.HEADLINE_SHARE``), since the same
closeness means different things in the two regimes. A regime where no threshold beats not
merging at all gets none (the pass then never merges there): a model that has seen no
headline stream does not guess on headlines.

``leave_one_out`` scores each stream with a decision (weights, thresholds) fitted on the others
only; ``choose_setting`` picks the window, cadence and feature set with the best mean of those
held-out figures. The linker under the pass is a parameter (``LinkerFolds``): the shipped one,
or one refitted per fold without the held-out stream (its projection with it), for a figure where
neither the linker nor the pass has seen the stream.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from . import training
from .consolidation import FEATURES, HEADLINE_SHARE, NEVER, Consolidation, Proposal, Schedule
from .engine import Engine
from .evaluation import evaluate
from .metrics import BCubed, bcubed
from .training import Stream, fit_logistic

__all__ = [
    "SETTINGS",
    "LinkerFolds",
    "Setting",
    "choose_setting",
    "examples",
    "leave_one_out",
    "train",
]

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
# A threshold whose mean training F1 is within this of the best counts as a tie, and the
# highest of the ties wins: chosen by leave-one-dataset-out (0 and 0.02 gave the same mean
# held-out gain, 0.02 without a loss on any stream).
TOLERANCE = 0.02
L2 = 1.0
_HEADLINE = FEATURES.index("headline")


@dataclass(frozen=True)
class Setting:
    """What leave-one-dataset-out chooses between: when the pass runs and what it weighs."""

    name: str
    features: tuple[str, ...]
    window_hours: float = 48.0
    cadence_hours: float = 6.0
    tolerance: float = 0.0  # thresholds within this of the best mean F1 count as ties (the highest wins)

    def untrained(self) -> Consolidation:
        return Consolidation(
            weights=(0.0,) * len(FEATURES),
            bias=0.0,
            threshold=NEVER,
            headline_threshold=NEVER,
            window=timedelta(hours=self.window_hours),
            cadence=timedelta(hours=self.cadence_hours),
        )


_COMPACT = tuple(f for f in FEATURES if f not in ("numbers", "dated", "small", "large", "no_vector"))
SETTINGS = (
    Setting("compact, 48 h window, every 6 h, tolerance 0.02", _COMPACT, 48.0, 6.0, TOLERANCE),
    Setting("compact, 48 h window, every 6 h, tolerance 0", _COMPACT, 48.0, 6.0, 0.0),
)


@dataclass
class Examples:
    features: np.ndarray  # one row per pair looked at, one column per FEATURES name
    labels: np.ndarray  # 1 when both stories are mostly the same gold story
    # Enough to replay the pass's decisions on the stories of this run (``replayed``):
    pairs: list[tuple[Hashable, Hashable]] = field(default_factory=list)  # the two stories of each row
    passes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # the pass of each row
    stories: dict[object, Hashable] = field(default_factory=dict)  # each article's story, no merges
    gold: dict[object, object] = field(default_factory=dict)


def engine(linker: training.Trained | None) -> Engine:
    """A cold engine with a fitted linker and the projection fitted with it (``None``: the shipped ones)."""
    if linker is None:
        return Engine()
    return Engine(linker=linker.linker, projection=linker.projection)


def score(stream: Stream, linker: training.Trained | None, model: Consolidation | None) -> BCubed:
    """B³ of the engine with ``linker`` over ``stream`` (cold, file order), with the pass when
    ``model`` is given."""
    run = evaluate(stream.docs, stream.gold, engine(linker), consolidation=model)
    if run.score is None:
        raise ValueError(f"{stream.name} has no gold stories to score")
    return run.score


def examples(stream: Stream, linker: training.Trained | None, setting: Setting) -> Examples:
    """The pairs every pass looks at on ``stream`` (merging nothing), labelled from gold."""
    clustered = engine(linker)
    rows: list[tuple[float, ...]] = []
    labels: list[int] = []
    pairs: list[tuple[Hashable, Hashable]] = []
    passes: list[int] = []

    def majority(story_id: Hashable) -> object:
        counts = Counter(stream.gold[a] for a in clustered.members(story_id) if a in stream.gold)
        return counts.most_common(1)[0][0] if counts else None

    def looked_at(found: list[Proposal]) -> None:
        for proposal in found:
            first, second = majority(proposal.first), majority(proposal.second)
            if first is None or second is None:
                continue
            rows.append(proposal.features)
            labels.append(1 if first == second else 0)
            pairs.append((proposal.first, proposal.second))
            passes.append(len(schedule.passes))

    schedule = Schedule(clustered, setting.untrained(), looked_at=looked_at)
    for doc in stream.docs:
        schedule.before(doc.published_at)
        clustered.assign(doc)
    schedule.finish()
    return Examples(
        np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)),
        np.asarray(labels, dtype=np.float64),
        pairs,
        np.asarray(passes, dtype=int),
        {doc.id: clustered.story_of(doc.id) for doc in stream.docs},
        dict(stream.gold),
    )


def replayed(part: Examples, probabilities: np.ndarray, model: Consolidation) -> BCubed:
    """B³ of the stories of ``part``'s run had each pass merged what ``model`` accepts, best first.

    An approximation of running the pass (``score``) for choosing thresholds at the cost of a
    sort: it keeps the pairs and features of the run that merged nothing, so a merge neither
    changes the evidence of later pairs nor the linker's later decisions.
    """
    parent: dict[Hashable, Hashable] = {}

    def find(story: Hashable) -> Hashable:
        root = story
        while parent.get(root, root) != root:
            root = parent[root]
        while story != root:
            parent[story], story = root, parent.get(story, story)
        return root

    thresholds = np.where(
        part.features[:, _HEADLINE] >= HEADLINE_SHARE, model.headline_threshold, model.threshold
    )
    accepted = np.flatnonzero(probabilities >= thresholds)
    for i in sorted(accepted, key=lambda i: (part.passes[i], -probabilities[i])):
        first, second = find(part.pairs[i][0]), find(part.pairs[i][1])
        if first != second:
            parent[first] = second
    return bcubed({a: find(s) for a, s in part.stories.items()}, part.gold)


def fit(parts: Sequence[Examples], setting: Setting, l2: float = L2) -> tuple[tuple[float, ...], float]:
    """Weights over ``FEATURES`` (0 for those the setting leaves out) and the intercept; each
    part (stream) weighs the same in total."""
    parts = [p for p in parts if len(p.labels)]
    total = sum(len(p.labels) for p in parts)
    used = [FEATURES.index(name) for name in setting.features]
    x = np.vstack([p.features[:, used] for p in parts])
    y = np.concatenate([p.labels for p in parts])
    weights = np.concatenate([np.full(len(p.labels), total / (len(parts) * len(p.labels))) for p in parts])
    fitted, intercept = fit_logistic(x, y, weights, l2=l2)
    coefficients = np.zeros(len(FEATURES))
    coefficients[used] = fitted
    return tuple(float(c) for c in coefficients), intercept


def choose_thresholds(
    parts: dict[str, Examples], model: Consolidation, tolerance: float = TOLERANCE
) -> tuple[Consolidation, dict[str, dict[str, float]]]:
    """``model`` with a threshold per regime chosen on the training streams' runs (``parts``):
    full text first, then headlines, each the highest threshold whose mean B³ F1 is within
    ``tolerance`` of the best (``NEVER`` when merging nothing is). A stream with no pair of a
    regime is left out of that regime's choice (its threshold changes nothing there).

    The figures are the pass's decisions replayed on each run's stories (``replayed``).
    """
    table: dict[str, dict[str, float]] = {}
    chosen = dataclasses.replace(model, threshold=NEVER, headline_threshold=NEVER)
    probabilities = {
        name: np.array([model.probability(f) for f in part.features]) for name, part in parts.items()
    }
    for field_name, headline in (("threshold", False), ("headline_threshold", True)):
        concerned = [name for name, part in parts.items() if headline in regimes_seen(part)]
        if not concerned:
            continue
        means = {}
        for t in (NEVER, *THRESHOLDS):
            candidate = dataclasses.replace(chosen, **{field_name: t})
            means[t] = float(
                np.mean([replayed(parts[name], probabilities[name], candidate).f1 for name in concerned])
            )
        best = max(means.values())
        chosen = dataclasses.replace(
            chosen, **{field_name: max(t for t in means if means[t] >= best - tolerance)}
        )
        table["headlines" if headline else "full text"] = {
            ("never" if t == NEVER else str(t)): round(v, 4) for t, v in means.items()
        }
    return chosen, table


def regimes_seen(part: Examples) -> set[bool]:
    """The regimes of the pairs in ``part``: True for bare headlines, False for full articles."""
    column = part.features[:, FEATURES.index("headline")]
    return {bool(h) for h in np.unique(column >= HEADLINE_SHARE)}


class LinkerFolds:
    """The linker under the pass for a set of training streams: the shipped one (``refit`` off:
    ``None``), or one fitted on those streams only (with its projection), with the shipped
    linker's feature setting.

    With ``cross_fit`` (which implies ``refit``) each training stream's examples come from the
    engine run by a linker fitted without that stream (``without``): the shipped linker has seen
    every labelled stream and leaves fewer and different fragments there than it leaves in new
    articles, so a decision learned from its own runs learns what it will not meet.
    """

    def __init__(
        self,
        streams: Sequence[Stream],
        *,
        refit: bool = False,
        cross_fit: bool = False,
        pairs: Sequence[training.Pair] = (),
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.refit = refit or cross_fit
        self.cross_fit = cross_fit
        self.pairs = pairs
        self.log = log
        self._cache = training.ExampleCache(pairs)
        self._fitted: dict[tuple[str, ...], training.Trained] = {}
        self._names = [s.name for s in streams]

    def __call__(self, streams: Sequence[Stream]) -> training.Trained | None:
        if not self.refit:
            return None  # the engine's default: the shipped linker
        key = tuple(sorted(s.name for s in streams))
        if key not in self._fitted:
            self.log(f"  fitting a linker on {', '.join(key)}")
            self._fitted[key] = training.train(
                sorted(streams, key=lambda s: s.name), setting=training.shipped_setting(), cache=self._cache
            )
        return self._fitted[key]

    def without(
        self, everyone: Sequence[Stream], fold: training.Trained | None
    ) -> Callable[[Stream], training.Trained | None] | None:
        """Under ``cross_fit``: for each of ``everyone``, the linker fitted on the others. A part
        of a stream (the in-time split's first part) runs with the fold's linker ``fold``."""
        if not self.cross_fit:
            return None
        whole = {s.name for s in everyone if s.name in self._names}

        def linker_of(stream: Stream) -> training.Trained | None:
            if stream.name not in whole:
                return fold
            return self([s for s in everyone if s.name in whole and s.name != stream.name])

        return linker_of


class ExampleCache:
    """Each stream's examples per linker and schedule, made once and reused by every fold."""

    def __init__(self) -> None:
        self._examples: dict[tuple, Examples] = {}

    def get(self, stream: Stream, linker: training.Trained | None, setting: Setting) -> Examples:
        key = (stream.name, id(linker), setting.window_hours, setting.cadence_hours)
        if key not in self._examples:
            self._examples[key] = examples(stream, linker, setting)
        return self._examples[key]


def train(
    streams: Sequence[Stream],
    linker: training.Trained | None,
    setting: Setting,
    *,
    cache: ExampleCache | None = None,
    provenance: dict | None = None,
    linker_of: Callable[[Stream], training.Trained | None] | None = None,
) -> tuple[Consolidation, dict[str, dict[str, float]]]:
    """Fit the weights on ``streams`` (clustered with ``linker``, or each with ``linker_of(stream)``:
    cross-fitting), then choose the thresholds on them."""
    cache = cache or ExampleCache()
    parts = {s.name: cache.get(s, linker_of(s) if linker_of else linker, setting) for s in streams}
    weights, bias = fit(list(parts.values()), setting)
    model = dataclasses.replace(setting.untrained(), weights=weights, bias=bias, provenance=provenance or {})
    return choose_thresholds(parts, model, setting.tolerance)


def _figures(score_: BCubed) -> dict[str, float]:
    return {
        "precision": round(score_.precision, 4),
        "recall": round(score_.recall, 4),
        "f1": round(score_.f1, 4),
        "stories": score_.predicted_clusters,
        "gold_stories": score_.gold_clusters,
    }


def held_out(
    held: Stream,
    rest: Sequence[Stream],
    linkers: LinkerFolds,
    setting: Setting,
    cache: ExampleCache,
) -> dict[str, dict]:
    """``held`` scored without and with a pass fitted on ``rest`` (and the linker ``linkers`` gives).

    Cross-fitted, each stream of ``rest`` is clustered for its examples by a linker fitted on
    every stream but itself, ``held`` included: not nested (that would take a linker per pair of
    streams), so ``held``'s labels reach the pass only through the fragments of other streams.
    """
    linker = linkers(rest)
    model, _ = train(rest, linker, setting, cache=cache, linker_of=linkers.without([held, *rest], linker))
    return {
        "without": _figures(score(held, linker, None)),
        "with": _figures(score(held, linker, model))
        | {"threshold": model.threshold, "headline_threshold": model.headline_threshold},
    }


def leave_one_out(
    streams: Sequence[Stream],
    linkers: LinkerFolds,
    setting: Setting,
    *,
    cache: ExampleCache | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, dict]:
    """Each stream scored by a pass (weights and thresholds) fitted on the other streams only."""
    cache = cache or ExampleCache()
    results = {}
    for held in streams:
        results[held.name] = held_out(held, [s for s in streams if s is not held], linkers, setting, cache)
        before, after = results[held.name]["without"]["f1"], results[held.name]["with"]["f1"]
        log(f"  held out {held.name}: B3 F1 {before:.4f} without the pass, {after:.4f} with it")
    return results


def choose_setting(
    streams: Sequence[Stream],
    linkers: LinkerFolds,
    settings: Sequence[Setting] = SETTINGS,
    *,
    cache: ExampleCache | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[Setting, dict[str, dict]]:
    """The setting with the best mean held-out B³ F1, and every setting's figures."""
    cache = cache or ExampleCache()
    report: dict[str, dict] = {}
    for setting in settings:
        log(f"{setting.name}:")
        results = leave_one_out(streams, linkers, setting, cache=cache, log=log)
        mean = float(np.mean([r["with"]["f1"] for r in results.values()]))
        report[setting.name] = {"mean_f1": round(mean, 4), "held_out": results}
        log(f"  mean {mean:.4f}")
    best = max(settings, key=lambda s: report[s.name]["mean_f1"])
    return best, report


def split_in_time(stream: Stream, share: float = 0.6) -> tuple[Stream, Stream]:
    """The first ``share`` of a stream's articles by time, and the rest (each its own stream)."""
    docs = sorted(stream.docs, key=lambda d: (d.published_at is None, d.published_at or 0, str(d.id)))
    cut = int(len(docs) * share)
    parts = []
    for name, part in (
        (f"{stream.name} first {share:.0%}", docs[:cut]),
        (f"{stream.name} last {1 - share:.0%}", docs[cut:]),
    ):
        ids = {d.id for d in part}
        parts.append(Stream(name, part, {a: g for a, g in stream.gold.items() if a in ids}, stream.path))
    return parts[0], parts[1]
