"""Ingestion workflows: from a source URL to clean, deduplicated Article rows.

poll_source() reads a feed and stores one pending Article per new entry; fetch_article()
fetches and extracts its page (falling back to the feed's summary); import_articles() takes
ready-made articles from a JSONL file. All of them store through store_text(), so dedup,
language detection and near-duplicate linking behave the same whatever the way in.

Failures never escape as exceptions except one: fetch_article() raises FetchError for a
transient page failure worth retrying, so the Celery task can retry it with backoff. A broken
feed is written on its Source (with backoff), a broken page on its Article.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Case, Count, Max, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import dedup, embedding, published, text, titles
from .attribution import OutletIndex, SourceName, attribute
from .boilerplate import SiteLines
from .extract import extract_article
from .feeds import FeedEntry, FeedError, ParsedFeed, parse_feed
from .fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchResult,
    HostGate,
    LocalHostGate,
    RedisHostGate,
    RobotsCache,
)
from .models import Article, PublishedFrom, Source, url_hash
from .sanitize import html_to_text, plain_text, sanitize_html
from .search import document_of

__all__ = [
    "FetchError",
    "ImportSummary",
    "PollSummary",
    "attribute_articles",
    "book_turn",
    "claim_due_sources",
    "claim_stale_pending_articles",
    "fetch_article",
    "fetch_articles",
    "fill_attribution",
    "find_original",
    "get_fetcher",
    "import_articles",
    "outlet_index",
    "pause_of",
    "poll_source",
    "record_import_errors",
    "store_entries",
    "store_text",
]

logger = logging.getLogger(__name__)

# A sitemap index can list thousands of child sitemaps; read the first few each poll (news
# sitemap indexes list the current news sitemap first; archives follow).
MAX_CHILD_SITEMAPS = 5
# A first poll of a large (non-news) sitemap would otherwise queue tens of thousands of old
# pages; the newest this many entries of one poll are kept, the rest reported as a warning.
MAX_ENTRIES_PER_POLL = 10_000
# Page fetches are tried this many times before the feed summary stands in for good.
MAX_FETCH_ATTEMPTS = 3
# A pending article untouched this long lost its task (a broker restart, a crash between
# commit and enqueue, a poll_sources run without a worker); the beat tick re-queues it.
STALE_PENDING_AFTER = timedelta(minutes=15)

# A near-copy lookup reads at most this many candidates (exact copies first): a boilerplate
# text shared by thousands of pages must not make one store read them all.
NEAR_COPY_CANDIDATES = 200
# Below this many words (title + text) two texts are alike by accident ("Video", "Live
# updates"), not because one copies the other: such articles are never linked by content.
MIN_DEDUP_WORDS = 12


@dataclass
class PollSummary:
    source_id: int
    status: str  # "ok", "not_modified", "busy", "error", "disabled"
    entries: int = 0
    new_article_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def line(self, source_name: str) -> str:
        if self.status == "error":
            return f"{source_name}: ERROR {self.error}"
        if self.status == "disabled":
            return f"{source_name}: disabled{f' ({self.error})' if self.error else ''}, not polled"
        if self.status == "not_modified":
            return f"{source_name}: not modified"
        if self.status == "busy":
            return f"{source_name}: host busy, polled after the crawler's own pause ({self.error})"
        warn = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return f"{source_name}: {self.entries} entries, {len(self.new_article_ids)} new{warn}"


@dataclass
class ImportSummary:
    read: int = 0
    created: int = 0
    skipped_duplicates: int = 0
    near_duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)


# --- Fetching ---------------------------------------------------------------------------


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        timeout=settings.SILSILA_FETCH_TIMEOUT,
        max_bytes=settings.SILSILA_FETCH_MAX_BYTES,
        max_redirects=settings.SILSILA_FETCH_MAX_REDIRECTS,
        user_agent=settings.SILSILA_USER_AGENT,
        allow_private=settings.SILSILA_FETCH_ALLOW_PRIVATE,
        host_delay=settings.SILSILA_FETCH_HOST_DELAY,
        max_crawl_delay=settings.SILSILA_FETCH_MAX_CRAWL_DELAY,
        back_off=settings.SILSILA_FETCH_BACK_OFF,
        max_back_off=settings.SILSILA_FETCH_MAX_BACK_OFF,
    )


def _host_gate() -> HostGate:
    # Politeness must hold across worker processes, so it lives in Redis when there is one.
    if settings.CACHE_URL.startswith(("redis://", "rediss://")):
        return RedisHostGate(settings.CACHE_URL)
    return LocalHostGate()


@lru_cache(maxsize=1)
def get_fetcher() -> Fetcher:
    """One pooled fetcher per process (its connection pools are what make fetching fast).

    Built from settings on first use; tests that change fetch settings call cache_clear().
    """
    policy = fetch_policy()
    gate = _host_gate()
    return Fetcher(policy, gate=gate, robots=RobotsCache(Fetcher(policy, gate=gate)))


@lru_cache(maxsize=1)
def site_lines() -> SiteLines:
    """The lines each site repeats, learned from the pages this process extracts (with
    SILSILA_SITE_BOILERPLATE on). Per process and bounded; a fresh worker relearns them."""
    return SiteLines()


# --- Polling ----------------------------------------------------------------------------


def poll_source(
    *, source: Source, now: datetime | None = None, fetcher: Fetcher | None = None
) -> PollSummary:
    """Read one source's feed and store an Article stub per new entry.

    Any error is written on the source (with backoff) and returned in the summary; it never
    propagates, so one broken source cannot stop the others.
    """
    now = now or timezone.now()
    if not source.enabled:
        return PollSummary(source_id=source.pk, status="disabled", error=source.disabled_reason)
    if source.kind == Source.Kind.IMPORT or not source.url:
        return PollSummary(source_id=source.pk, status="error", error="an import source has no feed to poll")
    fetcher = fetcher or get_fetcher()
    # A sitemap index rarely changes while the sitemaps it lists do: a 304 on the index must
    # not stop us reading them, so indexes are always fetched in full (they are small).
    conditional = source.kind != Source.Kind.SITEMAP_INDEX
    try:
        result = fetcher.fetch(
            source.url,
            etag=(source.etag or None) if conditional else None,
            last_modified=(source.last_modified or None) if conditional else None,
        )
        if result.not_modified:
            source.record_success(
                now=now,
                etag=result.etag or source.etag,
                last_modified=result.last_modified or source.last_modified,
                warnings=source.warnings,
            )
            return PollSummary(source_id=source.pk, status="not_modified")
        feed = parse_feed(result.body, url=result.url, content_type=result.content_type, now=now)
        entries = list(feed.entries)
        warnings = list(feed.warnings)
        language = feed.language
        if feed.kind == "sitemap_index":
            entries, warnings, language = _read_child_sitemaps(feed, fetcher=fetcher, now=now)
        entries, dropped = _newest(entries, MAX_ENTRIES_PER_POLL)
        if dropped:
            warnings.append(f"{dropped} older entries beyond the newest {MAX_ENTRIES_PER_POLL} skipped.")
    except FetchError as exc:
        if exc.kind in _OUR_OWN_WAITS:
            return _poll_deferred(source, exc, now=now)
        return _poll_failed(source, error=str(exc), now=now)
    except FeedError as exc:
        return _poll_failed(source, error=str(exc), now=now)
    except Exception as exc:
        # Unknown failures are recorded too (and logged with a traceback) rather than lost.
        logger.exception("unexpected error polling source %s", source.pk)
        return _poll_failed(source, error=f"unexpected error: {type(exc).__name__}: {exc}", now=now)

    try:
        with transaction.atomic():
            _learn_title_tail(source, [entry.title for entry in entries])
            stored = store_entries(source=source, entries=entries, now=now)
            new_ids = stored.new_ids
            if stored.unlinked:
                warnings.append(f"{stored.unlinked} entries without a link skipped.")
            warnings.extend(stored.refused)
            if source.kind == Source.Kind.AUTO:
                source.kind = feed.kind
                source.save(update_fields=["kind"])
            if not source.language and language:
                source.language = _language_code(language)
                source.save(update_fields=["language"])
            # The validators stay with the stored entries: if storing fails, the next poll
            # must not be answered 304 for entries we never kept.
            keep_validators = feed.kind != "sitemap_index"
            source.record_success(
                now=now,
                etag=(result.etag or "") if keep_validators else "",
                last_modified=(result.last_modified or "") if keep_validators else "",
                warnings=warnings,
            )
    except DatabaseError as exc:
        logger.exception("could not store the entries of source %s", source.pk)
        source.refresh_from_db()
        return _poll_failed(source, error=f"could not store entries: {type(exc).__name__}: {exc}", now=now)
    return PollSummary(
        source_id=source.pk, status="ok", entries=len(entries), new_article_ids=new_ids, warnings=warnings
    )


# Waits the crawler imposes on itself (another request to the host is under way, a Crawl-delay
# or Retry-After pause, the host gate unreachable): the feed was never asked, so nothing is
# known about its health.
_OUR_OWN_WAITS = frozenset({"host_busy", "host_gate"})
# A poll put off by our own politeness comes back after the pause, or this long without one.
BUSY_RETRY = timedelta(minutes=1)


def _poll_deferred(source: Source, exc: FetchError, *, now: datetime) -> PollSummary:
    """Our own politeness kept us from asking: try again after the pause, counting nothing
    against the source (no failure, no backoff, its last real error left as it is)."""
    wait = timedelta(seconds=exc.retry_after) if exc.retry_after else BUSY_RETRY
    source.defer_poll(until=now + wait)
    return PollSummary(source_id=source.pk, status="busy", error=str(exc))


def _poll_failed(source: Source, *, error: str, now: datetime) -> PollSummary:
    source.record_failure(
        error=error,
        now=now,
        backoff_max=settings.SILSILA_POLL_BACKOFF_MAX,
        max_failures=settings.SILSILA_SOURCE_MAX_FAILURES,
    )
    return PollSummary(source_id=source.pk, status="error", error=error)


def source_poisoned(error: str, args: tuple, kwargs: dict, deaths: int) -> None:
    """A poll that killed its worker `deaths` times: recorded as the source's failure."""
    source = Source.objects.filter(pk=args[0] if args else kwargs.get("source_id")).first()
    if source is not None:
        _poll_failed(source, error=f"poll killed its worker {deaths} times: {error}", now=timezone.now())


