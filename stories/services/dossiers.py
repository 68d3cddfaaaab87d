"""Dossiers in the database: the engine's proposals written back, and editors' edits of them.

The engine (stories.curation.dossiers, pure) proposes groupings from the engine-decided stories of the
last `DOSSIER_WINDOW` and `propose_dossiers()` files them accordingly; every story an editor
placed (Story.dossier_decided_by == EDITOR, also when the editor took it out of any dossier)
stays where the editor put it and takes no part in proposals, and a dossier an editor named
keeps its name.

Editors' edits are audited like story edits (AuditEntry with `dossier`, state before and
after) and undone through stories.services.history.undo, which hands dossier entries to
`undo_dossier_action()` here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.text import slugify

from articles import embedding
from articles.models import Article
from articles.text import clean_text
from stories.curation import dossiers as engine
from stories.curation.labels import LEAD_CHARS, LabelArticle
from stories.models import AuditEntry, Decider, Dossier, Story

from .audit import EditorError, User, record
from .locks import hold_editors_lock

# Stories quiet for longer than this no longer shape proposals (their filing stays).
DOSSIER_WINDOW = timedelta(days=180)
# Hops followed through merged_into before giving up on a loop.
MAX_MERGE_HOPS = 10
# Articles read per story for its features: the newest, since a story's core moves with it.
ARTICLES_PER_STORY = 40


def _unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True)[:80].strip("-") or "dossier"
    slug, suffix = base, 2
    while Dossier.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def refresh_dossier_stats(*, dossier_ids: Iterable[int] | None = None) -> None:
    """Recount stories and articles of dossiers (all of them when `dossier_ids` is None)."""
    dossiers = Dossier.objects.all()
    if dossier_ids is not None:
        dossiers = dossiers.filter(pk__in=set(dossier_ids))
    visible = Q(stories__is_published=True, stories__merged_into__isnull=True)
    rows = list(
        dossiers.annotate(
            n_stories=Count("stories", filter=visible),
            n_articles=Sum("stories__article_count", filter=visible),
            last=Max("stories__last_activity_at", filter=visible),
        )
    )
    changed = []
    for dossier in rows:
        values = (dossier.n_stories, dossier.n_articles or 0, dossier.last)
        if values != (dossier.story_count, dossier.article_count, dossier.last_activity_at):
            dossier.story_count, dossier.article_count, dossier.last_activity_at = values
            dossier.updated_at = timezone.now()
            changed.append(dossier)
    Dossier.objects.bulk_update(changed, ["story_count", "article_count", "last_activity_at", "updated_at"])


def _features(stories: list[Story]) -> list[engine.DossierStory]:
    articles: dict[int, list[LabelArticle]] = {story.pk: [] for story in stories}
    rows = (
        Article.objects.filter(membership__story__in=[s.pk for s in stories])
        .annotate(lead=Substr("text", 1, LEAD_CHARS))
        .order_by("-published_at", "-pk")
        .values_list(
            "membership__story_id", "title", "lead", "language", "published_at", "source_id", "embedding"
        )
    )
    for story_id, title, lead, language, published_at, source_id, vector in rows:
        if len(articles[story_id]) < ARTICLES_PER_STORY:
            articles[story_id].append(
                LabelArticle(
                    title,
                    lead or "",
                    language or None,
                    published_at,
                    source=str(source_id),
                    vector=embedding.from_bytes(vector),
                )
            )
    return [
        engine.DossierStory(
            id=story.pk, articles=articles[story.pk], labels=story.editor_labels or story.labels
        )
        for story in stories
    ]


def propose_dossiers() -> dict[str, int]:
    """File the engine-decided stories of the last DOSSIER_WINDOW into proposed dossiers.

    The proposals are computed from a plain read; only writing them back holds the editors'
    lock, briefly, so an editor's filing made meanwhile is seen and kept.
    """
    since = timezone.now() - DOSSIER_WINDOW
    # Only the engine's stories: one an editor filed (or took out) is not the engine's to
    # group, and counting it would leave files of one story where the editor moved it away.
    story_ids = list(
        Story.objects.visible()
        .filter(last_activity_at__gte=since, dossier_decided_by=Decider.ENGINE)
        .values_list("pk", flat=True)
    )
    stories = list(Story.objects.filter(pk__in=story_ids).only("pk", "labels", "editor_labels"))
    proposals = engine.propose(_features(stories), encode=embedding.encode)
    with transaction.atomic():
        hold_editors_lock()
        return _file_proposals(proposals, story_ids)


def _file_proposals(proposals: list[engine.ProposedDossier], story_ids: list[int]) -> dict[str, int]:
    by_key = {d.key: d for d in Dossier.objects.exclude(key="")}
    wanted: dict[int, int | None] = {}
    created = 0
    for proposal in proposals:
        dossier = by_key.get(proposal.key)
        hops = 0
        while dossier is not None and dossier.merged_into_id and hops < MAX_MERGE_HOPS:
            dossier = Dossier.objects.filter(pk=dossier.merged_into_id).first()
            hops += 1
        if dossier is None:
            # An English name makes a plain-letters address where there is one ("iran"); else the first.
            name = proposal.names.get("en") or next(iter(proposal.names.values()), proposal.key)
            dossier = Dossier.objects.create(slug=_unique_slug(name), key=proposal.key, names=proposal.names)
            created += 1
        elif dossier.names != proposal.names and dossier.decided_by == Decider.ENGINE:
            dossier.names = proposal.names
            dossier.save(update_fields=["names", "updated_at"])
        for story_id in proposal.story_ids:
            wanted[story_id] = dossier.pk
    moved = []
    # Read again under the lock: an editor may have filed one of these since the proposals.
    for story in Story.objects.filter(pk__in=story_ids, dossier_decided_by=Decider.ENGINE).only(
        "pk", "dossier_id"
    ):
        target = wanted.get(story.pk)
        if story.dossier_id != target:
            story.dossier_id = target
            moved.append(story)
    Story.objects.bulk_update(moved, ["dossier"])
    refresh_dossier_stats()
    return {"proposed": len(proposals), "created": created, "moved": len(moved)}


# --- Editors' edits -----------------------------------------------------------------------


def _snapshot(*, dossier_ids: Iterable[int], story_ids: Iterable[int]) -> dict[str, Any]:
    """What undo puts back: the dossiers' editable state and where each story was filed."""
    return {
        "dossiers": {
            str(d.pk): {
                "editor_names": d.editor_names,
                "decided_by": d.decided_by,
                "is_published": d.is_published,
                "merged_into": d.merged_into_id,
            }
            for d in Dossier.objects.filter(pk__in=set(dossier_ids))
        },
        "stories": {
            str(pk): [dossier_id, decided_by]
            for pk, dossier_id, decided_by in Story.objects.filter(pk__in=set(story_ids)).values_list(
                "pk", "dossier_id", "dossier_decided_by"
            )
        },
    }


