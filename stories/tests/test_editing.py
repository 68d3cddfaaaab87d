from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from articles.tests.factories import ArticleFactory
from stories.models import AuditEntry, Decider, Event, Exclusion, KeyMoment, Membership, Story
from stories.services import clustering, editing, history
from stories.services.audit import EditorError
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # Editors' errors are translated; a page test in Arabic leaves Arabic active in this thread.
    with translation.override("en"):
        yield


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="a long passphrase 42")


def story_with(n_events: int, per_event: int, **story_kwargs) -> Story:
    story = StoryFactory(**story_kwargs)
    for _ in range(n_events):
        event = EventFactory(story=story)
        for _ in range(per_event):
            MembershipFactory(event=event)
    editing.refresh_story_stats(story_ids=[story.pk])
    story.refresh_from_db()
    return story


def article_ids(story: Story) -> set[int]:
    return set(Membership.objects.filter(story=story).values_list("article_id", flat=True))


def test_it_renames_a_story_and_records_who_and_what(editor):
    story = StoryFactory(title="Engine title", titles={"en": "Engine title"})
    editing.rename_story(story=story, user=editor, title="Floods in Derna", titles={"ar": "فيضانات درنة"})
    story.refresh_from_db()
    assert story.display_title == "Floods in Derna"
    assert story.editor_titles == {"ar": "فيضانات درنة"}
    assert story.titles == {"en": "Engine title"}  # the engine's own stay, untouched
    assert story.title_in("ar") == "فيضانات درنة"
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.story) == (editor, "rename", story)
    assert entry.before == {"editor_title": "", "editor_titles": {}}
    assert entry.after["editor_title"] == "Floods in Derna"


def test_renaming_one_language_keeps_the_editors_main_title(editor):
    story = StoryFactory(editor_title="Kept")
    editing.rename_story(story=story, user=editor, titles={"ar": "عنوان"})
    story.refresh_from_db()
    assert story.editor_title == "Kept"
    editing.rename_story(story=story, user=editor, titles={"ar": " "})
    story.refresh_from_db()
    assert "ar" not in story.editor_titles


def test_undo_of_a_rename_restores_the_titles(editor):
    story = StoryFactory(editor_titles={"en": "Old"})
    editing.rename_story(story=story, user=editor, title="New", titles={"en": "Newer"})
    history.undo(entry=AuditEntry.objects.get(), user=editor)
    story.refresh_from_db()
    assert (story.editor_title, story.editor_titles) == ("", {"en": "Old"})
    assert AuditEntry.objects.filter(action="undo").count() == 1


def test_publish_hide_lock_and_summary_are_audited_and_undoable(editor):
    story = StoryFactory()
    editing.set_published(story=story, user=editor, published=False)
    editing.set_locked(story=story, user=editor, locked=True)
    editing.edit_summary(story=story, user=editor, summary="  What we know.  ")
    story.refresh_from_db()
    assert (story.is_published, story.is_locked, story.editor_summary) == (False, True, "What we know.")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "lock",
        "summary",
    ]
    for entry in AuditEntry.objects.order_by("-pk"):
        history.undo(entry=entry, user=editor)
    story.refresh_from_db()
    assert (story.is_published, story.is_locked, story.editor_summary) == (True, False, "")


def test_an_entry_is_undone_only_once(editor):
    story = StoryFactory()
    editing.set_locked(story=story, user=editor, locked=True)
    entry = AuditEntry.objects.get()
    history.undo(entry=entry, user=editor)
    with pytest.raises(EditorError, match="already been undone"):
        history.undo(entry=entry, user=editor)
    undo_entry = AuditEntry.objects.get(action="undo")
    with pytest.raises(EditorError, match="cannot be undone"):
        history.undo(entry=undo_entry, user=editor)


