"""How well the engine clusters, measured against editors' corrections: pure, no Django.

Editors' decisions are the gold labels. They reach this module as audit-trail rows (plain
dicts, see `stories.services.editing.audit_rows`), and become labels as follows:

* An article's **prediction** is the story it was in just before an editor acted on it, as
  the action's membership snapshot (`before["memberships"]`) recorded it; an article that
  was in no story is predicted as a cluster of its own. Within one period the earliest
  snapshot counts, so a later correction cannot hide what the system had shown readers.
* An article's **gold cluster** comes from the latest action on it in the period:

  - pin (to story S), accept (its story S), split (into story T), merge (into story T):
    "the article belongs with S/T" — gold cluster S/T;
  - merge also labels every article already in the surviving story: it belongs there;
  - exclusion from S: "not with S" — the article is a gold cluster of its own, since the
    label says where it does not belong and nothing about where it does.

* Unlabelled members of an involved story are **context**: the action recorded each
  involved story's size just before it (`before["sizes"]`), and the members it did not
  name are taken as correctly placed (gold = prediction = that story). Without them a
  single moved article would be a cluster of one in both clusterings and look perfect;
  with them, moving one article out of a story of ten costs that story precision.

B-cubed (Bagga & Baldwin 1998) is then computed over labelled articles plus context, per
day or ISO week (labels are dated by their action). Undone actions, undo entries and
the engine's own merges (`after["by"] == "engine"`) are ignored: an undone correction is no
longer the editor's word, and the engine's merges are predictions.

Caveat, stated rather than hidden: a membership an editor set in an earlier period is part
of the "prediction" in a later one. The score measures the assignments readers saw, which
are the engine's except where editors already stepped in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# Actions in which an editor changed what the engine did (a confirmation is not one).
CORRECTIONS = frozenset({"merge", "split", "pin", "exclude"})
LABELLING = CORRECTIONS | {"accept"}


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    items: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def bcubed(predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]) -> BCubed:
    """B-cubed precision and recall of `predicted` against `gold` (item → cluster, same items)."""
    if predicted.keys() != gold.keys():
        raise ValueError("predicted and gold must label the same items")
    if not predicted:
        return BCubed(precision=1.0, recall=1.0, items=0)
    pair_counts = Counter((predicted[item], gold[item]) for item in predicted)
    predicted_sizes = Counter(predicted.values())
    gold_sizes = Counter(gold.values())
    precision = recall = 0.0
    # Items sharing a (predicted, gold) pair have the same scores: sum per pair, not per item.
    for (p, g), n in pair_counts.items():
        precision += n * n / predicted_sizes[p]
        recall += n * n / gold_sizes[g]
    total = len(predicted)
    return BCubed(precision=precision / total, recall=recall / total, items=total)


@dataclass(frozen=True)
class Label:
    article: int
    at: datetime
    predicted: str
    gold: str
    action: str


def _story(story_id: int | None, article_id: int) -> str:
    return f"story:{story_id}" if story_id is not None else f"unassigned:{article_id}"


def labels_from_audit(rows: Iterable[Mapping[str, Any]]) -> tuple[list[Label], list[tuple[datetime, dict]]]:
    """Audit rows (oldest first) → labels, and each action's recorded story sizes (for context).

    Sizes come back as (when, {cluster key: size}) so they can be grouped by period too.
    """
    labels: list[Label] = []
    sizes: list[tuple[datetime, dict]] = []
    for row in rows:
        action = row["action"]
        at, before, after = row["created_at"], row.get("before") or {}, row.get("after") or {}
        # The engine's own merges are predictions, not labels.
        if action not in LABELLING or row.get("undone_at") is not None or after.get("by") == "engine":
            continue
        snapshot = before.get("memberships", [])
        if not isinstance(snapshot, list):
            continue
        if before.get("sizes"):
            sizes.append((at, {f"story:{pk}": int(n) for pk, n in before["sizes"].items()}))
        if action == "exclude":
            for member in snapshot:
                gold = f"not:{row['story_id']}:{member['article']}"
                labels.append(
                    Label(member["article"], at, _story(member["story"], member["article"]), gold, action)
                )
            continue
        into = {"pin": row.get("story_id"), "accept": after.get("story")}.get(action, after.get("into"))
        if into is None:
            continue
        for member in snapshot:
            labels.append(
                Label(
                    member["article"], at, _story(member["story"], member["article"]), f"story:{into}", action
                )
            )
        for member in before.get("target_memberships", []):
            labels.append(
                Label(
                    member["article"], at, _story(member["story"], member["article"]), f"story:{into}", action
                )
            )
    return labels, sizes


def period_start(moment: datetime | date, period: str) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "day":
        return day
    raise ValueError(f"period must be 'day' or 'week', not {period!r}")


def score_labels(labels: list[Label], sizes: list[dict[str, int]]) -> BCubed:
    """B-cubed over `labels` (one period) plus unlabelled context members of the stories involved."""
    earliest: dict[int, Label] = {}
    latest: dict[int, Label] = {}
    for label in sorted(labels, key=lambda lb: lb.at):
        earliest.setdefault(label.article, label)
        latest[label.article] = label
    predicted: dict[Hashable, str] = {a: earliest[a].predicted for a in earliest}
    gold: dict[Hashable, str] = {a: latest[a].gold for a in latest}
    # A story's size before the first action that touched it in the period.
    first_size: dict[str, int] = {}
    for recorded in sizes:
        for key, n in recorded.items():
            first_size.setdefault(key, n)
    labelled_in = Counter(predicted.values())
    for key, n in first_size.items():
        for i in range(max(0, n - labelled_in[key])):
            predicted[(key, i)] = key
            gold[(key, i)] = key
    return bcubed(predicted, gold)


@dataclass(frozen=True)
class PeriodReport:
    start: date
    score: BCubed
    labels: int
    corrections: int
    actions: dict[str, int]
    # Labelled articles that were already where the editors' word put them.
    right: int = 0


def already_right(labels: list[Label]) -> int:
    """Articles whose first prediction in the period is their final gold cluster."""
    earliest: dict[int, Label] = {}
    latest: dict[int, Label] = {}
    for label in sorted(labels, key=lambda lb: lb.at):
        earliest.setdefault(label.article, label)
        latest[label.article] = label
    return sum(1 for a in earliest if earliest[a].predicted == latest[a].gold)


def report(rows: Iterable[Mapping[str, Any]], *, period: str = "week") -> list[PeriodReport]:
    """Per day or week: B-cubed of the engine against the editors' labels, and their corrections."""
    rows = list(rows)
    labels, sizes = labels_from_audit(rows)
    labels_by: dict[date, list[Label]] = defaultdict(list)
    sizes_by: dict[date, list[dict[str, int]]] = defaultdict(list)
    actions_by: dict[date, Counter[str]] = defaultdict(Counter)
    for label in labels:
        labels_by[period_start(label.at, period)].append(label)
    for at, recorded in sizes:
        sizes_by[period_start(at, period)].append(recorded)
    for row in rows:
        if row["action"] != "undo":
            actions_by[period_start(row["created_at"], period)][row["action"]] += 1
    reports = []
    for start in sorted(set(labels_by) | set(actions_by)):
        actions = actions_by[start]
        reports.append(
            PeriodReport(
                start=start,
                score=score_labels(labels_by[start], sizes_by[start]),
                labels=len({label.article for label in labels_by[start]}),
                corrections=sum(n for action, n in actions.items() if action in CORRECTIONS),
                actions=dict(actions),
                right=already_right(labels_by[start]),
            )
        )
    return reports


def corrections_per_day(rows: Iterable[Mapping[str, Any]]) -> dict[date, int]:
    """How many corrections (merge, split, pin, exclude) editors made each day, undone ones included."""
    days: Counter[date] = Counter()
    for row in rows:
        if row["action"] in CORRECTIONS:
            days[period_start(row["created_at"], "day")] += 1
    return dict(sorted(days.items()))
