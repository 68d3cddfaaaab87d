"""Stories, their timeline events, and which article belongs where (and who decided it)."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import RTL_LANGUAGES, Article


def _phrase_text(phrase: object) -> str:
    """A stored keyphrase as text, whether "phrase", ["phrase", score] or {"text": ...}."""
    if isinstance(phrase, str):
        return phrase
    if isinstance(phrase, list | tuple) and phrase and isinstance(phrase[0], str):
        return phrase[0]
    if isinstance(phrase, dict):
        return str(phrase.get("text") or phrase.get("phrase") or "")
    return ""


class Decider(models.TextChoices):
    ENGINE = "engine", _("Engine")
    EDITOR = "editor", _("Editor")


class DossierQuerySet(models.QuerySet["Dossier"]):
    def visible(self) -> DossierQuerySet:
        """What readers may see: published, not merged away, with at least one story."""
        return self.filter(is_published=True, merged_into__isnull=True, story_count__gt=0)


class Dossier(models.Model):
    """A long-running file (ملف) holding related stories over months: "Iran", "Africa Cup 2025".

    Proposed by stories.curation.dossiers from stories that share entities and themes; editors create,
    rename, merge and split them and move stories in or out (stories.services.dossiers).
    """

    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    # {"ar": "...", "en": "..."}: the engine's name per language, and the editor's, which wins.
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    editor_names = models.JSONField(_("editor's names per language"), default=dict, blank=True)
    # The engine's grouping key (its anchor terms): how a new proposal finds this dossier again.
    key = models.CharField(max_length=200, blank=True, db_index=True)
    decided_by = models.CharField(max_length=10, choices=Decider.choices, default=Decider.ENGINE)
    is_published = models.BooleanField(_("published"), default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_dossiers"
    )
    # Denormalised for the strip and the list (refresh_dossier_stats).
    story_count = models.PositiveIntegerField(_("stories"), default=0)
    article_count = models.PositiveIntegerField(_("articles"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return self.name_in("") or self.slug

    def get_absolute_url(self) -> str:
        return reverse("stories:dossier", kwargs={"slug": self.slug})

    def name_in(self, language: str) -> str:
        return self._name(language)[0]

    def name_language(self, language: str) -> str:
        """The language `name_in(language)` is written in ("" for a name given for all languages)."""
        return self._name(language)[1]

    def _name(self, language: str) -> tuple[str, str]:
        """An editor's name first (for this language, then one for all), then the engine's,
        then a name in any other language."""
        for names, code in (
            (self.editor_names, language),
            (self.editor_names, ""),
            (self.names, language),
        ):
            if names.get(code):
                return names[code], code
        for names in (self.editor_names, self.names):
            for code, name in sorted(names.items()):
                if name:
                    return name, code
        return "", language


class StoryQuerySet(models.QuerySet["Story"]):
    def published(self) -> StoryQuerySet:
        """Stories whose address readers may open: published and holding articles.

        The one place where "no empty story, ever" is kept. However a story lost its last
        article (an undo, a split, a move, an exclusion, the engine's merge), its
        `article_count`, which every path that moves memberships refreshes through
        `refresh_story_stats`, is 0 and readers, feeds and search stop seeing it at once; it
        comes back by itself if articles return. A merged-away story keeps its address so
        that it can redirect to the story it went into.
        """
        return self.filter(Q(article_count__gt=0) | Q(merged_into__isnull=False), is_published=True)

    def visible(self) -> StoryQuerySet:
        """What readers may see listed: published, holding articles, not merged away."""
        return self.published().filter(merged_into__isnull=True)

    def active(self) -> StoryQuerySet:
        return self.visible().filter(status=Story.Status.ACTIVE)

    def in_language(self, language: str) -> StoryQuerySet:
        return self.filter(language=language)


class Story(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")

    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True)
    title = models.CharField(_("automatic title"), max_length=300)
    editor_title = models.CharField(_("editor's title"), max_length=300, blank=True)
    # {"ar": "...", "en": "..."}: a title per language where the story has articles in it.
    titles = models.JSONField(_("titles per language"), default=dict, blank=True)
    # Editors' titles per language: never overwritten by the engine, shown before its own.
    editor_titles = models.JSONField(_("editor's titles per language"), default=dict, blank=True)
    summary = models.TextField(_("automatic summary"), blank=True)
    # The automatic summary per language of the story's articles, each from those articles only
    # (a reader of English is shown the English one); `summary` is the main language's.
    summaries = models.JSONField(_("automatic summaries per language"), default=dict, blank=True)
    editor_summary = models.TextField(_("editor's summary"), blank=True)
    keyphrases = models.JSONField(_("keyphrases"), default=list, blank=True)
    # What the story page shows as chips, per language (names and noun phrases from the story's
    # own articles in that language; stories.curation.labels.story_chips).
    chips = models.JSONField(_("chips per language"), default=dict, blank=True)
    # Short names (2 to 6 words) per language, recomputed as the story grows (stories.curation.labels);
    # an editor's label for a language is never overwritten and is shown instead.
    labels = models.JSONField(_("labels per language"), default=dict, blank=True)
    editor_labels = models.JSONField(_("editor's labels per language"), default=dict, blank=True)
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    # EDITOR: an editor put the story in its dossier (or took it out, dossier None); the
    # engine's proposals then leave it where it is.
    dossier_decided_by = models.CharField(max_length=10, choices=Decider.choices, default=Decider.ENGINE)
    language = models.CharField(_("main language"), max_length=10, db_index=True)
    language_counts = models.JSONField(_("articles per language"), default=dict, blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    first_activity_at = models.DateTimeField(_("first activity"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, db_index=True)
    article_count = models.PositiveIntegerField(_("articles"), default=0)
    # The article_count when the summary and key moments were last computed: they are stale
    # whenever the story gained or lost articles since.
    summarized_article_count = models.PositiveIntegerField(_("articles when last summarised"), default=0)
    source_count = models.PositiveIntegerField(_("sources"), default=0)

    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_stories",
        verbose_name=_("merged into"),
    )
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("A locked story gets no automatic merges.")
    )
    is_published = models.BooleanField(_("published"), default=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            models.Index(fields=["status", "-last_activity_at"], name="story_status_recent"),
            # The home page's version (reader.views._home_version): the newest change, off the index.
            models.Index(fields=["-updated_at"], name="story_recently_updated"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("stories:detail", kwargs={"slug": self.slug})

    @property
    def display_title(self) -> str:
        return self.editor_title or self.title

    @property
    def display_summary(self) -> str:
        return self.editor_summary or self.summary

    def summary_in(self, language: str) -> tuple[str, str]:
        """The summary for a reader of `language` and the language it is in: an editor's first,
        then the one made from the story's articles in `language`, then the main language's."""
        if self.editor_summary:
            return self.editor_summary, self.language
        if self.summaries.get(language):
            return self.summaries[language], language
        return self.summary, self.language

    def chips_in(self, language: str) -> tuple[list[str], str]:
        """The chips for a reader of `language` and their language: that language's when the story
        has articles in it, else the main language's; never a mix of languages on one page. A
        story not yet refreshed since chips were computed shows the engine's keyphrases."""
        for code in (language, self.language):
            if self.chips.get(code):
                return self.chips[code], code
        texts = [_phrase_text(phrase) for phrase in self.keyphrases]
        return [text for text in texts if text], self.language

    def headline_in(self, language: str, newest: str, newest_language: str) -> tuple[str, str]:
        """The newest headline for a reader of `language`: the story's own title in that
        language when the newest event was reported in another one."""
        if newest_language != language and (self.editor_titles.get(language) or self.titles.get(language)):
            return self.editor_titles.get(language) or self.titles[language], language
        return newest, newest_language

    @property
    def text_direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    def label_in(self, language: str) -> tuple[str, str]:
        """The story's short name for a reader of `language`, and the language it is in.

        An editor's label wins over the engine's; a language the story has no articles in
        gets the label of its main language; a story not labelled yet, its title.
        """
        for labels in (self.editor_labels, self.labels):
            if labels.get(language):
                return labels[language], language
        for labels in (self.editor_labels, self.labels):
            if labels.get(self.language):
                return labels[self.language], self.language
        return self.title_in(language), self.language

    def title_in(self, language: str) -> str:
        """The title to show a reader of `language`: an editor's title wins over the engine's."""
        return (
            self.editor_titles.get(language) or self.editor_title or self.titles.get(language) or self.title
        )


class Event(models.Model):
    """One happening inside a story: the articles that report it, shown as one timeline entry."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events", verbose_name=_("story"))
    occurred_at = models.DateTimeField(_("date"), db_index=True)
    headline = models.CharField(_("headline"), max_length=500)
    editor_headline = models.CharField(_("editor's headline"), max_length=500, blank=True)
    editor_occurred_at = models.DateTimeField(_("editor's date"), null=True, blank=True)
    representative_article = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("representative article"),
    )
    article_count = models.PositiveIntegerField(_("articles"), default=0)
    is_key_moment = models.BooleanField(_("key moment"), default=False)
    # Who reported it first and who followed (stories/timeline/chain.py), stored when the event
    # changes so that pages read it with the event's row; {} when no report follows another.
    chain = models.JSONField(_("chain of reports"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["story", "-occurred_at"], name="event_story_recent")]

    def __str__(self) -> str:
        return self.display_headline

    @property
    def display_headline(self) -> str:
        return self.editor_headline or self.headline

    @property
    def display_date(self):
        return self.editor_occurred_at or self.occurred_at


class Membership(models.Model):
    """Article ↔ story/event: exactly one story per article, with the score and who decided it."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="membership", verbose_name=_("article")
    )
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("story")
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("event"),
    )
    score = models.FloatField(_("score"), default=0.0)
    decided_by = models.CharField(
        _("decided by"), max_length=10, choices=Decider.choices, default=Decider.ENGINE
    )
    # A pinned article stays in its story whatever the engine later thinks.
    is_pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["story", "created_at"], name="membership_story_arrival")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.story_id}"