def _clean_names(names: dict[str, str] | str) -> dict[str, str]:
    if isinstance(names, str):
        names = {"": names}
    cleaned = {language: clean_text(text or "").strip()[:200] for language, text in names.items()}
    return {language: text for language, text in cleaned.items() if text}


def _file(stories: Iterable[Story], dossier: Dossier | None) -> set[int]:
    """Put `stories` in `dossier` (None: in no dossier) as an editor's decision; returns touched dossiers."""
    # Read afresh: the callers' rows may predate other edits of the same request.
    stories = list(Story.objects.filter(pk__in=[s.pk for s in stories]).only("pk", "dossier_id"))
    touched = {s.dossier_id for s in stories if s.dossier_id}
    Story.objects.filter(pk__in=[s.pk for s in stories]).update(
        dossier=dossier, dossier_decided_by=Decider.EDITOR, updated_at=timezone.now()
    )
    if dossier is not None:
        touched.add(dossier.pk)
    return touched


def _file_in_new_dossier(
    stories: list[Story],
    *,
    slug_name: str,
    editor_names: dict[str, str],
    user: User | None,
    action: str,
    before: dict[str, Any],
    audited: Dossier | None = None,
) -> Dossier:
    """A new editor's dossier holding `stories`; `action` is recorded on `audited`, else on it."""
    dossier = Dossier.objects.create(
        slug=_unique_slug(slug_name), editor_names=editor_names, decided_by=Decider.EDITOR
    )
    refresh_dossier_stats(dossier_ids=_file(stories, dossier))
    record(
        user=user,
        action=action,
        dossier=audited or dossier,
        before=before,
        after={"created": dossier.pk, "stories": sorted(s.pk for s in stories)},
    )
    dossier.refresh_from_db()
    return dossier


@transaction.atomic
def create_dossier(
    *, names: dict[str, str] | str, user: User | None, stories: Iterable[Story] = ()
) -> Dossier:
    """A new dossier named by the editor (a name per language, or one for all), optionally with stories."""
    hold_editors_lock()
    cleaned = _clean_names(names)
    if not cleaned:
        raise EditorError("give the dossier a name")
    stories = list(stories)
    before = _snapshot(dossier_ids=[], story_ids=[s.pk for s in stories])
    language_names = {k: v for k, v in cleaned.items() if k}
    return _file_in_new_dossier(
        stories,
        slug_name=next(iter(cleaned.values())),
        editor_names=language_names or {"": cleaned[""]},
        user=user,
        action=AuditEntry.Action.DOSSIER_CREATE,
        before=before,
    )


