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

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles.admin import ArticleAdmin as BaseArticleAdmin
from articles.admin import SourceAdmin as BaseSourceAdmin
from articles.models import Article, Source
from articles.search import matching
from stories.models import AuditEntry, Event, Exclusion, KeyMoment, Membership, Story
from stories.reader import params
from stories.services import chains, editing, history
from stories.services.audit import EditorError

from . import dossiers as desk_dossiers
from . import views as desk_views
from . import words
from .pickers import (
    StoryChoiceField,
    StoryMultipleChoiceField,
    StoryPicker,
    StoryPickerMultiple,
    StoryPickView,
    picker_field,
    story_label,
)

# The desk reads a story's timeline in pages of this many articles, grouped by event: a
# 5,000-article story would otherwise be a page of megabytes.
DESK_ARTICLES = 200


def _newest_headline() -> dict[str, Subquery]:
    """The newest event's headline (an editor's first) and its language, as reader cards show."""
    newest = Event.objects.filter(story=OuterRef("pk")).order_by(
        Coalesce("editor_occurred_at", "occurred_at").desc(), "-pk"
    )
    return {
        "newest_headline": Subquery(
            newest.annotate(shown=Coalesce(NullIf("editor_headline", Value("")), "headline")).values("shown")[
                :1
            ]
        ),
        "newest_headline_language": Subquery(newest.values("representative_article__language")[:1]),
    }