def article_poisoned(error: str, args: tuple, kwargs: dict, deaths: int) -> None:
    """A page that killed its worker `deaths` times: the feed's summary stands in for it."""
    article = (
        Article.objects.select_related("source")
        .filter(pk=args[0] if args else kwargs.get("article_id"))
        .first()
    )
    if article is not None and not article.is_ready:
        _fall_back_to_feed(article, error=f"page fetch killed its worker {deaths} times: {error}")


def _read_child_sitemaps(
    index: ParsedFeed, *, fetcher: Fetcher, now: datetime
) -> tuple[list[FeedEntry], list[str], str | None]:
    """Entries, warnings and language of an index's child sitemaps.

    A broken child is a warning; all of them broken is an error.
    """
    entries: list[FeedEntry] = []
    languages: list[str] = []
    warnings = list(index.warnings)
    children = index.child_sitemaps[:MAX_CHILD_SITEMAPS]
    if len(index.child_sitemaps) > MAX_CHILD_SITEMAPS:
        warnings.append(
            f"the index lists {len(index.child_sitemaps)} sitemaps; read the first {MAX_CHILD_SITEMAPS}."
        )
    failures: list[str] = []
    busy: list[FetchError] = []
    for child_url in children:
        try:
            child = fetcher.fetch(child_url)
            parsed = parse_feed(child.body, url=child.url, content_type=child.content_type, now=now)
        except FetchError as exc:
            if exc.kind in _OUR_OWN_WAITS:
                busy.append(exc)  # read on the next poll; says nothing about the sitemap
                warnings.append(f"child sitemap {child_url} not read this time: {exc}")
            else:
                failures.append(f"child sitemap {child_url}: {exc}")
            continue
        except FeedError as exc:
            failures.append(f"child sitemap {child_url}: {exc}")
            continue
        if parsed.kind == "sitemap_index":
            failures.append(f"child sitemap {child_url} is itself an index; nested indexes are not followed")
            continue
        entries.extend(parsed.entries)
        warnings.extend(parsed.warnings)
        if parsed.language:
            languages.append(parsed.language)
    if children and len(busy) == len(children):
        raise busy[0]
    if failures and len(failures) + len(busy) == len(children):
        raise FeedError(f"none of the {len(children)} sitemaps in the index could be read; {failures[0]}")
    language = max(set(languages), key=languages.count) if languages else None
    return entries, warnings + failures, language


