"""Feeding the clustering engine from the database and writing its decisions back.

Partition: one engine for every language, so an Arabic rewrite and the English report it comes
from meet in one story (``docs/operations.md`` says what would split it at a larger scale).
Assignments are serialised by a PostgreSQL advisory lock on the partition, held for the
batch's transaction, so two workers never decide at once and can never create two stories
for one event.

Each worker process keeps its engines in memory. Before a batch it brings its engine up to
date with the database: a fresh engine when an editor (or another worker's consolidation pass)
changed what engines hold — the newest audit entry of such an action moved (``engine_marker``)
— otherwise a cheap replay of the memberships other workers wrote since it last looked. A fresh
engine comes from the partition's latest snapshot (``stories.services.snapshots``) plus the
memberships written after it, or, when there is no usable snapshot, from replaying every stored
assignment (minutes at 100,000 stories). The worker writes a snapshot after a replay, after a
consolidation pass that merged, and after a batch when the last one is older than
``SNAPSHOT_EVERY``. So the engine state survives restarts and stays correct with any number of
workers.

Story and event ids are reserved from the database sequences while the engine runs, so all
rows of a batch are written in a few bulk INSERTs at its end.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from articles import embedding
from articles.models import Article
from stories.clustering import consolidation, snapshot
from stories.clustering.engine import Assignment, EditorConstraints, Engine, EngineConfig, Merge
from stories.clustering.representation import ArticleDoc
from stories.curation import labels as labels_module
from stories.curation import phrases
from stories.curation.labels import LabelArticle
from stories.models import (
    AuditEntry,
    Decider,
    EngineSnapshot,
    Event,
    Exclusion,
    KeyMoment,
    Membership,
    Story,
)
from stories.timeline import moments as timeline
from stories.timeline import summary as summary_module

from . import snapshots
from .dossiers import refresh_dossier_stats
from .editing import (
    membership_snapshot,
    refresh_event_stats,
    refresh_story_stats,
    slug_base,
    sync_editor_key_moments,
)
from .locks import hold_editors_lock, hold_partition_lock, share_editors_lock, try_partition_lock

logger = logging.getLogger(__name__)

UNKNOWN_LANGUAGE = "und"
# The one partition: every language in one engine. The name keys its advisory lock and this
# process's engine; a deployment that outgrows one engine would split by region or desk here.
ALL = "all"
BATCH_SIZE = 500
# Stories quiet for longer than this are not loaded into a rebuilt engine at all.
REBUILD_HORIZON = timedelta(days=365)
KEY_MOMENTS = 8
# What an engine merge's audit entry names as the step that made it (``after["step"]``).
CONSOLIDATION = "consolidation"
# A batch writes a snapshot of its engine when the last one is older than this (seconds); the
# memberships written since are replayed by a worker that restores it.
SNAPSHOT_EVERY = 600.0
# Editors' actions that change what an engine holds: memberships, pins, exclusions, locks,
# merges (every undo too: it may undo one of those). A rename, a summary, a label, publishing
# or a dossier filing leaves every engine as it is.
ENGINE_ACTIONS = (
    AuditEntry.Action.MERGE,
    AuditEntry.Action.SPLIT,
    AuditEntry.Action.PIN,
    AuditEntry.Action.EXCLUDE,
    AuditEntry.Action.ACCEPT,
    AuditEntry.Action.LOCK,
    AuditEntry.Action.UNLOCK,
    AuditEntry.Action.UNDO,
    AuditEntry.Action.RECLUSTER,
)


@dataclass
class _Holder:
    engine: Engine
    marker: int  # engine_marker() the engine reflects
    watermark: int  # highest Membership id of the partition the engine has seen
    saved_at: float | None = None  # time.monotonic() of the snapshot it was saved as or restored from


@dataclass
class ClusterSummary:
    assigned: int = 0
    new_stories: int = 0
    partitions: list[str] = field(default_factory=list)
    skipped_locked: list[str] = field(default_factory=list)


_holders: dict[str, _Holder] = {}


def reset_engines() -> None:
    """Forget this process's engines (the next batch rebuilds them from the database)."""
    _holders.clear()


def _partition_filter(partition: str) -> Q:
    return Q()  # one partition holds every article (see ALL)


def _doc(article: Article) -> ArticleDoc:
    return ArticleDoc(
        id=article.pk,
        title=article.title,
        text=article.text or article.summary,
        language=article.language or None,
        published_at=article.published_at,
        source=str(article.source_id),
        vector=article.embedding_vector,
    )


