"""Editors' decisions on stories, events and articles.

Every editor action is one transaction that changes the rows, writes an AuditEntry with the
state before and after, and so also tells the clustering worker that its in-memory engine
must be rebuilt from the database (the audit trail is the change log it watches).

`before` keeps what undo needs to put things back: for actions that move articles, a
snapshot of each article's membership (`membership_snapshot`), restored as it was by
`_restore` when stories.services.history undoes the action. Those snapshots are also where
the quality report reads what the engine had decided before an editor corrected it (see
stories/curation/quality.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from articles.models import Article
from articles.text import clean_text
from stories.models import AuditEntry, Decider, Event, Exclusion, KeyMoment, Membership, Story

from .audit import EditorError, User, normalised_before, record, user_or_none
from .chains import refresh_event_chains
from .locks import hold_editors_lock

# --- Derived fields ---------------------------------------------------------------------


def slug_base(title: str, *, fallback: str = "story") -> str:
    return (slugify(title, allow_unicode=True)[:80].strip("-")) or fallback


def unique_slug(title: str, *, fallback: str = "story") -> str:
    base = slug_base(title, fallback=fallback)
    slug = base
    suffix = 2
    while Story.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def refresh_story_stats(*, story_ids: Iterable[int]) -> None:
    """Recompute the denormalised counts and activity dates the reader pages show.

    Events are the caller's: whoever moves memberships knows which events changed and calls
    refresh_event_stats() for those, rather than every event of every touched story.
    """
    story_ids = list(set(story_ids))
    if not story_ids:
        return
    if settings.DATABASE_IS_POSTGRES:
        _refresh_story_stats_in_sql(story_ids)
    else:
        _refresh_story_stats_in_python(story_ids)


# One statement for any number of stories: a batch touching hundreds of stories would
# otherwise build a bulk_update of hundreds of CASE branches per column in Python.
_STORY_STATS_SQL = """
WITH ids AS (SELECT unnest(%(ids)s::bigint[]) AS id),
per_language AS (
    SELECT m.story_id, COALESCE(NULLIF(a.language, ''), 'und') AS language, COUNT(*) AS n
    FROM stories_membership m JOIN articles_article a ON a.id = m.article_id
    WHERE m.story_id = ANY(%(ids)s::bigint[])
    GROUP BY 1, 2
),
languages AS (
    SELECT story_id, jsonb_object_agg(language, n) AS counts,
           (array_agg(language ORDER BY n DESC, language))[1] AS main
    FROM per_language GROUP BY story_id
),
totals AS (
    SELECT m.story_id, COUNT(*) AS articles, COUNT(DISTINCT a.source_id) AS sources,
           MIN(a.published_at) AS first_at, MAX(a.published_at) AS last_at
    FROM stories_membership m JOIN articles_article a ON a.id = m.article_id
    WHERE m.story_id = ANY(%(ids)s::bigint[])
    GROUP BY m.story_id
)
UPDATE stories_story AS s SET
    article_count = COALESCE(totals.articles, 0),
    source_count = COALESCE(totals.sources, 0),
    first_activity_at = totals.first_at,
    last_activity_at = totals.last_at,
    language_counts = COALESCE(languages.counts, '{}'::jsonb),
    language = COALESCE(languages.main, s.language),
    updated_at = %(now)s
