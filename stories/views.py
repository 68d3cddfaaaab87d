"""Reader pages: the stories list, a story's dated timeline, search, the embeddable timeline
and the tiny "new updates" poll.

Every view reads a bounded page with a fixed number of queries whatever the size of the
story: events come 20 at a time with their representative article joined in, the sources of
a page of events come in one windowed query, and the counts shown (articles, sources,
languages) are the denormalised ones on Story and Event.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, NullIf, RowNumber, Substr, TruncDate
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_GET
from django.views.decorators.vary import vary_on_headers

from articles.models import RTL_LANGUAGES

from . import search as story_search
from .models import Event, Membership, Story

logger = logging.getLogger(__name__)

STORIES_PER_PAGE = 20
EVENTS_PER_PAGE = 20
EMBED_EVENTS = 15
# Source names listed under an event; the count beside them is always the full one.
SOURCES_SHOWN = 6
# The activity chart covers at most this many days, ending on the story's last active day.
CHART_DAYS = 60
# Hops followed through merged_into before giving up on a loop.
MAX_MERGE_HOPS = 10


# --- Small request helpers ---------------------------------------------------------------


def _int_param(request: HttpRequest, name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.GET.get(name, default)))
    except (TypeError, ValueError):
        return default


def _language_param(request: HttpRequest) -> str:
    code = request.GET.get("lang", "")
    return code if code in dict(settings.LANGUAGES) else ""


def _is_fragment_request(request: HttpRequest) -> bool:
    # A history restore wants the whole page even though htmx sent it.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


# --- Stories -------------------------------------------------------------------------------


def get_story_or_404(slug: str) -> Story:
    return get_object_or_404(Story.objects.published(), slug=slug)


def _surviving_story(story: Story) -> Story:
    """The story a merged story now lives in, following chains of merges."""
    seen = {story.pk}
    current = story
    while current.merged_into_id:
        if current.merged_into_id in seen or len(seen) > MAX_MERGE_HOPS:
            raise Http404("This story was merged in a loop.")
        seen.add(current.merged_into_id)
        current = Story.objects.published().filter(pk=current.merged_into_id).first()
        if current is None:
            raise Http404("This story was merged into a story that is not published.")
    return current


def redirect_to_survivor(request: HttpRequest, story: Story, url_name: str) -> HttpResponse:
    target = reverse(url_name, kwargs={"slug": _surviving_story(story).slug})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def reader_title(story: Story, language: str) -> tuple[str, str]:
    """The story's title for a reader of `language`, and the language that title is in."""
    if story.editor_title:
        return story.editor_title, story.language
    if story.titles.get(language):
        return story.titles[language], language
    return story.title, story.language


