"""A headline without the site's name around it: "… – TechCrunch", "… | Reuters",
«… - الجزيرة نت», "LinkNaija | Nigeria's news: …".

Pages put their own name into their <title>, and that name would otherwise show in story
names, headlines and feeds. A tail (or head) set off by a separator goes when it is a name
the site goes by:

- a name the page gives itself: og:site_name, application-name, the Twitter handle, the
  JSON-LD publisher, the host (``newsnation.in`` for "News Nation");
- the source's name, as the operator entered it;
- the tail the source's titles share (``common_tail``): a site whose pages name it nowhere
  else still ends most of its headlines the same way.

Names are compared by their letters and digits only, case folded ("the Guardian", "The
Guardian"; "CBSSports.com", "cbssports"), so only the whole name matches, never a word of
the headline that happens to be part of it. A headline left with fewer than two words keeps
its tail: "Home - Reuters" is not a headline to shorten.

Pure: no Django.
"""

# Dashes are this module's subject, not look-alikes of a hyphen.
# ruff: noqa: RUF001, RUF002
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# What sets a site name off at the end of a title. Spaces on both sides: a hyphen inside a
# word ("Wi-Fi") or a time ("10:30") is no separator.
_TAIL_SEPARATORS = re.compile(r"\s+(?:[|\-–—·•»«~/]|::)\s+")
# At the start, a colon too: "LinkNaija | Nigeria's popular news platform: Nollywood actress …".
_HEAD_SEPARATORS = re.compile(r"\s*:\s+|\s+(?:[|\-–—·•»«~/]|::)\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
# A name written as an address: "https://www.newsnation.in", "Wday.ru", "CBSSports.com".
_ADDRESS = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?((?:[\w-]+\.)+[a-z]{2,})(?:[/:].*)?", re.IGNORECASE
)
# Second-level labels under a country code: the name is the label before them (bbc.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "gob", "or", "ne"})
# A tail longer than this is a clause of the headline, never a site's name.
MAX_TAIL_WORDS = 6
# The fewest words a headline keeps once its site name is gone.
MIN_WORDS_LEFT = 2


def name_key(name: str | None) -> str:
    """What a site name is compared by: its letters and digits, case folded; for an address or
    a handle, the registered name ("https://www.newsnation.in" and "@NewsNation" → newsnation)."""
    if not name:
        return ""
    name = name.strip().removeprefix("@")
    address = _ADDRESS.fullmatch(name)
    if address:
        labels = address.group(1).lower().split(".")[:-1]
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]
        name = labels[-1]
    return _NOT_ALNUM.sub("", name.casefold())


def strip_site_name(title: str, *, names: Iterable[str | None]) -> str:
    """`title` without a trailing (then a leading) part that is one of `names`."""
    keys = {key for key in map(name_key, names) if key}
    if not keys or not title:
        return title
    # Longest first: "… - Remember 80/90 - Memorabilia anni 80/90" is one name, not two.
    for match in _TAIL_SEPARATORS.finditer(title):
        if name_key(title[match.end() :]) in keys and _long_enough(title[: match.start()]):
            title = title[: match.start()].rstrip()
            break
    for match in reversed(list(_HEAD_SEPARATORS.finditer(title))):
        if name_key(title[: match.start()]) in keys and _long_enough(title[match.end() :]):
            title = title[match.end() :].lstrip()
            break
    return title


def common_tail(titles: Iterable[str], *, min_titles: int = 3, min_share: float = 0.5) -> str | None:
    """The tail (after a separator, at most MAX_TAIL_WORDS words) that at least `min_titles` of
    `titles`, and at least `min_share` of them, end with; the longest such when several do."""
    titles = [title for title in titles if title]
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for title in titles:
        seen = set()
        for match in _TAIL_SEPARATORS.finditer(title):
            tail = title[match.end() :].strip()
            key = name_key(tail)
            if key and key not in seen and len(tail.split()) <= MAX_TAIL_WORDS:
                seen.add(key)
                counts[key] += 1
                spelled.setdefault(key, tail)
    enough = max(min_titles, min_share * len(titles))
    shared = [key for key, count in counts.items() if count >= enough]
    if not shared:
        return None
    return spelled[max(shared, key=lambda key: (counts[key], len(key)))]


def _long_enough(rest: str) -> bool:
    return len(rest.split()) >= MIN_WORDS_LEFT
