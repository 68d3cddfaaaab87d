"""Editors' decisions on stories, events and articles.

Every editor action is one transaction that changes the rows, writes an AuditEntry with the
state before and after, and so also tells the clustering worker that its in-memory engine
must be rebuilt from the database (the audit trail is the change log it watches).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article
from stories.models import AuditEntry, Decider, Event, Exclusion, KeyMoment, Membership, Story

User = AbstractBaseUser


class EditorError(ValueError):
    """An editor action that cannot be done as asked (shown to the editor as is)."""


# --- Derived fields ---------------------------------------------------------------------


def unique_slug(title: str, *, fallback: str = "story") -> str:
    base = (slugify(title, allow_unicode=True)[:80].strip("-")) or fallback
    slug = base
    suffix = 2
    while Story.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def refresh_story_stats(*, story_ids: Iterable[int]) -> None:
    """Recompute the denormalised counts and activity dates the reader pages show."""
    story_ids = list(set(story_ids))
    if not story_ids:
        return
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
    for story in stories:
        row = per_story.get(story.pk)
        story.article_count = row["articles"] if row else 0
        story.source_count = row["sources"] if row else 0
        story.first_activity_at = row["first"] if row else None
        story.last_activity_at = row["last"] if row else None
        story.language_counts = dict(languages[story.pk])
        if languages[story.pk]:
            story.language = languages[story.pk].most_common(1)[0][0]
    Story.objects.bulk_update(
        stories,
        [
            "article_count",
            "source_count",
            "first_activity_at",
            "last_activity_at",
            "language_counts",
            "language",
        ],
    )
    refresh_event_stats(event_ids=Event.objects.filter(story_id__in=story_ids).values_list("pk", flat=True))


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
    events = list(Event.objects.filter(pk__in=list(counts)).select_related("representative_article"))
    representative_lost = []
    for event in events:
        event.article_count = counts[event.pk]
        rep = event.representative_article
        if rep is None or not Membership.objects.filter(event=event, article=rep).exists():
            representative_lost.append(event)
    for event in representative_lost:
        first = (
            Membership.objects.filter(event=event)
            .select_related("article")
            .order_by("article__published_at", "article_id")
            .first()
        )
        event.representative_article = first.article
        event.headline = first.article.title[:500]
        event.occurred_at = first.article.published_at
    Event.objects.bulk_update(events, ["article_count", "representative_article", "headline", "occurred_at"])


# --- Audit ------------------------------------------------------------------------------


def _audit(
    *,
    user: User | None,
    action: str,
    story: Story | None = None,
    article: Article | None = None,
    event: Event | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        story=story,
        article=article,
        event=event,
        before=before or {},
        after=after or {},
    )


def editor_change_marker() -> int:
    """The newest audit entry id: the clustering worker rebuilds its engine when this moves."""
    return AuditEntry.objects.aggregate(latest=Max("pk"))["latest"] or 0


# --- Story-level edits ------------------------------------------------------------------


@transaction.atomic
def rename_story(
    *, story: Story, user: User | None, title: str = "", titles: dict[str, str] | None = None
) -> Story:
    """Set the editor's title (shown everywhere) and, optionally, titles per language."""
    before = {"editor_title": story.editor_title, "titles": story.titles}
    story.editor_title = title.strip()[:300]
    if titles is not None:
        story.titles = {
            **story.titles,
            **{lang: text.strip() for lang, text in titles.items() if text.strip()},
        }
    story.save(update_fields=["editor_title", "titles", "updated_at"])
    _audit(
        user=user,
        action=AuditEntry.Action.RENAME,
        story=story,
        before=before,
        after={"editor_title": story.editor_title, "titles": story.titles},
    )
    return story


@transaction.atomic
def edit_summary(*, story: Story, user: User | None, summary: str) -> Story:
    before = {"editor_summary": story.editor_summary}
    story.editor_summary = summary.strip()
    story.save(update_fields=["editor_summary", "updated_at"])
    _audit(
        user=user,
        action=AuditEntry.Action.SUMMARY,
        story=story,
        before=before,
        after={"editor_summary": story.editor_summary},
    )
    return story


@transaction.atomic
def set_published(*, story: Story, user: User | None, published: bool) -> Story:
    before = {"is_published": story.is_published}
    story.is_published = published
    story.save(update_fields=["is_published", "updated_at"])
    action = AuditEntry.Action.PUBLISH if published else AuditEntry.Action.HIDE
    _audit(user=user, action=action, story=story, before=before, after={"is_published": published})
    return story


@transaction.atomic
def set_locked(*, story: Story, user: User | None, locked: bool) -> Story:
    before = {"is_locked": story.is_locked}
    story.is_locked = locked
    story.save(update_fields=["is_locked", "updated_at"])
    action = AuditEntry.Action.LOCK if locked else AuditEntry.Action.UNLOCK
    _audit(user=user, action=action, story=story, before=before, after={"is_locked": locked})
    return story