@transaction.atomic
def rename_dossier(*, dossier: Dossier, user: User | None, names: dict[str, str]) -> Dossier:
    """Set the editor's name per language; an empty text gives that language back to the engine."""
    hold_editors_lock()
    before = _snapshot(dossier_ids=[dossier.pk], story_ids=[])
    merged = dict(dossier.editor_names)
    for language, text in names.items():
        if text and text.strip():
            merged[language] = clean_text(text).strip()[:200]
        else:
            merged.pop(language, None)
    dossier.editor_names = merged
    dossier.save(update_fields=["editor_names", "updated_at"])
    record(
        user=user,
        action=AuditEntry.Action.DOSSIER_RENAME,
        dossier=dossier,
        before=before,
        after={"editor_names": merged},
    )
    return dossier


@transaction.atomic
def move_story(*, story: Story, dossier: Dossier | None, user: User | None) -> Story:
    """File `story` in `dossier`, or take it out of any (None); the engine leaves it there."""
    hold_editors_lock()
    if dossier is not None and dossier.merged_into_id:
        raise EditorError("that dossier has been merged into another one")
    before = _snapshot(dossier_ids=[], story_ids=[story.pk])
    refresh_dossier_stats(dossier_ids=_file([story], dossier))
    record(
        user=user,
        action=AuditEntry.Action.DOSSIER_MOVE,
        story=story,
        dossier=dossier,
        before=before,
        after={"dossier": dossier.pk if dossier else None},
    )
    story.refresh_from_db(fields=["dossier", "dossier_decided_by"])
    return story


@transaction.atomic
def merge_dossiers(*, target: Dossier, others: Iterable[Dossier], user: User | None) -> Dossier:
    """Move every story of `others` into `target`; the others redirect to it and leave the lists."""
    hold_editors_lock()
    others = [d for d in others if d.pk != target.pk]
    if not others:
        raise EditorError("choose at least one other dossier to merge into this one")
    if target.merged_into_id:
        raise EditorError("that dossier has been merged into another one")
    stories = list(Story.objects.filter(dossier__in=others))
    before = _snapshot(dossier_ids=[d.pk for d in others], story_ids=[s.pk for s in stories])
    touched = _file(stories, target)
    Dossier.objects.filter(pk__in=[d.pk for d in others]).update(
        merged_into=target, updated_at=timezone.now()
    )
    # Earlier merges into the others now point at the survivor directly.
    Dossier.objects.filter(merged_into__in=others).update(merged_into=target)
    refresh_dossier_stats(dossier_ids=touched | {d.pk for d in others})
    record(
        user=user,
        action=AuditEntry.Action.DOSSIER_MERGE,
        dossier=target,
        before=before,
        after={"into": target.pk, "dossiers": sorted(d.pk for d in others), "stories": len(stories)},
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def split_dossier(
    *, dossier: Dossier, stories: Iterable[Story], user: User | None, names: dict[str, str] | str
) -> Dossier:
    """Move chosen stories of `dossier` into a new dossier named by the editor."""
    hold_editors_lock()
    stories = list(Story.objects.filter(pk__in=[s.pk for s in stories], dossier=dossier))
    if not stories:
        raise EditorError("choose stories of this dossier to move")
    cleaned = _clean_names(names)
    if not cleaned:
        raise EditorError("give the new dossier a name")
    before = _snapshot(dossier_ids=[dossier.pk], story_ids=[s.pk for s in stories])
    return _file_in_new_dossier(
        stories,
        slug_name=next(iter(cleaned.values())),
        editor_names=cleaned,
        user=user,
        action=AuditEntry.Action.DOSSIER_SPLIT,
        before=before,
        audited=dossier,
    )


def undo_dossier_action(entry: AuditEntry) -> None:
    """Put dossiers and story filings back as `entry.before` recorded them."""
    before, after = entry.before, entry.after
    touched: set[int] = set()
    for pk, state in before.get("dossiers", {}).items():
        Dossier.objects.filter(pk=int(pk)).update(**state, updated_at=timezone.now())
        touched.add(int(pk))
    for pk, (dossier_id, decided_by) in before.get("stories", {}).items():
        story = Story.objects.filter(pk=int(pk)).only("dossier_id").first()
        if story is None:
            continue
        touched |= {d for d in (story.dossier_id, dossier_id) if d}
        live = dossier_id is None or Dossier.objects.filter(pk=dossier_id).exists()
        Story.objects.filter(pk=story.pk).update(
            dossier_id=dossier_id if live else None, dossier_decided_by=decided_by, updated_at=timezone.now()
        )
    if after.get("created"):
        # A dossier the action created is emptied by the undo: hidden rather than deleted,
        # so its audit entries and links keep making sense.
        Dossier.objects.filter(pk=after["created"]).update(is_published=False, updated_at=timezone.now())
        touched.add(after["created"])
    refresh_dossier_stats(dossier_ids=touched)