def test_merge_moves_articles_events_and_redirects_the_merged_story(editor):
    a = story_with(2, 2)
    b = story_with(1, 3)
    c = story_with(1, 1)
    b_articles, c_articles = article_ids(b), article_ids(c)
    editing.merge_stories(target=a, others=[b, c], user=editor)
    a.refresh_from_db()
    b.refresh_from_db()
    assert article_ids(a) >= b_articles | c_articles
    assert a.article_count == 8
    assert a.events.count() == 4
    assert b.merged_into == a and b.status == Story.Status.DORMANT
    assert not Membership.objects.filter(story__in=[b, c]).exists()
    assert set(Membership.objects.filter(article_id__in=b_articles).values_list("decided_by", flat=True)) == {
        "editor"
    }
    entry = AuditEntry.objects.get(action="merge")
    assert entry.after["stories"] == sorted([b.pk, c.pk])
    assert {m["article"] for m in entry.before["target_memberships"]} == article_ids(
        a
    ) - b_articles - c_articles


def test_merging_into_a_story_that_others_were_merged_into_points_old_redirects_at_the_survivor(editor):
    a, b, c = StoryFactory(), StoryFactory(), StoryFactory()
    editing.merge_stories(target=b, others=[c], user=editor)
    editing.merge_stories(target=a, others=[b], user=editor)
    c.refresh_from_db()
    assert c.merged_into == a
    history.undo(entry=AuditEntry.objects.filter(action="merge").latest("pk"), user=editor)
    c.refresh_from_db()
    b.refresh_from_db()
    assert (b.merged_into, c.merged_into) == (None, b)


def test_merge_refuses_a_single_story_and_a_merged_away_one(editor):
    a, b = StoryFactory(), StoryFactory()
    with pytest.raises(EditorError):
        editing.merge_stories(target=a, others=[a], user=editor)
    editing.merge_stories(target=a, others=[b], user=editor)
    with pytest.raises(EditorError, match="merged"):
        editing.merge_stories(target=b, others=[StoryFactory()], user=editor)
    with pytest.raises(EditorError, match="merged"):
        editing.merge_stories(target=StoryFactory(), others=[b], user=editor)


def test_merge_carries_exclusions_over_unless_the_survivor_holds_the_article(editor):
    a = story_with(1, 1)
    b = StoryFactory()
    held = next(iter(article_ids(a)))
    other = ArticleFactory()
    Exclusion.objects.create(article_id=held, story=b)
    Exclusion.objects.create(article=other, story=b)
    editing.merge_stories(target=a, others=[b], user=editor)
    assert set(Exclusion.objects.values_list("article_id", "story_id")) == {(held, b.pk), (other.pk, a.pk)}
    history.undo(entry=AuditEntry.objects.get(action="merge"), user=editor)
    assert set(Exclusion.objects.values_list("article_id", "story_id")) == {(held, b.pk), (other.pk, b.pk)}


def test_undo_of_a_merge_puts_every_article_and_event_back(editor):
    a = story_with(1, 2)
    b = story_with(2, 2)
    memberships_before = set(
        Membership.objects.values_list("article_id", "story_id", "event_id", "decided_by")
    )
    editing.merge_stories(target=a, others=[b], user=editor)
    history.undo(entry=AuditEntry.objects.get(action="merge"), user=editor)
    b.refresh_from_db()
    assert b.merged_into is None and b.status == Story.Status.ACTIVE and b.article_count == 4
    assert set(Membership.objects.values_list("article_id", "story_id", "event_id", "decided_by")) == (
        memberships_before
    )
    assert Event.objects.filter(story=b).count() == 2


def test_split_to_a_new_story_pins_and_excludes_the_moved_articles(editor):
    story = story_with(2, 2)
    event = story.events.order_by("pk").first()
    moved = set(event.memberships.values_list("article_id", flat=True))
    new = editing.split_story(story=story, user=editor, event_ids=[event.pk], title="Aftermath")
    assert new.pk != story.pk and new.editor_title == "Aftermath"
    assert article_ids(new) == moved
    assert article_ids(story).isdisjoint(moved)
    assert all(Membership.objects.filter(article_id__in=moved).values_list("is_pinned", flat=True))
    assert set(Exclusion.objects.filter(story=story).values_list("article_id", flat=True)) == moved
    # The whole event moved with its articles.
    event.refresh_from_db()
    assert event.story == new
    story.refresh_from_db()
    assert story.article_count == 2


