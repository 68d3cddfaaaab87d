"""The editors' desk in the Django admin.

Stories are never edited through a model form: every change goes through
`stories.services.editing`, which audits it and is what the clustering worker watches. The
story "change" page is therefore a desk (timeline + workflow buttons), and each button posts
to one small action view below, which checks the permission that action needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles.admin import ArticleAdmin as BaseArticleAdmin
from articles.models import Article

from . import admin_views
from .models import AuditEntry, Event, Exclusion, KeyMoment, Membership, Story
from .services import editing
from .services.editing import EditorError

# The desk shows at most this many events: a long-running story is read in pages elsewhere.
DESK_EVENTS = 200


def _uncertain_count() -> Subquery:
    uncertain = (
        Membership.objects.filter(admin_views.doubtful(), story=OuterRef("pk"))
        .order_by()
        .values("story")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(uncertain, output_field=IntegerField()), Value(0))


class ActivityFilter(admin.SimpleListFilter):
    title = _("last activity")
    parameter_name = "activity"
    _windows = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("day", _("Last 24 hours")),
            ("week", _("Last 7 days")),
            ("month", _("Last 30 days")),
            ("older", _("Older")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Story]) -> QuerySet[Story]:
        now = timezone.now()
        if self.value() in self._windows:
            return queryset.filter(last_activity_at__gte=now - self._windows[self.value()])
        if self.value() == "older":
            return queryset.filter(last_activity_at__lt=now - self._windows["month"])
        return queryset


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("needs review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Has doubtful articles")), ("no", _("No doubtful articles"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Story]) -> QuerySet[Story]:
        if self.value() == "yes":
            return queryset.filter(review_count__gt=0)
        if self.value() == "no":
            return queryset.filter(review_count=0)
        return queryset


class MergedFilter(admin.SimpleListFilter):
    title = _("merged")
    parameter_name = "merged"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", _("Live stories")), ("yes", _("Merged away"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Story]) -> QuerySet[Story]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(merged_into__isnull=self.value() == "no")
        return queryset


# --- Desk actions -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeskAction:
    permissions: tuple[str, ...]
    run: Callable[[HttpRequest, Story], str]  # does the work, returns the message to show


def _find_story(value: str) -> Story:
    value = value.strip()
    story = Story.objects.filter(pk=int(value)).first() if value.isdigit() else None
    story = story or Story.objects.filter(slug=value).first()
    if story is None:
        raise EditorError(gettext("no story “%(value)s” (give its number or its slug)") % {"value": value})
    return story


def _article(request: HttpRequest) -> Article:
    value = request.POST.get("article", "")
    if not value.isdigit():
        raise EditorError(gettext("no article chosen"))
    return get_object_or_404(Article, pk=int(value))


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


def _rename(request: HttpRequest, story: Story) -> str:
    titles = {
        key.removeprefix("title_"): value for key, value in request.POST.items() if key.startswith("title_")
    }
    editing.rename_story(
        story=story, user=request.user, title=request.POST.get("editor_title"), titles=titles
    )
    return gettext("Titles saved.")


def _summary(request: HttpRequest, story: Story) -> str:
    editing.edit_summary(story=story, user=request.user, summary=request.POST.get("summary", ""))
    return gettext("Summary saved.")


def _flag(setter: Callable[..., Story], keyword: str, value: bool, message: str) -> Callable:
    def run(request: HttpRequest, story: Story) -> str:
        setter(story=story, user=request.user, **{keyword: value})
        return str(message)

    return run


def _merge(request: HttpRequest, story: Story) -> str:
    raw = request.POST.get("others", "").replace(",", " ").split()
    others = [_find_story(value) for value in raw] + list(Story.objects.filter(pk__in=_ids(request, "other")))
    editing.merge_stories(target=story, others=others, user=request.user)
    return ngettext(
        "Merged %(n)d story into this one.", "Merged %(n)d stories into this one.", len(others)
    ) % {"n": len(others)}


def _split(request: HttpRequest, story: Story) -> str:
    target_value = request.POST.get("target", "").strip()
    target = _find_story(target_value) if target_value else None
    new = editing.split_story(
        story=story,
        user=request.user,
        article_ids=_ids(request, "split_article"),
        event_ids=_ids(request, "split_event"),
        target=target,
        title=request.POST.get("new_title", ""),
    )
    return gettext("Moved to “%(story)s” (#%(pk)d).") % {"story": new, "pk": new.pk}


def _pin(request: HttpRequest, story: Story) -> str:
    editing.pin_article(article=_article(request), story=story, user=request.user)
    return gettext("Article pinned to this story.")


def _move(request: HttpRequest, story: Story) -> str:
    target = _find_story(request.POST.get("target", ""))
    editing.pin_article(article=_article(request), story=target, user=request.user)
    return gettext("Article moved to “%(story)s” and pinned there.") % {"story": target}


def _exclude(request: HttpRequest, story: Story) -> str:
    editing.exclude_article(article=_article(request), story=story, user=request.user)
    return gettext("Article taken out of this story; it will not come back.")


def _accept(request: HttpRequest, story: Story) -> str:
    article = _article(request)
    if not Membership.objects.filter(article=article, story=story).exists():
        raise EditorError(gettext("that article is no longer in this story"))
    editing.accept_assignment(article=article, user=request.user)
    return gettext("Assignment accepted.")


def _edit_event(request: HttpRequest, story: Story) -> str:
    event_id = request.POST.get("event", "")
    event = get_object_or_404(Event, pk=int(event_id) if event_id.isdigit() else 0, story=story)
    headline = request.POST.get(f"headline-{event.pk}")
    if headline is not None and headline.strip() == event.display_headline:
        headline = None
    when_value = request.POST.get(f"date-{event.pk}", "").strip()
    occurred_at = None
    if when_value and when_value != _local_input(event.display_date):
        try:
            occurred_at = timezone.make_aware(datetime.fromisoformat(when_value))
        except ValueError as exc:
            raise EditorError(gettext("“%(value)s” is not a date and time") % {"value": when_value}) from exc
    key_moment = request.POST.get(f"key-{event.pk}") == "on"
    editing.edit_event(
        event=event,
        user=request.user,
        headline=headline,
        occurred_at=occurred_at,
        is_key_moment=key_moment if key_moment != event.is_key_moment else None,
    )
    return gettext("Event saved.")


def _local_input(moment: datetime) -> str:
    """A datetime as a datetime-local input shows it, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


