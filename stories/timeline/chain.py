"""Who reported an event first and who followed: the chain of an event's reports. Pure.

An event's reports are linked to an original three ways: an article that credits an outlet
(``Article.credit_*``, read at ingest by ``articles.attribution``) follows that outlet's
report when the event holds one, in any language, however the clocks stand; a near-copy
(``Article.duplicate_of``) follows the article it copies; an article crediting an outlet the
event does not hold follows that outlet, unseen. The reports that follow no one are the
independent ones, and the earliest of them reported first. A rewrite never comes first, even
when its clock says it was published before its original (feeds lie about time).

An event in which no report follows another has no chain: ``build_chain`` returns {}.
The result is plain JSON, stored on the event (``Event.chain``) when the event changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Report:
    id: int
    source_id: int
    source_name: str
    outlet: str  # the table's key for the report's source ("" when the table has none)
    published_at: datetime
    language: str
    url: str
    title: str
    credit_name: str = ""
    credit_outlet: str = ""
    credited_source_id: int | None = None
    duplicate_of_id: int | None = None


@dataclass(frozen=True)
class _Link:
    original: Report | None  # None: an outlet the event does not hold
    how: str  # "credit" or "copy"


def build_chain(reports: list[Report]) -> dict:
    """The event's chain as stored on it, or {} when no report follows another."""
    by_id = {report.id: report for report in reports}
    links: dict[int, _Link] = {}
    for report in reports:
        link = _credited(report, reports) or _copied(report, by_id)
        if link is not None:
            links[report.id] = link
    if not links:
        return {}
    independent = sorted((r for r in reports if r.id not in links), key=_time_order)
    if independent:
        first = _entry(independent[0])
    else:
        # Every report follows outlets the event does not hold: the most credited went first.
        outlets = Counter((r.credit_outlet, r.credit_name) for r in reports if r.credit_name)
        (outlet, name), _ = outlets.most_common(1)[0]
        first = {
            "article": None,
            "source": name,
            "outlet": outlet,
            "url": "",
            "title": "",
            "language": "",
            "published_at": None,
        }
    followers = [
        {
            **_entry(report),
            "how": links[report.id].how,
            "original": links[report.id].original.id if links[report.id].original else None,
            "original_url": links[report.id].original.url if links[report.id].original else "",
            "credit": report.credit_name,
            "credit_outlet": report.credit_outlet,
        }
        for report in sorted((r for r in reports if r.id in links), key=_time_order)
    ]
    return {
        "first": first,
        "followers": followers,
        "followed_by": len({f["source_id"] for f in followers}),
        "independent": [_entry(report) for report in independent[1:]],
    }


def _credited(report: Report, reports: list[Report]) -> _Link | None:
    if not (report.credit_name or report.credit_outlet or report.credited_source_id):
        return None
    held = [
        other
        for other in reports
        if other.id != report.id
        and other.source_id != report.source_id
        and (
            (report.credited_source_id is not None and other.source_id == report.credited_source_id)
            or (report.credit_outlet and other.outlet == report.credit_outlet)
        )
    ]
    # Of the outlet's reports, the earliest that credits no one itself (its own original).
    held.sort(key=lambda r: (bool(r.credit_name), _time_order(r)))
    return _Link(held[0] if held else None, "credit")


def _copied(report: Report, by_id: dict[int, Report]) -> _Link | None:
    original = by_id.get(report.duplicate_of_id) if report.duplicate_of_id else None
    if original is None or original.source_id == report.source_id:
        return None
    return _Link(original, "copy")


def _time_order(report: Report) -> tuple[datetime, int]:
    return (report.published_at, report.id)


def _entry(report: Report) -> dict:
    return {
        "article": report.id,
        "source": report.source_name,
        "source_id": report.source_id,
        "outlet": report.outlet,
        "url": report.url,
        "title": report.title,
        "language": report.language,
        "published_at": report.published_at.isoformat(),
    }