FROM ids
LEFT JOIN totals ON totals.story_id = ids.id
LEFT JOIN languages ON languages.story_id = ids.id
WHERE s.id = ids.id
"""


def _refresh_story_stats_in_sql(story_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_STORY_STATS_SQL, {"ids": story_ids, "now": timezone.now()})


def _refresh_story_stats_in_python(story_ids: list[int]) -> None:
    per_story = {
        row["story_id"]: row
        for row in Membership.objects.filter(story_id__in=story_ids)
        .values("story_id")
        .annotate(
            articles=Count("pk"),
            sources=Count("article__source", distinct=True),
            first=Min("article__published_at"),
            last=Max("article__published_at"),
        )
    }
    languages: dict[int, Counter[str]] = {story_id: Counter() for story_id in story_ids}
    for row in (
        Membership.objects.filter(story_id__in=story_ids)
        .values("story_id", "article__language")
        .annotate(n=Count("pk"))
    ):
        languages[row["story_id"]][row["article__language"] or "und"] += row["n"]
    stories = list(Story.objects.filter(pk__in=story_ids))
    now = timezone.now()
    for story in stories:
        row = per_story.get(story.pk)
        story.article_count = row["articles"] if row else 0
        story.source_count = row["sources"] if row else 0
        story.first_activity_at = row["first"] if row else None
        story.last_activity_at = row["last"] if row else None
        story.language_counts = dict(languages[story.pk])
        if languages[story.pk]:
            story.language = languages[story.pk].most_common(1)[0][0]
        # bulk_update skips auto_now; the reader pages' ETag and cached bodies key on it.
        story.updated_at = now
    Story.objects.bulk_update(
        stories,
        [
            "updated_at",
            "article_count",
            "source_count",
            "first_activity_at",
            "last_activity_at",
            "language_counts",
            "language",
        ],
    )


def refresh_event_stats(*, event_ids: Iterable[int]) -> None:
    """Recount events, drop the ones left empty, and re-pick their representative article."""
    event_ids = list(set(event_ids))
    if not event_ids:
        return
    counts = dict(
        Membership.objects.filter(event_id__in=event_ids)
        .values("event_id")
        .annotate(n=Count("pk"))
        .values_list("event_id", "n")
    )
    Event.objects.filter(pk__in=event_ids).exclude(pk__in=list(counts)).delete()
    events = list(Event.objects.filter(pk__in=list(counts)))
    still_members = set(
        Membership.objects.filter(event_id__in=list(counts)).values_list("event_id", "article_id")
    )
    changed = []
    for event in events:
        if event.article_count != counts[event.pk]:
            event.article_count = counts[event.pk]
            changed.append(event)
        if (event.pk, event.representative_article_id) in still_members:
            continue
        if not changed or changed[-1] is not event:
            changed.append(event)
        first = (
            Membership.objects.filter(event=event)
            .select_related("article")
            .order_by("article__published_at", "article_id")
            .first()
        )
        event.representative_article = first.article
        event.headline = first.article.title[:500]
        event.occurred_at = first.article.published_at
    # Only the events that changed: a story's other events are untouched by a batch.
    Event.objects.bulk_update(changed, ["article_count", "representative_article", "headline", "occurred_at"])
    refresh_event_chains(event_ids=list(counts))


# --- Audit ------------------------------------------------------------------------------


def audit_rows(*, since: datetime | None = None) -> list[dict[str, Any]]:
    """The audit trail as plain dicts, oldest first, for stories.curation.quality (which has no ORM)."""
    entries = AuditEntry.objects.order_by("created_at", "pk")
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return list(
        entries.values("id", "action", "story_id", "article_id", "before", "after", "created_at", "undone_at")
    )


# --- Membership snapshots (for undo and for the quality report) -------------------------


def membership_snapshot(article_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Each article's membership as it is now; `story: None` for an article in no story.

    The format of `before["memberships"]` in the audit trail: what undo restores and what
    the quality report reads as the prediction.
    """
    article_ids = sorted(set(article_ids))
    rows = {
        row["article_id"]: row
        for row in Membership.objects.filter(article_id__in=article_ids).values(
            "article_id", "story_id", "event_id", "decided_by", "is_pinned", "score"
        )
    }
    snapshot = []
    for article_id in article_ids:
        row = rows.get(article_id)
        if row is None:
            snapshot.append({"article": article_id, "story": None})
        else:
            snapshot.append(
                {
                    "article": article_id,
                    "story": row["story_id"],
                    "event": row["event_id"],
                    "decided_by": row["decided_by"],
                    "is_pinned": row["is_pinned"],
                    "score": row["score"],
                }
            )
    return snapshot


def _sizes(story_ids: Iterable[int | None]) -> dict[str, int]:
    """Member counts of stories just before an action: context for the quality report."""
    ids = {pk for pk in story_ids if pk is not None}
    counts = dict(
        Membership.objects.filter(story_id__in=ids)
        .values("story_id")
        .annotate(n=Count("pk"))
        .values_list("story_id", "n")
    )
    return {str(pk): counts.get(pk, 0) for pk in sorted(ids)}