class _IdReserver:
    """Hands out primary keys before the rows exist, so a batch is written with bulk INSERTs."""

    def __init__(self, model) -> None:
        self.model = model
        self._next_local: int | None = None

    def __call__(self) -> int:
        if settings.DATABASE_IS_POSTGRES:
            table = self.model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
                return cursor.fetchone()[0]
        if self._next_local is None:
            self._next_local = (self.model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        value = self._next_local
        self._next_local += 1
        return value


# --- Engine state -----------------------------------------------------------------------


def engine_marker() -> int:
    """The newest audit entry of an action that changes what engines hold (ENGINE_ACTIONS):
    an engine built before it moved is rebuilt."""
    latest = AuditEntry.objects.filter(action__in=ENGINE_ACTIONS).aggregate(latest=Max("pk"))["latest"]
    return latest or 0


def _constraints(partition: str) -> EditorConstraints:
    scope = _partition_filter(partition)
    constraints = EditorConstraints()
    for article_id, story_id in Membership.objects.filter(
        Q(is_pinned=True) | Q(decided_by=Decider.EDITOR), article__in=Article.objects.filter(scope)
    ).values_list("article_id", "story_id"):
        constraints.pins[article_id] = story_id
    for article_id, story_id in Exclusion.objects.filter(
        article__in=Article.objects.filter(scope)
    ).values_list("article_id", "story_id"):
        constraints.excludes.setdefault(article_id, set()).add(story_id)
    constraints.locked.update(Story.objects.filter(is_locked=True).values_list("pk", flat=True))
    for story_id, target_id in Story.objects.filter(merged_into__isnull=False).values_list(
        "pk", "merged_into_id"
    ):
        constraints.aliases[story_id] = target_id
    return constraints


def _rebuild(partition: str, marker: int) -> _Holder:
    """A new engine from every stored assignment of the partition (no snapshot to use)."""
    engine = Engine(
        EngineConfig(),
        story_ids=_IdReserver(Story),
        event_ids=_IdReserver(Event),
        constraints=_constraints(partition),
    )
    horizon = timezone.now() - REBUILD_HORIZON
    memberships = (
        Membership.objects.filter(article__in=Article.objects.filter(_partition_filter(partition)))
        .filter(story__merged_into__isnull=True)
        .filter(Q(story__last_activity_at__gte=horizon) | Q(story__last_activity_at__isnull=True))
        .select_related("article")
        .order_by("article__published_at", "article_id")
    )
    _give_events_to_orphans(partition)
    watermark = 0
    with snapshot.no_cyclic_gc():
        for membership in memberships.iterator(chunk_size=2000):
            engine.load(_doc(membership.article), membership.story_id, membership.event_id)
            watermark = max(watermark, membership.pk)
    return _Holder(engine=engine, marker=marker, watermark=watermark)


def _give_events_to_orphans(partition: str) -> None:
    """An editor's pin can place an article in a story without an event: give it its own."""
    orphans = list(
        Membership.objects.filter(event__isnull=True)
        .filter(article__in=Article.objects.filter(_partition_filter(partition)))
        .select_related("article")
    )
    for membership in orphans:
        membership.event = Event.objects.create(
            story_id=membership.story_id,
            occurred_at=membership.article.published_at,
            headline=membership.article.title[:500],
            representative_article=membership.article,
            article_count=1,
        )
    Membership.objects.bulk_update(orphans, ["event"])


def _catch_up(holder: _Holder, partition: str) -> None:
    """Replay what other workers assigned in this partition since this engine last looked."""
    newer = (
        Membership.objects.filter(pk__gt=holder.watermark)
        .filter(article__in=Article.objects.filter(_partition_filter(partition)))
        .select_related("article")
        .order_by("pk")
    )
    for membership in newer:
        if holder.engine.story_of(membership.article_id) is None:
            holder.engine.load(_doc(membership.article), membership.story_id, membership.event_id)
        holder.watermark = membership.pk


def _restore(partition: str, marker: int) -> _Holder | None:
    """The partition's latest usable snapshot, brought up to date; None when there is none."""
    found = snapshots.load_snapshot(
        partition=partition, marker=marker, story_ids=_IdReserver(Story), event_ids=_IdReserver(Event)
    )
    if found is None:
        return None
    engine, row = found
    # The editors' constraints as the database has them now (what a replay starts from).
    engine.constraints = _constraints(partition)
    _give_events_to_orphans(partition)
    holder = _Holder(engine=engine, marker=marker, watermark=row.watermark, saved_at=time.monotonic())
    _catch_up(holder, partition)
    return holder


def engine_for(partition: str) -> Engine:
    """This process's engine for `partition`, brought up to date with the database."""
    holder = _holders.get(partition)
    marker = engine_marker()
    if holder is None or holder.marker != marker:
        holder = _restore(partition, marker)
        if holder is None:
            holder = _rebuild(partition, marker)
        _holders[partition] = holder
    else:
        _catch_up(holder, partition)
    return holder.engine


def save_engine(partition: str, *, chunk_bytes: int = snapshots.CHUNK_BYTES) -> None:
    """Write this process's engine of `partition` as the partition's latest snapshot."""
    holder = _holders.get(partition)
    if holder is None:
        return
    snapshots.save_snapshot(
        partition=partition,
        engine=holder.engine,
        watermark=holder.watermark,
        marker=holder.marker,
        chunk_bytes=chunk_bytes,
    )
    # Also after a failure (logged): the next attempt waits for the next period.
    holder.saved_at = time.monotonic()


def _snapshot_due(holder: _Holder) -> bool:
    return holder.saved_at is None or time.monotonic() - holder.saved_at >= SNAPSHOT_EVERY


# --- Assigning --------------------------------------------------------------------------


def cluster_pending(*, limit: int = BATCH_SIZE) -> ClusterSummary:
    """Assign every ready, unclustered article, partition by partition, in arrival order."""
    result = ClusterSummary()
    partitions = [ALL] if Article.objects.unclustered().exists() else []
    for partition in partitions:
        while True:
            done = cluster_partition(partition=partition, limit=limit)
            if done is None:
                result.skipped_locked.append(partition)
                break
            assigned, new_stories = done
            result.assigned += assigned
            result.new_stories += new_stories
            if assigned:
                result.partitions.append(partition)
            if assigned < limit:
                break
    return result


def cluster_partition(*, partition: str, limit: int = BATCH_SIZE) -> tuple[int, int] | None:
    """One batch of one partition; None when another worker holds the partition."""
    with transaction.atomic():
        if not try_partition_lock(partition):
            return None
        share_editors_lock()
        engine = engine_for(partition)
        articles = list(
            Article.objects.unclustered()
            .filter(_partition_filter(partition))
            .order_by("published_at", "pk")[:limit]
        )
        if not articles:
            return 0, 0
        try:
            assignments = [engine.assign(_doc(article)) for article in articles]
            new_stories = _write_assignments(engine, articles, assignments, partition=partition)
        except Exception:
            # The transaction rolls back; an engine that kept those assignments would lie.
            _holders.pop(partition, None)
            raise
        holder = _holders[partition]
        holder.watermark = max(
            holder.watermark,
            Membership.objects.filter(article__in=articles).aggregate(top=Max("pk"))["top"] or 0,
        )
        if _snapshot_due(holder):
            # In the batch's transaction, under the partition lock: the next worker to take the
            # lock finds it, and it never names memberships that did not commit.
            save_engine(partition)
        return len(articles), new_stories


def _write_assignments(
    engine: Engine, articles: list[Article], assignments: list[Assignment], *, partition: str
) -> int:
    by_id = {article.pk: article for article in articles}
    existing_stories = set(
        Story.objects.filter(pk__in={a.story_id for a in assignments}).values_list("pk", flat=True)
    )
    new_story_ids = [
        sid for sid in dict.fromkeys(a.story_id for a in assignments) if sid not in existing_stories
    ]
    views = {story_id: engine.story(story_id) for story_id in new_story_ids}
    titles = {
        story_id: views[story_id].title
        or by_id[next(a.article_id for a in assignments if a.story_id == story_id)].title
        for story_id in new_story_ids
    }
    slugs = _new_slugs(titles)
    stories = []
    for story_id in new_story_ids:
        view = views[story_id]
        title = titles[story_id]
        stories.append(
            Story(
                pk=story_id,
                slug=slugs[story_id],
                title=title[:300],
                titles=view.titles,
                keyphrases=phrases.chips(view.keyphrases),
                language=view.language or "",
            )
        )
    Story.objects.bulk_create(stories)

    existing_events = set(
        Event.objects.filter(pk__in={a.event_id for a in assignments}).values_list("pk", flat=True)
    )
    events = {}
    for assignment in assignments:
        if assignment.event_id in existing_events or assignment.event_id in events:
            continue
        article = by_id[assignment.article_id]
        events[assignment.event_id] = Event(
            pk=assignment.event_id,
            story_id=assignment.story_id,
            occurred_at=article.published_at,
            headline=article.title[:500],
            representative_article=article,
        )
    Event.objects.bulk_create(list(events.values()))
    Membership.objects.bulk_create(
        [
            Membership(
                article_id=a.article_id,
                story_id=a.story_id,
                event_id=a.event_id,
                score=round(a.story_score, 4),
                decided_by=Decider.EDITOR if a.decided_by == "pin" else Decider.ENGINE,
                is_pinned=a.decided_by == "pin",
            )
            for a in assignments
        ]
    )
    touched = {a.story_id for a in assignments}
    refresh_story_stats(story_ids=touched)
    refresh_event_stats(event_ids={a.event_id for a in assignments})
    _refresh_story_views(engine, touched)
    return len(new_story_ids)


def _new_slugs(titles: dict[int, str]) -> dict[int, str]:
    """A unique slug per new story of a batch, with one query for the ones already taken.

    A slug taken in the database or earlier in the batch gets the story's id appended, which
    no other story can have.
    """
    bases = {story_id: slug_base(title, fallback=f"story-{story_id}") for story_id, title in titles.items()}
    taken = set(Story.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True))
    slugs = {}
    for story_id, base in bases.items():
        slug = base if base not in taken else f"{base}-{story_id}"
        taken.add(slug)
        slugs[story_id] = slug
    return slugs