CHANGE_STORY = ("stories.change_story",)
MOVE_ARTICLES = ("stories.change_story", "stories.change_membership")
DESK_ACTIONS: dict[str, DeskAction] = {
    "rename": DeskAction(CHANGE_STORY, _rename),
    "summary": DeskAction(CHANGE_STORY, _summary),
    "publish": DeskAction(CHANGE_STORY, _flag(editing.set_published, "published", True, _("Published."))),
    "hide": DeskAction(
        CHANGE_STORY, _flag(editing.set_published, "published", False, _("Hidden from readers."))
    ),
    "lock": DeskAction(CHANGE_STORY, _flag(editing.set_locked, "locked", True, _("Locked."))),
    "unlock": DeskAction(CHANGE_STORY, _flag(editing.set_locked, "locked", False, _("Unlocked."))),
    "merge": DeskAction(MOVE_ARTICLES, _merge),
    "split": DeskAction(MOVE_ARTICLES, _split),
    "pin": DeskAction(("stories.change_membership",), _pin),
    "move": DeskAction(("stories.change_membership",), _move),
    "accept": DeskAction(("stories.change_membership",), _accept),
    "exclude": DeskAction(("stories.add_exclusion",), _exclude),
    "edit_event": DeskAction(("stories.change_event",), _edit_event),
}


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = [
        "title_column",
        "language",
        "status",
        "is_published",
        "is_locked",
        "article_count",
        "source_count",
        "review_count",
        "last_activity_at",
    ]
    list_display_links = None
    list_filter = [
        "status",
        "language",
        ActivityFilter,
        NeedsReviewFilter,
        MergedFilter,
        "is_published",
        "is_locked",
    ]
    search_fields = ["title", "editor_title", "slug", "summary", "editor_summary"]
    search_help_text = _("Title, slug or summary")
    list_select_related = ["merged_into"]
    actions = ["merge_selected", "publish_selected", "hide_selected", "lock_selected", "unlock_selected"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Story]:
        return super().get_queryset(request).annotate(review_count=_uncertain_count())

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Stories come from the engine (or a split); an empty hand-made one helps no one.
        return False

    @admin.display(description=_("story"), ordering="title")
    def title_column(self, story: Story) -> str:
        url = reverse("admin:stories_story_change", args=[story.pk])
        merged = format_html(" → #{}", story.merged_into_id) if story.merged_into_id else ""
        return format_html('<a href="{}" dir="auto">{}</a>{}', url, story.display_title, merged)

    @admin.display(description=_("to review"), ordering="review_count")
    def review_count(self, story: Story) -> int:
        return story.review_count

    # --- List actions (thin: each calls the editing service) -----------------------------

    @admin.action(description=_("Merge selected stories…"), permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> HttpResponse | None:
        if not request.user.has_perm("stories.change_membership"):
            raise PermissionDenied
        stories = list(queryset.filter(merged_into__isnull=True).order_by("-article_count", "pk"))
        if len(stories) < 2:
            self.message_user(request, _("Choose at least two live stories to merge."), messages.WARNING)
            return None
        if "apply" in request.POST:
            target = next((s for s in stories if str(s.pk) == request.POST.get("target")), None)
            if target is None:
                self.message_user(request, _("Choose the story to keep."), messages.ERROR)
                return None
            try:
                editing.merge_stories(target=target, others=stories, user=request.user)
            except EditorError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "Merged %(n)d story into “%(story)s”.",
                    "Merged %(n)d stories into “%(story)s”.",
                    len(stories) - 1,
                )
                % {"n": len(stories) - 1, "story": target},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge stories"),
            "stories": stories,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/stories/story/merge_confirm.html", context)

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Story], run: Callable[[Story], Any], done: str):
        stories = list(queryset)
        for story in stories:
            run(story)
        self.message_user(request, f"{done}: {len(stories)}")

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_published(story=s, user=request.user, published=True)  # noqa: E731
        self._bulk(request, queryset.filter(is_published=False), run, _("Published"))

    @admin.action(description=_("Hide from readers"), permissions=["change"])
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_published(story=s, user=request.user, published=False)  # noqa: E731
        self._bulk(request, queryset.filter(is_published=True), run, _("Hidden"))

    @admin.action(description=_("Lock (no automatic merges)"), permissions=["change"])
    def lock_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_locked(story=s, user=request.user, locked=True)  # noqa: E731
        self._bulk(request, queryset.filter(is_locked=False), run, _("Locked"))

    @admin.action(description=_("Unlock"), permissions=["change"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_locked(story=s, user=request.user, locked=False)  # noqa: E731
        self._bulk(request, queryset.filter(is_locked=True), run, _("Unlocked"))

    # --- The desk -----------------------------------------------------------------------

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("review/", wrap(self.review_view), name="stories_review_queue"),
            path("quality/", wrap(self.quality_view), name="stories_quality_report"),
            path("<path:object_id>/do/<str:action>/", wrap(self.desk_action_view), name="stories_story_do"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        return admin_views.review_queue(request, admin_context=context)

    def quality_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        return admin_views.quality_report(request, admin_context=context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The desk: the story, its timeline with every article, and the editor's tools."""
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404
        if not self.has_view_or_change_permission(request, story):
            raise PermissionDenied
        articles = Membership.objects.select_related("article__source").order_by(
            "article__published_at", "article_id"
        )
        events = list(
            story.events.order_by("occurred_at", "pk").prefetch_related(
                Prefetch("memberships", queryset=articles)
            )[:DESK_EVENTS]
        )
        for event in events:
            event.date_input = _local_input(event.display_date)
        loose = list(articles.filter(story=story, event__isnull=True))
        languages = sorted(
            set(story.language_counts) | set(story.titles) | set(story.editor_titles) | {"ar", "en"} - {"und"}
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": story.display_title,
            "story": story,
            "events": events,
            "events_capped": len(events) == DESK_EVENTS,
            "loose": loose,
            "title_fields": [(lang, story.editor_titles.get(lang, "")) for lang in languages],
            "merged_stories": list(story.merged_stories.only("pk", "title", "editor_title", "slug")),
            "excluded": list(
                story.exclusions.select_related("article", "created_by").order_by("-created_at")[:50]
            ),
            "recent_audit": list(
                AuditEntry.objects.filter(story=story).select_related("user", "article").order_by("-pk")[:15]
            ),
            "can": {
                name: request.user.has_perms(action.permissions) for name, action in DESK_ACTIONS.items()
            },
            "undoable": editing.UNDOABLE,
            "has_view_on_site": story.is_published and not story.merged_into_id,
        }
        return TemplateResponse(request, "admin/stories/story/desk.html", context)

    def desk_action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[object_id]))
        desk_action = DESK_ACTIONS.get(action)
        if desk_action is None:
            raise Http404
        if not request.user.has_perms(desk_action.permissions):
            raise PermissionDenied
        story = get_object_or_404(Story, pk=unquote(object_id))
        desk = reverse("admin:stories_story_change", args=[story.pk])
        try:
            message = desk_action.run(request, story)
        except EditorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(_safe_next(request, desk))


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are edited on their story's desk, where the edit is audited."""

    list_display = ["display_headline", "story", "occurred_at", "article_count", "is_key_moment"]
    list_filter = ["is_key_moment"]
    list_select_related = ["story"]
    search_fields = ["headline", "editor_headline"]
    raw_id_fields = ["story", "representative_article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        event = get_object_or_404(Event, pk=unquote(object_id))
        if not self.has_view_permission(request, event):
            raise PermissionDenied
        return HttpResponseRedirect(
            reverse("admin:stories_story_change", args=[event.story_id]) + f"#event-{event.pk}"
        )


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    list_display = ["article", "story", "created_by", "created_at"]
    list_select_related = ["article", "story", "created_by"]
    search_fields = ["article__title", "story__title", "story__editor_title"]
    raw_id_fields = ["article", "story", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Exclusion | None = None) -> bool:
        return False


@admin.register(KeyMoment)
class KeyMomentAdmin(admin.ModelAdmin):
    list_display = ["date", "story", "text", "decided_by"]
    list_filter = ["decided_by"]
    list_select_related = ["story"]
    raw_id_fields = ["story", "article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: KeyMoment | None = None) -> bool:
        return False


class UndoneFilter(admin.SimpleListFilter):
    title = _("undone")
    parameter_name = "undone"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", _("Standing")), ("yes", _("Undone"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(undone_at__isnull=self.value() == "no")
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail: read-only, with an undo button where the action can be undone."""

    list_display = ["created_at", "user", "action", "story_link", "article", "undone_at", "undo_link"]
    list_filter = ["action", UndoneFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user", "story", "article"]
    search_fields = ["story__slug", "story__title", "story__editor_title", "article__title", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "user",
        "action",
        "story",
        "article",
        "event",
        "before",
        "after",
        "undone_at",
    ]
    change_form_template = "admin/stories/auditentry/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        # A trail that can be edited is no trail.
        return False

    @admin.display(description=_("story"))
    def story_link(self, entry: AuditEntry) -> str:
        if entry.story_id is None:
            return "—"
        url = reverse("admin:stories_story_change", args=[entry.story_id])
        return format_html('<a href="{}" dir="auto">{}</a>', url, entry.story)

    @admin.display(description=_("undo"))
    def undo_link(self, entry: AuditEntry) -> str:
        if not editing.can_undo(entry):
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:stories_auditentry_undo", args=[entry.pk]), _("Undo…")
        )

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/undo/", wrap(self.undo_view), name="stories_auditentry_undo"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        entry = self.get_object(request, unquote(object_id))
        extra = {"can_undo": entry is not None and editing.can_undo(entry), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def undo_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.has_perms(["stories.view_auditentry", *MOVE_ARTICLES]):
            raise PermissionDenied
        entry = get_object_or_404(
            AuditEntry.objects.select_related("user", "story", "article"), pk=unquote(object_id)
        )
        if request.method == "POST":
            try:
                editing.undo(entry=entry, user=request.user)
            except EditorError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, gettext("Undone: %(action)s.") % {"action": entry.get_action_display()}
                )
            return HttpResponseRedirect(reverse("admin:stories_auditentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Undo this action?"),
            "entry": entry,
            "can_undo": editing.can_undo(entry),
        }
        return TemplateResponse(request, "admin/stories/auditentry/undo_confirm.html", context)


class StoryInArticleFilter(admin.SimpleListFilter):
    title = _("clustering")
    parameter_name = "clustered"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("In a story")), ("no", _("In no story")), ("excluded", _("Excluded somewhere"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() in {"yes", "no"}:
            return queryset.filter(membership__isnull=self.value() == "no")
        if self.value() == "excluded":
            return queryset.filter(Exists(Exclusion.objects.filter(article=OuterRef("pk"))))
        return queryset


admin.site.unregister(Article)


@admin.register(Article)
class ArticleAdmin(BaseArticleAdmin):
    """The articles list, with the story each article is in (stories may know articles)."""

    list_display = [*BaseArticleAdmin.list_display, "story"]
    list_filter = [*BaseArticleAdmin.list_filter, StoryInArticleFilter]
    list_select_related = [*BaseArticleAdmin.list_select_related, "membership__story"]

    @admin.display(description=_("story"))
    def story(self, article: Article) -> str:
        try:
            membership = article.membership
        except Membership.DoesNotExist:
            return "—"
        url = reverse("admin:stories_story_change", args=[membership.story_id])
        return format_html('<a href="{}" dir="auto">{}</a>', url, membership.story)