def _newest(entries: list[FeedEntry], limit: int) -> tuple[list[FeedEntry], int]:
    if len(entries) <= limit:
        return entries, 0
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(entries, key=lambda e: e.published_at or oldest, reverse=True)
    return ranked[:limit], len(entries) - limit


def claim_due_sources(
    *, now: datetime | None = None, lease_seconds: int = 300, limit: int = 500
) -> list[int]:
    """Claim the due sources so that no other beat tick or worker polls them concurrently.

    The rows are locked (skipping ones another tick holds) and their next_poll_at moved
    forward by a lease; the poll then sets the real next time. If the poll never happens
    (a worker died), the lease runs out and the source is due again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Source.objects.due(now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
        )
        if ids:
            Source.objects.filter(pk__in=ids).update(next_poll_at=now + timedelta(seconds=lease_seconds))
    return ids


def claim_stale_pending_articles(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending articles whose fetch task was lost, claimed (their updated_at bumped) for a re-queue."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Article.objects.pending()
            .filter(updated_at__lt=now - STALE_PENDING_AFTER)
            .order_by("updated_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Article.objects.filter(pk__in=ids).update(updated_at=now)
    return ids


# --- Storing entries ---------------------------------------------------------------------


def _language_code(value: str | None) -> str:
    """The primary subtag of a language tag: "en-US" and "ar_EG" become "en" and "ar"."""
    if not value:
        return ""
    return value.strip().replace("_", "-").split("-", 1)[0].lower()[:10]


@dataclass
class StoredEntries:
    new_ids: list[int]  # the new rows, pending their page
    unlinked: int = 0  # entries skipped for having no link
    refused: list[str] = field(default_factory=list)  # entries the database refused, and why


def store_entries(*, source: Source, entries: Iterable[FeedEntry], now: datetime) -> StoredEntries:
    """Insert a pending Article per entry not seen before, in one batched INSERT.

    Unique constraints (source+guid, canonical URL hash) make re-polling the same feed a
    no-op, also when two workers poll it at once. Every field is cleaned here as well as by
    the parser (control characters, markup in plain-text fields): this is the table's way in,
    whichever parser produced the entry. Should the database still refuse the batch, its rows
    go in one by one, and an entry it refuses is reported, never the whole poll.
    """
    candidates: dict[str, Article] = {}
    seen_guids: set[str] = set()
    unlinked = 0
    for entry in entries:
        url = text.clean_text(entry.url or "").strip()
        if not url:
            unlinked += 1
            continue
        canonical = dedup.canonical_url(url)
        key = url_hash(canonical)
        guid = text.clean_text(entry.guid or "")[:1000] or None
        # A feed that repeats an entry (same link or same GUID) stores it once.
        if key in candidates or (guid is not None and guid in seen_guids):
            continue
        if guid is not None:
            seen_guids.add(guid)
        published_at, published_from = _entry_date(entry.published_at, url, now=now)
        candidates[key] = Article(
            source=source,
            guid=guid,
            url=url[:4000],
            canonical_url=canonical[:4000],
            url_hash=key,
            # Empty when the feed has none (sitemaps): the page's title fills it in.
            title=plain_text(entry.title),
            summary=text.clean_text(entry.summary),
            # The parser sanitises too; sanitising at write time keeps that a guarantee of
            # the table rather than of whichever parser produced the entry.
            summary_html=sanitize_html(entry.summary_html, base_url=url) if entry.summary_html else "",
            author=plain_text(entry.author or "")[:500],
            image_url=text.clean_text(entry.image_url or "").strip()[:4000],
            language=_language_code(entry.language) or source.language,
            published_at=published_at,
            published_from=published_from,
        )
    if not candidates:
        return StoredEntries(new_ids=[], unlinked=unlinked)
    existing_hashes = set(
        Article.objects.filter(url_hash__in=list(candidates)).values_list("url_hash", flat=True)
    )
    existing_guids = set(
        Article.objects.filter(source=source, guid__in=list(seen_guids)).values_list("guid", flat=True)
    )
    fresh = [
        a for key, a in candidates.items() if key not in existing_hashes and a.guid not in existing_guids
    ]
    if not fresh:
        return StoredEntries(new_ids=[], unlinked=unlinked)
    refused = _insert_entries(fresh)
    created = Article.objects.filter(
        source=source,
        url_hash__in=[a.url_hash for a in fresh],
        status=Article.Status.PENDING,
        fetch_attempts=0,
    ).values_list("pk", flat=True)
    return StoredEntries(new_ids=sorted(created), unlinked=unlinked, refused=refused)


def _insert_entries(fresh: list[Article]) -> list[str]:
    """INSERT the rows; what the database refused, one line per row.

    One statement for the lot, in a savepoint; if the database refuses it (a value it will not
    store that the cleaning did not foresee), the rows go one by one, each in its own savepoint,
    so one bad entry costs that entry only. Conflicts with a concurrent poll of the same feed
    are ignored; the rows are then read back by key. Both polls may see a row as theirs:
    fetch_article's claim makes the second fetch task a no-op.
    """
    try:
        with transaction.atomic():
            Article.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
        return []
    except (DatabaseError, ValueError):
        logger.warning("a poll's entries were refused together; storing them one by one", exc_info=True)
    refused = []
    for article in fresh:
        try:
            with transaction.atomic():
                Article.objects.bulk_create([article], ignore_conflicts=True)
        except (DatabaseError, ValueError) as exc:
            refused.append(f"entry {article.url[:300]} not stored: {type(exc).__name__}: {str(exc)[:300]}")
    return refused


def _entry_date(value: datetime | None, url: str, *, now: datetime) -> tuple[datetime, str]:
    """An entry's date and where it came from: its own, else one in its address, else now.

    The page's metadata, which ranks between the two, is read when the page is fetched.
    """
    found = published.first_plausible(
        [(PublishedFrom.FEED, value), (PublishedFrom.URL, published.url_date(url))], now=now
    )
    return found or (now, PublishedFrom.FETCHED)


def _learn_title_tail(source: Source, seen: list[str]) -> None:
    """Remember the tail the source's titles share (titles.common_tail), if they share one."""
    tail = plain_text(titles.common_tail(seen) or "")[:200]
    # Compared as stored: a tail that stores differently must not be written again every poll.
    if tail and tail != source.title_tail:
        source.title_tail = tail
        source.save(update_fields=["title_tail"])