def _refresh_story_views(engine: Engine, story_ids: Iterable[int]) -> None:
    """Copy the engine's titles, keyphrases and status onto the rows."""
    rows = list(Story.objects.filter(pk__in=list(story_ids)))
    for story in rows:
        view = engine.story(story.pk)
        story.title = (view.title or story.title)[:300]
        story.titles = view.titles
        story.keyphrases = phrases.chips(view.keyphrases)
        story.status = Story.Status.DORMANT if view.status == "dormant" else Story.Status.ACTIVE
        story.updated_at = timezone.now()
    Story.objects.bulk_update(rows, ["title", "titles", "keyphrases", "status", "updated_at"])


# --- Maintenance ------------------------------------------------------------------------


def maintain_partition(*, partition: str, refresh_texts: bool = True) -> dict[str, int] | None:
    """Dormancy, then (unless told not to: the task leaves them to a worker of the default
    queue) summaries and key moments of changed stories.

    Fragments of one story are merged by the consolidation pass (``consolidate_partition``),
    the one merge step the evaluation measures; the older word-centroid merge that ran here
    merged nothing on any evaluation stream and cost minutes per run at 10,000 stories.
    """
    with transaction.atomic():
        if not try_partition_lock(partition):
            return None
        hold_editors_lock()
        engine = engine_for(partition)
        loaded = list(engine.story_ids())
        dormant = {sid for sid in loaded if engine.story(sid).status == "dormant"}
        went_dormant = Story.objects.filter(pk__in=dormant, status=Story.Status.ACTIVE).update(
            status=Story.Status.DORMANT, updated_at=timezone.now()
        )
        Story.objects.filter(pk__in=set(loaded) - dormant, status=Story.Status.DORMANT).update(
            status=Story.Status.ACTIVE, updated_at=timezone.now()
        )
    refreshed = refresh_story_texts() if refresh_texts else 0
    return {"dormant": went_dormant, "refreshed": refreshed}


