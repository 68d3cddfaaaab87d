"""The sources desk: add a feed by URL (with a test fetch first), watch its health, poll it now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .models import Article, Source
from .sanitize import plain_text

# How many entries the test fetch shows: enough to judge a feed, short enough to read.
PREVIEW_ENTRIES = 10


def _formfield(field: Any, **kwargs: Any) -> forms.Field | None:
    if field.name == "url":
        # An address typed without a scheme is most likely https today.
        kwargs.update(assume_scheme="https", widget=forms.URLInput(attrs={"size": 80}))
    return field.formfield(**kwargs)


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["url", "name", "language", "kind", "enabled", "poll_interval"]
        formfield_callback = _formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].required = True
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Left blank, the feed's host name is used.")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        parts = urlsplit(url)
        # URLField also lets ftp:// through; the fetcher speaks HTTP only.
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise forms.ValidationError(_("Enter an http:// or https:// address."))
        return url

    def clean_language(self) -> str:
        language = self.cleaned_data["language"].strip().lower()
        if language and not (language.isascii() and language.isalpha() and 2 <= len(language) <= 3):
            raise forms.ValidationError(_("Use a two- or three-letter ISO 639 code, such as ar or en."))
        return language

    def clean_name(self) -> str:
        # Plain text: bidi controls would reorder the name wherever it is shown, and markup in it
        # would go out in feeds' categories (articles/sanitize.py).
        return plain_text(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("name") and cleaned.get("url"):
            cleaned["name"] = urlsplit(cleaned["url"]).hostname or cleaned["url"]
        return cleaned


class HealthFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "health"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("failing", _("Failing now")),
            ("disabled", _("Disabled")),
            ("never", _("Never succeeded")),
            ("silent", _("No articles in a day")),
            ("healthy", _("Healthy")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Source]) -> QuerySet[Source]:
        value = self.value()
        if value == "failing":
            return queryset.filter(consecutive_failures__gt=0)
        if value == "disabled":
            return queryset.filter(enabled=False)
        if value == "never":
            return queryset.filter(last_success_at__isnull=True)
        if value == "silent":
            return queryset.filter(enabled=True, articles_last_day=0)
        if value == "healthy":
            return queryset.filter(enabled=True, consecutive_failures=0, last_success_at__isnull=False)
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    add_form_template = "admin/articles/source/add_form.html"
    list_display = [
        "name",
        "feed_host",
        "kind",
        "language",
        "enabled",
        "last_success_at",
        "consecutive_failures",
        "short_error",
        "articles_last_day",
        "next_poll_at",
    ]
    list_filter = [HealthFilter, "enabled", "kind", "language"]
    search_fields = ["name", "url"]
    actions = ["poll_now", "enable", "disable"]
    readonly_fields = [
        "last_polled_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_poll_at",
        "disabled_reason",
        "warnings",
        "etag",
        "last_modified",
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        if db_field.name == "url":
            kwargs.update(assume_scheme="https", widget=forms.URLInput(attrs={"size": 80}))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Source | None = None) -> list[tuple[Any, dict]]:
        main = (None, {"fields": ["url", "name", "language", "kind", "enabled", "poll_interval"]})
        if obj is None:
            return [main]
        return [main, (_("Health"), {"fields": self.readonly_fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: Source | None = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        # One correlated count per row, computed in the same query as the list itself.
        since = timezone.now() - timedelta(days=1)
        recent = (
            Article.objects.filter(source=OuterRef("pk"), created_at__gte=since)
            .order_by()
            .values("source")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(articles_last_day=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)))
        )

    @admin.display(description=_("address"), ordering="url")
    def feed_host(self, source: Source) -> str:
        return urlsplit(source.url).hostname if source.url else "—"

    @admin.display(description=_("last error"))
    def short_error(self, source: Source) -> str:
        if not source.last_error:
            return ""
        return format_html(
            '<span title="{}">{}</span>', source.last_error, Truncator(source.last_error).chars(60)
        )

    @admin.display(description=_("articles, last 24 h"), ordering="articles_last_day")
    def articles_last_day(self, source: Source) -> int:
        return source.articles_last_day

    # --- Actions ------------------------------------------------------------------------

    @admin.action(description=_("Poll now"), permissions=["change"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        from .tasks import poll_source  # the task module pulls in the fetcher; load it on use

        enabled = list(queryset.filter(enabled=True).exclude(kind=Source.Kind.IMPORT))
        for source in enabled:
            # After commit: a worker must find the row as this request left it.
            poll_source.delay_on_commit(source.pk)
            self.log_change(request, source, "Polled now")
        skipped = queryset.count() - len(enabled)
        self.message_user(request, _("%(n)d source(s) queued for polling.") % {"n": len(enabled)})
        if skipped:
            self.message_user(
                request,
                _("%(n)d disabled or import source(s) skipped.") % {"n": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Enable"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        sources = list(queryset.filter(enabled=False))
        # Re-enabled sources are due at once, with their failure count forgiven.
        queryset.filter(pk__in=[s.pk for s in sources]).update(
            enabled=True, disabled_reason="", consecutive_failures=0, next_poll_at=None
        )
        for source in sources:
            self.log_change(request, source, "Enabled")
        self.message_user(request, _("%(n)d source(s) enabled.") % {"n": len(sources)})

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        sources = list(queryset.filter(enabled=True))
        reason = f"disabled by {request.user.get_username()}"
        queryset.filter(pk__in=[s.pk for s in sources]).update(enabled=False, disabled_reason=reason)
        for source in sources:
            self.log_change(request, source, "Disabled")
        self.message_user(request, _("%(n)d source(s) disabled.") % {"n": len(sources)})

    # --- Test fetch ---------------------------------------------------------------------

    def get_urls(self) -> list:
        return [
            path(
                "test-fetch/",
                self.admin_site.admin_view(require_POST(self.test_fetch_view)),
                name="articles_source_test_fetch",
            ),
            *super().get_urls(),
        ]

    def test_fetch_view(self, request: HttpRequest) -> HttpResponse:
        """Fetch and parse the feed the add form describes, and show what would be ingested."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SourceForm(request.POST)
        preview: dict[str, Any] = {}
        if form.is_valid():
            preview = preview_feed(form.cleaned_data["url"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Test fetch"),
            "form": form,
            "preview": preview,
            "add_url": reverse("admin:articles_source_add"),
            "entries_shown": PREVIEW_ENTRIES,
        }
        return TemplateResponse(request, "admin/articles/source/test_fetch.html", context)


def preview_feed(url: str) -> dict[str, Any]:
    """What a poll of `url` would read: kind, title, first entries, warnings; or the error."""
    from .feeds import FeedError, parse_feed
    from .fetch import FetchError
    from .services import get_fetcher

    try:
        result = get_fetcher().fetch(url)
        feed = parse_feed(result.body, url=result.url, content_type=result.content_type)
    except (FetchError, FeedError) as exc:
        return {"error": str(exc)}
    return {
        "final_url": result.url,
        "kind": feed.kind,
        "title": feed.title,
        "language": feed.language,
        "entry_count": len(feed.entries),
        "entries": feed.entries[:PREVIEW_ENTRIES],
        "child_sitemaps": feed.child_sitemaps[:PREVIEW_ENTRIES],
        "warnings": feed.warnings,
    }


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    # stories/desk/admin.py extends this with the story each article is in (articles knows no stories).
    list_display = ["title", "source", "language", "published_at", "status"]
    list_filter = ["status", "language", ("published_at", admin.DateFieldListFilter)]
    list_select_related = ["source"]
    search_fields = ["title", "url"]
    search_help_text = _("Title or address")
    raw_id_fields = ["duplicate_of", "source"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        # Addresses without a scheme are https (Django 6's default, asked for explicitly now).
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)