def _languages_by_coverage(story: Story) -> list[str]:
    counts = story.language_counts or {}
    if not counts:
        return [story.language] if story.language else []
    return [code for code, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _story_validators(request: HttpRequest, slug: str) -> tuple[str, datetime] | None:
    cache_key = "_silsila_story_validators"
    if not hasattr(request, cache_key):
        row = (
            Story.objects.published()
            .filter(slug=slug)
            .values_list("updated_at", "last_activity_at")
            .order_by()
            .first()
        )
        validators = None
        if row is not None:
            updated_at, last_activity_at = row
            modified = max(filter(None, (updated_at, last_activity_at)))
            # The body also depends on the reader's language, the query string and whether
            # htmx asked for a fragment: all of them go into the ETag.
            key = "|".join(
                [
                    slug,
                    # Both: an article dated ahead of the clock must not hide an edit.
                    updated_at.isoformat(),
                    last_activity_at.isoformat() if last_activity_at else "",
                    translation.get_language() or "",
                    request.META.get("QUERY_STRING", ""),
                    request.headers.get("HX-Request", ""),
                    request.headers.get("HX-History-Restore-Request", ""),
                ]
            )
            validators = (hashlib.sha256(key.encode()).hexdigest()[:32], modified)
        setattr(request, cache_key, validators)
    return getattr(request, cache_key)


def story_etag(request: HttpRequest, slug: str, **kwargs: Any) -> str | None:
    validators = _story_validators(request, slug)
    return validators[0] if validators else None


def story_last_modified(request: HttpRequest, slug: str, **kwargs: Any) -> datetime | None:
    validators = _story_validators(request, slug)
    return validators[1] if validators else None


# --- Timeline reads ------------------------------------------------------------------------


@dataclass
class EventSource:
    name: str
    url: str
    language: str
    title: str


@dataclass
class TimelineDay:
    day: date
    events: list[Event]
    # True when the previous page already showed this day's heading.
    continued: bool = False


@dataclass
class TimelinePage:
    days: list[TimelineDay]
    page: int
    oldest_first: bool
    has_next: bool
    last_day: date | None = None
    events: list[Event] = field(default_factory=list)


def _event_date():
    return Coalesce("editor_occurred_at", "occurred_at")


def timeline_events(story: Story, *, oldest_first: bool, offset: int, limit: int) -> list[Event]:
    """One page of a story's events with what the timeline shows, in one query.

    Sorted by the date readers see (an editor's date wins), so the index on occurred_at
    is not used; a story has far fewer events than articles, so the sort stays cheap.
    """
    when = _event_date()
    order = [when.asc(), "pk"] if oldest_first else [when.desc(), "-pk"]
    article = "representative_article"
    excerpt_source = Coalesce(NullIf(f"{article}__summary", Value("")), f"{article}__text")
    return list(
        story.events.select_related(f"{article}__source")
        .only(
            "story_id",
            "occurred_at",
            "editor_occurred_at",
            "headline",
            "editor_headline",
            "article_count",
            "is_key_moment",
            f"{article}__url",
            f"{article}__title",
            f"{article}__language",
            f"{article}__source__name",
        )
        .annotate(when=when, excerpt=Substr(excerpt_source, 1, 400))
        .order_by(*order)[offset : offset + limit]
    )


def attach_sources(events: list[Event], *, default_language: str) -> None:
    """Set `event.sources` (one entry per source, earliest article first) on each event.

    One query for the whole page: a window keeps each source's first article per event, so
    an event reported 300 times by 40 outlets returns 40 rows, not 300.
    """
    by_event: dict[int, list[EventSource]] = defaultdict(list)
    if events:
        rows = (
            Membership.objects.filter(event_id__in=[event.pk for event in events])
            .annotate(
                source_rank=Window(
                    RowNumber(),
                    partition_by=[F("event_id"), F("article__source_id")],
                    order_by=[F("article__published_at").asc(), F("article_id").asc()],
                )
            )
            .filter(source_rank=1)
            .order_by("event_id", "article__published_at", "article_id")
            .values_list(
                "event_id", "article__source__name", "article__url", "article__language", "article__title"
            )
        )
        for event_id, name, url, language, title in rows:
            by_event[event_id].append(EventSource(name=name, url=url, language=language, title=title))
    for event in events:
        sources = by_event.get(event.pk, [])
        event.sources = sources
        event.sources_shown = sources[:SOURCES_SHOWN]
        event.sources_hidden = max(0, len(sources) - SOURCES_SHOWN)
        languages = sorted({source.language for source in sources if source.language})
        representative = event.representative_article
        if not languages and representative is not None and representative.language:
            languages = [representative.language]
        event.languages = languages
        event.headline_language = (
            representative.language if representative and representative.language else default_language
        )
        event.headline_direction = _direction(event.headline_language)


def _timeline_page(
    story: Story, *, oldest_first: bool, page: int, after: date | None, per_page: int = EVENTS_PER_PAGE
) -> TimelinePage:
    # One extra row tells whether there is a next page without a COUNT query.
    events = timeline_events(
        story, oldest_first=oldest_first, offset=(page - 1) * per_page, limit=per_page + 1
    )
    has_next = len(events) > per_page
    events = events[:per_page]
    attach_sources(events, default_language=story.language)
    days: list[TimelineDay] = []
    for event in events:
        day = timezone.localdate(event.when)
        if days and days[-1].day == day:
            days[-1].events.append(event)
        else:
            days.append(TimelineDay(day=day, events=[event], continued=not days and day == after))
    return TimelinePage(
        days=days,
        page=page,
        oldest_first=oldest_first,
        has_next=has_next,
        last_day=days[-1].day if days else None,
        events=events,
    )


@dataclass
class ChartBar:
    # Numbers arrive as strings so the template does not localise them ("12,5" breaks SVG).
    x: str
    y: str
    height: str
    label: str


@dataclass
class ActivityChart:
    bars: list[ChartBar]
    width: int
    height: int
    peak: int
    total: int
    first_day: date
    last_day: date


def _activity_chart(story: Story, *, height: int = 48) -> ActivityChart | None:
    """Articles per day from the events' denormalised counts: one grouped query."""
    rows = (
        story.events.annotate(day=TruncDate(_event_date()))
        .values("day")
        .annotate(articles=Sum("article_count"))
        .order_by("day")
    )
    per_day = {row["day"]: row["articles"] or 0 for row in rows}
    if not per_day:
        return None
    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=CHART_DAYS - 1))
    span = (last - first).days + 1
    peak = max(per_day.values()) or 1
    bars = []
    for day, count in sorted(per_day.items()):
        if day < first or count == 0:
            continue
        # A day with articles always shows at least a sliver.
        bar_height = max(2.0, round(height * count / peak, 1))
        bars.append(
            ChartBar(
                x=str((day - first).days * 6),
                y=f"{height - bar_height:g}",
                height=f"{bar_height:g}",
                label=f"{date_format(day, 'DATE_FORMAT')}: {count}",
            )
        )
    total = sum(count for day, count in per_day.items() if day >= first)
    return ActivityChart(
        bars=bars, width=span * 6, height=height, peak=peak, total=total, first_day=first, last_day=last
    )