def maintain_stories(*, refresh_texts: bool = True) -> dict[str, dict[str, int] | None]:
    if not Story.objects.exists():
        return {}
    return {ALL: maintain_partition(partition=ALL, refresh_texts=refresh_texts)}


def consolidate_partition(
    *, partition: str, model: consolidation.Consolidation | None = None
) -> list[Merge] | None:
    """The consolidation pass (``stories.clustering.consolidation``) over the partition's recent
    stories: fragments of one story merged as the engine's merges are, audited and undoable.
    ``model`` is the decision (the shipped one by default).

    None when another worker holds the partition. Editors' changes wait for it (the editors'
    lock), and its merges never cross their decisions: the engine carries their locks,
    exclusions and pins as constraints. A decision that never merges (the shipped one today:
    docs/evaluation.md) is not run at all: the pass would hold the partition, and so every
    clustering batch, for a minute or more at 100,000 stories (docs/benchmarks.md) to merge nothing.
    """
    model = model or consolidation.shipped()
    if model.never_merges:
        return []
    with transaction.atomic():
        if not try_partition_lock(partition):
            return None
        hold_editors_lock()
        engine = engine_for(partition)
        run = functools.partial(consolidation.consolidate, model=model)
        merges = _merge_step(partition, engine, run, step=CONSOLIDATION)
        if merges:
            _refresh_story_views(engine, {merge.target_id for merge in merges})
    if merges:
        refresh_story_texts(story_ids={merge.target_id for merge in merges})
    return merges