def _uncertain_count() -> Subquery:
    uncertain = (
        Membership.objects.filter(desk_views.doubtful(), story=OuterRef("pk"))
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
    # Actions that move many articles are shown before they are done: returns what the
    # confirmation page says (the stories, their counts, the result).
    preview: Callable[[HttpRequest, Story], dict[str, Any]] | None = None


# --- Picking stories --------------------------------------------------------------------


def merge_picker(story: Story) -> forms.Form:
    class MergePick(forms.Form):
        others = StoryMultipleChoiceField(
            queryset=Story.objects.filter(merged_into__isnull=True).exclude(pk=story.pk),
            widget=StoryPickerMultiple(picker_field(), admin.site, attrs={"id": "merge-others"}),
            label=_("Stories to merge into this one"),
        )

    return MergePick(prefix=None)


def target_picker(*, element_id: str, label: str, required: bool = False) -> forms.Form:
    class TargetPick(forms.Form):
        target = StoryChoiceField(
            queryset=Story.objects.filter(merged_into__isnull=True),
            widget=StoryPicker(picker_field(), admin.site, attrs={"id": element_id}),
            label=label,
            required=required,
        )

    return TargetPick()


def _find_story(value: str) -> Story:
    value = value.strip()
    pk = params.parse_id(value)
    story = Story.objects.filter(pk=pk).first() if pk else None
    story = story or Story.objects.filter(slug=value).first()
    if story is None:
        raise EditorError(gettext("no story “%(value)s” (give its number or its slug)") % {"value": value})
    return story


def _article(request: HttpRequest) -> Article:
    pk = params.parse_id(request.POST.get("article", ""))
    if pk is None:
        raise EditorError(gettext("no article chosen"))
    return get_object_or_404(Article, pk=pk)


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [pk for pk in map(params.parse_id, request.POST.getlist(name)) if pk is not None]


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


def _merge_others(request: HttpRequest, story: Story) -> list[Story]:
    # The picker posts story numbers; a typed list of numbers or slugs works too.
    raw = [v for value in request.POST.getlist("others") for v in value.replace(",", " ").split()]
    others = [_find_story(value) for value in raw] + list(Story.objects.filter(pk__in=_ids(request, "other")))
    others = list({s.pk: s for s in others if s.pk != story.pk}.values())
    if not others:
        raise EditorError(gettext("choose the stories to merge into this one"))
    for other in others:
        if other.merged_into_id:
            raise EditorError(
                gettext("“%(story)s” has already been merged into another story") % {"story": other}
            )
    if story.merged_into_id:
        raise EditorError(gettext("the story to merge into has itself been merged away"))
    return others


def _merge(request: HttpRequest, story: Story) -> str:
    others = _merge_others(request, story)
    editing.merge_stories(target=story, others=others, user=request.user)
    return ngettext(
        "Merged %(n)d story into this one.", "Merged %(n)d stories into this one.", len(others)
    ) % {"n": len(others)}


def _merge_preview(request: HttpRequest, story: Story) -> dict[str, Any]:
    others = _merge_others(request, story)
    moving = sum(s.article_count for s in others)
    return {
        "title": gettext("Merge these stories?"),
        "stories": [story_label(s) for s in others],
        "sentences": [
            ngettext(
                "The %(n)d article of the story above moves into %(target)s.",
                "The %(n)d articles of the stories above move into %(target)s.",
                moving,
            )
            % {"n": moving, "target": story_label(story)},
            ngettext(
                "Afterwards: one story, “%(title)s”, with %(total)d article.",
                "Afterwards: one story, “%(title)s”, with %(total)d articles.",
                story.article_count + moving,
            )
            % {"title": story.display_title, "total": story.article_count + moving},
            gettext(
                "The merged stories' addresses redirect to it. The merge can be undone from the audit trail."
            ),
        ],
        "button": gettext("Merge"),
    }


def _chosen_articles(request: HttpRequest, story: Story) -> list[Membership]:
    chosen = set(_ids(request, "split_article")) | set(
        Membership.objects.filter(event_id__in=_ids(request, "split_event"), story=story).values_list(
            "article_id", flat=True
        )
    )
    members = list(
        Membership.objects.filter(story=story, article_id__in=chosen)
        .select_related("article")
        .order_by("article__published_at", "article_id")
    )
    if not members:
        raise EditorError(gettext("choose articles or events of this story to move"))
    return members


def _split_target(request: HttpRequest) -> Story | None:
    value = request.POST.get("target", "").strip()
    return _find_story(value) if value else None


def _split_preview(request: HttpRequest, story: Story) -> dict[str, Any]:
    members = _chosen_articles(request, story)
    target = _split_target(request)
    n = len(members)
    if target is not None and target.pk == story.pk:
        raise EditorError(gettext("the articles are already in this story"))
    if target is None:
        title = request.POST.get("new_title", "").strip() or members[0].article.title
        into = gettext("a new story, “%(title)s”") % {"title": title}
    else:
        into = ngettext(
            "%(story)s, which will then hold %(total)d article",
            "%(story)s, which will then hold %(total)d articles",
            target.article_count + n,
        ) % {"story": story_label(target), "total": target.article_count + n}
    left = story.article_count - n
    return {
        "title": gettext("Move these articles?"),
        "articles": [m.article.title for m in members],
        "sentences": [
            ngettext(
                "This article moves out of %(story)s into %(into)s.",
                "These %(n)d articles move out of %(story)s into %(into)s.",
                n,
            )
            % {"n": n, "story": story_label(story), "into": into},
            gettext("They are pinned there and will not come back into “%(story)s”.")
            % {"story": story.display_title},
            ngettext("“%(story)s” keeps %(n)d article.", "“%(story)s” keeps %(n)d articles.", left)
            % {"story": story.display_title, "n": left}
            if left
            else gettext("“%(story)s” is left without articles and is hidden from readers.")
            % {"story": story.display_title},
        ],
        "button": gettext("Move"),
    }


def _split(request: HttpRequest, story: Story) -> str:
    target = _split_target(request)
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


def _move_preview(request: HttpRequest, story: Story) -> dict[str, Any]:
    article = _article(request)
    target = _find_story(request.POST.get("target", ""))
    if target.merged_into_id:
        raise EditorError(gettext("that story has been merged into another one"))
    membership = Membership.objects.filter(article=article).select_related("story").first()
    came_from = membership.story if membership else None
    sentences = [
        gettext("“%(article)s” moves into %(target)s and is pinned there.")
        % {"article": article.title, "target": story_label(target)}
    ]
    if came_from is not None and came_from.pk != target.pk:
        sentences.append(
            ngettext(
                "It leaves %(story)s, which keeps %(n)d article.",
                "It leaves %(story)s, which keeps %(n)d articles.",
                came_from.article_count - 1,
            )
            % {"story": story_label(came_from), "n": came_from.article_count - 1}
        )
    return {"title": gettext("Move this article?"), "sentences": sentences, "button": gettext("Move")}


def _exclude(request: HttpRequest, story: Story) -> str:
    editing.exclude_article(article=_article(request), story=story, user=request.user)
    return gettext("Article taken out of this story; it will not come back.")


def _accept(request: HttpRequest, story: Story) -> str:
    article = _article(request)
    if not Membership.objects.filter(article=article, story=story).exists():
        raise EditorError(gettext("that article is no longer in this story"))
    editing.accept_assignment(article=article, user=request.user)
    return gettext("Assignment accepted.")


def _credit(request: HttpRequest, story: Story) -> str:
    article = _article(request)
    if not Membership.objects.filter(article=article, story=story).exists():
        raise EditorError(gettext("that article is no longer in this story"))
    name = request.POST.get(f"credit-{article.pk}", "")
    chains.set_article_credit(article=article, name=name, user=request.user)
    if name.strip():
        return gettext("The article now credits “%(outlet)s”.") % {"outlet": " ".join(name.split())}
    return gettext("The article now credits no one.")


def _edit_event(request: HttpRequest, story: Story) -> str:
    event = get_object_or_404(Event, pk=params.parse_id(request.POST.get("event", "")) or 0, story=story)
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


CHANGE_STORY, MOVE_ARTICLES = history.CHANGE_STORY, history.MOVE_ARTICLES
DESK_ACTIONS: dict[str, DeskAction] = {
    "rename": DeskAction(CHANGE_STORY, _rename),
    "summary": DeskAction(CHANGE_STORY, _summary),
    "publish": DeskAction(CHANGE_STORY, _flag(editing.set_published, "published", True, _("Published."))),
    "hide": DeskAction(
        CHANGE_STORY, _flag(editing.set_published, "published", False, _("Hidden from readers."))
    ),
    "lock": DeskAction(CHANGE_STORY, _flag(editing.set_locked, "locked", True, _("Locked."))),
    "unlock": DeskAction(CHANGE_STORY, _flag(editing.set_locked, "locked", False, _("Unlocked."))),
    "merge": DeskAction(MOVE_ARTICLES, _merge, _merge_preview),
    "split": DeskAction(MOVE_ARTICLES, _split, _split_preview),
    "pin": DeskAction(("stories.change_membership",), _pin),
    "move": DeskAction(("stories.change_membership",), _move, _move_preview),
    "accept": DeskAction(("stories.change_membership",), _accept),
    "exclude": DeskAction(("stories.add_exclusion",), _exclude),
    "edit_event": DeskAction(("stories.change_event",), _edit_event),
    "credit": DeskAction(("stories.change_membership",), _credit),
    "label": DeskAction(CHANGE_STORY, desk_dossiers.label_desk_action),
    "dossier": DeskAction(CHANGE_STORY, desk_dossiers.dossier_desk_action),
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
        "language_column",
        "state",
        "article_count",
        "source_count",
        "review_count",
        "last_activity_at",
    ]
    list_display_links = None
    list_filter = [
        "status",
        words.LanguageFilter,
        ActivityFilter,
        NeedsReviewFilter,
        MergedFilter,
        "is_published",
        "is_locked",
    ]
    # Searched by get_search_results (stories/desk/words.py); listed so the admin shows the box.
    search_fields = ["title"]
    search_help_text = _("Name in any language, title, summary, slug or number")
    list_select_related = ["merged_into"]
    actions = ["merge_selected", "publish_selected", "hide_selected", "lock_selected", "unlock_selected"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Story]:
        return super().get_queryset(request).annotate(review_count=_uncertain_count(), **_newest_headline())

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Stories come from the engine (or a split); an empty hand-made one helps no one.
        return False

    @admin.display(description=_("story"), ordering="title")
    def title_column(self, story: Story) -> str:
        """The name readers see (in the editor's language where there is one), its language,
        then the newest headline when it says something the name does not."""
        url = reverse("admin:stories_story_change", args=[story.pk])
        name, name_language = story.label_in(get_language() or settings.LANGUAGE_CODE)
        headline = story.newest_headline or story.display_title
        newest_language = story.newest_headline_language or story.language
        # At most two lines each in the list (admin-desk.css); the whole text on hover.
        parts = [
            format_html(
                '<a href="{}" class="story-name" lang="{}" dir="auto" title="{}">{}</a>'
                ' <span class="language-name">{}</span>',
                url,
                name_language,
                name,
                name,
                words.language_name(name_language),
            )
        ]
        if headline and headline != name:
            parts.append(
                format_html(
                    '<span class="newest-headline" lang="{}" dir="auto" title="{}">{}</span>',
                    newest_language,
                    headline,
                    headline,
                )
            )
        return format_html("{}", mark_safe("".join(parts)))  # noqa: S308 - each part is escaped above

    @admin.display(description=_("main language"), ordering="language")
    def language_column(self, story: Story) -> str:
        return words.language_name(story.language)

    @admin.display(description=_("state"), ordering="status")
    def state(self, story: Story) -> str:
        words = [format_html('<span class="state-word">{}</span>', story.get_status_display())]
        if story.merged_into_id:
            words.append(
                format_html(
                    '<span class="state-word">{}</span>',
                    gettext("merged into #%(pk)d") % {"pk": story.merged_into_id},
                )
            )
        elif not story.is_published:
            words.append(format_html('<span class="state-word off">{}</span>', gettext("hidden")))
        elif story.article_count == 0:
            words.append(format_html('<span class="state-word off">{}</span>', gettext("empty, not shown")))
        if story.is_locked:
            words.append(format_html('<span class="state-word warn">{}</span>', gettext("locked")))
        return format_html("{}", mark_safe(" ".join(words)))  # noqa: S308 - each word is escaped above

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Story], search_term: str
    ) -> tuple[QuerySet[Story], bool]:
        match = request.resolver_match
        if match is not None and match.url_name == "stories_story_pick":
            # The picker offers stories one can merge with or move into: live ones.
            queryset = queryset.filter(merged_into__isnull=True)
        if not search_term.strip():
            return queryset, False
        found = Q(pk__in=words.story_search(queryset, search_term).values("pk"))
        number = params.parse_id(search_term.strip().lstrip("#"))
        if number is not None:  # a story's number, within the id column's range
            found |= Q(pk=number)
        return queryset.filter(found), False

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
            "total": sum(s.article_count for s in stories),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/stories/story/merge_confirm.html", context)

    def _bulk(
        self,
        request: HttpRequest,
        queryset: QuerySet[Story],
        run: Callable[[Story], Any],
        done: Callable[[int], str],
    ):
        stories = list(queryset)
        for story in stories:
            run(story)
        self.message_user(request, done(len(stories)) % {"n": len(stories)})

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_published(story=s, user=request.user, published=True)  # noqa: E731
        self._bulk(
            request,
            queryset.filter(is_published=False),
            run,
            lambda n: ngettext("Published %(n)d story.", "Published %(n)d stories.", n),
        )

    @admin.action(description=_("Hide from readers"), permissions=["change"])
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_published(story=s, user=request.user, published=False)  # noqa: E731
        self._bulk(
            request,
            queryset.filter(is_published=True),
            run,
            lambda n: ngettext("Hid %(n)d story from readers.", "Hid %(n)d stories from readers.", n),
        )

    @admin.action(description=_("Lock (no automatic merges)"), permissions=["change"])
    def lock_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_locked(story=s, user=request.user, locked=True)  # noqa: E731
        self._bulk(
            request,
            queryset.filter(is_locked=False),
            run,
            lambda n: ngettext("Locked %(n)d story.", "Locked %(n)d stories.", n),
        )

    @admin.action(description=_("Unlock"), permissions=["change"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        run = lambda s: editing.set_locked(story=s, user=request.user, locked=False)  # noqa: E731
        self._bulk(
            request,
            queryset.filter(is_locked=True),
            run,
            lambda n: ngettext("Unlocked %(n)d story.", "Unlocked %(n)d stories.", n),
        )

    # --- The desk -----------------------------------------------------------------------

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("review/", wrap(self.review_view), name="stories_review_queue"),
            path("quality/", wrap(self.quality_view), name="stories_quality_report"),
            path("pick/", wrap(StoryPickView.as_view(admin_site=self.admin_site)), name="stories_story_pick"),
            path("<path:object_id>/do/<str:action>/", wrap(self.desk_action_view), name="stories_story_do"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        response = desk_views.review_queue(request, admin_context=context)
        if isinstance(response, TemplateResponse):
            # Each doubtful article gets the story picker to move it (the widget lives here).
            widget = StoryPicker(picker_field(), self.admin_site)
            widget.choices = StoryChoiceField(queryset=Story.objects.none()).choices
            for membership in response.context_data["uncertain"]:
                membership.move_picker = widget.render(
                    "target",
                    None,
                    attrs={"id": f"move-{membership.pk}", "aria-label": gettext("move to story")},
                )
            response.context_data["picker_media"] = widget.media
        return response

    def quality_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        return desk_views.quality_report(request, admin_context=context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The desk: the story, its timeline with every article, and the editor's tools."""
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404
        if not self.has_view_or_change_permission(request, story):
            raise PermissionDenied
        placed = (
            Membership.objects.filter(story=story)
            .select_related("article__source", "event")
            .order_by(
                F("event__occurred_at").asc(nulls_last=True),
                "event_id",
                "article__published_at",
                "article_id",
            )
        )
        timeline_page = Paginator(placed, DESK_ARTICLES).get_page(params.page_number(request))
        events: dict[int, Event] = {}
        loose = []
        for membership in timeline_page.object_list:
            membership.decided_words = desk_views.decided_in_words(membership)
            if membership.event is None:
                loose.append(membership)
                continue
            event = events.setdefault(membership.event_id, membership.event)
            if event is membership.event:
                event.date_input = _local_input(event.display_date)
                event.desk_memberships = []
            event.desk_memberships.append(membership)
        recent_audit = list(
            AuditEntry.objects.filter(story=story).select_related("user", "article").order_by("-pk")[:15]
        )
        described = history.describe_entries(recent_audit).values()
        for entry, sentence in zip(recent_audit, described, strict=True):
            entry.words = sentence
        languages = sorted(
            set(story.language_counts) | set(story.titles) | set(story.editor_titles) | {"ar", "en"} - {"und"}
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": story.display_title,
            "story": story,
            "events": list(events.values()),
            "timeline_page": timeline_page,
            "loose": loose,
            "title_fields": [(lang, story.editor_titles.get(lang, "")) for lang in languages],
            "merged_stories": list(story.merged_stories.only("pk", "title", "editor_title", "slug")),
            "excluded": list(
                story.exclusions.select_related("article", "created_by").order_by("-created_at")[:50]
            ),
            "recent_audit": recent_audit,
            "merge_picker": merge_picker(story),
            "split_picker": target_picker(
                element_id="split-target", label=_("to story (empty: a new story)")
            ),
            "can": {
                name: request.user.has_perms(action.permissions) for name, action in DESK_ACTIONS.items()
            },
            "undoable": history.UNDOABLE,
            **desk_dossiers.desk_context(story),
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
        story = get_object_or_404(Story, pk=params.object_id(unquote(object_id)))
        desk = reverse("admin:stories_story_change", args=[story.pk])
        if desk_action.preview is not None and request.POST.get("confirmed") != "1":
            try:
                preview = desk_action.preview(request, story)
            except EditorError as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(_safe_next(request, desk))
            return self._confirm(request, story, action, preview)
        try:
            message = desk_action.run(request, story)
        except EditorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(_safe_next(request, desk))

    def _confirm(self, request: HttpRequest, story: Story, action: str, preview: dict) -> HttpResponse:
        """The page that says what an action will do, posting the same choices back to do it."""
        carried = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in {"csrfmiddlewaretoken", "confirmed"}
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "story": story,
            "preview": preview,
            "title": preview["title"],
            "carried": carried,
            "action_url": reverse("admin:stories_story_do", args=[story.pk, action]),
            "cancel_url": _safe_next(request, reverse("admin:stories_story_change", args=[story.pk])),
        }
        return TemplateResponse(request, "admin/stories/story/confirm_action.html", context)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are edited on their story's desk, where the edit is audited."""

    list_display = ["headline_column", "story", "occurred_at", "article_count", "is_key_moment"]
    list_filter = ["is_key_moment"]
    list_select_related = ["story"]
    search_fields = ["headline", "editor_headline"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Event], search_term: str
    ) -> tuple[QuerySet[Event], bool]:
        """Headlines read as the reader's search reads them (hamza forms, clitics, plurals)."""
        if not search_term.strip():
            return queryset, False
        found = matching(queryset, search_term, fields=("editor_headline", "headline"))
        return queryset.filter(pk__in=found.values("pk")), False

    raw_id_fields = ["story", "representative_article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    @admin.display(description=_("headline"), ordering="headline")
    def headline_column(self, event: Event) -> str:
        return event.display_headline

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        event = get_object_or_404(Event, pk=params.object_id(unquote(object_id)))
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
    list_display = ["date", "story", "text", "language_column", "decided_by"]
    list_filter = ["decided_by"]
    list_select_related = ["story"]
    raw_id_fields = ["story", "article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("language"), ordering="language")
    def language_column(self, moment: KeyMoment) -> str:
        return words.language_name(moment.language)

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


class DescribedChangeList(ChangeList):
    """The audit trail's page of entries, each with its sentence, read for the page at once."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        entries = list(self.result_list)  # fills the queryset's cache: the rows shown are these
        words = history.describe_entries(entries)
        for entry in entries:
            entry.words = words[entry.pk]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail: read-only, with an undo button where the action can be undone."""

    list_display = ["created_at", "user", "action", "what", "undo_link"]
    list_filter = ["action", UndoneFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["story__slug", "story__title", "story__editor_title", "article__title", "user__username"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], search_term: str
    ) -> tuple[QuerySet[AuditEntry], bool]:
        """Entries about a story found as the story list finds it, an article by its headline,
        or an editor by user name; a story's slug (the desk's "History" link) as it is."""
        term = search_term.strip()
        if not term:
            return queryset, False
        stories = words.story_search(Story.objects.all(), term)
        articles = matching(Article.objects.all(), term, fields=("title",))
        found = (
            Q(story__in=stories.values("pk"))
            | Q(article__in=articles.values("pk"))
            | Q(user__username__iexact=term)
            | Q(story__slug=term)
        )
        return queryset.filter(found), False

    date_hierarchy = "created_at"
    # The entry in words ("what"), never the raw before/after snapshots.
    readonly_fields = [
        "created_at",
        "user",
        "action",
        "what",
        "story",
        "article",
        "event",
        "dossier",
        "undone_at",
    ]
    fieldsets = [(None, {"fields": readonly_fields})]
    change_form_template = "admin/stories/auditentry/change_form.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DescribedChangeList

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

    @admin.display(description=_("what happened"))
    def what(self, entry: AuditEntry) -> str:
        words = getattr(entry, "words", None)
        if words is None:  # a single entry (the detail page)
            words = history.describe_entries([entry])[entry.pk]
        return format_html("<span>{}</span>", words)

    @admin.display(description=_("undo"))
    def undo_link(self, entry: AuditEntry) -> str:
        if not history.can_undo(entry):
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
        can_undo = (
            entry is not None
            and history.can_undo(entry)
            and request.user.has_perms(history.permissions_to_undo(entry))
        )
        extra = {"can_undo": can_undo, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def undo_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.has_perm("stories.view_auditentry"):
            raise PermissionDenied
        entry = get_object_or_404(
            AuditEntry.objects.select_related("user", "story", "article"),
            pk=params.object_id(unquote(object_id)),
        )
        if not request.user.has_perms(history.permissions_to_undo(entry)):
            raise PermissionDenied
        if request.method == "POST":
            try:
                history.undo(entry=entry, user=request.user)
            except EditorError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, gettext("Undone: %(action)s.") % {"action": entry.get_action_display()}
                )
            return HttpResponseRedirect(reverse("admin:stories_auditentry_changelist"))
        summary, moves, effects = history.undo_preview(entry)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Undo this action?"),
            "entry": entry,
            "summary": summary,
            "moves": moves,
            "effects": effects,
            "can_undo": history.can_undo(entry),
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


admin.site.unregister(Source)


@admin.register(Source)
class SourceAdmin(BaseSourceAdmin):
    """The sources list, with languages by name (articles/admin.py cannot import the desk's words)."""

    list_display = [
        "language_column" if column == "language" else column for column in BaseSourceAdmin.list_display
    ]
    list_filter = [
        words.LanguageFilter if name == "language" else name for name in BaseSourceAdmin.list_filter
    ]

    @admin.display(description=_("language hint"), ordering="language")
    def language_column(self, source: Source) -> str:
        return words.language_name(source.language) if source.language else "—"


admin.site.unregister(Article)


@admin.register(Article)
class ArticleAdmin(BaseArticleAdmin):
    """The articles list, with the story each article is in (stories may know articles)."""

    list_display = [
        *("language_column" if column == "language" else column for column in BaseArticleAdmin.list_display),
        "story",
    ]
    list_filter = [
        *(words.LanguageFilter if name == "language" else name for name in BaseArticleAdmin.list_filter),
        StoryInArticleFilter,
    ]
    list_select_related = [*BaseArticleAdmin.list_select_related, "membership__story"]
    search_help_text = _("Words of the headline or lead, in any spelling, or the address")

    @admin.display(description=_("language"), ordering="language")
    def language_column(self, article: Article) -> str:
        return words.language_name(article.language)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Article], search_term: str
    ) -> tuple[QuerySet[Article], bool]:
        """Headlines and leads read as the reader's search reads them; an address as typed."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = Q(pk__in=matching(queryset, term, fields=("title", "summary")).values("pk"))
        if " " not in term and "/" in term:
            found |= Q(url__icontains=term)
        return queryset.filter(found), False

    @admin.display(description=_("story"))
    def story(self, article: Article) -> str:
        try:
            membership = article.membership
        except Membership.DoesNotExist:
            return "—"
        url = reverse("admin:stories_story_change", args=[membership.story_id])
        # The name readers see, as the story list shows it.
        name, language = membership.story.label_in(get_language() or settings.LANGUAGE_CODE)
        return format_html('<a href="{}" lang="{}" dir="auto">{}</a>', url, language, name)