def _restore(snapshot: list[dict[str, Any]]) -> None:
    """Put memberships back as `membership_snapshot` saw them (events too, where they still can be)."""
    by_article = {row["article"]: row for row in snapshot}
    current = {m.article_id: m for m in Membership.objects.filter(article_id__in=list(by_article))}
    touched_stories = {m.story_id for m in current.values()}
    touched_events = {m.event_id for m in current.values() if m.event_id}
    live_stories = set(
        Story.objects.filter(pk__in={row["story"] for row in snapshot if row["story"]}).values_list(
            "pk", flat=True
        )
    )
    wanted_story_of_event = {row["event"]: row["story"] for row in snapshot if row["story"] and row["event"]}
    usable_events: set[int] = set()
    for event in Event.objects.filter(pk__in=list(wanted_story_of_event)):
        wanted = wanted_story_of_event[event.pk]
        if event.story_id == wanted:
            usable_events.add(event.pk)
            continue
        # An event that moved whole goes back whole; one that others now share stays put.
        shared = Membership.objects.filter(event=event).exclude(article_id__in=list(by_article)).exists()
        if not shared:
            event.story_id = wanted
            event.save(update_fields=["story"])
            usable_events.add(event.pk)
    titles = dict(
        Article.objects.filter(pk__in=list(by_article)).values_list("pk", "title")
    )  # for events that have to be recreated
    published = dict(Article.objects.filter(pk__in=list(by_article)).values_list("pk", "published_at"))
    recreated: dict[tuple[int, int], Event] = {}
    to_delete: list[int] = []
    to_save: list[Membership] = []
    for article_id, row in by_article.items():
        membership = current.get(article_id)
        if row["story"] is None or row["story"] not in live_stories:
            if membership is not None:
                to_delete.append(membership.pk)
            continue
        event_id = row["event"]
        if event_id is not None and event_id not in usable_events:
            key = (row["story"], event_id)
            if key not in recreated:
                recreated[key] = Event.objects.create(
                    story_id=row["story"],
                    occurred_at=published[article_id],
                    headline=titles[article_id][:500],
                    representative_article_id=article_id,
                )
            event_id = recreated[key].pk
        if membership is None:
            membership = Membership(article_id=article_id)
        membership.story_id = row["story"]
        membership.event_id = event_id
        membership.decided_by = row["decided_by"]
        membership.is_pinned = row["is_pinned"]
        membership.score = row["score"]
        to_save.append(membership)
    Membership.objects.filter(pk__in=to_delete).delete()
    for membership in to_save:
        membership.save()
    refresh_story_stats(story_ids=touched_stories | live_stories)
    refresh_event_stats(event_ids=touched_events | usable_events | {e.pk for e in recreated.values()})


# --- Story-level edits ------------------------------------------------------------------


@transaction.atomic
def rename_story(
    *, story: Story, user: User | None, title: str | None = None, titles: dict[str, str] | None = None
) -> Story:
    """Set the editor's title (shown everywhere) and/or the title per language.

    `title=None` leaves the editor's title as it is; "" removes it (the engine's shows again).
    In `titles`, an empty text removes that language's title.
    """
    before = {"editor_title": story.editor_title, "editor_titles": story.editor_titles}
    if title is not None:
        story.editor_title = clean_text(title).strip()[:300]
    if titles is not None:
        merged = dict(story.editor_titles)
        for language, text in _per_language(titles).items():
            if text:
                merged[language] = text[:300]
            else:
                merged.pop(language, None)
        story.editor_titles = merged
    story.save(update_fields=["editor_title", "editor_titles", "updated_at"])
    record(
        user=user,
        action=AuditEntry.Action.RENAME,
        story=story,
        before=before,
        after={"editor_title": story.editor_title, "editor_titles": story.editor_titles},
    )
    return story


def _per_language(texts: dict[str, str]) -> dict[str, str]:
    """Editors' texts per language, cleaned (no NUL, no control characters); only the project's
    languages (settings.LANGUAGES): any other key is an error, not a new field to store."""
    known = {code for code, _name in settings.LANGUAGES}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise EditorError(gettext("unknown language: %(codes)s") % {"codes": ", ".join(unknown)[:100]})
    return {language: clean_text(text).strip() for language, text in texts.items()}