def consolidate_stories() -> dict[str, int | None]:
    """The beat's consolidation tick: merges made per partition (None: the partition was busy)."""
    if not Story.objects.exists():
        return {}
    merges = consolidate_partition(partition=ALL)
    return {ALL: None if merges is None else len(merges)}


def _merge_step(
    partition: str, engine: Engine, run: Callable[[Engine], list[Merge]], *, step: str = ""
) -> list[Merge]:
    """Run an engine merge step on `engine` (the partition's, under its lock) and write each
    merge as the engine's (``_persist_engine_merge``, the step named in its audit)."""
    try:
        merges = run(engine)
        for merge in merges:
            _persist_engine_merge(
                source_id=merge.source_id, target_id=merge.target_id, similarity=merge.similarity, step=step
            )
    except Exception:
        # The transaction rolls back; an engine that kept those merges would lie.
        _holders.pop(partition, None)
        raise
    if merges:
        # This engine already reflects its own merges; other workers rebuild on the marker,
        # from the snapshot written here (under the lock, before they can look).
        _holders[partition].marker = engine_marker()
        save_engine(partition)
    return merges


def _persist_engine_merge(*, source_id: int, target_id: int, similarity: float, step: str = "") -> None:
    source = Story.objects.filter(pk=source_id).first()
    target = Story.objects.filter(pk=target_id).first()
    if source is None or target is None:
        return
    moved = list(Membership.objects.filter(story=source).values_list("article_id", flat=True))
    before = {
        "memberships": membership_snapshot(moved),
        "stories": {str(source.pk): {"status": source.status}},
        "redirects": {
            str(pk): into
            for pk, into in Story.objects.filter(merged_into=source).values_list("pk", "merged_into_id")
        },
    }
    Membership.objects.filter(story=source).update(story=target)
    Event.objects.filter(story=source).update(story=target)
    # "Not this story" follows the story into its survivor; an article already excluded from
    # the survivor keeps that one row (the pair is unique).
    Exclusion.objects.filter(story=source, article__exclusions__story=target).delete()
    Exclusion.objects.filter(story=source).update(story=target)
    Story.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.status = Story.Status.DORMANT
    source.save(update_fields=["merged_into", "status", "updated_at"])
    refresh_story_stats(story_ids=[source.pk, target.pk])
    # Logged like an editor's merge (user: none) so editors see it, can undo it, and other
    # workers rebuild their engines.
    AuditEntry.objects.create(
        action=AuditEntry.Action.MERGE,
        story=target,
        before=before,
        after={
            "into": target.pk,
            "stories": [source.pk],
            "articles": len(moved),
            "similarity": similarity,
            "by": "engine",
        }
        | ({"step": step} if step else {}),
    )


def refresh_story_texts(*, story_ids: Iterable[int] | None = None) -> int:
    """Recompute summaries, labels and key moments of stories whose articles changed since last time."""
    stories = Story.objects.filter(merged_into__isnull=True)
    if story_ids is not None:
        stories = stories.filter(pk__in=list(story_ids))
    else:
        # Also stories never labelled or summarised per language (those came after them): they
        # get them on the next pass.
        stories = stories.filter(
            ~Q(summarized_article_count=F("article_count"))
            | Q(labels={}, article_count__gt=0)
            | Q(summaries={}, article_count__gt=0)
        )
    count = 0
    for story in stories.order_by("-last_activity_at")[:500]:
        refresh_story_text(story=story)
        count += 1
    return count


