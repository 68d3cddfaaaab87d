"""Lines a site prints on most of its article pages, learned from the pages themselves.

Some boilerplate survives inside the article container whatever the extractor does: the
newsletter pitch after the last paragraph, "Have a tip? Email …", "Tell us what YOU think…".
No rule about one page can tell such a line from prose, but a site gives it away by repeating it:
an article's own sentences appear on one page, or on a few when a follow-up reuses a background
paragraph, while the site's lines appear on most pages it publishes.

So a line is the site's when, among the host's recent pages, at least ``min_pages`` earlier pages
carried it and they are at least ``min_share`` of the pages remembered. Both conditions guard the
article's text: a background paragraph repeated in three follow-ups out of fifty pages stays, and
so does anything a host's first few pages repeat (the memory starts empty, so a host's first
pages keep their boilerplate).

`repeated_lines` is the rule as a pure function over the remembered pages; `SiteLines` is the small
bounded memory (a few hosts' last pages, as sets of hashed line keys) that the ingest service keeps per
worker process. Pure: no Django.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

_WORD = re.compile(r"\w+")
Key = TypeVar("Key", str, int)

MIN_PAGES = 5
MIN_SHARE = 0.5
PAGES_PER_HOST = 50
HOSTS = 2000


def line_key(line: str) -> str:
    """A line as the words it says (case and punctuation aside), so a reformatted copy matches."""
    return " ".join(_WORD.findall(line.casefold()))


def page_keys(text: str) -> frozenset[str]:
    return frozenset(key for line in text.split("\n") if (key := line_key(line)))


def repeated_lines(
    history: Sequence[Collection[Key]],
    keys: Iterable[Key],
    *,
    min_pages: int = MIN_PAGES,
    min_share: float = MIN_SHARE,
) -> set[Key]:
    """The keys among ``keys`` that at least min_pages of the earlier pages in history carry, and
    at least min_share of them."""
    if len(history) < min_pages:
        return set()
    counts = Counter(key for page in history for key in page)
    needed = max(min_pages, min_share * len(history))
    return {key for key in keys if counts[key] >= needed}


def drop_lines(text: str, keys: set[str]) -> str:
    """The text without the lines whose key is in keys."""
    if not keys:
        return text
    return "\n".join(line for line in text.split("\n") if line_key(line) not in keys)


def host_of(url: str) -> str:
    """The site a page belongs to: its host name without a leading "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


class SiteLines:
    """The recent pages of recently seen hosts, and the lines each host repeats.

    Bounded: at most ``hosts`` hosts (the least recently seen is forgotten first), each with its
    last ``pages_per_host`` pages. Safe to share between threads.
    """

    def __init__(
        self,
        *,
        hosts: int = HOSTS,
        pages_per_host: int = PAGES_PER_HOST,
        min_pages: int = MIN_PAGES,
        min_share: float = MIN_SHARE,
    ) -> None:
        self._hosts = hosts
        self._pages_per_host = pages_per_host
        self._min_pages = min_pages
        self._min_share = min_share
        self._pages: OrderedDict[str, OrderedDict[str, array]] = OrderedDict()
        self._lock = threading.Lock()

    def clean(self, url: str, text: str) -> str:
        """The page's text without the lines its host repeats; the page is then remembered.

        A page already remembered (the same URL, fetched again) replaces its earlier copy rather
        than counting twice.
        """
        host = host_of(url)
        keys = page_keys(text)
        # Remembered as packed 64-bit hashes of the lines, not the lines: at the bounds (2,000
        # hosts, 50 pages each, 30 lines a page) 48 MB, where sets of hashes took 350 MB and the
        # lines themselves hundreds of kilobytes a host.
        hashed = array("q", sorted(set(map(hash, keys))))
        with self._lock:
            pages = self._pages.pop(host, None) or OrderedDict()
            pages.pop(url, None)
            repeated = repeated_lines(
                list(pages.values()), list(hashed), min_pages=self._min_pages, min_share=self._min_share
            )
            pages[url] = hashed
            while len(pages) > self._pages_per_host:
                pages.popitem(last=False)
            self._pages[host] = pages
            while len(self._pages) > self._hosts:
                self._pages.popitem(last=False)
        return drop_lines(text, {key for key in keys if hash(key) in repeated})
