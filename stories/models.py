"""Stories, their timeline events, and which article belongs where (and who decided it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import RTL_LANGUAGES, Article


class Decider(models.TextChoices):
    ENGINE = "engine", _("Engine")
    EDITOR = "editor", _("Editor")


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
    editor_summary = models.TextField(_("editor's summary"), blank=True)
    keyphrases = models.JSONField(_("keyphrases"), default=list, blank=True)
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

    @property
    def text_direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

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


class KeyMoment(models.Model):
    """A dated entry of a story's key-moments box: computed, or written by an editor."""

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="key_moments", verbose_name=_("story")
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("article")
    )
    decided_by = models.CharField(
        _("decided by"), max_length=10, choices=Decider.choices, default=Decider.ENGINE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

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