def _date_param(request: HttpRequest, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


# --- Views ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Active stories, today's first and within a day the widest coverage first."""
    language = _language_param(request)
    page = _int_param(request, "page")
    stories = Story.objects.active()
    if language:
        stories = stories.filter(Q(language=language) | Q(language_counts__has_key=language))
    # Ranking by day, then coverage: a story that moved today beats a bigger one from last
    # week, and among today's stories the one more outlets carry comes first.
    stories = stories.annotate(active_day=TruncDate("last_activity_at")).order_by(
        F("active_day").desc(nulls_last=True),
        "-source_count",
        "-article_count",
        F("last_activity_at").desc(nulls_last=True),
        "-pk",
    )
    start = (page - 1) * STORIES_PER_PAGE
    stories = list(
        stories.defer("summary", "editor_summary").annotate(
            summary_excerpt=Substr(Coalesce(NullIf("editor_summary", Value("")), "summary"), 1, 300)
        )[start : start + STORIES_PER_PAGE + 1]
    )
    has_next = len(stories) > STORIES_PER_PAGE
    stories = stories[:STORIES_PER_PAGE]
    _attach_top_sources(stories)
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    for story in stories:
        story.reader_title, story.reader_title_language = reader_title(story, reader_language)
        story.reader_title_direction = _direction(story.reader_title_language)
        story.languages = _languages_by_coverage(story)
    context = {
        "stories": stories,
        "language": language,
        "page": page,
        "next_page": page + 1 if has_next else None,
        "language_choices": settings.LANGUAGES,
    }
    if _is_fragment_request(request) and page > 1:
        return render(request, "stories/home.html#story-page", context)
    return render(request, "stories/home.html", context)


def _attach_top_sources(stories: list[Story], *, limit: int = 3) -> None:
    """Set `story.top_sources`: the outlets with most articles in each story, one query.

    The grouped rows number the distinct outlets of the page's stories (tens each), so the
    top few are picked here rather than with a window over an aggregate.
    """
    counts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if stories:
        rows = (
            Membership.objects.filter(story_id__in=[story.pk for story in stories])
            .values_list("story_id", "article__source__name")
            .annotate(articles=Count("pk"))
            .order_by()
        )
        for story_id, name, articles in rows:
            counts[story_id].append((-articles, name))
    for story in stories:
        story.top_sources = [name for _n, name in sorted(counts.get(story.pk, []))[:limit]]


# Bodies are keyed by the story's version, so a stale one is never served; the expiry only
# bounds how long unused versions stay in the cache.
STORY_BODY_CACHE_SECONDS = 60 * 60


def _cache_get(key: str) -> str | None:
    # Reader pages must keep serving while Redis is down: a cache failure is a miss.
    try:
        return cache.get(key)
    except Exception:
        logger.warning("cache unavailable, rendering the story page afresh", exc_info=True)
        return None


def _cache_set(key: str, value: str, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("cache unavailable, story page body not kept", exc_info=True)


def _detail_context(request: HttpRequest, story: Story) -> dict[str, Any]:
    oldest_first = request.GET.get("order") == "oldest"
    page = _int_param(request, "page")
    after = _date_param(request, "after") if _is_fragment_request(request) else None
    timeline = _timeline_page(story, oldest_first=oldest_first, page=page, after=after)
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    title, title_language = reader_title(story, reader_language)
    return {
        "story": story,
        "title": title,
        "title_language": title_language,
        "title_direction": _direction(title_language),
        "timeline": timeline,
        "order": "oldest" if oldest_first else "newest",
        "languages": _languages_by_coverage(story),
    }


@require_GET
@vary_on_headers("HX-Request")
@cache_control(private=True, no_cache=True)
@condition(etag_func=story_etag, last_modified_func=story_last_modified)
def story_detail(request: HttpRequest, slug: str) -> HttpResponse:
    story = get_story_or_404(slug)
    if story.merged_into_id:
        return redirect_to_survivor(request, story, "stories:detail")
    if _is_fragment_request(request):
        context = _detail_context(request, story)
        # Page 1 is the order toggle swapping the whole timeline; later pages append.
        partial = "timeline-page" if context["timeline"].page > 1 else "timeline"
        return render(request, f"stories/detail.html#{partial}", context)
    # The page body is the same for every reader of one version of the story in one language
    # (the ETag says exactly that), so it is rendered once and kept; only the frame around
    # it, with the reader's CSRF token, is rendered per request.
    body_key = f"silsila:story-body:{story_etag(request, slug)}"
    page_body = _cache_get(body_key)
    if page_body is None:
        context = _detail_context(request, story)
        context["key_moments"] = list(
            story.key_moments.select_related("article").only(
                "story_id", "date", "text", "article__url", "article__language"
            )
        )
        context["chart"] = _activity_chart(story)
        page_body = render_to_string("stories/detail.html#page-body", context, request=request)
        _cache_set(body_key, str(page_body), STORY_BODY_CACHE_SECONDS)
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    title, _language = reader_title(story, reader_language)
    return render(
        request,
        "stories/detail.html",
        # Our own template's output, escaped when it was rendered: safe to insert as it is.
        {"story": story, "title": title, "page_body": mark_safe(page_body)},  # noqa: S308
    )


@require_GET
@never_cache
def story_updates(request: HttpRequest, slug: str) -> HttpResponse:
    """Polled by the story page: how many articles joined since it was rendered.

    204 (htmx leaves the page alone) while nothing is new; 286 (htmx stops polling) once
    the story is gone or merged, since a reload will redirect.
    """
    row = Story.objects.published().filter(slug=slug).values("article_count", "merged_into_id").first()
    if row is None or row["merged_into_id"]:
        return HttpResponse(status=286)
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        return HttpResponse(status=286)
    new_count = row["article_count"] - since
    if new_count <= 0:
        return HttpResponse(status=204)
    return render(
        request,
        "stories/detail.html#new-updates-notice",
        {"new_count": new_count, "story_url": reverse("stories:detail", kwargs={"slug": slug})},
    )


@require_GET
@xframe_options_exempt
@vary_on_headers("HX-Request")
@condition(etag_func=story_etag, last_modified_func=story_last_modified)
def story_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest events as a standalone page a publisher can put in an iframe.

    It speaks the story's language unless `?lang=` asks otherwise: the page around the
    iframe is the publisher's, not ours.
    """
    story = get_story_or_404(slug)
    if story.merged_into_id:
        return redirect_to_survivor(request, story, "stories:embed")
    language = _language_param(request) or (
        story.language if story.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )
    with translation.override(language):
        timeline = _timeline_page(story, oldest_first=False, page=1, after=None, per_page=EMBED_EVENTS)
        title, title_language = reader_title(story, language)
        return render(
            request,
            "stories/embed.html",
            {
                "story": story,
                "title": title,
                "title_language": title_language,
                "title_direction": _direction(title_language),
                "timeline": timeline,
                "embed": True,
            },
        )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    language = _language_param(request)
    results = story_search.search(query, language=language or None) if query else []
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    for result in results:
        title, title_language = reader_title(result.story, reader_language)
        result.title = title
        result.title_language = title_language
        result.title_direction = _direction(title_language)
    context = {
        "query": query,
        "results": results,
        "language": language,
        "language_choices": settings.LANGUAGES,
    }
    if _is_fragment_request(request):
        return render(request, "stories/search.html#results", context)
    return render(request, "stories/search.html", context)