# --- Moving articles between stories ---------------------------------------------------


def _memberships_by_story(article_ids: Iterable[int]) -> dict[str, list[int]]:
    moved: dict[str, list[int]] = {}
    for article_id, story_id in Membership.objects.filter(article_id__in=list(article_ids)).values_list(
        "article_id", "story_id"
    ):
        moved.setdefault(str(story_id), []).append(article_id)
    return moved


def _move_articles(*, article_ids: list[int], target: Story, pin: bool) -> list[int]:
    """Move memberships (keeping event groupings where the event moves whole) to `target`.

    Returns the ids of the stories the articles came from.
    """
    memberships = list(Membership.objects.filter(article_id__in=article_ids).select_related("event"))
    origins = {m.story_id for m in memberships}
    # An event whose every article moves goes along with them; a partly moved event is split.
    event_ids = {m.event_id for m in memberships if m.event_id}
    moving_per_event = Counter(m.event_id for m in memberships if m.event_id)
    whole_events = {
        e.pk for e in Event.objects.filter(pk__in=event_ids) if e.article_count <= moving_per_event[e.pk]
    }
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
    touched_events = event_ids | {e.pk for e in new_events.values()}
    refresh_story_stats(story_ids=origins | {target.pk})
    refresh_event_stats(event_ids=touched_events)
    return sorted(origins - {target.pk})