# --- Page fetch and extraction ----------------------------------------------------------

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def fetch_article(*, article: Article, fetcher: Fetcher | None = None) -> Article:
    """Fetch and extract an article's page; the feed's summary stands in when that fails.

    Raises FetchError only for a transient failure that is worth retrying (the task retries
    it with backoff); every other outcome is written on the row. Each attempt is claimed
    with a conditional UPDATE, so a duplicate task for the same article does nothing.
    """
    outcome = _fetch_page(article=article, fetcher=fetcher)
    return outcome if isinstance(outcome, Article) else store_text(**outcome)


@dataclass
class FetchBatch:
    stored: list[Article] = field(default_factory=list)  # written (extracted, feed-only or failed)
    retry: list[tuple[int, Exception]] = field(default_factory=list)  # ids to try again, and why
    left: list[int] = field(default_factory=list)  # ids left pending after an unexpected error
    # Pages of a host our politeness holds (not tried, attempts untouched), one entry per host:
    # their ids and the seconds until the turn booked for them.
    deferred: list[tuple[list[int], float]] = field(default_factory=list)


def fetch_articles(*, articles: Iterable[Article], fetcher: Fetcher | None = None) -> FetchBatch:
    """fetch_article for several pages in one pass: each claimed, fetched and extracted in
    turn, then their texts encoded in one batch and stored one by one.

    One page's failure is its own: a transient one (FetchError, a database hiccup) is listed
    for a retry, an unexpected one is logged and leaves the page pending (the beat tick's
    sweep re-queues it), and the other pages go on. When a host is paused (its politeness
    delay, a Crawl-delay, a Retry-After), its remaining pages are not tried: they come back
    `deferred` with a booked turn, and the pages of other hosts go on.
    """
    fetcher = fetcher or get_fetcher()
    batch = FetchBatch()
    waiting: list[dict] = []
    paused: dict[str, tuple[list[int], float, str]] = {}  # host -> ids, pause, a URL of it
    for article in articles:
        host = _host_of(article.url)
        if host in paused:
            paused[host][0].append(article.pk)
            continue
        try:
            outcome = _fetch_page(article=article, fetcher=fetcher)
        except FetchError as exc:
            if exc.kind == "host_busy":
                paused[host] = ([article.pk], pause_of(exc, fetcher), article.url)
            else:
                batch.retry.append((article.pk, exc))
            continue
        except (OperationalError, InterfaceError) as exc:
            batch.retry.append((article.pk, exc))
            continue
        except Exception:
            logger.exception("unexpected error fetching article %s", article.pk)
            batch.left.append(article.pk)
            continue
        if isinstance(outcome, Article):
            batch.stored.append(outcome)
        else:
            waiting.append(outcome)
    _learn_batch_title_tails(waiting)
    vectors = _encode_batch(
        [_embedding_basis(w["article"], w["title"], w["body"], w.get("site_names", ())) for w in waiting]
    )
    # Checking the sources for changes is a query: once for the batch, not once per page.
    index = outlet_index() if waiting else None
    for request, vector in zip(waiting, vectors, strict=True):
        try:
            batch.stored.append(store_text(**request, vector=vector, index=index))
        except (OperationalError, InterfaceError) as exc:
            batch.retry.append((request["article"].pk, exc))
        except Exception:
            logger.exception("unexpected error storing article %s", request["article"].pk)
            batch.left.append(request["article"].pk)
    for ids, pause, url in paused.values():
        batch.deferred.append((ids, book_turn(url, pause=pause, fetcher=fetcher)))
    return batch


