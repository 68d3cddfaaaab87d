"""Admin pages beyond model lists: the review queue and the clustering quality report.

Both are wired into the admin by StoryAdmin.get_urls; their one-click buttons post to the
story desk's actions (stories/desk/admin.py), so every change goes through the editing service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from django.contrib.auth.decorators import permission_required
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stories.clustering.linker import shipped as shipped_linker
from stories.curation import quality
from stories.models import AuditEntry, Decider, Membership, Story
from stories.reader import params
from stories.services import editing, history, review

from . import quality_text


def assign_threshold() -> float:
    """The linker joins a story when its probability reaches this; memberships just above it
    are the doubtful ones."""
    # Read when asked, not at import: `manage.py train_linker` must start even when the
    # shipped file no longer matches the engine's features.
    return shipped_linker().threshold


# An engine assignment scoring in [threshold, threshold + REVIEW_MARGIN) is a doubt.
REVIEW_MARGIN = 0.1
# Merge suggestions: Jaccard similarity of the stems of two stories' titles and keyphrases,
# among visible stories active in the last MERGE_WINDOW_DAYS (at most MERGE_CANDIDATES).
MERGE_SIMILARITY = 0.5
MERGE_WINDOW_DAYS = 7
MERGE_CANDIDATES = 300
# "Very large, fast-growing": at least this many articles, and this many new in a day.
LARGE_STORY_ARTICLES = 50
FAST_GROWTH_PER_DAY = 20
# Rows per section: a queue an editor can work through, not a dump.
QUEUE_ROWS = 50


def doubtful(prefix: str = "") -> Q:
    """Engine decisions that only just cleared the threshold.

    A story's first article scores 0 (it joined nothing), so scores below the threshold are
    not doubts; `prefix` lets a query over stories reach through to their memberships.
    """
    return Q(
        **{
            f"{prefix}decided_by": Decider.ENGINE,
            f"{prefix}is_pinned": False,
            f"{prefix}score__gte": assign_threshold(),
            f"{prefix}score__lt": assign_threshold() + REVIEW_MARGIN,
        }
    )


def decided_in_words(membership: Membership) -> str:
    """Who placed an article and how sure, for editors: "engine, 0.21 — uncertain"."""
    if membership.decided_by == Decider.EDITOR:
        return gettext("pinned by an editor") if membership.is_pinned else gettext("confirmed by an editor")
    if membership.score < assign_threshold():
        # A story's first article joined nothing: there is no score to doubt.
        return gettext("engine — started this story")
    if membership.score < assign_threshold() + REVIEW_MARGIN:
        sureness = gettext("uncertain")
    elif membership.score < assign_threshold() + 3 * REVIEW_MARGIN:
        sureness = gettext("fairly sure")
    else:
        sureness = gettext("sure")
    return gettext("engine, %(score)s — %(sureness)s") % {
        "score": f"{membership.score:.2f}",
        "sureness": sureness,
    }


def uncertain_memberships() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(doubtful(), story__merged_into__isnull=True)
        .select_related("article__source", "story", "event")
        .order_by("score", "-created_at")
    )


def cross_language_joins() -> QuerySet[Membership]:
    """The engine's latest joins of an article into a story told mainly in another language.

    Such a join rests on the sentence vectors alone (words do not cross languages), so editors
    see them with their scores: the most recent first.
    """
    return (
        Membership.objects.filter(
            decided_by=Decider.ENGINE,
            is_pinned=False,
            score__gte=assign_threshold(),
            story__merged_into__isnull=True,
        )
        .exclude(article__language="")
        .exclude(article__language=F("story__language"))
        .select_related("article__source", "story")
        .order_by("-created_at", "-pk")
    )


def stories_needing_review() -> QuerySet[Story]:
    return Story.objects.filter(pk__in=uncertain_memberships().values("story_id"))


@dataclass(frozen=True)
class MergeSuggestion:
    first: Story
    second: Story
    similarity: float


def merge_suggestions(*, now: datetime | None = None) -> list[MergeSuggestion]:
    now = now or timezone.now()
    stories = list(
        Story.objects.visible()
        .filter(last_activity_at__gte=now - timedelta(days=MERGE_WINDOW_DAYS))
        .order_by("-last_activity_at")[:MERGE_CANDIDATES]
    )
    terms = {story.pk: review.story_terms(story) for story in stories}
    # An inverted index keeps this near-linear: only stories sharing a term are compared.
    by_term: dict[str, list[Story]] = {}
    for story in stories:
        for term in terms[story.pk]:
            by_term.setdefault(term, []).append(story)
    seen: set[tuple[int, int]] = set()
    suggestions = []
    for group in by_term.values():
        for first, second in combinations(group, 2):
            key = (min(first.pk, second.pk), max(first.pk, second.pk))
            if key in seen:
                continue
            seen.add(key)
            a, b = terms[first.pk], terms[second.pk]
            similarity = len(a & b) / len(a | b)
            if similarity >= MERGE_SIMILARITY:
                # The bigger story survives by default: fewer readers' links move.
                big, small = sorted([first, second], key=lambda s: (-s.article_count, s.pk))
                suggestions.append(MergeSuggestion(big, small, similarity))
    suggestions.sort(key=lambda s: (-s.similarity, s.first.pk, s.second.pk))
    return suggestions[:QUEUE_ROWS]


def fast_growing_stories(*, now: datetime | None = None) -> QuerySet[Story]:
    since = (now or timezone.now()) - timedelta(days=1)
    recent = (
        Membership.objects.filter(story=OuterRef("pk"), created_at__gte=since)
        .order_by()
        .values("story")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Story.objects.filter(merged_into__isnull=True, article_count__gte=LARGE_STORY_ARTICLES)
        .annotate(last_day=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)))
        .filter(last_day__gte=FAST_GROWTH_PER_DAY)
        .order_by("-last_day")[:QUEUE_ROWS]
    )


def engine_merges() -> list[AuditEntry]:
    """The engine's own merges (the consolidation pass's) not undone yet, latest first, each
    with its sentence (``words``): no editor asked for them, so an editor should see them and
    can undo any from here."""
    entries = list(
        AuditEntry.objects.filter(
            action=AuditEntry.Action.MERGE, after__by="engine", undone_at__isnull=True
        ).order_by("-created_at", "-pk")[:QUEUE_ROWS]
    )
    words = history.describe_entries(entries) if entries else {}
    for entry in entries:
        entry.words = words[entry.pk]
    return entries


@permission_required("stories.view_membership", raise_exception=True)
def review_queue(request: HttpRequest, *, admin_context: dict) -> HttpResponse:
    uncertain = list(uncertain_memberships()[:QUEUE_ROWS])
    crossed = list(cross_language_joins()[:QUEUE_ROWS])
    for membership in [*uncertain, *crossed]:
        membership.decided_words = decided_in_words(membership)
    context = {
        **admin_context,
        "title": _("Review queue"),
        "uncertain": uncertain,
        "crossed": crossed,
        "fragments": review.fragment_suggestions(limit=QUEUE_ROWS),
        "merges": merge_suggestions(),
        "growing": fast_growing_stories(),
        "engine_merges": engine_merges(),
        "threshold": assign_threshold(),
        "review_below": assign_threshold() + REVIEW_MARGIN,
        "merge_similarity": MERGE_SIMILARITY,
        "large": LARGE_STORY_ARTICLES,
        "fast": FAST_GROWTH_PER_DAY,
    }
    return TemplateResponse(request, "admin/stories/review_queue.html", context)


@permission_required("stories.view_auditentry", raise_exception=True)
def quality_report(request: HttpRequest, *, admin_context: dict) -> HttpResponse:
    period = request.GET.get("period") if request.GET.get("period") in {"day", "week"} else "week"
    since = params.optional_date(request, "since")
    start = timezone.make_aware(datetime.combine(since, datetime.min.time())) if since else None
    rows = editing.audit_rows(since=start)
    standing, undone = quality_text.standing_editor_rows(rows)
    context = {
        **admin_context,
        "title": _("Clustering quality"),
        "period": period,
        "since": since,
        "reports": quality_text.describe(
            quality.report(standing, period=period), undone=quality_text.undone_per_period(undone, period)
        ),
        "corrections": sorted(quality.corrections_per_day(standing).items(), reverse=True),
    }
    return TemplateResponse(request, "admin/stories/quality_report.html", context)
