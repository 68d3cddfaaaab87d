"""Sources (feeds and sites) and the articles read from them."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import embedding, published


class BandKeysField(models.Field):
    """A list of 64-bit ints: bigint[] on PostgreSQL (GIN-indexed by migration 0007), JSON
    text on SQLite. Lookup ``__shares_any=[...]``: rows holding at least one of the keys."""

    description = "list of 64-bit integer keys"

    def db_type(self, connection) -> str:
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or connection.vendor == "postgresql":
            return value
        return json.dumps([int(v) for v in value])

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value


@BandKeysField.register_lookup
class SharesAny(models.Lookup):
    lookup_name = "shares_any"

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        keys = [int(v) for v in self.rhs]
        if connection.vendor == "postgresql":
            # Through a scalar subquery: with the array as a literal the planner guesses 0.5% of
            # rows per key (19% for 42 keys) and scans the whole table; a value it cannot see
            # gets the default estimate for one, and the GIN index is used (1 ms, not 400 ms,
            # at 60,000 rows).
            return f"{column} && (SELECT %s::bigint[])", [*column_params, keys]
        # SQLite (the single-machine mode): no index, a scan of the JSON lists.
        marks = ", ".join(["%s"] * len(keys)) or "NULL"
        # Only placeholders are formatted in; the keys go as parameters.
        sql = f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({marks}))"  # noqa: S608
        return sql, [*column_params, *keys]


class SourceQuerySet(models.QuerySet["Source"]):
    def due(self, now: datetime | None = None) -> SourceQuerySet:
        """Enabled feed sources whose next poll time has come (never-polled ones first)."""
        now = now or timezone.now()
        return (
            self.filter(enabled=True)
            .exclude(kind=Source.Kind.IMPORT)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .order_by(models.F("next_poll_at").asc(nulls_first=True), "pk")
        )

    def failing(self) -> SourceQuerySet:
        return self.filter(consecutive_failures__gt=0)


class Source(models.Model):
    class Kind(models.TextChoices):
        AUTO = "auto", _("Detect on first poll")
        RSS = "rss", _("RSS")
        ATOM = "atom", _("Atom")
        JSON = "json", _("JSON Feed")
        SITEMAP = "sitemap", _("News sitemap")
        SITEMAP_INDEX = "sitemap_index", _("Sitemap index")
        IMPORT = "import", _("Bulk import")

    name = models.CharField(_("name"), max_length=200)
    # Null for bulk-import sources, which have no address to poll.
    url = models.URLField(_("feed URL"), max_length=2000, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.AUTO)
    language = models.CharField(
        _("language hint"), max_length=10, blank=True, help_text=_("ISO 639-1 code, e.g. ar or en")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    poll_interval = models.PositiveIntegerField(_("poll interval (seconds)"), default=15 * 60)

    # Conditional GET state: a 304 costs nothing.
    etag = models.CharField(_("ETag"), max_length=500, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)

    # Health.
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, db_index=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    warnings = models.JSONField(_("warnings from the last poll"), default=list, blank=True)
    # The site name its titles end with, learned from them (articles.titles.common_tail) and
    # cut from every title it stores with its own name.
    title_tail = models.CharField(_("site name its titles end with"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    def record_success(
        self, *, now: datetime, etag: str = "", last_modified: str = "", warnings: list[str] | None = None
    ) -> None:
        """A healthy poll: the failures and the last error are history (an old error on a healthy
        source only sends the operator looking for a problem that is gone)."""
        self.last_polled_at = now
        self.last_success_at = now
        self.consecutive_failures = 0
        self.last_error = ""
        self.last_error_at = None
        self.etag = etag
        self.last_modified = last_modified
        self.warnings = warnings or []
        self.next_poll_at = now + timedelta(seconds=self.poll_interval)
        self.save(
            update_fields=[
                "last_polled_at",
                "last_success_at",
                "consecutive_failures",
                "last_error",
                "last_error_at",
                "etag",
                "last_modified",
                "warnings",
                "next_poll_at",
            ]
        )

    def defer_poll(self, *, until: datetime) -> None:
        """Poll again at `until`: the crawler's own politeness kept it from asking, which says
        nothing about the source's health (no failure counted, no backoff)."""
        self.next_poll_at = until
        self.save(update_fields=["next_poll_at"])

    def record_failure(self, *, error: str, now: datetime, backoff_max: int, max_failures: int) -> None:
        """Write the error on the row, back off exponentially, and disable after too many failures."""
        self.last_polled_at = now
        self.last_error = error[:5000]
        self.last_error_at = now
        self.consecutive_failures += 1
        delay = min(self.poll_interval * 2 ** min(self.consecutive_failures, 20), backoff_max)
        self.next_poll_at = now + timedelta(seconds=delay)
        if self.consecutive_failures >= max_failures:
            self.enabled = False
            self.disabled_reason = f"disabled after {self.consecutive_failures} consecutive failures"
        self.save(
            update_fields=[
                "last_polled_at",
                "last_error",
                "last_error_at",
                "consecutive_failures",
                "next_poll_at",
                "enabled",
                "disabled_reason",
            ]
        )


def url_hash(canonical_url: str) -> str:
    # URLs can exceed what a btree index holds; the unique key is their hash.
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()


