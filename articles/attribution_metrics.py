"""Scoring attribution: credits found against credits labelled, per language. Pure, no Django.

Two kinds of labelled data:

* sentence sets (``articles/tests/data/attribution/*.jsonl``, written for Silsila): one
  sentence or credit line per item, the outlets it credits (``credits``, by a name the outlet
  index resolves, or as written for an outlet it does not know), and for a sentence that
  credits nothing but looks as if it might, the kind of ``trap``. A found credit is right
  when it names a labelled outlet; a trap that yields any credit is counted apart.
* an article stream (``ar-en-stories-dev.jsonl``), whose README lists the rewrites and the
  article each rewrites: the rewrite must credit the original's source, every other article
  nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .attribution import Credit, OutletIndex, SourceName, attribute, find_credits, name_key


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    items: int = 0
    traps: int = 0
    trap_credits: list[str] = field(default_factory=list)  # ids of traps that produced a credit
    errors: list[str] = field(default_factory=list)  # "id: expected … found …"

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.items} items ({self.traps} traps), credits expected {self.tp + self.fn}, "
            f"found {self.tp + self.fp}: precision {self.precision:.3f}, recall {self.recall:.3f}; "
            f"traps with a credit {len(self.trap_credits)}"
        )


def read_items(path: Path) -> list[dict]:
    """The JSON objects of a JSONL file; ValueError naming the line that is not one."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} line {number} is not JSON: {exc}") from None
    return items


def read_sources(path: Path) -> list[SourceName]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [SourceName(s["id"], s["name"], s.get("url", "")) for s in data["sources"]]


def identity_of_label(label: str, index: OutletIndex) -> str:
    """A labelled outlet name as Credit.identity would say it."""
    resolved = index.resolve(label)
    if resolved is None:
        return name_key(label)
    outlet, source_id = resolved
    return Credit(label, outlet, source_id, "", "line", 0).identity


def score_sentences(items: Iterable[dict], index: OutletIndex) -> dict[str, Score]:
    """Precision and recall of find_credits per language, over the items' credit sets."""
    scores: dict[str, Score] = {}
    for item in items:
        score = scores.setdefault(item["lang"], Score())
        score.items += 1
        expected = {identity_of_label(label, index) for label in item["credits"]}
        found = {credit.identity for credit in find_credits(item["text"], index=index)}
        score.tp += len(expected & found)
        score.fp += len(found - expected)
        score.fn += len(expected - found)
        if item.get("trap"):
            score.traps += 1
            if found:
                score.trap_credits.append(item["id"])
        if expected != found:
            score.errors.append(f"{item['id']}: expected {sorted(expected)}, found {sorted(found)}")
    return scores


# "- d-005 (المرصد العربي, «نقلا عن ليفانت واير») ← d-003 (Levant Wire, 2027-03-03T06:40:00Z)"
_REWRITE_LINE = re.compile(r"^- (?P<rewrite>[\w-]+) \(.*\) ← (?P<original>[\w-]+) \(")


def read_rewrites(readme: Path) -> dict[str, str]:
    """{rewrite id: original id} as the stream's README lists them."""
    rewrites = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        found = _REWRITE_LINE.match(line.strip())
        if found:
            rewrites[found["rewrite"]] = found["original"]
    return rewrites


def score_stream(records: list[dict], rewrites: Mapping[str, str]) -> tuple[Score, OutletIndex]:
    """Article-level credits on a stream whose sources are the records' source names."""
    names = sorted({record["source"] for record in records})
    source_ids = {name: number for number, name in enumerate(names, start=1)}
    index = OutletIndex([SourceName(source_ids[name], name) for name in names])
    by_id = {record["id"]: record for record in records}
    score = Score()
    for record in records:
        score.items += 1
        original = rewrites.get(record["id"])
        expected = {f"source:{source_ids[by_id[original]['source']]}"} if original else set()
        credit = attribute(
            title=record.get("title", ""),
            text=record.get("text", ""),
            index=index,
            own_source_id=source_ids[record["source"]],
        )
        found = {credit.identity} if credit else set()
        score.tp += len(expected & found)
        score.fp += len(found - expected)
        score.fn += len(expected - found)
        if expected != found:
            score.errors.append(f"{record['id']}: expected {sorted(expected)}, found {sorted(found)}")
    return score, index