def test_split_without_a_title_leaves_the_engine_free_to_retitle(editor):
    story = story_with(1, 2)
    one = min(article_ids(story))
    new = editing.split_story(story=story, user=editor, article_ids=[one])
    assert new.editor_title == ""
    assert new.title == ArticleFactory._meta.model.objects.get(pk=one).title


def test_split_of_part_of_an_event_makes_a_new_event_in_the_target(editor):
    story = story_with(1, 3)
    target = StoryFactory()
    event = story.events.get()
    one = min(article_ids(story))
    editing.split_story(story=story, user=editor, article_ids=[one], target=target)
    event.refresh_from_db()
    assert event.story == story and event.article_count == 2
    new_event = Membership.objects.get(article_id=one).event
    assert new_event.story == target and new_event.article_count == 1


def test_undo_of_a_split_restores_memberships_and_hides_the_emptied_new_story(editor):
    story = story_with(1, 3)
    memberships_before = set(
        Membership.objects.values_list("article_id", "story_id", "event_id", "is_pinned")
    )
    one = min(article_ids(story))
    new = editing.split_story(story=story, user=editor, article_ids=[one])
    history.undo(entry=AuditEntry.objects.get(action="split"), user=editor)
    assert set(Membership.objects.values_list("article_id", "story_id", "event_id", "is_pinned")) == (
        memberships_before
    )
    assert not Exclusion.objects.exists()
    new.refresh_from_db()
    assert (new.is_published, new.article_count) == (False, 0)


def test_split_refuses_articles_that_are_not_in_the_story(editor):
    story = story_with(1, 1)
    stranger = MembershipFactory()
    with pytest.raises(EditorError):
        editing.split_story(story=story, user=editor, article_ids=[stranger.article_id])
    with pytest.raises(EditorError):
        editing.split_story(story=story, user=editor, article_ids=list(article_ids(story)), target=story)


def test_pin_moves_an_article_and_undo_puts_it_back_as_the_engine_had_it(editor):
    source = story_with(1, 2)
    target = StoryFactory()
    membership = Membership.objects.filter(story=source).first()
    editing.pin_article(article=membership.article, story=target, user=editor)
    pinned = Membership.objects.get(article=membership.article)
    assert (pinned.story, pinned.is_pinned, pinned.decided_by) == (target, True, "editor")
    history.undo(entry=AuditEntry.objects.get(action="pin"), user=editor)
    restored = Membership.objects.get(article=membership.article)
    assert (restored.story, restored.event, restored.is_pinned, restored.decided_by) == (
        source,
        membership.event,
        False,
        "engine",
    )
    target.refresh_from_db()
    assert target.article_count == 0


def test_pin_of_an_unassigned_article_creates_its_membership(editor):
    story = StoryFactory()
    article = ArticleFactory()
    editing.pin_article(article=article, story=story, user=editor)
    story.refresh_from_db()
    assert story.article_count == 1
    history.undo(entry=AuditEntry.objects.get(action="pin"), user=editor)
    assert not Membership.objects.filter(article=article).exists()


def test_exclude_removes_the_membership_and_keeps_a_not_this_story_row(editor):
    story = story_with(1, 2)
    membership = Membership.objects.filter(story=story).first()
    editing.exclude_article(article=membership.article, story=story, user=editor)
    assert not Membership.objects.filter(article=membership.article).exists()
    assert Exclusion.objects.filter(article=membership.article, story=story, created_by=editor).exists()
    story.refresh_from_db()
    assert story.article_count == 1
    assert AuditEntry.objects.get(action="exclude").article == membership.article


def test_undo_of_an_exclusion_brings_the_article_back_even_after_the_engine_moved_it(editor):
    story = story_with(1, 2)
    elsewhere = StoryFactory()
    membership = Membership.objects.filter(story=story).first()
    editing.exclude_article(article=membership.article, story=story, user=editor)
    # The engine re-assigned it meanwhile.
    Membership.objects.create(article=membership.article, story=elsewhere, score=0.4)
    history.undo(entry=AuditEntry.objects.get(action="exclude"), user=editor)
    restored = Membership.objects.get(article=membership.article)
    assert (restored.story, restored.event) == (story, membership.event)
    assert not Exclusion.objects.exists()