def _change_story_field(*, story: Story, user: User | None, field: str, value: Any, action: str) -> Story:
    before = {field: getattr(story, field)}
    setattr(story, field, value)
    story.save(update_fields=[field, "updated_at"])
    record(user=user, action=action, story=story, before=before, after={field: value})
    return story


@transaction.atomic
def set_labels(*, story: Story, user: User | None, labels: dict[str, str]) -> Story:
    """Set the editor's label per language; an empty text hands that language back to the engine."""
    merged = dict(story.editor_labels)
    for language, text in _per_language(labels).items():
        if text:
            merged[language] = " ".join(text.split())[:120]
        else:
            merged.pop(language, None)
    return _change_story_field(
        story=story, user=user, field="editor_labels", value=merged, action=AuditEntry.Action.LABEL
    )


@transaction.atomic
def edit_summary(*, story: Story, user: User | None, summary: str) -> Story:
    return _change_story_field(
        story=story,
        user=user,
        field="editor_summary",
        value=clean_text(summary).strip(),
        action=AuditEntry.Action.SUMMARY,
    )


@transaction.atomic
def set_published(*, story: Story, user: User | None, published: bool) -> Story:
    action = AuditEntry.Action.PUBLISH if published else AuditEntry.Action.HIDE
    return _change_story_field(story=story, user=user, field="is_published", value=published, action=action)


@transaction.atomic
def set_locked(*, story: Story, user: User | None, locked: bool) -> Story:
    action = AuditEntry.Action.LOCK if locked else AuditEntry.Action.UNLOCK
    return _change_story_field(story=story, user=user, field="is_locked", value=locked, action=action)


# --- Moving articles between stories ---------------------------------------------------


def _move_articles(*, article_ids: list[int], target: Story, pin: bool) -> list[int]:
    """Move memberships to `target` as editor decisions, keeping event groupings.

    An event whose every article moves goes along whole; a partly moved event is split, its
    moving articles forming a new event in `target`. Returns the ids of the stories left.
    """
    memberships = list(Membership.objects.filter(article_id__in=article_ids).select_related("event"))
    origins = {m.story_id for m in memberships}
    event_ids = {m.event_id for m in memberships if m.event_id}
    moving_per_event = Counter(m.event_id for m in memberships if m.event_id)
    # Count real memberships, not Event.article_count: the denormalised count may lag.
    members_per_event = dict(
        Membership.objects.filter(event_id__in=event_ids)
        .values("event_id")
        .annotate(n=Count("pk"))
        .values_list("event_id", "n")
    )
    whole_events = {e for e in event_ids if members_per_event.get(e, 0) <= moving_per_event[e]}
    Event.objects.filter(pk__in=whole_events).update(story=target)
    new_events: dict[int, Event] = {}
    for membership in memberships:
        if membership.event_id and membership.event_id not in whole_events:
            source_event = membership.event
            if source_event.pk not in new_events:
                new_events[source_event.pk] = Event.objects.create(
                    story=target,
                    occurred_at=source_event.occurred_at,
                    headline=source_event.headline,
                    representative_article_id=membership.article_id,
                )
            membership.event = new_events[source_event.pk]
        membership.story = target
        membership.decided_by = Decider.EDITOR
        membership.is_pinned = membership.is_pinned or pin
    Membership.objects.bulk_update(memberships, ["story", "event", "decided_by", "is_pinned"])
    Exclusion.objects.filter(article_id__in=article_ids, story=target).delete()
    refresh_story_stats(story_ids=origins | {target.pk})
    refresh_event_stats(event_ids=event_ids | {e.pk for e in new_events.values()})
    return sorted(origins - {target.pk})


def _lock_stories(story_ids: Iterable[int]) -> dict[int, Story]:
    # Row locks keep two editors (or an editor and the engine's writer) from merging the
    # same stories at once; taken in pk order so two transactions cannot deadlock.
    return {s.pk: s for s in Story.objects.select_for_update().filter(pk__in=set(story_ids)).order_by("pk")}


