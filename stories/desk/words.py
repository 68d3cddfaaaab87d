"""How the desk names things an editor reads: languages by name, stories by the name readers see.

`language_name` gives Django's own translated name of a language ("العربية", "English"), never
the code; `story_search` finds stories as the reader's search reads a query (articles/search.py
folds hamza forms, clitics and plurals), by the names readers see in every language, the
editors' names and titles, and the headlines.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from articles.search import JSONValues, matching
from stories.models import Event, Story

# What a story is found by in the desk: the names readers see (engine's and editor's, in
# every language), the titles and the summaries, and its address; and its timeline's headlines.
STORY_SEARCH_FIELDS = (
    JSONValues("editor_labels"),
    JSONValues("labels"),
    "editor_title",
    "title",
    JSONValues("editor_titles"),
    JSONValues("titles"),
    "editor_summary",
    "summary",
    "slug",
)


def language_name(code: str) -> str:
    """A language's name in the active language ("الإنجليزية"); the code only if Django has none."""
    if not code or code == "und":
        return gettext("unknown language")
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def story_search(queryset: QuerySet[Story], query: str) -> QuerySet[Story]:
    """Stories whose names, titles or summaries, or one of whose timeline headlines, hold every word."""
    headlines = matching(Event.objects.all(), query, fields=("editor_headline", "headline"))
    return queryset.filter(
        Q(pk__in=matching(queryset, query, fields=STORY_SEARCH_FIELDS).values("pk"))
        | Q(pk__in=headlines.values("story_id"))
    )


class LanguageFilter(admin.SimpleListFilter):
    """A list's language filter with the languages by name (the field's own one shows codes)."""

    title = _("language")
    parameter_name = "language"
    field = "language"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        rows = model_admin.model._default_manager.order_by()
        codes = rows.values_list(self.field, flat=True).distinct()
        return sorted(((code, language_name(code)) for code in codes if code is not None), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is not None:
            return queryset.filter(**{self.field: self.value()})
        return queryset