def _learn_batch_title_tails(waiting: list[dict]) -> None:
    """Learn each source's shared title tail from the titles of its pages in this batch."""
    by_source: dict[int, list[dict]] = {}
    for request in waiting:
        by_source.setdefault(request["article"].source_id, []).append(request)
    for requests in by_source.values():
        source = requests[0]["article"].source
        _learn_title_tail(source, [request["title"] for request in requests])
        for request in requests:
            request["article"].source.title_tail = source.title_tail


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def pause_of(exc: FetchError, fetcher: Fetcher | None = None) -> float:
    """How long the host a host_busy error names stays paused: its pause when the gate knew
    it, else (another request in flight) the policy's delay, and never under a second."""
    delay = (fetcher or get_fetcher()).policy.host_delay
    return max(1.0, exc.retry_after if exc.retry_after is not None else delay)


def book_turn(url: str, *, pause: float, fetcher: Fetcher | None = None) -> float:
    """Seconds until the turn booked at url's host for a page sent back to the queue: at
    least `pause`, behind pages booked before it. A gate outage books nothing (the pause)."""
    fetcher = fetcher or get_fetcher()
    try:
        return fetcher.book_turn(url, after=pause)
    except FetchError:
        return pause


def _encode_batch(texts: list[str]) -> list[np.ndarray | None]:
    """One encoder call for the batch; None (encode each alone, recording failures) if it fails."""
    if not texts:
        return []
    try:
        return list(embedding.encode(texts))
    except Exception:
        logger.warning("batch encoding failed; encoding one by one", exc_info=True)
        return [None] * len(texts)


def _fetch_page(*, article: Article, fetcher: Fetcher | None) -> Article | dict:
    """Claim, fetch and extract: the stored Article when it is settled without a page (not
    pending, already claimed, fallen back to the feed), else store_text's arguments."""
    if article.status != Article.Status.PENDING:
        return article
    attempts = article.fetch_attempts
    claimed = Article.objects.filter(
        pk=article.pk, status=Article.Status.PENDING, fetch_attempts=attempts
    ).update(fetch_attempts=attempts + 1, updated_at=timezone.now())
    if not claimed:
        article.refresh_from_db()
        return article
    article.fetch_attempts = attempts + 1
    if attempts >= MAX_FETCH_ATTEMPTS:
        return _fall_back_to_feed(
            article, error=article.last_error or f"page not fetched in {attempts} attempts"
        )

    fetcher = fetcher or get_fetcher()
    try:
        result = fetcher.fetch(article.url, check_robots=True, gate_wait=settings.SILSILA_FETCH_GATE_WAIT)
    except FetchError as exc:
        if exc.kind == "host_busy":
            # Our own politeness kept us from asking (a Crawl-delay, a Retry-After pause):
            # the page was not tried, so the attempt is given back and the task waits.
            Article.objects.filter(pk=article.pk, fetch_attempts=attempts + 1).update(
                fetch_attempts=attempts, last_error=str(exc)[:5000]
            )
            raise
        if exc.transient and article.fetch_attempts < MAX_FETCH_ATTEMPTS:
            Article.objects.filter(pk=article.pk).update(last_error=str(exc)[:5000])
            raise
        return _fall_back_to_feed(article, error=str(exc))

    if result.content_type and result.content_type not in _HTML_TYPES:
        return _fall_back_to_feed(article, error=f"the page is {result.content_type}, not HTML")
    now = timezone.now()
    page = extract_article(_page_markup(result), url=result.url, now=now)
    if page is None:
        return _fall_back_to_feed(article, error="no article text found on the page")
    body = page.text
    if settings.SILSILA_SITE_BOILERPLATE:
        body = site_lines().clean(result.url, body)
        if not body:
            return _fall_back_to_feed(article, error="only lines the site repeats on every page")
    if page.image_url and article.image_url in {"", page.image_url}:
        article.image_width, article.image_height = page.image_width, page.image_height
    published_at, published_from = _page_date(article, page.published_at, result.url, now=now)
    return dict(
        article=article,
        title=article.title or page.title or "",
        body=body,
        language_hint=page.language or article.language or article.source.language or None,
        status=Article.Status.EXTRACTED,
        # The final URL after redirects (feed proxies, short links) with the page's own
        # rel=canonical: the address the article is known by.
        canonical_url=dedup.canonical_url(result.url, canonical_hint=page.canonical_url),
        published_at=published_at,
        published_from=published_from,
        author=article.author or page.author or "",
        image_url=article.image_url or page.image_url or "",
        site_names=page.site_names,
        error="",
    )


def _page_date(
    article: Article, page_date: datetime | None, final_url: str, *, now: datetime
) -> tuple[datetime | None, str | None]:
    """The page's date (or its final address's) and its origin, where it ranks above the date
    the article has; (None, None) when the article keeps its own."""
    if article.published_from == PublishedFrom.FEED:
        return None, None
    candidates = [(PublishedFrom.PAGE, page_date)]
    if article.published_from == PublishedFrom.FETCHED:
        candidates.append((PublishedFrom.URL, published.url_date(final_url)))
    return published.first_plausible(candidates, now=now) or (None, None)