@transaction.atomic
def merge_stories(*, target: Story, others: Iterable[Story], user: User | None) -> Story:
    """Merge `others` into `target`; their URLs redirect to it from now on."""
    hold_editors_lock()
    other_ids = {s.pk for s in others} - {target.pk}
    if not other_ids:
        raise EditorError(gettext("choose at least two different stories to merge"))
    locked = _lock_stories([target.pk, *other_ids])
    target = locked[target.pk]
    others = [locked[pk] for pk in sorted(other_ids)]
    if target.merged_into_id:
        raise EditorError(gettext("the story to merge into has itself been merged away"))
    for story in others:
        if story.merged_into_id:
            raise EditorError(
                gettext("“%(story)s” has already been merged into another story") % {"story": story}
            )
    article_ids = list(Membership.objects.filter(story__in=others).values_list("article_id", flat=True))
    target_articles = set(Membership.objects.filter(story=target).values_list("article_id", flat=True))
    # "Not B" becomes "not A" for B's exclusions, except where A holds the article or already
    # excludes it: those stay on B, where they no longer matter.
    excluded_from_target = set(Exclusion.objects.filter(story=target).values_list("article_id", flat=True))
    movable = {
        pk: story_id
        for pk, story_id, article_id in Exclusion.objects.filter(story__in=others)
        .order_by("pk")
        .values_list("pk", "story_id", "article_id")
        if article_id not in target_articles and article_id not in excluded_from_target
    }
    before = {
        "memberships": membership_snapshot(article_ids),
        "target_memberships": membership_snapshot(target_articles),
        "stories": {str(s.pk): {"status": s.status} for s in others},
        "redirects": {
            str(pk): into
            for pk, into in Story.objects.filter(merged_into__in=others).values_list("pk", "merged_into_id")
        },
        "exclusions": {str(pk): story_id for pk, story_id in movable.items()},
    }
    # Two exclusions of one article from two merged stories cannot both move.
    seen: set[int] = set()
    for pk, article_id in Exclusion.objects.filter(pk__in=list(movable)).values_list("pk", "article_id"):
        if article_id in seen:
            movable.pop(pk)
            before["exclusions"].pop(str(pk))
        seen.add(article_id)
    _move_articles(article_ids=article_ids, target=target, pin=False)
    Exclusion.objects.filter(pk__in=list(movable)).update(story=target)
    for story in others:
        story.merged_into = target
        story.status = Story.Status.DORMANT
        story.updated_at = timezone.now()
    Story.objects.bulk_update(others, ["merged_into", "status", "updated_at"])
    # Earlier redirects to a merged story now point at the survivor directly.
    Story.objects.filter(merged_into__in=others).update(merged_into=target)
    record(
        user=user,
        action=AuditEntry.Action.MERGE,
        story=target,
        before=before,
        after={"into": target.pk, "stories": sorted(other_ids), "articles": len(article_ids)},
    )
    return target


@transaction.atomic
def split_story(
    *,
    story: Story,
    user: User | None,
    article_ids: Iterable[int] = (),
    event_ids: Iterable[int] = (),
    target: Story | None = None,
    title: str = "",
) -> Story:
    """Move chosen articles or events out of `story` into `target` (a new story when None).

    The moved articles are pinned to their new story and excluded from the old one, so
    re-clustering keeps the split.
    """
    hold_editors_lock()
    chosen = set(article_ids) | set(
        Membership.objects.filter(event_id__in=list(event_ids), story=story).values_list(
            "article_id", flat=True
        )
    )
    chosen &= set(Membership.objects.filter(story=story).values_list("article_id", flat=True))
    if not chosen:
        raise EditorError(gettext("choose articles or events of this story to move"))
    if target is not None and target.pk == story.pk:
        raise EditorError(gettext("the articles are already in this story"))
    if target is not None and target.merged_into_id:
        raise EditorError(gettext("that story has been merged into another one; move the articles there"))
    created = target is None
    if target is None:
        first = Article.objects.filter(pk__in=chosen).order_by("published_at", "pk").first()
        title = title.strip()
        target = Story.objects.create(
            slug=unique_slug(title or first.title),
            title=(title or first.title)[:300],
            # Only a title the editor wrote is an editor's title; the engine may retitle otherwise.
            editor_title=title[:300],
            language=first.language or story.language,
            is_published=story.is_published,
        )
    already_excluded = set(
        Exclusion.objects.filter(story=story, article_id__in=chosen).values_list("article_id", flat=True)
    )
    before = {
        "memberships": membership_snapshot(chosen),
        "new_exclusions": sorted(chosen - already_excluded),
        "sizes": _sizes([story.pk, None if created else target.pk]),
    }
    _move_articles(article_ids=sorted(chosen), target=target, pin=True)
    Exclusion.objects.bulk_create(
        [Exclusion(article_id=a, story=story, created_by=user_or_none(user)) for a in sorted(chosen)],
        ignore_conflicts=True,
    )
    record(
        user=user,
        action=AuditEntry.Action.SPLIT,
        story=story,
        before=before,
        after={"into": target.pk, "articles": sorted(chosen), "created": created},
    )
    return target