def test_accept_turns_an_engine_decision_into_an_editor_one(editor):
    membership = MembershipFactory(score=0.31)
    editing.accept_assignment(article=membership.article, user=editor)
    membership.refresh_from_db()
    assert membership.decided_by == Decider.EDITOR
    history.undo(entry=AuditEntry.objects.get(action="accept"), user=editor)
    membership.refresh_from_db()
    assert membership.decided_by == Decider.ENGINE
    with pytest.raises(EditorError):
        editing.accept_assignment(article=ArticleFactory(), user=editor)


def test_a_key_moment_event_becomes_an_editor_key_moment_and_overrides_the_engines(editor):
    event = EventFactory(occurred_at=datetime(2026, 11, 20, 8, tzinfo=UTC))
    KeyMoment.objects.create(story=event.story, date=datetime(2026, 11, 20).date(), text="engine's")
    editing.edit_event(event=event, user=editor, is_key_moment=True, headline="Dam bursts")
    moments = list(KeyMoment.objects.filter(story=event.story).values_list("date", "text", "decided_by"))
    assert moments == [(datetime(2026, 11, 20).date(), "Dam bursts", "editor")]
    assert AuditEntry.objects.get().action == "key_moment"


def test_editing_an_events_date_and_undoing_it(editor):
    event = EventFactory(is_key_moment=True)
    when = datetime(2026, 11, 1, 12, tzinfo=UTC)
    editing.edit_event(event=event, user=editor, occurred_at=when)
    event.refresh_from_db()
    assert event.display_date == when
    assert KeyMoment.objects.get(story=event.story).date == when.date()
    entry = AuditEntry.objects.get()
    assert entry.action == "edit_event"
    history.undo(entry=entry, user=editor)
    event.refresh_from_db()
    assert event.editor_occurred_at is None
    assert KeyMoment.objects.get(story=event.story).date == event.occurred_at.date()


def test_every_action_on_what_engines_hold_moves_the_engine_marker_and_a_rename_does_not(editor):
    story = story_with(1, 2)
    marks = [clustering.engine_marker()]
    editing.set_locked(story=story, user=editor, locked=True)
    marks.append(clustering.engine_marker())
    editing.exclude_article(
        article=Membership.objects.filter(story=story).first().article, story=story, user=editor
    )
    marks.append(clustering.engine_marker())
    history.undo(entry=AuditEntry.objects.get(action="lock"), user=editor)
    marks.append(clustering.engine_marker())
    assert marks == sorted(set(marks))

    editing.rename_story(story=story, user=editor, title="Another title")
    editing.edit_summary(story=story, user=editor, summary="What happened.")
    assert clustering.engine_marker() == marks[-1]


def test_audit_rows_are_plain_data_oldest_first(editor):
    story = StoryFactory()
    editing.set_locked(story=story, user=editor, locked=True)
    editing.set_locked(story=story, user=editor, locked=False)
    rows = editing.audit_rows()
    assert [row["action"] for row in rows] == ["lock", "unlock"]
    assert rows[0]["story_id"] == story.pk and rows[0]["before"] == {"is_locked": False}


def test_an_engine_merge_recorded_as_story_lists_can_be_undone(editor):
    # The clustering service records its merges as {story id: [article ids]}.
    source, target = story_with(1, 2), story_with(1, 1)
    moved = sorted(article_ids(source))
    editing.merge_stories(target=target, others=[source], user=None)
    entry = AuditEntry.objects.get(action="merge")
    entry.before = {"memberships": {str(source.pk): moved}, "stories": [source.pk]}
    entry.after = {"into": target.pk, "by": "engine"}
    entry.save()
    history.undo(entry=entry, user=editor)
    source.refresh_from_db()
    assert source.merged_into is None
    assert article_ids(source) == set(moved)
    assert source.article_count == 2