def _page_markup(result: FetchResult) -> bytes | str:
    """The page decoded by its HTTP charset when it has one and is not UTF-8; else the bytes.

    The extractor decodes bytes by BOM, UTF-8 and <meta charset>; a legacy page (windows-1256)
    that names its charset only in the Content-Type header would otherwise be guessed at.
    """
    if not result.charset:
        return result.body
    try:
        result.body.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return result.body.decode(result.charset)
        except (LookupError, UnicodeDecodeError):
            return result.body
    return result.body


def _fall_back_to_feed(article: Article, *, error: str) -> Article:
    body = article.summary or html_to_text(article.summary_html)
    title = article.title or _first_line(body)
    if not title and not body:
        article.mark_failed(error or "nothing to extract: no page text and no feed summary")
        return article
    return store_text(
        article=article,
        title=title,
        body=body,
        language_hint=article.language or article.source.language or None,
        status=Article.Status.FEED_ONLY,
        error=error,
    )


def _first_line(body: str, limit: int = 200) -> str:
    line = body.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + "…"


def store_text(
    *,
    article: Article,
    title: str,
    body: str,
    language_hint: str | None,
    status: str,
    canonical_url: str | None = None,
    published_at: datetime | None = None,
    published_from: str | None = None,
    author: str | None = None,
    image_url: str | None = None,
    site_names: Iterable[str] = (),
    error: str | None = None,
    vector: np.ndarray | None = None,
    index: OutletIndex | None = None,
) -> Article:
    """Write an article's final text with its language, hashes and near-duplicate link.

    Saves a new row or updates a stub. canonical_url, when it differs from the stored key,
    re-keys the row unless another row already holds that key: then this row is a copy of
    it under another address, is linked to it, and keeps its own key (nothing is dropped,
    and re-ingesting either address stays a no-op). vector: the sentence vector of
    _embedding_basis(article, title, body) when the caller encoded a batch; else encoded here.
    published_from says which candidate gave published_at (articles.published). site_names:
    names the page gives its site, cut from the title with the source's own (articles.titles).
    index: the outlet index a batch read once for all its articles (else outlet_index()).
    """
    article.title = _final_title(article, title, site_names) or article.title
    # Control characters (NUL!) and bidi controls go at ingest: no stored text holds them.
    article.text = text.clean_text(body).strip()
    article.summary = text.clean_text(article.summary)
    hint = _language_code(language_hint) or None
    article.language = _language_code(text.detect_language(f"{article.title}\n{article.text}", hint=hint))
    if author is not None:
        article.author = plain_text(author)[:500]
    if image_url is not None:
        article.image_url = text.clean_text(image_url).strip()[:4000]
    if error is not None:
        article.last_error = text.clean_text(error)[:5000]
    article.status = status
    if published_at is not None:
        article.published_at = published_at
        article.published_from = published_from or PublishedFrom.PAGE
    _fill_dedup_fields(article)
    fill_attribution(article, index=index)
    fill_embedding(article, vector=vector)
    # Written with the row itself rather than by a second UPDATE.
    article.search_document = document_of(title=article.title, summary=article.summary, text=article.text)
    previous_key = (article.canonical_url, article.url_hash)
    if canonical_url:
        _apply_canonical_url(article, canonical_url)
    if article.pk is None or (article.canonical_url, article.url_hash) == previous_key:
        article.save()
        return article
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # Another worker stored the page under its canonical address since we looked.
        article.canonical_url, article.url_hash = previous_key
        _apply_canonical_url(article, canonical_url or "")
        article.save()
    return article


def _final_title(article: Article, title: str, site_names: Iterable[str] = ()) -> str:
    """`title` as store_text stores it: plain text, without a site name around it, cut to size."""
    names = [article.source.name, article.source.title_tail, *site_names]
    return titles.strip_site_name(plain_text(title), names=names)[:2000]


def _embedding_basis(article: Article, title: str, body: str, site_names: Iterable[str] = ()) -> str:
    """What fill_embedding encodes once store_text has set this title and body."""
    return embedding.embedding_text(
        _final_title(article, title, site_names) or article.title,
        text.clean_text(body).strip() or article.summary,
    )


def fill_embedding(article: Article, *, vector: np.ndarray | None = None) -> None:
    """Encode the article's title and lead into its stored sentence vector.

    `vector` is that encoding when a batch was encoded beforehand (an all-zero row is the
    batch's way of saying the text was unreadable). A failure (nothing readable, an encoder
    error) is written on the row and leaves the vector empty: the article is still stored,
    and clustering places it on its words alone.
    """
    try:
        if vector is None:
            vector = embedding.encode_one(
                embedding.embedding_text(article.title, article.text or article.summary)
            )
        elif not vector.any():
            # The batch's all-zero row: nothing to read, or (for a readable text) the encoder
            # gave no usable vector, which /healthz counts against the encoder.
            basis = embedding.embedding_text(article.title, article.text or article.summary)
            if embedding.readable(basis):
                raise embedding.EncodingError("the encoder returned no usable vector")
            raise embedding.EncodingError(embedding.UNREADABLE)
        article.embedding = embedding.to_bytes(vector)
        article.embedding_error = ""
    except Exception as exc:  # an encoder bug must not lose the article
        article.embedding = None
        article.embedding_error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning("article %s not encoded: %s", article.pk, article.embedding_error)