class ArticleQuerySet(models.QuerySet["Article"]):
    def ready(self) -> ArticleQuerySet:
        return self.filter(status__in=[Article.Status.EXTRACTED, Article.Status.FEED_ONLY])

    def pending(self) -> ArticleQuerySet:
        return self.filter(status=Article.Status.PENDING)

    def unclustered(self) -> ArticleQuerySet:
        return self.ready().filter(membership__isnull=True)

    def published_since(self, since: datetime) -> ArticleQuerySet:
        return self.filter(published_at__gte=since)

    def encoder_failures(self, *, since: datetime, limit: int = 20) -> tuple[int, int]:
        """Of the newest `limit` articles stored since `since`: how many, and on how many the
        sentence encoder failed (an error other than the text having nothing to read)."""
        errors = list(
            self.ready()
            .filter(created_at__gte=since)
            .order_by("-created_at")
            .values_list("embedding_error", flat=True)[:limit]
        )
        unreadable = f"EncodingError: {embedding.UNREADABLE}"
        return len(errors), sum(1 for error in errors if error and error != unreadable)


class PublishedFrom(models.TextChoices):
    FEED = published.FEED, _("the feed entry")
    PAGE = published.PAGE, _("the page's metadata")
    URL = published.URL, _("the address")
    FETCHED = published.FETCHED, _("the time it was fetched")


class Article(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for its page")
        EXTRACTED = "extracted", _("Extracted from its page")
        FEED_ONLY = "feed_only", _("From the feed's summary")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="articles", verbose_name=_("source")
    )
    # NULL, not "", for a missing GUID: NULLs never collide in the unique constraint.
    guid = models.CharField(_("feed entry id"), max_length=1000, null=True, blank=True)  # noqa: DJ001
    url = models.URLField(_("address"), max_length=4000)
    canonical_url = models.URLField(_("canonical address"), max_length=4000)
    url_hash = models.CharField(max_length=64, unique=True, editable=False)

    title = models.TextField(_("title"))
    summary = models.TextField(_("summary"), blank=True)
    # Sanitised (nh3) at write time; never rendered from the raw feed.
    summary_html = models.TextField(_("summary (HTML)"), blank=True)
    text = models.TextField(_("text"), blank=True)
    author = models.CharField(_("author"), max_length=500, blank=True)
    image_url = models.URLField(_("image address"), max_length=4000, blank=True)
    # As the page declares them (og:image:width/height, JSON-LD ImageObject); None when it does not.
    image_width = models.PositiveIntegerField(_("image width"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("image height"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published"), db_index=True)
    # Which candidate gave published_at: the first plausible one of the feed entry (or import
    # record), the page's metadata, the address, the time we first saw it (articles.published).
    published_from = models.CharField(
        _("publication date from"),
        max_length=10,
        choices=PublishedFrom.choices,
        default=PublishedFrom.FETCHED,
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    fetch_attempts = models.PositiveSmallIntegerField(_("fetch attempts"), default=0)

    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, db_index=True)
    # MinHash of the word 3-shingles of title + text (articles/dedup.py): the signature
    # (512 bytes), its number of distinct shingles, and its LSH band keys, GIN-indexed so
    # that near-copies are found by one overlap probe.
    minhash = models.BinaryField(_("MinHash signature"), null=True, blank=True, editable=False)
    minhash_shingles = models.PositiveIntegerField(_("distinct word 3-grams"), default=0)
    minhash_bands = BandKeysField(_("MinHash band keys"), null=True, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="near_duplicates",
        verbose_name=_("duplicate of"),
    )

    # Multilingual sentence vector of title + lead (articles/embedding.py), float16 bytes,
    # written with the text so clustering never re-encodes; empty when encoding failed.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedding_error = models.CharField(_("encoding error"), max_length=300, blank=True)

    # Who the article says its report comes from (articles/attribution.py): the outlet as the
    # text names it, its key in articles/outlets.py, the source Silsila polls for it, and the
    # sentence or credit line it was read from. Read at ingest; an editor's correction
    # (credit_by_editor) is never overwritten by a later reading.
    credit_name = models.CharField(_("credited outlet"), max_length=200, blank=True)
    credit_outlet = models.CharField(_("credited outlet key"), max_length=40, blank=True)
    credited_source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credited_by",
        verbose_name=_("credited source"),
    )
    credit_phrase = models.CharField(_("credit phrase"), max_length=400, blank=True)
    credit_by_editor = models.BooleanField(_("credit set by an editor"), default=False)

    # Full-text document (articles/search.py), written with the text; PostgreSQL only.
    search_document = SearchVectorField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], condition=Q(guid__isnull=False), name="article_unique_guid"
            ),
        ]
        indexes = [
            models.Index(fields=["source", "-published_at"], name="article_source_recent"),
            # The near-copy scan compares articles of one language within a few days.
            models.Index(fields=["language", "published_at"], name="article_language_published"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def published_at_estimated(self) -> bool:
        """True when no candidate gave a date and the time we first saw the article stands in."""
        return self.published_from == PublishedFrom.FETCHED

    @property
    def is_ready(self) -> bool:
        return self.status in {self.Status.EXTRACTED, self.Status.FEED_ONLY}

    @property
    def text_direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    @property
    def embedding_vector(self):
        """The stored sentence vector as a float32 numpy array, or None."""
        return embedding.from_bytes(self.embedding)

    @property
    def has_credit(self) -> bool:
        return bool(self.credit_name or self.credit_outlet or self.credited_source_id)

    def mark_failed(self, error: str) -> None:
        self.status = self.Status.FAILED
        self.last_error = error[:5000]
        self.save(update_fields=["status", "last_error", "updated_at"])


RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})
