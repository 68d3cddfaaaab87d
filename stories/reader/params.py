"""Page numbers, ids and dates from URLs and forms, parsed with bounds at the edge.

A value no link of ours produces is the caller's mistake: a non-number or an impossible date
is a 400 (BadRequest), a number past every page or row is a 404. Unchecked, such values
reach the database as an OFFSET or a key it cannot hold, and the reader gets a 500.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest

# Past this a listing has nothing to show: 10,000 pages of 20 is 200,000 stories or events,
# and the OFFSET query behind a deeper page would scan all of them to return none.
MAX_PAGE = 10_000
# Primary keys are PostgreSQL bigints.
MAX_ID = 2**63 - 1


def _digits(value: str) -> bool:
    # str.isdigit() alone accepts superscripts, which int() refuses, and Arabic-Indic digits.
    return value.isascii() and value.isdigit()


def page_number(request: HttpRequest, name: str = "page") -> int:
    """The 1-based page asked for in the query string; absent or empty means the first."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return 1
    if not _digits(raw):
        raise BadRequest(f"{name} must be a page number")
    # Compare lengths first: int() of a 100,000-digit string is itself slow.
    if len(raw) > len(str(MAX_PAGE)) or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404(f"no page {raw[:20]}")
    return int(raw)


def parse_id(value: str) -> int | None:
    """A primary key (digits within a bigint) from a URL or a form field, or None."""
    value = value.strip()
    if not _digits(value) or len(value) > len(str(MAX_ID)) or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


def object_id(value: str) -> int:
    """A primary key from a URL: anything else names no object (404)."""
    pk = parse_id(value)
    if pk is None:
        raise Http404(f"no object {value[:20]!r}")
    return pk


def optional_date(request: HttpRequest, name: str) -> date | None:
    """An ISO date (2026-02-28) from the query string; absent or empty is None."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        # Exactly YYYY-MM-DD: fromisoformat also takes week dates and compact forms.
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date like 2026-02-28") from exc