def _apply_canonical_url(article: Article, canonical: str) -> None:
    key = url_hash(canonical)
    if not canonical or key == article.url_hash:
        return
    stored = (
        Article.objects.filter(url_hash=key).exclude(pk=article.pk).values("pk", "duplicate_of_id").first()
    )
    if stored is None:
        article.canonical_url = canonical[:4000]
        article.url_hash = key
    elif article.duplicate_of_id is None:
        article.duplicate_of_id = stored["duplicate_of_id"] or stored["pk"]


def _fill_dedup_fields(article: Article) -> None:
    normalised = dedup.normalise_text(f"{article.title}\n{article.text}")
    article.content_hash = dedup.hash_normalised(normalised)
    signature = dedup.minhash_of_normalised(normalised)
    words = normalised.count(" ") + 1 if normalised else 0
    article.minhash = signature.to_bytes()
    article.minhash_shingles = signature.shingles
    # Texts too short to link by content are never candidates either: no band keys.
    article.minhash_bands = signature.bands() if words >= MIN_DEDUP_WORDS else None
    article.duplicate_of_id = find_original(article, signature=signature, words=words)


def find_original(
    article: Article, *, signature: dedup.MinHash | None = None, words: int | None = None
) -> int | None:
    """The id of the stored article this one copies (same text, or a near-copy), if any.

    One indexed probe: rows with the same content hash (btree) or sharing an LSH band of the
    MinHash (GIN on the band keys), exact copies first. Among near-copy candidates the most
    similar wins. Links always point at an original (an article that is itself no copy), so
    chains are one step long; the original is the copy stored first, which never changes.
    """
    if words is None:
        words = len(dedup.normalise_text(f"{article.title}\n{article.text}").split())
    if words < MIN_DEDUP_WORDS:
        return None
    if signature is None:
        if not article.minhash:
            return None
        signature = dedup.MinHash.from_bytes(article.minhash, article.minhash_shingles)
    # No status filter in SQL: only store_text writes hashes and band keys, always with a ready
    # status. Given one, a planner without statistics yet (a young table) drove the probe by the
    # status index and compared band keys row by row (4 ms at 1,000 rows, not 0.3 ms).
    others = Article.objects.all()
    if article.pk:
        others = others.exclude(pk=article.pk)
    match = Q(content_hash=article.content_hash) | Q(minhash_bands__shares_any=signature.bands())
    exact_first = Case(When(content_hash=article.content_hash, then=Value(0)), default=Value(1))
    ready = {Article.Status.EXTRACTED, Article.Status.FEED_ONLY}
    rows = [
        row[:-1]
        for row in others.filter(match)
        .order_by(exact_first, "created_at", "pk")
        .values_list("pk", "content_hash", "minhash", "minhash_shingles", "duplicate_of_id", "status")[
            :NEAR_COPY_CANDIDATES
        ]
        if row[-1] in ready
    ]
    for pk, content_hash, _minhash, _shingles, duplicate_of_id in rows:
        if content_hash == article.content_hash:
            return duplicate_of_id or pk
    near = [row for row in rows if row[2]]
    best = dedup.closest_copy(signature, [dedup.MinHash.from_bytes(row[2], row[3]) for row in near])
    if best is None:
        return None
    return near[best][4] or near[best][0]


# --- Attribution ------------------------------------------------------------------------

# The outlet index holds every source's name; it is rebuilt when a source is added or removed,
# and at least this often so that renames reach it too.
OUTLET_INDEX_MAX_AGE = 600.0
_outlet_index: tuple[tuple, float, OutletIndex] | None = None


def outlet_index() -> OutletIndex:
    """The outlet table plus the sources' names (articles/attribution.py), one per process.

    One aggregate query tells whether sources were added or removed since it was built.
    """
    global _outlet_index
    state = Source.objects.aggregate(count=Count("pk"), last=Max("pk"))
    key = (state["count"], state["last"])
    if (
        _outlet_index is None
        or _outlet_index[0] != key
        or time.monotonic() - _outlet_index[1] > OUTLET_INDEX_MAX_AGE
    ):
        sources = [
            SourceName(pk, name, url or "")
            for pk, name, url in Source.objects.values_list("pk", "name", "url")
        ]
        _outlet_index = (key, time.monotonic(), OutletIndex(sources))
    return _outlet_index[2]


def fill_attribution(article: Article, *, index: OutletIndex | None = None) -> None:
    """Read who the article credits for its report and set its credit fields (not saved).

    An editor's correction stands: a re-read never overwrites it.
    """
    if article.credit_by_editor:
        return
    credit = attribute(
        title=article.title,
        text=article.text or article.summary,
        index=index or outlet_index(),
        own_source_id=article.source_id,
    )
    article.credit_name = credit.name[:200] if credit else ""
    article.credit_outlet = credit.outlet if credit else ""
    article.credited_source_id = credit.source_id if credit else None
    article.credit_phrase = credit.phrase[:400] if credit else ""


# Attribute names (credited_source_id), so the values compare and save without loading a Source.
CREDIT_FIELDS = ("credit_name", "credit_outlet", "credited_source_id", "credit_phrase")


def attribute_articles(*, articles: Iterable[Article], batch_size: int = 500) -> tuple[int, int]:
    """Re-read the credits of stored articles (after the outlet table or the sources changed).

    Returns (articles read, articles whose credit changed); editors' corrections are kept.
    """
    index = outlet_index()
    read = changed = 0
    batch: list[Article] = []
    for article in articles:
        read += 1
        before = tuple(getattr(article, name) for name in CREDIT_FIELDS)
        fill_attribution(article, index=index)
        if tuple(getattr(article, name) for name in CREDIT_FIELDS) != before:
            changed += 1
            batch.append(article)
        if len(batch) >= batch_size:
            Article.objects.bulk_update(batch, CREDIT_FIELDS)
            batch = []
    if batch:
        Article.objects.bulk_update(batch, CREDIT_FIELDS)
    return read, changed


