"""Reader pages of dossiers: the list of files and one file with its stories and combined timeline.

Like the story pages, each reads a bounded page in a fixed number of queries: the stories of a
dossier come with their cards (stories.reader.views.attach_story_cards), and the combined timeline
reads 20 events at a time across all of the dossier's stories, with their sources in one query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from stories.models import Dossier, Event, Story

from . import params
from .views import (
    EVENTS_PER_PAGE,
    TIMELINE_EVENT_FIELDS,
    TimelineDay,
    _direction,
    _event_date,
    _event_excerpt,
    _is_fragment_request,
    _set_reader_name,
    attach_sources,
    attach_story_cards,
    dossier_strip,
    kept_body,
    redirect_to_survivor,
)

DOSSIERS_PER_PAGE = 30
# A dossier page lists its most recently active stories; a file of hundreds links the rest
# through its timeline.
STORIES_SHOWN = 30
STORIES_PER_DOSSIER_IN_LIST = 4


def get_dossier_or_404(slug: str) -> Dossier:
    return get_object_or_404(Dossier, is_published=True, slug=slug)


def redirect_to_surviving_dossier(request: HttpRequest, dossier: Dossier, url_name: str) -> HttpResponse:
    return redirect_to_survivor(request, dossier, url_name, Dossier.objects.filter(is_published=True))


def dossier_stories(dossier: Dossier) -> Any:
    return Story.objects.visible().filter(dossier=dossier)


def dossier_events(dossier: Dossier, *, offset: int, limit: int) -> list[Event]:
    """Newest events across the dossier's stories, with each event's story label (one query)."""
    return list(
        Event.objects.filter(story__in=dossier_stories(dossier))
        .select_related("representative_article__source", "story")
        .only(
            *TIMELINE_EVENT_FIELDS,
            "story__slug",
            "story__language",
            "story__labels",
            "story__editor_labels",
            "story__titles",
            "story__editor_titles",
            "story__title",
            "story__editor_title",
        )
        .annotate(when=_event_date(), excerpt=_event_excerpt())
        .order_by(F("when").desc(), "-pk")[offset : offset + limit]
    )


@require_safe
def dossier_list(request: HttpRequest) -> HttpResponse:
    """Every live dossier, the most recently active first, with a few of its stories (the body
    kept per version of the stories: reader.views.kept_body)."""
    page = params.page_number(request)
    body = kept_body(
        request,
        ("dossiers", page),
        template="stories/dossiers.html#page-body",
        context=lambda: _list_context(page),
    )
    return render(request, "stories/dossiers.html", {"page_body": body})


def _list_context(page: int) -> dict[str, Any]:
    start = (page - 1) * DOSSIERS_PER_PAGE
    dossiers = list(
        Dossier.objects.visible().order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[
            start : start + DOSSIERS_PER_PAGE + 1
        ]
    )
    has_next = len(dossiers) > DOSSIERS_PER_PAGE
    dossiers = dossiers[:DOSSIERS_PER_PAGE]
    language = translation.get_language() or settings.LANGUAGE_CODE
    stories = list(
        Story.objects.visible()
        .filter(dossier__in=dossiers)
        .only(
            "dossier_id",
            "slug",
            "language",
            "labels",
            "editor_labels",
            "titles",
            "editor_titles",
            "title",
            "editor_title",
        )
        .order_by(F("last_activity_at").desc(nulls_last=True), "-pk")
    )
    by_dossier: dict[int, list[Story]] = {}
    for story in stories:
        story.reader_label, story.reader_label_language = story.label_in(language)
        story.reader_label_direction = _direction(story.reader_label_language)
        by_dossier.setdefault(story.dossier_id, []).append(story)
    for dossier in dossiers:
        _set_reader_name(dossier, language)
        dossier.some_stories = by_dossier.get(dossier.pk, [])[:STORIES_PER_DOSSIER_IN_LIST]
    return {"dossiers": dossiers, "page": page, "next_page": page + 1 if has_next else None}


@require_safe
def dossier_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dossier = get_dossier_or_404(slug)
    if dossier.merged_into_id:
        return redirect_to_surviving_dossier(request, dossier, "stories:dossier")
    language = translation.get_language() or settings.LANGUAGE_CODE
    page = params.page_number(request)
    # The day the previous page ended on: its heading is not repeated.
    after = params.optional_date(request, "after") if _is_fragment_request(request) else None
    fragment = _is_fragment_request(request) and page > 1
    body = kept_body(
        request,
        ("dossier", dossier.pk, page, after),
        template="stories/dossier.html#" + ("dossier-timeline-page" if fragment else "page-body"),
        context=lambda: _dossier_context(dossier, page=page, after=after, fragment=fragment),
    )
    if fragment:
        return HttpResponse(body)
    _set_reader_name(dossier, language)
    return render(request, "stories/dossier.html", {"dossier": dossier, "page_body": body})


def _dossier_context(dossier: Dossier, *, page: int, after: date | None, fragment: bool) -> dict[str, Any]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    events = dossier_events(dossier, offset=(page - 1) * EVENTS_PER_PAGE, limit=EVENTS_PER_PAGE + 1)
    has_next = len(events) > EVENTS_PER_PAGE
    events = events[:EVENTS_PER_PAGE]
    attach_sources(events, default_language=language)
    days: list[TimelineDay] = []
    for event in events:
        event.story_label, event.story_label_language = event.story.label_in(language)
        day = timezone.localdate(event.when)
        if days and days[-1].day == day:
            days[-1].events.append(event)
        else:
            days.append(TimelineDay(day=day, events=[event], continued=not days and day == after))
    context = {
        "dossier": dossier,
        "timeline_days": days,
        "page": page,
        "next_page": page + 1 if has_next else None,
        "last_day": days[-1].day if days else None,
    }
    if fragment:
        return context
    _set_reader_name(dossier, language)
    stories = list(
        dossier_stories(dossier)
        .defer("summary", "editor_summary", "keyphrases")
        .order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[:STORIES_SHOWN]
    )
    attach_story_cards(stories, language=language)
    return context | {"stories": stories, "strip": dossier_strip(language)}
