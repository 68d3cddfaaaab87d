"""The audit trail's writing side: every editor (and engine) decision becomes one AuditEntry.

Both editing services (stories, dossiers) record through `record` and refuse through
`EditorError`; `normalised_before` reads any entry's `before` in one snapshot format, for the
undo (stories.services.history) and for the words that describe an entry.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from articles.models import Article
from stories.models import AuditEntry, Decider, Dossier, Event, Story

User = AbstractBaseUser


class EditorError(ValueError):
    """An editor action that cannot be done as asked (shown to the editor as is)."""


def user_or_none(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def record(
    *,
    user: User | None,
    action: str,
    story: Story | None = None,
    article: Article | None = None,
    event: Event | None = None,
    dossier: Dossier | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user_or_none(user),
        action=action,
        story=story,
        article=article,
        event=event,
        dossier=dossier,
        before=before or {},
        after=after or {},
    )


def normalised_before(before: dict[str, Any]) -> dict[str, Any]:
    """`before` in the snapshot format, also for entries written as {story id: [article ids]}.

    The clustering service records its own merges that way; they are undoable too, back to
    the stories the articles were in (their events are rebuilt by the engine).
    """
    memberships = before.get("memberships", [])
    if isinstance(memberships, dict):
        memberships = [
            {"article": a, "story": int(story_id), "event": None, "decided_by": Decider.ENGINE}
            | {"is_pinned": False, "score": 0.0}
            for story_id, article_ids in memberships.items()
            for a in article_ids
        ]
    stories = before.get("stories", {})
    if isinstance(stories, list):
        stories = {str(pk): {"status": Story.Status.ACTIVE} for pk in stories}
    return {**before, "memberships": memberships, "stories": stories}
