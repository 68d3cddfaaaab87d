from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import ArticleFactory
from stories.desk import admin as desk_admin
from stories.desk import views as desk_views
from stories.models import AuditEntry, Event, Exclusion, Membership, Story
from stories.services import dossiers as dossier_service
from stories.services import editing
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
EDITORS_MIGRATION = importlib.import_module("stories.migrations.0003_editors_group")
DOSSIERS_MIGRATION = importlib.import_module("stories.migrations.0010_editors_dossier_permissions")


def make_editor(username: str = "editor"):
    # A transactional test elsewhere may have flushed the migration's rows; recreate them.
    if not Group.objects.filter(name="Editors").exists():
        EDITORS_MIGRATION.create_editors_group(django_apps, None)
        DOSSIERS_MIGRATION.grant(django_apps, None)
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(make_editor())
    # Messages are asserted in English; the site's default language is Arabic.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def staff_with(*codenames: str):
    """A staff account holding exactly these stories permissions (no group)."""
    return staff_with_name("limited", *codenames)


def staff_with_name(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="stories", codename__in=codenames)
    )
    return user


def story_with_articles(n: int, **kwargs) -> Story:
    story = StoryFactory(**kwargs)
    event = EventFactory(story=story)
    for i in range(n):
        # Three events, so the desk shows several groups.
        if i and i % max(1, n // 3) == 0:
            event = EventFactory(story=story)
        MembershipFactory(event=event)
    editing.refresh_story_stats(story_ids=[story.pk])
    story.refresh_from_db()
    return story


def desk(story: Story) -> str:
    return reverse("admin:stories_story_change", args=[story.pk])


def do(story: Story, action: str) -> str:
    return reverse("admin:stories_story_do", args=[story.pk, action])


# --- Roles, login, permissions ----------------------------------------------------------


def test_the_editors_group_has_exactly_the_editing_permissions():
    if not Group.objects.filter(name="Editors").exists():  # flushed by a transactional test
        EDITORS_MIGRATION.create_editors_group(django_apps, None)
        DOSSIERS_MIGRATION.grant(django_apps, None)
    group = Group.objects.get(name="Editors")
    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("articles", "add_source"),
        ("articles", "change_source"),
        ("articles", "view_article"),
        ("articles", "view_source"),
        ("stories", "add_dossier"),
        ("stories", "add_exclusion"),
        ("stories", "change_dossier"),
        ("stories", "change_event"),
        ("stories", "change_membership"),
        ("stories", "change_story"),
        ("stories", "view_auditentry"),
        ("stories", "view_dossier"),
        ("stories", "view_event"),
        ("stories", "view_exclusion"),
        ("stories", "view_keymoment"),
        ("stories", "view_membership"),
        ("stories", "view_story"),
    ]


