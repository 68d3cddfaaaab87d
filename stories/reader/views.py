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
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, NullIf, RowNumber, Substr, TruncDate
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from articles.attribution import outlet_name
from articles.models import RTL_LANGUAGES
from stories.models import Dossier, Event, Membership, Story

from . import params
from . import search as story_search

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


def _survivor(item: Any, live: QuerySet) -> Any:
    """The story (or dossier) a merged one now lives in, following chains of merges."""
    seen = {item.pk}
    current = item
    while current.merged_into_id:
        if current.merged_into_id in seen or len(seen) > MAX_MERGE_HOPS:
            raise Http404("This page was merged in a loop.")
        seen.add(current.merged_into_id)
        current = live.filter(pk=current.merged_into_id).first()
        if current is None:
            raise Http404("This page was merged into one that is not published.")
    return current


def redirect_to_survivor(
    request: HttpRequest, item: Any, url_name: str, live: QuerySet | None = None
) -> HttpResponse:
    """301 to the page of what ``item`` was merged into; ``live`` are the rows readers may see
    (published stories unless told otherwise)."""
    survivor = _survivor(item, live if live is not None else Story.objects.published())
    target = reverse(url_name, kwargs={"slug": survivor.slug})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def _languages_by_coverage(story: Story) -> list[str]:
    counts = story.language_counts or {}
    if not counts:
        return [story.language] if story.language else []
    return [code for code, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def names_a_language(request: HttpRequest) -> bool:
    """Whether the client chose a language (header or cookie); feed readers often send none."""
    return bool(request.headers.get("Accept-Language")) or settings.LANGUAGE_COOKIE_NAME in request.COOKIES


# The query parameters a story page (and its embed and fragments) reads: _detail_context.
STORY_PAGE_PARAMETERS = ("order", "page", "after", "lang")


def _story_validators(request: HttpRequest, slug: str) -> tuple[str, datetime] | None:
    cache_key = "_silsila_story_validators"
    if not hasattr(request, cache_key):
        row = (
            Story.objects.published()
            .filter(slug=slug)
            .values_list("updated_at", "last_activity_at", "language")
            .order_by()
            .first()
        )
        validators = None
        if row is not None:
            updated_at, last_activity_at, request.silsila_story_language = row
            modified = max(filter(None, (updated_at, last_activity_at)))
            # The body also depends on the reader's language, the parameters the page reads and
            # whether htmx asked for a fragment: all of them go into the ETag (which keys the
            # cached body). Only those parameters: with the raw query string, every ?utm=N
            # stored another copy of the page for an hour.
            key = "|".join(
                [
                    slug,
                    # Both: an article dated ahead of the clock must not hide an edit.
                    updated_at.isoformat(),
                    last_activity_at.isoformat() if last_activity_at else "",
                    translation.get_language() or "",
                    "asked" if names_a_language(request) else "",
                    *(f"{name}={request.GET.get(name, '')}" for name in STORY_PAGE_PARAMETERS),
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
    article_id: int | None = None
    # For a rewrite: the outlet it credits, in the reader's language, and its original when held.
    credit: str = ""
    original_url: str = ""


@dataclass
class FirstReport:
    name: str
    url: str
    when: datetime | None


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


_ARTICLE = "representative_article"
# What a timeline entry shows, read with .only() by every timeline (story, dossier, feeds).
TIMELINE_EVENT_FIELDS = (
    "story_id",
    "occurred_at",
    "editor_occurred_at",
    "headline",
    "editor_headline",
    "article_count",
    "is_key_moment",
    "chain",
    f"{_ARTICLE}__url",
    f"{_ARTICLE}__title",
    f"{_ARTICLE}__language",
    f"{_ARTICLE}__image_url",
    f"{_ARTICLE}__image_width",
    f"{_ARTICLE}__image_height",
    f"{_ARTICLE}__source__name",
)


def _event_excerpt():
    """The first 400 characters of the representative article's summary, else of its text."""
    return Substr(Coalesce(NullIf(f"{_ARTICLE}__summary", Value("")), f"{_ARTICLE}__text"), 1, 400)


def timeline_events(
    story: Story, *, oldest_first: bool, offset: int, limit: int, language: str = ""
) -> list[Event]:
    """One page of a story's events with what the timeline shows, in one query.

    Sorted by the date readers see (an editor's date wins), so the index on occurred_at
    is not used; a story has far fewer events than articles, so the sort stays cheap.
    With `language`, only the events reported in it (by at least one of their articles).
    """
    when = _event_date()
    order = [when.asc(), "pk"] if oldest_first else [when.desc(), "-pk"]
    events = story.events.all()
    if language:
        events = events.filter(
            Exists(Membership.objects.filter(event=OuterRef("pk"), article__language=language))
        )
    return list(
        events.select_related(f"{_ARTICLE}__source")
        .only(*TIMELINE_EVENT_FIELDS)
        .annotate(when=when, excerpt=_event_excerpt())
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
                "event_id",
                "article__source__name",
                "article__url",
                "article__language",
                "article__title",
                "article_id",
            )
        )
        for event_id, name, url, language, title, article_id in rows:
            by_event[event_id].append(
                EventSource(name=name, url=url, language=language, title=title, article_id=article_id)
            )
    reader_language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for event in events:
        sources = by_event.get(event.pk, [])
        attach_chain(event, sources, reader_language=reader_language)
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


def attach_chain(event: Event, sources: list[EventSource], *, reader_language: str) -> None:
    """What the page says of who reported the event first, read from the stored chain.

    Sets `event.first_report` (None without a chain), `event.followed_by` (how many outlets
    followed) and `event.followers_here` (the rewrites in the reader's language), and on each
    source that rewrote another the outlet it credits and its original's address.
    """
    chain = event.chain or {}
    followers = {f["article"]: f for f in chain.get("followers", [])}
    for source in sources:
        follower = followers.get(source.article_id)
        if follower is not None and follower["how"] == "credit":
            source.credit = outlet_name(follower["credit_outlet"], reader_language) or follower["credit"]
            source.original_url = follower["original_url"]
    first = chain.get("first")
    event.first_report = (
        FirstReport(
            name=outlet_name(first["outlet"], reader_language) or first["source"],
            url=first["url"],
            when=datetime.fromisoformat(first["published_at"]) if first["published_at"] else None,
        )
        if first
        else None
    )
    event.followed_by = chain.get("followed_by", 0)
    event.followers_here = [f for f in followers.values() if f["language"] == reader_language]


def _timeline_page(
    story: Story,
    *,
    oldest_first: bool,
    page: int,
    after: date | None,
    per_page: int = EVENTS_PER_PAGE,
    language: str = "",
) -> TimelinePage:
    # One extra row tells whether there is a next page without a COUNT query.
    events = timeline_events(
        story,
        oldest_first=oldest_first,
        offset=(page - 1) * per_page,
        limit=per_page + 1,
        language=language,
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


# --- Views ----------------------------------------------------------------------------------


# --- Home by importance ----------------------------------------------------------------
#
# importance = (1 + ln(1 + distinct sources)) * (1 + share of the story's articles that came in
#              the last GROWTH_WINDOW) * 0.5 ** (hours since its last article / RECENCY_HALF_LIFE)
#
# Sources, not articles, measure weight: one outlet's tenth update is not ten outlets. The
# logarithm keeps a 40-outlet story from burying everything else for days. A story still
# growing (much of it new today) is lifted up to twice; recency halves a story's weight every
# RECENCY_HALF_LIFE hours of silence, so yesterday's big story yields to today's mid-sized one.
# Only stories with two or more articles compete; one-article stories go to a "latest" list.
GROWTH_WINDOW = timedelta(hours=24)
RECENCY_HALF_LIFE_HOURS = 24.0
# Ranking is computed over the most recently active candidates only: older ones have decayed.
RANKING_CANDIDATES = 300
LATEST_SHOWN = 10
DOSSIERS_IN_STRIP = 8


def importance(*, sources: int, recent_share: float, hours_since: float) -> float:
    """The home page's score of a story (see the formula above)."""
    return (
        (1 + math.log1p(max(0, sources)))
        * (1 + min(1.0, max(0.0, recent_share)))
        * 0.5 ** (max(0.0, hours_since) / RECENCY_HALF_LIFE_HOURS)
    )


def ranked_stories(stories, *, now: datetime) -> list[Story]:
    """`stories` (a queryset of multi-article stories) ordered by importance, best first."""
    # A correlated subquery, not a join + GROUP BY: it is evaluated only for the candidates the
    # index on last activity yields, not for every active story.
    recent = (
        Membership.objects.filter(story=OuterRef("pk"), article__published_at__gte=now - GROWTH_WINDOW)
        .order_by()
        .values("story")
        .annotate(n=Count("pk"))
        .values("n")
    )
    candidates = list(
        stories.annotate(
            recent_articles=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0))
        ).order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[:RANKING_CANDIDATES]
    )
    for story in candidates:
        last = story.last_activity_at or story.created_at
        story.importance = importance(
            sources=story.source_count,
            recent_share=story.recent_articles / story.article_count if story.article_count else 0.0,
            hours_since=(now - last).total_seconds() / 3600,
        )
    return sorted(candidates, key=lambda story: (-story.importance, -story.pk))


@dataclass
class StoryGroup:
    """Stories of one dossier next to each other on the home page (dossier None: a lone story)."""

    dossier: Dossier | None
    stories: list[Story]


def _group_by_dossier(stories: list[Story]) -> list[StoryGroup]:
    groups: list[StoryGroup] = []
    by_dossier: dict[int, StoryGroup] = {}
    for story in stories:
        dossier = story.dossier if story.dossier_id and story.dossier.is_published else None
        if dossier is None:
            groups.append(StoryGroup(dossier=None, stories=[story]))
        elif dossier.pk in by_dossier:
            by_dossier[dossier.pk].stories.append(story)
        else:
            by_dossier[dossier.pk] = StoryGroup(dossier=dossier, stories=[story])
            groups.append(by_dossier[dossier.pk])
    return groups


def dossier_strip(language: str) -> list[Dossier]:
    """The "Stories" strip: the most recently active dossiers with their article counts (one query).

    Active: holding at least one story readers see on the home page (not dormant).
    """
    dossiers = list(
        Dossier.objects.visible()
        .filter(Exists(Story.objects.active().filter(dossier=OuterRef("pk"))))
        .only("slug", "names", "editor_names", "article_count", "last_activity_at")
        .order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[:DOSSIERS_IN_STRIP]
    )
    for dossier in dossiers:
        _set_reader_name(dossier, language)
    return dossiers


def _set_reader_name(dossier: Dossier, language: str) -> None:
    dossier.reader_name = dossier.name_in(language)
    # A name an editor gave for every language has no language of its own ("").
    dossier.reader_name_language = dossier.name_language(language)
    dossier.reader_name_direction = (
        _direction(dossier.reader_name_language) if dossier.reader_name_language else "auto"
    )


def attach_story_cards(stories: list[Story], *, language: str) -> None:
    """What a story card shows besides the row: label, newest headline, lead image (two queries).

    The newest headline is the newest event's; the picture is the newest article's that has
    one, with its declared size so the page does not jump while it loads.
    """
    ids = [story.pk for story in stories]
    newest: dict[int, tuple[str, str]] = {}
    images: dict[int, dict[str, Any]] = {}
    if ids:
        newest_rank = Window(
            RowNumber(), partition_by=[F("story_id")], order_by=[_event_date().desc(), F("pk").desc()]
        )
        for story_id, headline, editor_headline, article_language in (
            Event.objects.filter(story_id__in=ids)
            .annotate(rank=newest_rank)
            .filter(rank=1)
            .values_list("story_id", "headline", "editor_headline", "representative_article__language")
        ):
            newest[story_id] = (editor_headline or headline, article_language or "")
        image_rank = Window(
            RowNumber(),
            partition_by=[F("story_id")],
            order_by=[F("article__published_at").desc(), F("article_id").desc()],
        )
        for story_id, url, width, height, title, article_language in (
            Membership.objects.filter(story_id__in=ids)
            .filter(article__image_url__startswith="https://")
            .annotate(rank=image_rank)
            .filter(rank=1)
            .values_list(
                "story_id",
                "article__image_url",
                "article__image_width",
                "article__image_height",
                "article__title",
                "article__language",
            )
        ):
            images[story_id] = {
                "url": url,
                "width": width,
                "height": height,
                "alt": title,
                "language": article_language,
            }
    for story in stories:
        story.reader_label, story.reader_label_language = story.label_in(language)
        story.reader_label_direction = _direction(story.reader_label_language)
        headline, headline_language = newest.get(story.pk, ("", ""))
        headline, headline_language = story.headline_in(
            language, headline, headline_language or story.language
        )
        # The headline under the label only when it says something the label does not.
        story.newest_headline = headline if headline and headline != story.reader_label else ""
        story.newest_headline_language = headline_language or story.language
        story.image = images.get(story.pk)


# The bodies of the home and dossier pages are kept per reader language, page, version of the
# stories and minute: any change to stories, memberships, dossiers or the audit trail gives a
# new version, and the minute keeps the time-decayed ranking exactly as fresh as it was (a new
# article shows at once; the same stories re-rank at least once a minute).
KEPT_BODY_SECONDS = 120


def stories_version() -> str:
    """What the home and dossier pages show has changed when this has: one query, each part
    read off an index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(updated_at) FROM stories_story), (SELECT MAX(id) FROM stories_membership),"
            " (SELECT MAX(id) FROM stories_auditentry), (SELECT MAX(updated_at) FROM stories_dossier),"
            " (SELECT MAX(id) FROM stories_story)"
        )
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:24]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Stories by importance, grouped under their dossiers; one-article stories in "latest".

    The body is rendered once per version of the stories and minute, and kept (see
    HOME_BODY_CACHE_SECONDS); only the frame with the reader's CSRF token is rendered per request.
    """
    language = _language_param(request)
    page = params.page_number(request)
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    fragment = _is_fragment_request(request) and page > 1
    body = kept_body(
        request,
        ("home", language, page),
        template="stories/home.html#" + ("story-page" if fragment else "page-body"),
        context=lambda: _home_context(language=language, page=page, reader_language=reader_language),
    )
    if fragment:
        return HttpResponse(body)
    return render(request, "stories/home.html", {"page_body": body})


def kept_body(
    request: HttpRequest, parts: tuple, *, template: str, context: Callable[[], dict[str, Any]]
) -> SafeString:
    """`template` (a page's body or fragment) for this version of the stories and minute:
    rendered from context() by the first reader and kept, read back by the next ones."""
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    minute = int(timezone.now().timestamp() // 60)
    key = ":".join(map(str, ("silsila:kept", template, reader_language, *parts, stories_version(), minute)))
    body = _cache_get(key)
    if body is None:
        body = str(render_to_string(template, context(), request=request))
        _cache_set(key, body, KEPT_BODY_SECONDS)
    # Our own template's output, escaped when it was rendered: safe to insert as it is.
    return mark_safe(body)  # noqa: S308


def _home_context(*, language: str, page: int, reader_language: str) -> dict[str, Any]:
    stories = Story.objects.active()
    if language:
        stories = stories.filter(Q(language=language) | Q(language_counts__has_key=language))
    # The summary in the reader's language where the story has one (made from its articles in
    # that language), else the editor's or the main language's; and the language it is in.
    in_reader_language = NullIf(KT(f"summaries__{reader_language}"), Value(""))
    stories = (
        stories.select_related("dossier")
        .defer("summary", "summaries", "editor_summary", "keyphrases")
        .annotate(
            summary_excerpt=Substr(
                Coalesce(NullIf("editor_summary", Value("")), in_reader_language, "summary"), 1, 300
            ),
            summary_language=Case(
                When(~Q(editor_summary=""), then=F("language")),
                When(summaries__has_key=reader_language, then=Value(reader_language)),
                default=F("language"),
            ),
        )
    )
    now = timezone.now()
    ranked = ranked_stories(stories.filter(article_count__gte=2), now=now)
    start = (page - 1) * STORIES_PER_PAGE
    shown = ranked[start : start + STORIES_PER_PAGE]
    has_next = len(ranked) > start + STORIES_PER_PAGE
    latest: list[Story] = []
    if page == 1:
        latest = list(
            stories.filter(article_count=1).order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[
                :LATEST_SHOWN
            ]
        )
    attach_story_cards(shown + latest, language=reader_language)
    _attach_top_sources(shown)
    for story in shown:
        story.languages = _languages_by_coverage(story)
        if story.dossier_id:
            _set_reader_name(story.dossier, reader_language)
    return {
        "groups": _group_by_dossier(shown),
        "latest": latest,
        "strip": dossier_strip(reader_language) if page == 1 else [],
        "language": language,
        "page": page,
        "next_page": page + 1 if has_next else None,
        "language_choices": settings.LANGUAGES,
    }


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
    page = params.page_number(request)
    after = params.optional_date(request, "after") if _is_fragment_request(request) else None
    languages = _languages_by_coverage(story)
    # "Only the events reported in Arabic": a story told in several languages can be read in one.
    shown_language = request.GET.get("lang", "")
    shown_language = shown_language if shown_language in languages and len(languages) > 1 else ""
    timeline = _timeline_page(
        story, oldest_first=oldest_first, page=page, after=after, language=shown_language
    )
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    title, title_language = story.label_in(reader_language)
    return {
        "shown_language": shown_language,
        "lang_query": f"&lang={shown_language}" if shown_language else "",
        "story": story,
        "title": title,
        "title_language": title_language,
        "title_direction": _direction(title_language),
        "timeline": timeline,
        "order": "oldest" if oldest_first else "newest",
        "languages": _languages_by_coverage(story),
    }


@require_safe
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
        context["key_moments"] = story.key_moments.only(
            "story_id", "date", "text", "language", "alternative_of_id", "article__url", "article__language"
        ).for_reader(translation.get_language() or settings.LANGUAGE_CODE, story.language)
        context["chart"] = _activity_chart(story)
        newest = (
            story.events.annotate(when=_event_date())
            .select_related("representative_article")
            .only("headline", "editor_headline", "story_id", "representative_article__language")
            .order_by("-when", "-pk")
            .first()
        )
        reader_language = translation.get_language() or settings.LANGUAGE_CODE
        if newest is not None:
            article = newest.representative_article
            headline, headline_language = story.headline_in(
                reader_language,
                newest.display_headline,
                article.language if article and article.language else story.language,
            )
            if headline != context["title"]:
                context["newest_headline"] = headline
                context["newest_headline_language"] = headline_language
        context["summary"], context["summary_language"] = story.summary_in(reader_language)
        context["chips"], context["chips_language"] = story.chips_in(reader_language)
        if story.dossier_id:
            dossier = Dossier.objects.filter(pk=story.dossier_id).visible().first()
            if dossier is not None:
                _set_reader_name(dossier, translation.get_language() or settings.LANGUAGE_CODE)
            context["dossier"] = dossier
        page_body = render_to_string("stories/detail.html#page-body", context, request=request)
        _cache_set(body_key, str(page_body), STORY_BODY_CACHE_SECONDS)
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    title, _language = story.label_in(reader_language)
    return render(
        request,
        "stories/detail.html",
        {
            "story": story,
            "title": title,
            # Our own template's output, escaped when it was rendered: safe to insert as it is.
            "page_body": mark_safe(page_body),  # noqa: S308
            # Outside the cached body: the strip moves with every story, not with this one.
            "strip": dossier_strip(reader_language),
        },
    )


@require_safe
@never_cache
def story_updates(request: HttpRequest, slug: str) -> HttpResponse:
    """Polled by the story page: how many articles joined since it was rendered.

    204 (htmx leaves the page alone) while nothing is new; 286 (htmx stops polling) once
    the story is gone or merged, since a reload will redirect.
    """
    row = Story.objects.published().filter(slug=slug).values("article_count", "merged_into_id").first()
    if row is None or row["merged_into_id"]:
        return HttpResponse(status=286)
    since = request.GET.get("since", "")
    if not (since.isascii() and since.isdigit()) or len(since) > 18:
        # Not a count our page wrote: stop polling rather than show a made-up number.
        return HttpResponse(status=286)
    new_count = row["article_count"] - int(since)
    if new_count <= 0:
        return HttpResponse(status=204)
    return render(
        request,
        "stories/detail.html#new-updates-notice",
        {"new_count": new_count, "story_url": reverse("stories:detail", kwargs={"slug": slug})},
    )


@require_safe
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
        title, title_language = story.label_in(language)
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


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    language = _language_param(request)
    results = story_search.search(query, language=language or None) if query else []
    reader_language = translation.get_language() or settings.LANGUAGE_CODE
    for result in results:
        title, title_language = result.story.label_in(reader_language)
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