def refresh_story_text(*, story: Story) -> None:
    """Summary sentences and engine key moments for one story (editors' moments are kept)."""
    articles = list(
        Article.objects.filter(membership__story=story)
        .order_by("published_at", "pk")
        .only("pk", "title", "text", "summary", "language", "published_at", "source_id", "embedding")
    )
    sentences = summary_module.summarize(
        [summary_module.SummaryArticle(a.title, a.text or a.summary, a.language or None) for a in articles],
        language=story.language,
    )
    summaries = _summaries(articles)
    fixed = [
        timeline.KeyMoment(date=m.date, text=m.text, article_id=m.article_id, language=m.language or None)
        for m in story.key_moments.filter(decided_by=Decider.EDITOR)
    ]
    count = min(KEY_MOMENTS, max(len(fixed), _days_spanned(articles) // 2 + 1))
    moments = timeline.key_moments(
        [
            timeline.StoryArticle(
                id=a.pk,
                title=a.title,
                text=a.text or a.summary,
                language=a.language or None,
                published_at=a.published_at,
                source=str(a.source_id),
            )
            for a in articles
        ],
        count,
        fixed=fixed,
        language=story.language or None,
        encode=embedding.encode,
        # A key moment that repeats a summary above it (in any reader's language) tells the
        # reader nothing new.
        avoid=[
            *sentences,
            *(
                text[a:b]
                for text in (story.editor_summary, *summaries.values())
                for a, b in timeline.sentence_spans(text)
            ),
        ],
    )
    named = [label_article(a) for a in articles]
    with transaction.atomic():
        KeyMoment.objects.filter(story=story, decided_by=Decider.ENGINE).delete()
        fixed_days = {m.date for m in fixed}
        computed = [m for m in moments if m.date not in fixed_days]
        originals = KeyMoment.objects.bulk_create([_engine_moment(story, m) for m in computed])
        KeyMoment.objects.bulk_create(
            [
                _engine_moment(story, other, alternative_of=row)
                for m, row in zip(computed, originals, strict=True)
                for other in m.alternatives
            ]
        )
        Story.objects.filter(pk=story.pk).update(
            summary=" ".join(sentences),
            summaries=summaries,
            summarized_article_count=len(articles),
            # Recomputed as the story grows; editors' labels live apart (editor_labels).
            labels=labels_module.story_labels(named, keyphrases=story.keyphrases, encode=embedding.encode),
            chips=labels_module.story_chips(named),
            updated_at=timezone.now(),
        )


def _summaries(articles: list[Article]) -> dict[str, str]:
    """A summary per language, each from the story's articles in that language only."""
    by_language: dict[str, list[Article]] = {}
    for article in articles:
        if article.language:
            by_language.setdefault(article.language, []).append(article)
    summaries = {}
    for language, members in sorted(by_language.items()):
        sentences = summary_module.summarize(
            [summary_module.SummaryArticle(a.title, a.text or a.summary, language) for a in members],
            language=language,
        )
        # Kept even when empty: the row then says its languages were summarised (see
        # refresh_story_texts), and readers fall back to the main summary.
        summaries[language] = " ".join(sentences)
    return summaries


def label_article(article: Article, *, group: int | None = None) -> LabelArticle:
    """What naming needs of an article: its headline, lead, source and sentence vector."""
    return LabelArticle(
        article.title,
        article.text or article.summary,
        article.language or None,
        article.published_at,
        source=str(article.source_id),
        vector=article.embedding_vector,
        group=group,
    )


def _engine_moment(
    story: Story, moment: timeline.KeyMoment, *, alternative_of: KeyMoment | None = None
) -> KeyMoment:
    """An unsaved engine key moment of `story`; `alternative_of` makes it another language's telling."""
    return KeyMoment(
        story=story,
        date=moment.date,
        text=moment.text,
        language=moment.language or "",
        article_id=moment.article_id,
        alternative_of=alternative_of,
        decided_by=Decider.ENGINE,
    )


def _days_spanned(articles: list[Article]) -> int:
    days: set[date] = {a.published_at.date() for a in articles}
    return len(days)


# --- Re-clustering ----------------------------------------------------------------------


def recluster(*, since: datetime | None = None) -> ClusterSummary:
    """Rebuild the engine's assignments from scratch, keeping every editor decision.

    Engine-decided memberships (of articles published since `since`, or all) are dropped and
    assigned again; pinned and editor-decided ones stay, and so do those of locked stories
    (locked: the engine changes nothing in them). Exclusions, labels, titles, summaries,
    editors' key moments and dossier filings live on the story rows, which are never deleted.
    A story left without articles keeps its address through its successor
    (`_keep_addresses`, docs/operations.md). One transaction, with the partition's and the
    editors' locks: readers see the old stories until the new ones are whole, dossiers included.
    """
    with transaction.atomic():
        hold_partition_lock(ALL)
        hold_editors_lock()
        engine_made = Membership.objects.filter(decided_by=Decider.ENGINE, is_pinned=False).exclude(
            story__is_locked=True
        )
        if since is not None:
            engine_made = engine_made.filter(article__published_at__gte=since)
        released = dict(engine_made.values_list("article_id", "story_id"))
        emptied_events = set(engine_made.exclude(event=None).values_list("event_id", flat=True))
        edited_events = _edited_event_articles(engine_made)
        newest_before = Story.objects.aggregate(top=Max("pk"))["top"] or 0
        newest_event_before = Event.objects.aggregate(top=Max("pk"))["top"] or 0
        engine_made.delete()
        refresh_story_stats(story_ids=set(released.values()))
        # An editor's event left empty is kept until its articles have new events to join.
        still_held = set(
            Membership.objects.filter(event_id__in=list(edited_events)).values_list("event_id", flat=True)
        )
        edited_events = {pk: articles for pk, articles in edited_events.items() if pk not in still_held}
        Event.objects.filter(pk__in=list(edited_events)).update(article_count=0)
        edited_stories = set(
            Event.objects.filter(pk__in=list(edited_events)).values_list("story_id", flat=True)
        )
        refresh_event_stats(event_ids=emptied_events - set(edited_events))
        # Every process's engine must be rebuilt: the audit entry moves the marker.
        entry = AuditEntry.objects.create(
            action=AuditEntry.Action.RECLUSTER, after={"since": since.isoformat() if since else None}
        )
        reset_engines()
        result = cluster_pending()
        event_holders = _keep_event_edits(edited_events, newest_before=newest_event_before)
        kept = _keep_addresses(released, newest_before=newest_before)
        # The key moments editors marked follow their events to the stories now holding them.
        touched = Q(events__pk__in=event_holders) | Q(pk__in=edited_stories)
        for story in Story.objects.filter(touched).distinct():
            sync_editor_key_moments(story=story)
        entry.after = {**entry.after, **kept}
        entry.save(update_fields=["after"])
        # A snapshot the run's batches wrote predates the stories taking their successors'
        # places, under the same audit marker: none may be restored.
        EngineSnapshot.objects.all().delete()
        refresh_dossier_stats()
    reset_engines()
    refresh_story_texts()
    return result


_EVENT_EDITS = Q(editor_headline__gt="") | Q(editor_occurred_at__isnull=False) | Q(is_key_moment=True)


def _edited_event_articles(memberships) -> dict[int, list[int]]:
    """The events among `memberships` an editor changed, each with its articles among them."""
    edited = set(Event.objects.filter(_EVENT_EDITS, memberships__in=memberships).values_list("pk", flat=True))
    articles: dict[int, list[int]] = {pk: [] for pk in edited}
    for article_id, event_id in memberships.filter(event_id__in=edited).values_list("article_id", "event_id"):
        articles[event_id].append(article_id)
    return articles


def _keep_event_edits(edited: dict[int, list[int]], *, newest_before: int) -> set[int]:
    """Carry the editor's headline, date and key-moment mark of every emptied event to its successor.

    The same rule as stories (`_keep_addresses`): an emptied event's successor is the event now
    holding most of its former articles, ties to the older. When the successor is new, the edited
    event takes its place (its articles and story), so the event keeps its id and its edit can
    still be undone; otherwise it lends the successor the edits the successor lacks and goes.
    Returns the ids of the events holding carried edits.
    """
    if not edited:
        return set()
    now_in = dict(
        Membership.objects.filter(article_id__in=[a for ids in edited.values() for a in ids])
        .exclude(event=None)
        .values_list("article_id", "event_id")
    )
    successor: dict[int, tuple[int, int]] = {}  # edited event -> (new home, articles shared)
    for event_id, article_ids in edited.items():
        homes = Counter(now_in[a] for a in article_ids if a in now_in)
        if homes:
            successor[event_id] = min(homes.items(), key=lambda item: (-item[1], item[0]))
    claims: dict[int, int] = {}  # new event -> the edited event taking its place
    for event_id, (home, shared) in sorted(successor.items()):
        if home > newest_before and (home not in claims or shared > successor[claims[home]][1]):
            claims[home] = event_id
    for new_id, event_id in claims.items():
        new = Event.objects.get(pk=new_id)
        Membership.objects.filter(event_id=new_id).update(event_id=event_id)
        Event.objects.filter(pk=event_id).update(story_id=new.story_id)
        new.delete()
    refresh_event_stats(event_ids=list(claims.values()))
    holders = set(claims.values())
    for event_id, (home, _shared) in successor.items():
        if claims.get(home) == event_id:
            continue
        edited_event = Event.objects.get(pk=event_id)
        target = Event.objects.get(pk=claims.get(home, home))
        target.editor_headline = target.editor_headline or edited_event.editor_headline
        target.editor_occurred_at = target.editor_occurred_at or edited_event.editor_occurred_at
        target.is_key_moment = target.is_key_moment or edited_event.is_key_moment
        target.save(update_fields=["editor_headline", "editor_occurred_at", "is_key_moment"])
        holders.add(target.pk)
    # What kept no article anywhere (or lent its edits) goes, as any emptied event does.
    Event.objects.filter(pk__in=set(edited) - holders).delete()
    return holders


def _keep_addresses(released: dict[int, int], *, newest_before: int) -> dict[str, object]:
    """Give every story the re-clustering left empty a successor, so its address never 404s.

    `released` maps each re-assigned article to the story it was in. An emptied story's
    successor is the story now holding most of its former articles, ties to the older (lower
    id). When that successor is new (made by this re-clustering), the emptied story takes its
    place: the new story's articles and events move into it, so it keeps its slug, labels,
    titles, summary, key moments and dossier (an article the editor excluded from it stays
    behind, in the new story). Of several emptied stories claiming one new story, the one
    sharing most articles wins, ties to the older; the others, like a story whose successor
    already existed, redirect (301) to their successor and lend it what it lacks: an editor's
    label, title or summary per language, and their dossier.
    """
    old_ids = set(released.values())
    emptied = list(
        Story.objects.filter(pk__in=old_ids, article_count=0, merged_into__isnull=True).order_by("pk")
    )
    now_in = dict(
        Membership.objects.filter(article_id__in=list(released)).values_list("article_id", "story_id")
    )
    successor: dict[int, tuple[int, int]] = {}  # emptied story -> (new home, articles shared)
    for story in emptied:
        homes = Counter(now_in[a] for a, old in released.items() if old == story.pk and a in now_in)
        if homes:
            home, shared = min(homes.items(), key=lambda item: (-item[1], item[0]))
            successor[story.pk] = (home, shared)
    claims: dict[int, int] = {}  # new story -> the emptied story taking its place
    for story_id, (home, shared) in sorted(successor.items()):
        if home > newest_before and (home not in claims or shared > successor[claims[home]][1]):
            claims[home] = story_id
    by_id = {story.pk: story for story in emptied}
    for new_id, story_id in claims.items():
        _take_place(by_id[story_id], new_id)
    redirected = []
    for story_id, (home, _shared) in successor.items():
        if claims.get(home) == story_id:
            continue
        target = Story.objects.get(pk=claims.get(home, home))
        _lend(by_id[story_id], target)
        redirected.append(story_id)
    return {"kept": sorted(claims.values()), "redirected": sorted(redirected)}


def _take_place(story: Story, new_id: int) -> None:
    """`story` (emptied) takes the place of the new story `new_id`: its articles and events."""
    excluded = set(Exclusion.objects.filter(story=story).values_list("article_id", flat=True))
    moving = Membership.objects.filter(story_id=new_id).exclude(article_id__in=excluded)
    events = set(moving.exclude(event=None).values_list("event_id", flat=True))
    staying_events = set(
        Membership.objects.filter(story_id=new_id, article_id__in=excluded).values_list("event_id", flat=True)
    )
    moving.update(story=story)
    Event.objects.filter(pk__in=events - staying_events).update(story=story)
    refresh_story_stats(story_ids=[story.pk, new_id])
    new = Story.objects.get(pk=new_id)
    if new.article_count == 0:
        # Only this re-clustering ever saw it: its address was never published.
        new.delete()
    Story.objects.filter(pk=story.pk).update(
        status=Story.Status.ACTIVE, summarized_article_count=0, updated_at=timezone.now()
    )


def _lend(story: Story, target: Story) -> None:
    """`story` redirects to `target`, which takes the editor's decisions it does not have."""
    story.merged_into = target
    story.status = Story.Status.DORMANT
    story.save(update_fields=["merged_into", "status", "updated_at"])
    Story.objects.filter(merged_into=story).update(merged_into=target)
    for name in ("editor_labels", "editor_titles"):
        setattr(target, name, {**getattr(story, name), **getattr(target, name)})
    target.editor_title = target.editor_title or story.editor_title
    target.editor_summary = target.editor_summary or story.editor_summary
    if target.dossier_id is None and story.dossier_id is not None:
        target.dossier_id, target.dossier_decided_by = story.dossier_id, story.dossier_decided_by
    target.save(
        update_fields=[
            "editor_labels",
            "editor_titles",
            "editor_title",
            "editor_summary",
            "dossier",
            "dossier_decided_by",
            "updated_at",
        ]
    )
    days = set(target.key_moments.filter(decided_by=Decider.EDITOR).values_list("date", flat=True))
    moments = KeyMoment.objects.filter(story=story, decided_by=Decider.EDITOR).exclude(date__in=days)
    moments.update(story=target)