@transaction.atomic
def pin_article(*, article: Article, story: Story, user: User | None) -> Membership:
    """Keep `article` in `story` whatever the engine later decides (moving it there if need be)."""
    hold_editors_lock()
    if story.merged_into_id:
        raise EditorError(gettext("that story has been merged into another one"))
    membership = Membership.objects.filter(article=article).first()
    before = {
        "memberships": membership_snapshot([article.pk]),
        "sizes": _sizes([story.pk, membership.story_id if membership else None]),
    }
    if membership is None:
        Membership.objects.create(article=article, story=story, decided_by=Decider.EDITOR, is_pinned=True)
        Exclusion.objects.filter(article=article, story=story).delete()
        refresh_story_stats(story_ids=[story.pk])
    elif membership.story_id != story.pk:
        _move_articles(article_ids=[article.pk], target=story, pin=True)
    else:
        Membership.objects.filter(pk=membership.pk).update(is_pinned=True, decided_by=Decider.EDITOR)
    record(
        user=user,
        action=AuditEntry.Action.PIN,
        story=story,
        article=article,
        before=before,
        after={"story": story.pk},
    )
    return Membership.objects.get(article=article)


@transaction.atomic
def exclude_article(*, article: Article, story: Story, user: User | None) -> Exclusion:
    """ "Not this story": take the article out; the engine re-assigns it anywhere but here."""
    hold_editors_lock()
    before = {"memberships": membership_snapshot([article.pk]), "sizes": _sizes([story.pk])}
    exclusion, created = Exclusion.objects.get_or_create(
        article=article, story=story, defaults={"created_by": user_or_none(user)}
    )
    before["exclusion_existed"] = not created
    membership = Membership.objects.filter(article=article, story=story).first()
    if membership is not None:
        event_id = membership.event_id
        membership.delete()
        refresh_story_stats(story_ids=[story.pk])
        if event_id:
            refresh_event_stats(event_ids=[event_id])
    record(
        user=user,
        action=AuditEntry.Action.EXCLUDE,
        story=story,
        article=article,
        before=before,
        after={"excluded_from": story.pk},
    )
    return exclusion


@transaction.atomic
def accept_assignment(*, article: Article, user: User | None) -> Membership:
    """An editor confirms the engine's choice: it becomes an editor decision (a gold label)."""
    membership = Membership.objects.select_related("story").filter(article=article).first()
    if membership is None:
        raise EditorError(gettext("this article is in no story yet"))
    before = {"memberships": membership_snapshot([article.pk]), "sizes": _sizes([membership.story_id])}
    Membership.objects.filter(pk=membership.pk).update(decided_by=Decider.EDITOR)
    record(
        user=user,
        action=AuditEntry.Action.ACCEPT,
        story=membership.story,
        article=article,
        before=before,
        after={"story": membership.story_id},
    )
    membership.decided_by = Decider.EDITOR
    return membership


# --- Events and key moments -------------------------------------------------------------


def _event_state(event: Event) -> dict[str, Any]:
    return {
        "editor_headline": event.editor_headline,
        "editor_occurred_at": event.editor_occurred_at.isoformat() if event.editor_occurred_at else None,
        "is_key_moment": event.is_key_moment,
    }


