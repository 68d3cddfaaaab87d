"""The clustering quality report in sentences an editor reads, with the week-on-week trend.

stories/curation/quality.py computes the figures (B-cubed against editors' corrections); this turns
each period's figures into one plain sentence each, in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from stories.curation.quality import PeriodReport
from stories.models import AuditEntry

# A change in F1 smaller than this is "about the same": a handful of corrections moves it.
STEADY = 0.02


@dataclass(frozen=True)
class PeriodWords:
    report: PeriodReport
    sentences: list[str]
    trend: str
    actions: str


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _actions(report: PeriodReport) -> str:
    names = dict(AuditEntry.Action.choices)
    return ", ".join(f"{names.get(action, action)}: {n}" for action, n in sorted(report.actions.items()))


def describe(reports: list[PeriodReport]) -> list[PeriodWords]:
    """`reports` oldest first → the same periods, newest first, each with its sentences."""
    described = []
    previous: PeriodReport | None = None
    for report in reports:
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
        described.append(PeriodWords(report, sentences, trend, _actions(report)))
        if report.labels:
            previous = report
    return list(reversed(described))