def test_the_sixth_login_attempt_is_refused_even_with_the_right_password(client):
    make_editor()
    login = reverse("admin:login")
    statuses = [client.post(login, {"username": "editor", "password": "wrong"}).status_code for _ in range(5)]
    # The form again with an error four times; the fifth failure locks the account out.
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(login, {"username": "editor", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock_an_editor_out(client):
    make_editor()
    login = reverse("admin:login")
    for _ in range(4):
        client.post(login, {"username": "editor", "password": "wrong"})
    response = client.post(login, {"username": "editor", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize(
    "url_name, args",
    [
        ("admin:stories_story_changelist", []),
        ("admin:stories_review_queue", []),
        ("admin:stories_quality_report", []),
        ("admin:stories_auditentry_changelist", []),
    ],
)
def test_a_reader_without_an_account_gets_the_login_page(client, url_name, args):
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_reader_cannot_post_a_desk_action(client):
    story = StoryFactory()
    response = client.post(do(story, "hide"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    story.refresh_from_db()
    assert story.is_published


def test_an_editor_without_the_permission_gets_403(client):
    story = story_with_articles(2)
    article_id = Membership.objects.filter(story=story).first().article_id
    client.force_login(staff_with("view_story"))
    assert client.get(desk(story)).status_code == 200
    assert client.post(do(story, "hide")).status_code == 403
    assert client.post(do(story, "exclude"), {"article": article_id}).status_code == 403
    assert client.get(reverse("admin:stories_review_queue")).status_code == 403
    assert client.get(reverse("admin:stories_quality_report")).status_code == 403
    story.refresh_from_db()
    assert story.is_published and not Exclusion.objects.exists()


def test_changing_story_fields_does_not_allow_moving_articles(client):
    story, other = story_with_articles(2), StoryFactory()
    client.force_login(staff_with("view_story", "change_story"))
    assert client.post(do(story, "lock")).status_code == 302
    assert client.post(do(story, "merge"), {"others": str(other.pk)}).status_code == 403
    other.refresh_from_db()
    assert other.merged_into is None


def test_a_superuser_can_do_everything(client):
    admin_user = get_user_model().objects.create_superuser("boss", password=PASSWORD)
    client.force_login(admin_user)
    story = story_with_articles(2)
    assert client.post(do(story, "hide")).status_code == 302
    assert client.get(reverse("admin:stories_review_queue")).status_code == 200
    story.refresh_from_db()
    assert not story.is_published


def test_editors_cannot_add_or_delete_stories_or_edit_the_audit_trail(editor_client):
    story = StoryFactory()
    editing.set_locked(story=story, user=None, locked=True)
    entry = AuditEntry.objects.get()
    assert editor_client.get(reverse("admin:stories_story_add")).status_code == 403
    assert editor_client.get(reverse("admin:stories_story_delete", args=[story.pk])).status_code == 403
    assert editor_client.get(reverse("admin:stories_auditentry_delete", args=[entry.pk])).status_code == 403
    page = editor_client.get(reverse("admin:stories_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


# --- Story list and desk ----------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_story_list_runs_the_same_queries_for_3_and_30_rows(
    editor_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        story = story_with_articles(1)
    Membership.objects.filter(story=story).update(score=0.01)
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("admin:stories_story_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_the_story_list_filters_stories_that_need_review(editor_client):
    doubtful, sure = story_with_articles(2), story_with_articles(2)
    Membership.objects.filter(story=doubtful).update(score=desk_views.assign_threshold() + 0.01)
    Membership.objects.filter(story=sure).update(score=0.9)
    response = editor_client.get(reverse("admin:stories_story_changelist"), {"review": "yes"})
    assert [s.pk for s in response.context["cl"].result_list] == [doubtful.pk]
    assert response.context["cl"].result_list[0].review_count == 2


def test_the_story_list_filters_by_activity(editor_client):
    now = timezone.now()
    fresh = StoryFactory(last_activity_at=now - timedelta(hours=2))
    StoryFactory(last_activity_at=now - timedelta(days=40))
    response = editor_client.get(reverse("admin:stories_story_changelist"), {"activity": "day"})
    assert [s.pk for s in response.context["cl"].result_list] == [fresh.pk]


@pytest.mark.parametrize("articles", [3, 30])
def test_the_desk_shows_the_timeline_with_constant_queries(
    editor_client, django_assert_max_num_queries, articles
):
    story = story_with_articles(articles)
    # 12: the dossiers the story can be filed in are one query of their own.
    with django_assert_max_num_queries(12):
        response = editor_client.get(desk(story))
    assert response.status_code == 200
    html = response.content.decode()
    for membership in Membership.objects.filter(story=story).select_related("article"):
        assert f'id="article-{membership.article_id}"' in html
    for event in story.events.all():
        assert f'id="event-{event.pk}"' in html


def test_a_large_storys_desk_is_read_in_pages_of_articles(
    editor_client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(desk_admin, "DESK_ARTICLES", 5)
    story = StoryFactory()
    earlier = EventFactory(story=story, occurred_at=timezone.now() - timedelta(days=1))
    later = EventFactory(story=story, occurred_at=timezone.now())
    for n in range(9):
        MembershipFactory(event=earlier, article=ArticleFactory(title=f"Early report {n}"))
    for n in range(3):
        MembershipFactory(event=later, article=ArticleFactory(title=f"Later report {n}"))
    editing.refresh_story_stats(story_ids=[story.pk])
    all_articles = sorted(Membership.objects.filter(story=story).values_list("article_id", flat=True))
    pages = {}
    for page in (1, 2, 3):
        with django_assert_max_num_queries(12):
            response = editor_client.get(desk(story), {"page": page})
        html = response.content.decode()
        pages[page] = html
        assert f"Articles {(page - 1) * 5 + 1}\N{EN DASH}{min(page * 5, 12)} of 12" in html
    shown = {page: [a for a in all_articles if f'id="article-{a}"' in html] for page, html in pages.items()}
    assert [len(shown[page]) for page in (1, 2, 3)] == [5, 5, 2]
    assert sorted(shown[1] + shown[2] + shown[3]) == all_articles
    # The earlier event's last four articles open page 2 under its headline; the later event follows.
    assert f'id="event-{earlier.pk}"' in pages[2] and f'id="event-{later.pk}"' in pages[2]
    assert f'id="event-{later.pk}"' not in pages[1]
    assert 'rel="prev"' in pages[2] and 'rel="next"' in pages[2]
    assert editor_client.get(desk(story), {"page": "x"}).status_code == 400


def test_desk_actions_rename_summarise_hide_and_lock_through_the_service(editor_client):
    story = story_with_articles(1)
    editor_client.post(do(story, "rename"), {"editor_title": "Floods", "title_ar": "فيضانات", "title_en": ""})
    editor_client.post(do(story, "summary"), {"summary": "What we know."})
    editor_client.post(do(story, "hide"))
    editor_client.post(do(story, "lock"))
    story.refresh_from_db()
    assert (story.editor_title, story.editor_titles, story.editor_summary) == (
        "Floods",
        {"ar": "فيضانات"},
        "What we know.",
    )
    assert (story.is_published, story.is_locked) == (False, True)
    entries = AuditEntry.objects.order_by("pk")
    assert [e.action for e in entries] == ["rename", "summary", "hide", "lock"]
    assert {e.user.username for e in entries} == {"editor"}


def test_desk_split_moves_chosen_articles_to_a_new_story(editor_client):
    story = story_with_articles(4)
    chosen = sorted(Membership.objects.filter(story=story).values_list("article_id", flat=True))[:2]
    response = editor_client.post(
        do(story, "split"), {"split_article": chosen, "new_title": "Second story", "confirmed": "1"}
    )
    assert response.status_code == 302
    new = Story.objects.get(editor_title="Second story")
    assert set(Membership.objects.filter(story=new).values_list("article_id", flat=True)) == set(chosen)


def test_desk_split_into_another_story_by_slug(editor_client):
    story, target = story_with_articles(3), StoryFactory(slug="target-story")
    event = story.events.order_by("pk").first()
    editor_client.post(
        do(story, "split"), {"split_event": [event.pk], "target": "target-story", "confirmed": "1"}
    )
    event.refresh_from_db()
    assert event.story == target


def test_desk_pin_accept_and_exclude(editor_client):
    story = story_with_articles(3)
    first, second, third = Membership.objects.filter(story=story).order_by("pk")
    editor_client.post(do(story, "pin"), {"article": first.article_id})
    editor_client.post(do(story, "accept"), {"article": second.article_id})
    editor_client.post(do(story, "exclude"), {"article": third.article_id})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_pinned and second.decided_by == "editor"
    assert not Membership.objects.filter(pk=third.pk).exists()
    assert Exclusion.objects.filter(article_id=third.article_id, story=story).exists()


def test_desk_edits_an_event_headline_date_and_key_moment(editor_client):
    story = story_with_articles(1)
    event = story.events.get()
    editor_client.post(
        do(story, "edit_event"),
        {
            "event": event.pk,
            f"headline-{event.pk}": "Dam bursts",
            f"date-{event.pk}": "2026-11-01T06:30",
            f"key-{event.pk}": "on",
        },
    )
    event.refresh_from_db()
    assert (event.editor_headline, event.is_key_moment) == ("Dam bursts", True)
    assert timezone.localtime(event.editor_occurred_at).strftime("%Y-%m-%d %H:%M") == "2026-11-01 06:30"
    assert story.key_moments.get().text == "Dam bursts"


def test_saving_an_untouched_event_changes_nothing(editor_client):
    story = story_with_articles(1)
    event = story.events.get()
    page = editor_client.get(desk(story)).content.decode()
    date_value = page.split(f'name="date-{event.pk}" value="')[1].split('"')[0]
    editor_client.post(
        do(story, "edit_event"),
        {"event": event.pk, f"headline-{event.pk}": event.headline, f"date-{event.pk}": date_value},
    )
    event.refresh_from_db()
    assert (event.editor_headline, event.editor_occurred_at, event.is_key_moment) == ("", None, False)


def test_an_impossible_action_is_reported_not_raised(editor_client):
    story = story_with_articles(1)
    response = editor_client.post(do(story, "merge"), {"others": "no-such-story"}, follow=True)
    assert response.status_code == 200
    assert "no story" in next(str(m) for m in response.context["messages"])


def test_a_desk_action_never_redirects_off_site(editor_client):
    story = story_with_articles(1)
    response = editor_client.post(do(story, "lock"), {"next": "https://evil.example/"})
    assert response["Location"] == desk(story)


def test_merging_from_the_list_keeps_the_chosen_story(editor_client):
    a, b, c = story_with_articles(3), story_with_articles(1), story_with_articles(1)
    changelist = reverse("admin:stories_story_changelist")
    selection = {"action": "merge_selected", "_selected_action": [a.pk, b.pk, c.pk]}
    confirm = editor_client.post(changelist, selection)
    assert confirm.status_code == 200 and b"confirm-merge" in confirm.content
    editor_client.post(changelist, {**selection, "apply": "1", "target": str(b.pk)})
    a.refresh_from_db()
    c.refresh_from_db()
    assert a.merged_into == b and c.merged_into == b
    assert Story.objects.get(pk=b.pk).article_count == 5
    # The reader's page of a merged story redirects permanently to the survivor.
    response = editor_client.get(a.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == b.get_absolute_url()


def test_bulk_hide_from_the_list_is_audited_per_story(editor_client):
    stories = [StoryFactory(), StoryFactory()]
    editor_client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "hide_selected", "_selected_action": [s.pk for s in stories]},
    )
    assert not Story.objects.filter(is_published=True).exists()
    assert AuditEntry.objects.filter(action="hide").count() == 2


# --- Audit trail and undo ---------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_audit_trail_list_runs_constant_queries(editor_client, django_assert_max_num_queries, rows):
    story = story_with_articles(1)
    for i in range(rows):
        editing.set_locked(story=story, user=None, locked=i % 2 == 0)
    # One more than a plain list: the titles each entry's sentence names, for the whole page.
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("admin:stories_auditentry_changelist"))
    assert response.context["cl"].result_count == rows


def test_undo_from_the_audit_trail(editor_client):
    story = story_with_articles(2)
    article = Membership.objects.filter(story=story).first().article
    editor_client.post(do(story, "exclude"), {"article": article.pk})
    entry = AuditEntry.objects.get(action="exclude")
    undo_url = reverse("admin:stories_auditentry_undo", args=[entry.pk])
    assert undo_url in editor_client.get(reverse("admin:stories_auditentry_changelist")).content.decode()
    assert b"confirm-undo" in editor_client.get(undo_url).content
    editor_client.post(undo_url)
    assert Membership.objects.get(article=article).story == story
    assert not Exclusion.objects.exists()
    entry.refresh_from_db()
    assert entry.undone_at is not None
    assert AuditEntry.objects.filter(action="undo").get().user.username == "editor"
    assert b"confirm-undo" not in editor_client.get(undo_url).content


def test_undo_needs_the_permission_to_move_articles(client):
    story = StoryFactory()
    editing.set_locked(story=story, user=None, locked=True)
    entry = AuditEntry.objects.get()
    client.force_login(staff_with("view_story", "view_auditentry"))
    assert client.post(reverse("admin:stories_auditentry_undo", args=[entry.pk])).status_code == 403
    story.refresh_from_db()
    assert story.is_locked


def test_undoing_a_dossier_rename_needs_the_dossier_rights_the_rename_needed(client):
    dossier = dossier_service.create_dossier(names={"en": "Iran protests"}, user=None)
    dossier_service.rename_dossier(dossier=dossier, user=None, names={"en": "Iran strikes"})
    entry = AuditEntry.objects.get(action="dossier_rename")
    undo_url = reverse("admin:stories_auditentry_undo", args=[entry.pk])
    # Every story right, no dossier right: the undo is refused and the name stays.
    client.force_login(staff_with("view_auditentry", "view_story", "change_story", "change_membership"))
    assert client.post(undo_url).status_code == 403
    dossier.refresh_from_db()
    assert dossier.editor_names == {"en": "Iran strikes"}
    client.force_login(staff_with_name("dossiers", "view_auditentry", "change_dossier"))
    assert client.post(undo_url).status_code == 302
    dossier.refresh_from_db()
    assert dossier.editor_names == {"en": "Iran protests"}


def test_undoing_a_key_moment_needs_the_right_to_change_events(client):
    story = story_with_articles(2)
    event = story.events.first()
    editing.edit_event(event=event, user=None, is_key_moment=True)
    entry = AuditEntry.objects.get(action="key_moment")
    undo_url = reverse("admin:stories_auditentry_undo", args=[entry.pk])
    client.force_login(staff_with("view_auditentry", "view_story", "change_story", "change_membership"))
    assert client.post(undo_url).status_code == 403
    change_page = client.get(reverse("admin:stories_auditentry_change", args=[entry.pk]))
    assert undo_url not in change_page.content.decode()
    event.refresh_from_db()
    assert event.is_key_moment
    client.force_login(staff_with_name("events", "view_auditentry", "change_event"))
    assert client.post(undo_url).status_code == 302
    event.refresh_from_db()
    assert not event.is_key_moment


# --- Review queue and quality report ----------------------------------------------------


def test_the_review_queue_lists_doubtful_assignments_likely_merges_and_fast_growing_stories(editor_client):
    now = timezone.now()
    doubtful = MembershipFactory(score=desk_views.assign_threshold() + 0.01)
    MembershipFactory(score=0.95)
    twin_a = StoryFactory(title="Earthquake hits northern Morocco", last_activity_at=now)
    twin_b = StoryFactory(title="Earthquake hits Morocco's north", last_activity_at=now)
    StoryFactory(title="Elections in Chile", last_activity_at=now)
    big = story_with_articles(desk_views.LARGE_STORY_ARTICLES)
    response = editor_client.get(reverse("admin:stories_review_queue"))
    assert [m.pk for m in response.context["uncertain"]] == [doubtful.pk]
    pairs = [{s.first.pk, s.second.pk} for s in response.context["merges"]]
    assert pairs == [{twin_a.pk, twin_b.pk}]
    assert [s.pk for s in response.context["growing"]] == [big.pk]


def test_the_review_queue_shows_joins_across_languages_with_their_scores(editor_client):
    story = StoryFactory(language="en", title="Iran's foreign minister texted the US envoy")
    crossed = MembershipFactory(
        event__story=story,
        article__language="ar",
        article__title="عراقجي راسل ويتكوف",
        score=desk_views.assign_threshold() + 0.35,
    )
    MembershipFactory(event__story=story, article__language="en", score=0.9)  # same language
    MembershipFactory(event__story=story, article__language="ar", score=0.0)  # started a story

    response = editor_client.get(reverse("admin:stories_review_queue"), HTTP_ACCEPT_LANGUAGE="en")

    assert [m.pk for m in response.context["crossed"]] == [crossed.pk]
    html = response.content.decode()
    assert "عراقجي راسل ويتكوف" in html
    assert f"engine, {crossed.score:.2f}" in html
    assert "Arabic → English" in html


def test_accepting_from_the_review_queue_returns_to_the_queue(editor_client):
    doubtful = MembershipFactory(score=desk_views.assign_threshold())
    queue = reverse("admin:stories_review_queue")
    response = editor_client.post(
        do(doubtful.story, "accept"), {"article": doubtful.article_id, "next": queue}
    )
    assert response["Location"] == queue
    doubtful.refresh_from_db()
    assert doubtful.decided_by == "editor"
    assert editor_client.get(queue).context["uncertain"] == []


def test_moving_from_the_review_queue_pins_the_article_in_the_other_story(editor_client):
    doubtful = MembershipFactory(score=desk_views.assign_threshold())
    other = StoryFactory()
    editor_client.post(
        do(doubtful.story, "move"),
        {"article": doubtful.article_id, "target": str(other.pk), "confirmed": "1"},
    )
    doubtful.refresh_from_db()
    assert (doubtful.story, doubtful.is_pinned) == (other, True)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_review_queue_runs_constant_queries(editor_client, django_assert_max_num_queries, rows):
    for i in range(rows):
        MembershipFactory(score=desk_views.assign_threshold() + 0.001 * i)
    # Two of these read the stories and stored vectors the fragment section compares, one the
    # joins across languages, one the engine's merges.
    with django_assert_max_num_queries(11):
        response = editor_client.get(reverse("admin:stories_review_queue"))
    assert len(response.context["uncertain"]) == rows


def test_the_quality_report_page_shows_precision_recall_and_corrections(editor_client):
    story = story_with_articles(4)
    other = StoryFactory()
    article = Membership.objects.filter(story=story).first().article
    editing.pin_article(article=article, story=other, user=None)
    response = editor_client.get(reverse("admin:stories_quality_report"), {"period": "day"})
    (period,) = response.context["reports"]
    report = period.report
    # One article of four moved out: it is 1/4 precise; the three that stay are 3/4 precise.
    assert report.score.precision == pytest.approx((1 / 4 + 3 * 3 / 4) / 4)
    assert report.corrections == 1
    assert b'id="quality"' in response.content
    page = response.content.decode()
    assert "Of the 1 article editors corrected or confirmed, 0 was already in the right story." in page
    assert "Editors made 1 correction" in page


@pytest.mark.parametrize("rows", [3, 30])
def test_the_article_list_shows_each_articles_story_with_constant_queries(
    editor_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        MembershipFactory()
    ArticleFactory()  # one in no story
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("admin:articles_article_changelist"))
    assert response.context["cl"].result_count == rows + 1


def test_the_event_page_sends_editors_to_the_desk(editor_client):
    event = EventFactory()
    response = editor_client.get(reverse("admin:stories_event_change", args=[event.pk]))
    assert response["Location"] == desk(event.story) + f"#event-{event.pk}"
    assert Event.objects.count() == 1


def test_a_storys_first_article_is_not_a_doubt(editor_client):
    founder = MembershipFactory(score=0.0)
    below = MembershipFactory(score=desk_views.assign_threshold() - 0.01)
    response = editor_client.get(reverse("admin:stories_review_queue"))
    assert {founder.pk, below.pk}.isdisjoint(m.pk for m in response.context["uncertain"])
    listing = editor_client.get(reverse("admin:stories_story_changelist"), {"review": "yes"})
    assert listing.context["cl"].result_count == 0


def test_merging_from_the_review_queue(editor_client):
    first, second = story_with_articles(2), story_with_articles(1)
    queue = reverse("admin:stories_review_queue")
    response = editor_client.post(do(first, "merge"), {"other": [second.pk], "next": queue, "confirmed": "1"})
    assert response["Location"] == queue
    second.refresh_from_db()
    assert second.merged_into == first