@transaction.atomic
def edit_event(
    *,
    event: Event,
    user: User | None,
    headline: str | None = None,
    occurred_at: datetime | None = None,
    clear_date: bool = False,
    is_key_moment: bool | None = None,
) -> Event:
    """Set an event's headline or date as the editor sees them, or mark it a key moment.

    `None` leaves a field as it is; a blank headline or `clear_date` brings back the engine's.
    """
    before = _event_state(event)
    if headline is not None:
        event.editor_headline = clean_text(headline).strip()[:500]
    if occurred_at is not None:
        event.editor_occurred_at = occurred_at
    elif clear_date:
        event.editor_occurred_at = None
    if is_key_moment is not None:
        event.is_key_moment = is_key_moment
    event.save(update_fields=["editor_headline", "editor_occurred_at", "is_key_moment"])
    sync_editor_key_moments(story=event.story)
    key_moment_changed = is_key_moment is not None and before["is_key_moment"] != event.is_key_moment
    action = AuditEntry.Action.KEY_MOMENT if key_moment_changed else AuditEntry.Action.EDIT_EVENT
    record(user=user, action=action, story=event.story, event=event, before=before, after=_event_state(event))
    return event


def sync_editor_key_moments(*, story: Story) -> None:
    """Editor-marked events become the story's fixed key moments (they override the algorithm)."""
    KeyMoment.objects.filter(story=story, decided_by=Decider.EDITOR).delete()
    chosen: dict[Any, Event] = {}
    for event in story.events.filter(is_key_moment=True).order_by("occurred_at", "pk"):
        chosen.setdefault(timezone.localdate(event.display_date), event)
    KeyMoment.objects.bulk_create(
        [
            KeyMoment(
                story=story,
                date=day,
                text=event.display_headline,
                article_id=event.representative_article_id,
                decided_by=Decider.EDITOR,
            )
            for day, event in chosen.items()
        ]
    )
    # An engine entry on a day the editor chose is superseded by the editor's.
    KeyMoment.objects.filter(story=story, decided_by=Decider.ENGINE, date__in=list(chosen)).delete()
    Story.objects.filter(pk=story.pk).update(updated_at=timezone.now())


def undo_membership_action(entry: AuditEntry) -> None:
    """Put articles, exclusions and merged stories back as a membership action's `before` recorded them."""
    before, after = normalised_before(entry.before), entry.after
    if entry.action == AuditEntry.Action.MERGE:
        stories = {int(pk): state for pk, state in before.get("stories", {}).items()}
        merged = list(Story.objects.filter(pk__in=list(stories)))
        for story in merged:
            story.merged_into = None
            story.status = stories[story.pk]["status"]
            story.updated_at = timezone.now()
        Story.objects.bulk_update(merged, ["merged_into", "status", "updated_at"])
        redirects: dict[int, list[int]] = defaultdict(list)
        for pk, into in before.get("redirects", {}).items():
            redirects[into].append(int(pk))
        for into, pks in redirects.items():
            Story.objects.filter(pk__in=pks).update(merged_into=into)
        for pk, story_id in before.get("exclusions", {}).items():
            Exclusion.objects.filter(pk=int(pk)).update(story=story_id)
        if after.get("by") == "engine":
            # An editor who undoes the engine's merge wants the stories apart: locking them
            # keeps the next merge pass from joining them again.
            Story.objects.filter(pk__in=[*stories, entry.story_id]).update(is_locked=True)
    elif entry.action == AuditEntry.Action.SPLIT:
        new_exclusions = before.get("new_exclusions", [])
        Exclusion.objects.filter(story_id=entry.story_id, article_id__in=new_exclusions).delete()
    elif entry.action == AuditEntry.Action.EXCLUDE and not before.get("exclusion_existed"):
        Exclusion.objects.filter(article_id=entry.article_id, story_id=entry.story_id).delete()
    _restore(before.get("memberships", []))
    if entry.action == AuditEntry.Action.SPLIT and after.get("created"):
        # The story the split created is empty again: hide it rather than delete it, so
        # its audit entries and any link to it keep making sense.
        Story.objects.filter(pk=after["into"], article_count=0).update(
            is_published=False, status=Story.Status.DORMANT
        )
