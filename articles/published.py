"""When an article was published: the first plausible date among its candidates.

The candidates, most trusted first: the feed entry's date (or an import record's), the page's
own metadata (JSON-LD, meta tags, what trafilatura finds), a date written in the address
(``/2019/11/19/``), and the time we first saw the article. A date before 1995 is no date — a
CMS placeholder (JSON-LD ``0001-01-01``), epoch zero, a year-1 default — and neither is one
more than a day ahead (clocks and time zones are sloppy, a day is not). Such a date falls
through to the next candidate, and the article records which one gave its date
(``Article.published_from``), so an estimated date can be told from a real one.

Pure: no Django, plain data in and out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

# Before this, a "publication date" is a placeholder or a parse accident, not news on the web.
OLDEST = datetime(1995, 1, 1, tzinfo=UTC)
# Only what is more than this far ahead of now is called future.
FUTURE_TOLERANCE = timedelta(days=1)

# Where a date came from (Article.published_from), most trusted first.
FEED = "feed"
PAGE = "page"
URL = "url"
FETCHED = "fetched"


def plausible(value: datetime | None, *, now: datetime) -> bool:
    """Whether `value` can be a publication date seen at `now` (both aware)."""
    return value is not None and OLDEST <= value <= now + FUTURE_TOLERANCE


# A date as a path segment run: /2019/11/19/, /2019-11-19-, /20191119/ (delimited, so an
# article id of eight digits in the middle of a number is not read as a day).
_URL_DATE = re.compile(
    r"(?<![0-9])(?P<year>(?:19|20)[0-9]{2})(?P<sep>[/_.-]?)(?P<month>0?[1-9]|1[0-2])(?P=sep)"
    r"(?P<day>0?[1-9]|[12][0-9]|3[01])(?![0-9])"
)


def url_date(url: str | None) -> datetime | None:
    """The day written in an article's address (its path), at midnight UTC; None if none.

    Only the path is read: a host or a query string holding digits is not a date. Without
    separators the date must be eight digits (20191119); with them, one separator kind
    throughout (2019/11/19, 2019-11-19).
    """
    try:
        path = urlsplit(url or "").path
    except ValueError:  # an address urllib cannot split (a broken IPv6 host)
        return None
    for match in _URL_DATE.finditer(path):
        if not match["sep"] and len(match[0]) != 8:
            continue
        try:
            return datetime(int(match["year"]), int(match["month"]), int(match["day"]), tzinfo=UTC)
        except ValueError:  # 2019/02/30
            continue
    return None


def first_plausible(
    candidates: list[tuple[str, datetime | None]], *, now: datetime
) -> tuple[datetime, str] | None:
    """The first plausible (date, origin) of `candidates`, in their order; None if none is."""
    for origin, value in candidates:
        if plausible(value, now=now):
            assert value is not None
            return value, origin
    return None
