"""The audit trail read back: what an editor (or the engine) did, what an undo would do, and the undo.

Audit entries keep ids and snapshots (what undo and the quality report need); editors read
titles and counts. `describe_entries` turns a page of entries into one sentence each, and
`undo_preview` lists, before an undo, which articles go back to which story. Both read
the titles they need in a few queries for the whole page, never one per entry. `undo` is
the one place that knows how each kind of action is put back; the services that write the
actions (stories.services.editing, stories.services.dossiers) provide the pieces.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from articles.models import Article
from stories.models import AuditEntry, Event, Membership, Story

from .audit import EditorError, User, normalised_before, record
from .chains import undo_credit
from .dossiers import undo_dossier_action
from .editing import sync_editor_key_moments, undo_membership_action
from .locks import hold_editors_lock

# An undo preview names at most this many articles per move; the rest are counted.
PREVIEW_ARTICLES = 8


# First-strong and pop directional isolates: a title keeps its own direction inside a sentence
# in the other language ("Merged “احتجاجات طهران” into …" reads right in both).
FSI, PDI = "\u2068", "\u2069"


def isolated(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def _quoted(text: str) -> str:
    return gettext("“%(text)s”") % {"text": isolated(text)}


@dataclass
class _Names:
    stories: dict[int, Story] = field(default_factory=dict)
    articles: dict[int, str] = field(default_factory=dict)
    events: dict[int, str] = field(default_factory=dict)

    def story(self, pk: int | None) -> str:
        story = self.stories.get(pk) if pk is not None else None
        if story is None:
            return gettext("a deleted story (#%(pk)s)") % {"pk": pk}
        return _quoted(story.display_title)

    def article(self, pk: int | None) -> str:
        title = self.articles.get(pk) if pk is not None else None
        return _quoted(title) if title else gettext("a deleted article")


def _snapshot(entry: AuditEntry) -> list[dict[str, Any]]:
    return normalised_before(entry.before)["memberships"] if isinstance(entry.before, dict) else []


def _ids(entries: Iterable[AuditEntry]) -> tuple[set[int], set[int], set[int]]:
    stories: set[int] = set()
    articles: set[int] = set()
    events: set[int] = set()
    for entry in entries:
        stories.update(pk for pk in [entry.story_id, entry.after.get("into")] if isinstance(pk, int))
        # Story edits list story ids here; dossier edits may record a count instead.
        merged = entry.after.get("stories", [])
        stories.update(int(pk) for pk in (merged if isinstance(merged, list) else []) if str(pk).isdigit())
        before = entry.before.get("stories") or {}
        stories.update(
            int(pk) for pk in (before if isinstance(before, dict | list) else []) if str(pk).isdigit()
        )
        if entry.article_id:
            articles.add(entry.article_id)
        if entry.event_id:
            events.add(entry.event_id)
        for row in _snapshot(entry):
            articles.add(row["article"])
            if row.get("story"):
                stories.add(row["story"])
    return stories, articles, events


def _names(stories: set[int], articles: set[int], events: set[int]) -> _Names:
    # One query per kind of name the page needs, none for a kind it does not.
    return _Names(
        stories=Story.objects.only("pk", "title", "editor_title").in_bulk(stories) if stories else {},
        articles=dict(Article.objects.filter(pk__in=articles).values_list("pk", "title")) if articles else {},
        events={e.pk: e.display_headline for e in Event.objects.filter(pk__in=events)} if events else {},
    )


def _articles_phrase(n: int) -> str:
    return ngettext("%(n)d article", "%(n)d articles", n) % {"n": n}


def _describe(entry: AuditEntry, names: _Names, undone: dict[int, AuditEntry]) -> str:
    action, before, after = entry.action, entry.before or {}, entry.after or {}
    story = names.story(entry.story_id)
    if action == AuditEntry.Action.RENAME:
        new = after.get("editor_title") or gettext("the automatic title")
        old = before.get("editor_title") or gettext("the automatic title")
        return gettext("Title of %(story)s changed from %(old)s to %(new)s.") % {
            "story": story,
            "old": _quoted(old) if before.get("editor_title") else old,
            "new": _quoted(new) if after.get("editor_title") else new,
        }
    simple = {
        AuditEntry.Action.SUMMARY: gettext("Summary of %(story)s edited."),
        AuditEntry.Action.PUBLISH: gettext("%(story)s shown to readers."),
        AuditEntry.Action.HIDE: gettext("%(story)s hidden from readers."),
        AuditEntry.Action.LOCK: gettext("%(story)s locked: no automatic merges."),
        AuditEntry.Action.UNLOCK: gettext("%(story)s unlocked."),
    }
    if action in simple:
        return simple[action] % {"story": story}
    if action == AuditEntry.Action.MERGE:
        others = [int(pk) for pk in after.get("stories", [])]
        merged = ", ".join(names.story(pk) for pk in others)
        n = int(after.get("articles", 0))
        if after.get("by") == "engine":
            return gettext(
                "The engine merged %(others)s into %(story)s (%(articles)s, similarity %(s)s)."
            ) % {
                "others": merged,
                "story": names.story(after.get("into")),
                "articles": _articles_phrase(n),
                "s": f"{float(after.get('similarity', 0)):.2f}",
            }
        return gettext("Merged %(others)s into %(story)s (%(articles)s moved).") % {
            "others": merged,
            "story": names.story(after.get("into")),
            "articles": _articles_phrase(n),
        }
    if action == AuditEntry.Action.SPLIT:
        moved = after.get("articles", [])
        template = (
            gettext("Moved %(articles)s out of %(story)s into a new story, %(into)s.")
            if after.get("created")
            else gettext("Moved %(articles)s out of %(story)s into %(into)s.")
        )
        return template % {
            "articles": _articles_phrase(len(moved)),
            "story": story,
            "into": names.story(after.get("into")),
        }
    if action == AuditEntry.Action.PIN:
        came_from = next((row["story"] for row in _snapshot(entry) if row.get("story")), None)
        if came_from and came_from != entry.story_id:
            return gettext("Moved %(article)s from %(from)s to %(story)s and pinned it there.") % {
                "article": names.article(entry.article_id),
                "from": names.story(came_from),
                "story": story,
            }
        return gettext("Pinned %(article)s to %(story)s.") % {
            "article": names.article(entry.article_id),
            "story": story,
        }
    if action == AuditEntry.Action.EXCLUDE:
        return gettext("Took %(article)s out of %(story)s for good.") % {
            "article": names.article(entry.article_id),
            "story": story,
        }
    if action == AuditEntry.Action.ACCEPT:
        return gettext("Confirmed %(article)s belongs in %(story)s.") % {
            "article": names.article(entry.article_id),
            "story": story,
        }
    if action in {AuditEntry.Action.EDIT_EVENT, AuditEntry.Action.KEY_MOMENT}:
        headline = _quoted(names.events.get(entry.event_id, "")) if entry.event_id else gettext("an event")
        if action == AuditEntry.Action.KEY_MOMENT:
            template = (
                gettext("Marked the event %(event)s of %(story)s a key moment.")
                if after.get("is_key_moment")
                else gettext("The event %(event)s of %(story)s is no longer a key moment.")
            )
        else:
            template = gettext("Edited the event %(event)s of %(story)s.")
        return template % {"event": headline, "story": story}
    if action == AuditEntry.Action.CREDIT:
        if after.get("credit_name"):
            return gettext("%(article)s now credits %(outlet)s (was: %(before)s).") % {
                "article": names.article(entry.article_id),
                "outlet": _quoted(after["credit_name"]),
                "before": _quoted(before["credit_name"]) if before.get("credit_name") else gettext("no one"),
            }
        return gettext("%(article)s now credits no one (was: %(before)s).") % {
            "article": names.article(entry.article_id),
            "before": _quoted(before["credit_name"]) if before.get("credit_name") else gettext("no one"),
        }
    if action == AuditEntry.Action.UNDO:
        target = undone.get(before.get("entry"))
        if target is None:
            return gettext("Undid an earlier action.")
        return gettext("Undid: %(what)s") % {"what": _describe(target, names, {})}
    if action == AuditEntry.Action.RECLUSTER:
        return gettext("Re-clustered all articles, keeping every editor's decision.")
    return entry.get_action_display()


def describe_entries(entries: list[AuditEntry]) -> dict[int, str]:
    """One sentence per entry (by pk), in the active language."""
    undone_ids = {e.before.get("entry") for e in entries if e.action == AuditEntry.Action.UNDO}
    undone_ids = {pk for pk in undone_ids if isinstance(pk, int)}
    undone = AuditEntry.objects.in_bulk(undone_ids) if undone_ids else {}
    names = _names(*_ids([*entries, *undone.values()]))
    return {entry.pk: _describe(entry, names, undone) for entry in entries}


@dataclass(frozen=True)
class Move:
    """A group of articles an undo moves from one story (or none) back to another (or none)."""

    sentence: str
    titles: list[str]
    more: int


def undo_preview(entry: AuditEntry) -> tuple[str, list[Move], list[str]]:
    """What undoing `entry` will do: a summary, the articles that move back, and other effects."""
    before, after = entry.before or {}, entry.after or {}
    snapshot = _snapshot(entry)
    stories, articles, events = _ids([entry])
    current = dict(
        Membership.objects.filter(article_id__in=[row["article"] for row in snapshot]).values_list(
            "article_id", "story_id"
        )
    )
    stories |= set(current.values())
    names = _names(stories, articles, events)
    groups: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    for row in snapshot:
        now, then = current.get(row["article"]), row.get("story")
        if then is not None and then not in names.stories:
            then = None  # undo cannot put an article back into a story that was deleted
        if now != then:
            groups[(now, then)].append(row["article"])
    moves = []
    for (now, then), ids in sorted(groups.items(), key=lambda item: -len(item[1])):
        values = {"articles": _articles_phrase(len(ids)), "from": names.story(now), "to": names.story(then)}
        if now is None:
            sentence = gettext("%(articles)s go back into %(to)s:") % values
        elif then is None:
            sentence = (
                gettext("%(articles)s leave %(from)s and are in no story until the engine places them:")
                % values
            )
        else:
            sentence = gettext("%(articles)s move from %(from)s back to %(to)s:") % values
        titles = [names.article(pk) for pk in ids[:PREVIEW_ARTICLES]]
        moves.append(Move(sentence, titles, max(0, len(ids) - PREVIEW_ARTICLES)))
    effects: list[str] = []
    story = names.story(entry.story_id)
    action = entry.action
    if action == AuditEntry.Action.CREDIT:
        effects.append(
            gettext("The article credits %(outlet)s again.") % {"outlet": _quoted(before["credit_name"])}
            if before.get("credit_name")
            else gettext("The article credits no one again.")
        )
    elif action == AuditEntry.Action.MERGE:
        for pk in after.get("stories", []):
            effects.append(
                gettext("%(story)s becomes a story of its own again, at its own address.")
                % {"story": names.story(int(pk))}
            )
        if after.get("by") == "engine":
            effects.append(gettext("The stories are locked, so the engine does not merge them again."))
    elif action == AuditEntry.Action.SPLIT:
        effects.append(
            gettext("The articles may come back into %(story)s: the split's exclusions are lifted.")
            % {"story": story}
        )
        if after.get("created"):
            effects.append(
                gettext("%(story)s, which the split made, is left without articles and hidden from readers.")
                % {"story": names.story(after.get("into"))}
            )
    elif action == AuditEntry.Action.EXCLUDE and not before.get("exclusion_existed"):
        effects.append(
            gettext("%(article)s may be placed in %(story)s again.")
            % {"article": names.article(entry.article_id), "story": story}
        )
    elif action == AuditEntry.Action.ACCEPT:
        effects.append(
            gettext("%(article)s counts as the engine's decision again.")
            % {"article": names.article(entry.article_id)}
        )
    elif action == AuditEntry.Action.PIN:
        was_pinned = any(row.get("is_pinned") for row in snapshot)
        if not was_pinned:
            effects.append(
                gettext("%(article)s is no longer pinned.") % {"article": names.article(entry.article_id)}
            )
    elif action == AuditEntry.Action.RENAME:
        old = before.get("editor_title")
        effects.append(
            gettext("The title goes back to %(title)s.")
            % {"title": _quoted(old) if old else gettext("the automatic title")}
        )
    elif action in {AuditEntry.Action.PUBLISH, AuditEntry.Action.HIDE}:
        shown = before.get("is_published")
        template = (
            gettext("%(story)s is shown to readers again.")
            if shown
            else gettext("%(story)s is hidden from readers again.")
        )
        effects.append(template % {"story": story})
    elif action in {AuditEntry.Action.LOCK, AuditEntry.Action.UNLOCK}:
        template = (
            gettext("%(story)s is locked again.")
            if before.get("is_locked")
            else gettext("%(story)s is unlocked again.")
        )
        effects.append(template % {"story": story})
    elif action == AuditEntry.Action.SUMMARY:
        effects.append(gettext("The summary goes back to what it was before this edit."))
    elif action in {AuditEntry.Action.EDIT_EVENT, AuditEntry.Action.KEY_MOMENT}:
        effects.append(gettext("The event's headline, date and key-moment mark go back to what they were."))
    summary = describe_entries([entry])[entry.pk]
    return summary, moves, effects


# --- Undo -------------------------------------------------------------------------------

_STORY_FIELD_ACTIONS = {
    AuditEntry.Action.RENAME,
    AuditEntry.Action.SUMMARY,
    AuditEntry.Action.PUBLISH,
    AuditEntry.Action.HIDE,
    AuditEntry.Action.LOCK,
    AuditEntry.Action.UNLOCK,
    AuditEntry.Action.LABEL,
}
_MEMBERSHIP_ACTIONS = {
    AuditEntry.Action.MERGE,
    AuditEntry.Action.SPLIT,
    AuditEntry.Action.PIN,
    AuditEntry.Action.EXCLUDE,
    AuditEntry.Action.ACCEPT,
}
_EVENT_ACTIONS = {AuditEntry.Action.EDIT_EVENT, AuditEntry.Action.KEY_MOMENT}
_DOSSIER_ACTIONS = {
    AuditEntry.Action.DOSSIER_CREATE,
    AuditEntry.Action.DOSSIER_RENAME,
    AuditEntry.Action.DOSSIER_MERGE,
    AuditEntry.Action.DOSSIER_SPLIT,
    AuditEntry.Action.DOSSIER_MOVE,
}
UNDOABLE = (
    _STORY_FIELD_ACTIONS
    | _MEMBERSHIP_ACTIONS
    | _EVENT_ACTIONS
    | _DOSSIER_ACTIONS
    | {AuditEntry.Action.CREDIT}
)


CHANGE_STORY = ("stories.change_story",)
MOVE_ARTICLES = ("stories.change_story", "stories.change_membership")
# An undo is the same kind of change as the action it puts back, so it asks for the
# permissions that action asked for: a desk without dossier rights cannot undo a dossier rename.
_PERMISSIONS_TO_UNDO: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_STORY_FIELD_ACTIONS, CHANGE_STORY),
    AuditEntry.Action.MERGE: MOVE_ARTICLES,
    AuditEntry.Action.SPLIT: MOVE_ARTICLES,
    AuditEntry.Action.PIN: ("stories.change_membership",),
    AuditEntry.Action.ACCEPT: ("stories.change_membership",),
    AuditEntry.Action.CREDIT: ("stories.change_membership",),
    AuditEntry.Action.EXCLUDE: ("stories.add_exclusion",),
    **dict.fromkeys(_EVENT_ACTIONS, ("stories.change_event",)),
    AuditEntry.Action.DOSSIER_CREATE: ("stories.add_dossier",),
    AuditEntry.Action.DOSSIER_RENAME: ("stories.change_dossier",),
    AuditEntry.Action.DOSSIER_MERGE: ("stories.change_dossier",),
    AuditEntry.Action.DOSSIER_SPLIT: ("stories.change_dossier",),
    AuditEntry.Action.DOSSIER_MOVE: ("stories.change_dossier",),
}


def can_undo(entry: AuditEntry) -> bool:
    return entry.undone_at is None and entry.action in UNDOABLE


def permissions_to_undo(entry: AuditEntry) -> tuple[str, ...]:
    """What a user needs to undo `entry`: to read the trail, and what the action itself needed."""
    return ("stories.view_auditentry", *_PERMISSIONS_TO_UNDO.get(entry.action, MOVE_ARTICLES))


@transaction.atomic
def undo(*, entry: AuditEntry, user: User | None) -> AuditEntry:
    """Put things back as `entry.before` recorded them, and log the undo itself.

    Undo restores that earlier state even where later actions touched the same rows: the
    editor undoing a merge wants the stories apart again, whatever happened since.
    """
    hold_editors_lock()
    entry = AuditEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.undone_at is not None:
        raise EditorError(gettext("this action has already been undone"))
    if entry.action not in UNDOABLE:
        raise EditorError(gettext("“%(action)s” cannot be undone") % {"action": entry.get_action_display()})
    story = entry.story
    before = entry.before
    if entry.action in _DOSSIER_ACTIONS:
        undo_dossier_action(entry)
    elif entry.action == AuditEntry.Action.CREDIT:
        undo_credit(entry)
    elif entry.action in _STORY_FIELD_ACTIONS:
        if story is None:
            raise EditorError(gettext("the story no longer exists"))
        for field, value in before.items():
            setattr(story, field, value)
        story.save(update_fields=[*before, "updated_at"])
    elif entry.action in _EVENT_ACTIONS:
        event = entry.event
        if event is None:
            raise EditorError(gettext("the event no longer exists"))
        event.editor_headline = before["editor_headline"]
        event.editor_occurred_at = (
            datetime.fromisoformat(before["editor_occurred_at"]) if before["editor_occurred_at"] else None
        )
        event.is_key_moment = before["is_key_moment"]
        event.save(update_fields=["editor_headline", "editor_occurred_at", "is_key_moment"])
        sync_editor_key_moments(story=event.story)
    else:
        undo_membership_action(entry)
    entry.undone_at = timezone.now()
    entry.save(update_fields=["undone_at"])
    return record(
        user=user,
        action=AuditEntry.Action.UNDO,
        story=story,
        article=entry.article,
        event=entry.event,
        dossier=entry.dossier,
        before={"entry": entry.pk},
        after={"undone": entry.action},
    )
