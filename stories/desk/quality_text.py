"""The clustering quality report in sentences an editor reads, with the week-on-week trend.

stories/curation/quality.py computes the figures (B-cubed against editors' corrections); this turns
each period's figures into one plain sentence each, in the active language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext, ngettext

from stories.curation.quality import BCubed, PeriodReport, period_start
from stories.models import AuditEntry

# A change in F1 smaller than this is "about the same": a handful of corrections moves it.
STEADY = 0.02


@dataclass(frozen=True)
class PeriodWords:
    report: PeriodReport
    sentences: list[str]
    trend: str
    actions: str
    undone: int = 0


def standing_editor_rows(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The editors' actions that stand, and the actions (editors' or engine's) that were undone.

    An undone action is no longer anyone's word: it counts as no correction, and its undo
    entry is no action of its own. The engine's own merges are its predictions, never
    editors' corrections. Each standing action is one row, so it counts once.
    """
    standing, undone = [], []
    for row in rows:
        if row["action"] == "undo":
            continue
        if row.get("undone_at") is not None:
            undone.append(row)
        elif (row.get("after") or {}).get("by") != "engine":
            standing.append(row)
    return standing, undone


def undone_per_period(rows: Iterable[Mapping[str, Any]], period: str) -> dict[date, int]:
    return dict(Counter(period_start(row["created_at"], period) for row in rows))


_NOTHING = BCubed(precision=1.0, recall=1.0, items=0)


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _actions(report: PeriodReport) -> str:
    names = dict(AuditEntry.Action.choices)
    return ", ".join(f"{names.get(action, action)}: {n}" for action, n in sorted(report.actions.items()))


def describe(reports: list[PeriodReport], *, undone: Mapping[date, int] | None = None) -> list[PeriodWords]:
    """`reports` oldest first → the same periods, newest first, each with its sentences.

    `undone`: how many actions of each period were undone (counted in no figure, but said).
    """
    undone = dict(undone or {})
    by_start = {report.start: report for report in reports}
    # A period whose every action was undone still gets its sentence: nothing stands.
    for start in undone.keys() - by_start.keys():
        by_start[start] = PeriodReport(start=start, score=_NOTHING, labels=0, corrections=0, actions={})
    described = []
    previous: PeriodReport | None = None
    for report in sorted(by_start.values(), key=lambda r: r.start):
        sentences = []
        if report.labels:
            sentences.append(
                ngettext(
                    "Of the %(n)d article editors corrected or confirmed, "
                    "%(right)d was already in the right story.",
                    "Of the %(n)d articles editors corrected or confirmed, "
                    "%(right)d were already in the right story.",
                    report.labels,
                )
                % {"n": report.labels, "right": report.right}
            )
            sentences.append(
                gettext(
                    "Precision %(p)s: of the articles the engine put together with each of those, "
                    "%(p)s belonged together."
                )
                % {"p": _percent(report.score.precision)}
            )
            sentences.append(
                gettext(
                    "Recall %(r)s: of the articles that belong together, "
                    "the engine had put %(r)s in the same story."
                )
                % {"r": _percent(report.score.recall)}
            )
        else:
            sentences.append(gettext("No article was corrected or confirmed: nothing to measure."))
        sentences.append(
            ngettext(
                "Editors made %(n)d correction (merge, split, pin or exclusion).",
                "Editors made %(n)d corrections (merges, splits, pins and exclusions).",
                report.corrections,
            )
            % {"n": report.corrections}
        )
        undone_here = undone.get(report.start, 0)
        if undone_here:
            sentences.append(
                ngettext(
                    "%(n)d action was undone; it counts as none.",
                    "%(n)d actions were undone; they count as none.",
                    undone_here,
                )
                % {"n": undone_here}
            )
        trend = ""
        if previous is not None and previous.labels and report.labels:
            change = report.score.f1 - previous.score.f1
            values = {"before": f"{previous.score.f1:.2f}", "now": f"{report.score.f1:.2f}"}
            if change > STEADY:
                trend = gettext("Better than the period before (F1 %(before)s → %(now)s).") % values
            elif change < -STEADY:
                trend = gettext("Worse than the period before (F1 %(before)s → %(now)s).") % values
            else:
                trend = gettext("About the same as the period before (F1 %(before)s → %(now)s).") % values
        described.append(PeriodWords(report, sentences, trend, _actions(report), undone_here))
        if report.labels:
            previous = report
    return list(reversed(described))