@transaction.atomic
def merge_stories(*, target: Story, others: Iterable[Story], user: User | None) -> Story:
    """Merge `others` into `target`; their URLs redirect to it from now on."""
    others = [s for s in others if s.pk != target.pk]
    if not others:
        raise EditorError("choose at least two different stories to merge")
    if target.merged_into_id:
        raise EditorError("the story to merge into has itself been merged away")
    article_ids = list(Membership.objects.filter(story__in=others).values_list("article_id", flat=True))
    before = {"memberships": _memberships_by_story(article_ids), "stories": [s.pk for s in others]}
    _move_articles(article_ids=article_ids, target=target, pin=False)
    Exclusion.objects.filter(story__in=others).update(story=target)
    for story in others:
        story.merged_into = target
        story.status = Story.Status.DORMANT
    Story.objects.bulk_update(others, ["merged_into", "status"])
    # Earlier redirects to a merged story now point at the survivor directly.
    Story.objects.filter(merged_into__in=others).update(merged_into=target)
    _audit(
        user=user,
        action=AuditEntry.Action.MERGE,
        story=target,
        before=before,
        after={"into": target.pk, "articles": len(article_ids)},
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
    chosen = set(article_ids) | set(
        Membership.objects.filter(event_id__in=list(event_ids), story=story).values_list(
            "article_id", flat=True
        )
    )
    chosen &= set(Membership.objects.filter(story=story).values_list("article_id", flat=True))
    if not chosen:
        raise EditorError("choose articles or events of this story to move")
    if target is not None and target.pk == story.pk:
        raise EditorError("the articles are already in this story")
    if target is None:
        first = Article.objects.filter(pk__in=chosen).order_by("published_at").first()
        title = title.strip() or first.title
        target = Story.objects.create(
            slug=unique_slug(title),
            title=title[:300],
            editor_title=title[:300] if title else "",
            language=first.language or story.language,
        )
    before = {"memberships": _memberships_by_story(chosen)}
    _move_articles(article_ids=sorted(chosen), target=target, pin=True)
    Exclusion.objects.bulk_create(
        [Exclusion(article_id=a, story=story, created_by=_user_or_none(user)) for a in chosen],
        ignore_conflicts=True,
    )
    _audit(
        user=user,
        action=AuditEntry.Action.SPLIT,
        story=story,
        before=before,
        after={"into": target.pk, "articles": sorted(chosen)},
    )
    return target


def _user_or_none(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def pin_article(*, article: Article, story: Story, user: User | None) -> Membership:
    """Keep `article` in `story` whatever the engine later decides."""
    before = {"memberships": _memberships_by_story([article.pk])}
    membership = Membership.objects.filter(article=article).first()
    if membership is None or membership.story_id != story.pk:
        if membership is None:
            Membership.objects.create(article=article, story=story, decided_by=Decider.EDITOR, is_pinned=True)
            refresh_story_stats(story_ids=[story.pk])
        else:
            _move_articles(article_ids=[article.pk], target=story, pin=True)
    else:
        Membership.objects.filter(pk=membership.pk).update(is_pinned=True, decided_by=Decider.EDITOR)
    _audit(
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
    before = {"memberships": _memberships_by_story([article.pk])}
    exclusion, _ = Exclusion.objects.get_or_create(
        article=article, story=story, defaults={"created_by": _user_or_none(user)}
    )
    membership = Membership.objects.filter(article=article, story=story).first()
    if membership is not None:
        event_id = membership.event_id
        membership.delete()
        refresh_story_stats(story_ids=[story.pk])
        if event_id:
            refresh_event_stats(event_ids=[event_id])
    _audit(
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
    membership = Membership.objects.select_related("story").get(article=article)
    Membership.objects.filter(pk=membership.pk).update(decided_by=Decider.EDITOR)
    _audit(
        user=user,
        action=AuditEntry.Action.ACCEPT,
        story=membership.story,
        article=article,
        after={"story": membership.story_id},
    )
    membership.decided_by = Decider.EDITOR
    return membership


# --- Events and key moments -------------------------------------------------------------


@transaction.atomic
def edit_event(
    *,
    event: Event,
    user: User | None,
    headline: str | None = None,
    occurred_at: datetime | None = None,
    is_key_moment: bool | None = None,
) -> Event:
    before = {
        "editor_headline": event.editor_headline,
        "editor_occurred_at": event.editor_occurred_at.isoformat() if event.editor_occurred_at else None,
        "is_key_moment": event.is_key_moment,
    }
    if headline is not None:
        event.editor_headline = headline.strip()[:500]
    if occurred_at is not None:
        event.editor_occurred_at = occurred_at
    if is_key_moment is not None:
        event.is_key_moment = is_key_moment
    event.save(update_fields=["editor_headline", "editor_occurred_at", "is_key_moment"])
    sync_editor_key_moments(story=event.story)
    action = AuditEntry.Action.KEY_MOMENT if is_key_moment is not None else AuditEntry.Action.EDIT_EVENT
    _audit(
        user=user,
        action=action,
        story=event.story,
        event=event,
        before=before,
        after={
            "editor_headline": event.editor_headline,
            "editor_occurred_at": event.editor_occurred_at.isoformat() if event.editor_occurred_at else None,
            "is_key_moment": event.is_key_moment,
        },
    )
    return event


def sync_editor_key_moments(*, story: Story) -> None:
    """Editor-marked events become the story's fixed key moments (they override the algorithm)."""
    KeyMoment.objects.filter(story=story, decided_by=Decider.EDITOR).delete()
    chosen: dict[Any, Event] = {}
    for event in story.events.filter(is_key_moment=True).order_by("occurred_at"):
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


# --- Undo -------------------------------------------------------------------------------

UNDOABLE = {
    AuditEntry.Action.RENAME,
    AuditEntry.Action.SUMMARY,
    AuditEntry.Action.PUBLISH,
    AuditEntry.Action.HIDE,
    AuditEntry.Action.LOCK,
    AuditEntry.Action.UNLOCK,
    AuditEntry.Action.MERGE,
    AuditEntry.Action.SPLIT,
    AuditEntry.Action.PIN,
    AuditEntry.Action.EXCLUDE,
}


@transaction.atomic
def undo(*, entry: AuditEntry, user: User | None) -> AuditEntry:
    """Put things back as `entry.before` recorded them, and log the undo itself."""
    entry = AuditEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.undone_at is not None:
        raise EditorError("this action has already been undone")
    if entry.action not in UNDOABLE:
        raise EditorError(f"“{entry.get_action_display()}” cannot be undone")
    story = entry.story
    before = entry.before
    if entry.action in {
        AuditEntry.Action.RENAME,
        AuditEntry.Action.SUMMARY,
        AuditEntry.Action.PUBLISH,
        AuditEntry.Action.HIDE,
        AuditEntry.Action.LOCK,
        AuditEntry.Action.UNLOCK,
    }:
        if story is None:
            raise EditorError("the story no longer exists")
        for field, value in before.items():
            setattr(story, field, value)
        story.save(update_fields=[*before, "updated_at"])
    else:
        if entry.action == AuditEntry.Action.MERGE:
            Story.objects.filter(pk__in=before.get("stories", [])).update(
                merged_into=None, status=Story.Status.ACTIVE
            )
        if entry.action == AuditEntry.Action.EXCLUDE and entry.article_id and story is not None:
            Exclusion.objects.filter(article_id=entry.article_id, story=story).delete()
        for story_id, article_ids in before.get("memberships", {}).items():
            original = Story.objects.filter(pk=int(story_id)).first()
            if original is None:
                continue
            Exclusion.objects.filter(article_id__in=article_ids, story=original).delete()
            present = set(
                Membership.objects.filter(article_id__in=article_ids).values_list("article_id", flat=True)
            )
            if present:
                _move_articles(article_ids=sorted(present), target=original, pin=False)
            missing = [a for a in article_ids if a not in present]
            Membership.objects.bulk_create(
                [Membership(article_id=a, story=original, decided_by=Decider.EDITOR) for a in missing]
            )
            refresh_story_stats(story_ids=[original.pk])
        if entry.action == AuditEntry.Action.PIN and entry.article_id:
            Membership.objects.filter(article_id=entry.article_id).update(is_pinned=False)
    entry.undone_at = timezone.now()
    entry.save(update_fields=["undone_at"])
    return _audit(
        user=user,
        action=AuditEntry.Action.UNDO,
        story=story,
        article=entry.article,
        before={"entry": entry.pk},
        after={"undone": entry.action},
    )