class Exclusion(models.Model):
    """An editor's "not this story": the engine never puts the article back into the story."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("article")
    )
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("story")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("excluded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.UniqueConstraint(fields=["article", "story"], name="exclusion_unique_article_story")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} ✗ {self.story_id}"


class KeyMomentQuerySet(models.QuerySet["KeyMoment"]):
    def for_reader(self, language: str, story_language: str = "") -> list[KeyMoment]:
        """The entries a reader of `language` is shown, oldest first (one query).

        A story with entries in the reader's language shows those: the days told in it, as
        originals or as alternatives of another language's entry, and never a sentence in
        another language. A reader in none of its languages sees the entries of the story's
        language (`story_language`, else the most common one). Editors' entries are shown to
        every reader.
        """
        rows = list(self.select_related("article").order_by("date", "pk"))
        if not any(row.language == language for row in rows):
            originals = [row for row in rows if row.alternative_of_id is None]
            counts = Counter(row.language for row in originals if row.language)
            if not counts:
                return originals
            language = story_language if story_language in counts else counts.most_common(1)[0][0]
        return [
            row
            for row in rows
            if row.language == language
            or (row.alternative_of_id is None and (row.decided_by == Decider.EDITOR or not row.language))
        ]


class KeyMoment(models.Model):
    """A dated entry of a story's key-moments box: computed, or written by an editor."""

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="key_moments", verbose_name=_("story")
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    # The language of `text`; blank when unknown (an editor's entry is in the story's language).
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("article")
    )
    # The same day told in another of the story's languages, shown to readers of that language.
    alternative_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="alternatives"
    )
    decided_by = models.CharField(
        _("decided by"), max_length=10, choices=Decider.choices, default=Decider.ENGINE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = KeyMomentQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("key moment")
        verbose_name_plural = _("key moments")
        constraints = [
            models.UniqueConstraint(
                fields=["story", "date"],
                condition=Q(decided_by="editor"),
                name="keymoment_one_editor_entry_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:60]}"


class AuditEntry(models.Model):
    """Every editor action: who, what, when, and the state before and after (for undo)."""

    class Action(models.TextChoices):
        RENAME = "rename", _("Rename")
        SUMMARY = "summary", _("Edit summary")
        PUBLISH = "publish", _("Publish")
        HIDE = "hide", _("Hide")
        LOCK = "lock", _("Lock")
        UNLOCK = "unlock", _("Unlock")
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        PIN = "pin", _("Pin article")
        EXCLUDE = "exclude", _("Exclude article")
        KEY_MOMENT = "key_moment", _("Key moment")
        EDIT_EVENT = "edit_event", _("Edit event")
        ACCEPT = "accept", _("Accept assignment")
        UNDO = "undo", _("Undo")
        RECLUSTER = "recluster", _("Re-cluster")
        LABEL = "label", _("Edit label")
        DOSSIER_CREATE = "dossier_create", _("Create dossier")
        DOSSIER_RENAME = "dossier_rename", _("Rename dossier")
        DOSSIER_MERGE = "dossier_merge", _("Merge dossiers")
        DOSSIER_SPLIT = "dossier_split", _("Split dossier")
        DOSSIER_MOVE = "dossier_move", _("Move story to dossier")
        CREDIT = "credit", _("Correct attribution")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("story")
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("article")
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("event")
    )
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("dossier")
    )
    before = models.JSONField(_("state before"), default=dict, blank=True)
    after = models.JSONField(_("state after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        when = formats.date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
        return gettext("%(action)s, %(when)s") % {"action": self.get_action_display(), "when": when}


class EngineSnapshot(models.Model):
    """A clustering engine's state at a point of the stream, so a worker starts warm.

    The payload (stories.clustering.snapshot) lies in `chunks`, in order. It reflects every
    Membership of the partition up to `watermark` and the editors' changes up to `marker`;
    a worker restoring it replays only the memberships written since. Kept in the database
    so every clustering worker, on any machine, can read the latest one.
    """

    partition = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=64)  # of the engine's code and parameters
    watermark = models.BigIntegerField()
    marker = models.BigIntegerField()
    stories = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["partition", "-id"], name="stories_snapshot_latest")]

    def __str__(self) -> str:
        return f"engine snapshot {self.pk} of {self.partition} ({self.stories} stories, {self.size} bytes)"


class EngineSnapshotChunk(models.Model):
    snapshot = models.ForeignKey(EngineSnapshot, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "seq"], name="stories_snapshot_chunk_seq")]

    def __str__(self) -> str:
        return f"chunk {self.seq} of engine snapshot {self.snapshot_id}"
