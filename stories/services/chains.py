"""The chain of an event's reports (stories/timeline/chain.py), kept on the event, and editors'
corrections of what an article credits.

`refresh_event_chains` runs wherever an event's articles change (`refresh_event_stats` calls
it), never on a page request. `set_article_credit` is an editor's correction: audited, undone
through `stories.services.history.undo` like every other decision, and never overwritten by
a later reading of the article (`Article.credit_by_editor`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.attribution import OutletIndex
from articles.models import Article
from articles.services import outlet_index
from stories.models import AuditEntry, Event, Membership, Story
from stories.timeline.chain import Report, build_chain

from .audit import EditorError, User, record
from .locks import hold_editors_lock

CREDIT_FIELDS = ("credit_name", "credit_outlet", "credited_source_id", "credit_phrase", "credit_by_editor")


def refresh_event_chains(*, event_ids: Iterable[int]) -> int:
    """Rebuild the chains of these events from their articles, in one read; returns how many changed."""
    event_ids = list(set(event_ids))
    if not event_ids:
        return 0
    rows = Membership.objects.filter(event_id__in=event_ids).values_list(
        "event_id",
        "article_id",
        "article__source_id",
        "article__source__name",
        "article__source__url",
        "article__published_at",
        "article__language",
        "article__url",
        "article__title",
        "article__credit_name",
        "article__credit_outlet",
        "article__credited_source_id",
        "article__duplicate_of_id",
    )
    reports: dict[int, list[Report]] = defaultdict(list)
    outlets: dict[int, str] = {}
    for event_id, article_id, source_id, name, url, published, language, link, title, *credit in rows:
        if source_id not in outlets:
            outlets[source_id] = OutletIndex.outlet_of(name, url or "")
        reports[event_id].append(
            Report(article_id, source_id, name, outlets[source_id], published, language, link, title, *credit)
        )
    changed = []
    for event in Event.objects.filter(pk__in=event_ids).only("pk", "story_id", "chain"):
        chain = build_chain(reports.get(event.pk, []))
        if chain != event.chain:
            event.chain = chain
            changed.append(event)
    if changed:
        Event.objects.bulk_update(changed, ["chain"])
        # A new version of the story's pages (their cache and validators follow updated_at).
        Story.objects.filter(pk__in={event.story_id for event in changed}).update(updated_at=timezone.now())
    return len(changed)


def credit_snapshot(article: Article) -> dict[str, Any]:
    return {field: getattr(article, field) for field in CREDIT_FIELDS}


@transaction.atomic
def set_article_credit(*, article: Article, name: str, user: User | None) -> AuditEntry:
    """An editor says whom the article credits ("" for no one); the event's chain follows.

    The name is resolved like a credit in a text: an outlet of the table in either script,
    or a source's name; a name that resolves to nothing is refused rather than stored blind.
    """
    hold_editors_lock()
    article = Article.objects.select_for_update().get(pk=article.pk)
    name = " ".join(name.split())[:200]
    before = credit_snapshot(article)
    if name:
        resolved = outlet_index().resolve(name)
        if resolved is None:
            raise EditorError(gettext("“%(name)s” is neither a known outlet nor a source") % {"name": name})
        outlet, source_id = resolved
        if source_id is not None and source_id == article.source_id:
            raise EditorError(gettext("an article cannot credit its own source"))
    else:
        outlet, source_id = "", None
    article.credit_name = name
    article.credit_outlet = outlet
    article.credited_source_id = source_id
    article.credit_phrase = ""
    article.credit_by_editor = True
    article.save(update_fields=[*CREDIT_FIELDS, "updated_at"])
    membership = Membership.objects.filter(article=article).select_related("story", "event").first()
    if membership is not None and membership.event_id:
        refresh_event_chains(event_ids=[membership.event_id])
    return record(
        user=user,
        action=AuditEntry.Action.CREDIT,
        story=membership.story if membership else None,
        article=article,
        event=membership.event if membership else None,
        before=before,
        after=credit_snapshot(article),
    )


def undo_credit(entry: AuditEntry) -> None:
    """Put an article's credit back as the entry recorded it before the correction."""
    article = entry.article
    if article is None:
        raise EditorError(gettext("the article no longer exists"))
    for field in CREDIT_FIELDS:
        setattr(article, field, entry.before[field])
    article.save(update_fields=[*CREDIT_FIELDS, "updated_at"])
    event_id = Membership.objects.filter(article=article).values_list("event_id", flat=True).first()
    if event_id:
        refresh_event_chains(event_ids=[event_id])