# --- Bulk import ------------------------------------------------------------------------

IMPORT_BATCH = 200


def parse_import_datetime(value: object) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def import_articles(*, records: Iterator[tuple[int, dict]], source_name: str | None = None) -> ImportSummary:
    """Store ready-made articles (JSONL records) through the same dedup path as fetched ones.

    Each record needs a title or a text; url, id, summary, source, lang and published_at are
    used when present. A bad line is reported with its line number and skipped; the others
    go on. Records are written in batches, one transaction each (a savepoint per record).
    """
    summary = ImportSummary()
    sources: dict[str, Source] = {}
    now = timezone.now()
    batch: list[tuple[int, dict]] = []
    for item in records:
        batch.append(item)
        if len(batch) >= IMPORT_BATCH:
            _import_batch(batch, summary=summary, sources=sources, source_name=source_name, now=now)
            batch = []
    if batch:
        _import_batch(batch, summary=summary, sources=sources, source_name=source_name, now=now)
    return summary


def record_import_errors(*, source_name: str, file_name: str, errors: list[str]) -> None:
    """Write an import's errors on its source, where the operator looks for a source's health."""
    if not errors:
        return
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    # Named as _import_source stored it.
    name = plain_text(source_name)[:200]
    Source.objects.filter(name=name, kind=Source.Kind.IMPORT).update(
        last_error=f"import of {file_name}: {errors[0]}{more}"[:5000], last_error_at=timezone.now()
    )


def _import_batch(
    batch: list[tuple[int, dict]],
    *,
    summary: ImportSummary,
    sources: dict[str, Source],
    source_name: str | None,
    now: datetime,
) -> None:
    with transaction.atomic():
        names = [source_name or _text_field(record, "source") or "Import" for _, record in batch]
        # Outside the records' savepoints: a source must not vanish with a failed record.
        for name in names:
            if name not in sources:
                sources[name] = _import_source(name)
        # Once for the batch, its new sources in it (checking the sources for changes is a query).
        index = outlet_index()
        for (line_number, record), name in zip(batch, names, strict=True):
            summary.read += 1
            try:
                with transaction.atomic():
                    article = _import_record(record, line_number, source=sources[name], now=now, index=index)
            except _SkipRecord as skip:
                if skip.duplicate:
                    summary.skipped_duplicates += 1
                else:
                    summary.errors.append(f"line {line_number}: {skip}")
                continue
            except (DatabaseError, ValueError, TypeError) as exc:
                summary.errors.append(f"line {line_number}: {type(exc).__name__}: {exc}")
                continue
            summary.created += 1
            summary.article_ids.append(article.pk)
            if article.duplicate_of_id:
                summary.near_duplicates += 1


class _SkipRecord(Exception):
    def __init__(self, message: str, *, duplicate: bool = False) -> None:
        super().__init__(message)
        self.duplicate = duplicate


def _import_record(
    record: dict, line_number: int, *, source: Source, now: datetime, index: OutletIndex
) -> Article:
    title = _text_field(record, "title")
    body = _text_field(record, "text")
    if not title and not body:
        raise _SkipRecord("no title and no text")
    raw_id = record.get("id")
    guid = str(raw_id).strip()[:1000] if isinstance(raw_id, str | int) and str(raw_id).strip() else None
    url = _text_field(record, "url")
    if url and not url.startswith(("http://", "https://")):
        raise _SkipRecord(f"url is not an http(s) URL: {url[:200]!r}")
    if not url:
        url = f"urn:silsila:import:{source.pk}:{guid or line_number}"
    canonical = dedup.canonical_url(url) if url.startswith(("http://", "https://")) else url
    key = url_hash(canonical)
    already = Q(url_hash=key) | Q(source=source, guid=guid) if guid else Q(url_hash=key)
    if Article.objects.filter(already).exists():
        raise _SkipRecord("already stored", duplicate=True)
    raw_date = record.get("published_at")
    record_date = parse_import_datetime(raw_date)
    if raw_date and record_date is None:
        raise _SkipRecord(f"published_at is not an ISO 8601 date: {str(raw_date)[:60]!r}")
    # A record dated before 1995 or ahead of now gets its address's date, or the import time.
    published_at, published_from = _entry_date(record_date, url, now=now)
    summary_text = _text_field(record, "summary")
    article = Article(
        source=source,
        guid=guid,
        url=url[:4000],
        canonical_url=canonical[:4000],
        url_hash=key,
        title=title or _first_line(body),
        summary=summary_text,
        published_at=published_at,
        published_from=published_from,
        fetch_attempts=0,
    )
    language = _language_code(_text_field(record, "lang") or _text_field(record, "language"))
    return store_text(
        article=article,
        title=article.title,
        body=body,
        language_hint=language or source.language or None,
        status=Article.Status.EXTRACTED,
        index=index,
    )


def _text_field(record: dict, name: str) -> str:
    value = record.get(name)
    return text.clean_text(value).strip() if isinstance(value, str) else ""


def _import_source(name: str) -> Source:
    """The source named so: an existing one of any kind (first by id), else a new import source."""
    # Plain text: a source's name goes out in feeds' categories and on every page.
    name = plain_text(name)[:200] or "Import"
    source = Source.objects.filter(name=name).order_by("pk").first()
    if source is None:
        source = Source.objects.create(name=name[:200], kind=Source.Kind.IMPORT, url=None, enabled=False)
    return source
