"""An editor's day in a real browser: log in, merge two stories, take an article out of one.

Drives Debian's Chromium (never a downloaded one) against pytest-django's live server.
"""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.tests.factories import ArticleFactory
from conftest import BROWSER_TESTS, screenshot
from stories.models import Exclusion, Membership, Story
from stories.services import editing
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "a long editor passphrase 7"

pytestmark = [
    *BROWSER_TESTS,
    # Transactional (the live server reads what the test writes). Not serialized_rollback:
    # restoring a snapshot collides with the content types a flush re-creates; the tests that
    # need the migration's Editors group re-create it when a flush took it.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    screenshot(page, f"{name}", full_page=True)


def story(title: str, articles: int) -> Story:
    made = StoryFactory(title=title)
    event = EventFactory(story=made, headline=f"{title}: first report")
    for _ in range(articles):
        MembershipFactory(event=event, article__title=f"{title} — report {_ + 1}")
    editing.refresh_story_stats(story_ids=[made.pk])
    made.refresh_from_db()
    return made


def test_an_editor_merges_two_stories_and_excludes_an_article(live_server, page, live_server_connections):
    try:
        editor_merges_and_excludes(live_server, page)
    finally:
        live_server_connections()


def editor_merges_and_excludes(live_server, page) -> None:
    if not Group.objects.filter(name="Editors").exists():
        importlib.import_module("stories.migrations.0003_editors_group").create_editors_group(
            django_apps, None
        )
    editor = get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    floods = story("Floods in Derna", 3)
    dam = story("Derna dam collapse", 2)
    unrelated = Membership.objects.filter(story=floods).order_by("pk").first().article

    page.goto(f"{live_server.url}/admin/login/?next=/admin/stories/story/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/stories/story/")
    shot(page, "01-story-list")

    # Merge from the list: pick both, choose the action, keep the floods story.
    page.check(f"input[name=_selected_action][value='{floods.pk}']")
    page.check(f"input[name=_selected_action][value='{dam.pk}']")
    page.select_option("select[name=action]", "merge_selected")
    page.click("button[name=index]")
    page.check(f"input[name=target][value='{floods.pk}']")
    shot(page, "02-merge-confirm")
    page.click("#confirm-merge")
    page.wait_for_selector("ul.messagelist")
    assert "Merged 1 story into" in page.inner_text("ul.messagelist")

    # On the desk, take one article out: "not this story".
    page.goto(f"{live_server.url}/admin/stories/story/{floods.pk}/change/")
    assert page.locator("#timeline li[id^=article-]").count() == 5
    page.click(f"#article-{unrelated.pk} button.exclude")
    page.wait_for_selector("ul.messagelist")
    assert page.locator(f"#article-{unrelated.pk}").count() == 0
    assert unrelated.title in page.inner_text("#excluded")
    shot(page, "03-desk-after-exclude")

    # Readers: the survivor's page works, the merged story's address redirects to it.
    response = page.goto(f"{live_server.url}{floods.get_absolute_url()}")
    assert response.status == 200
    assert "Floods in Derna" in page.inner_text("h1")
    assert unrelated.title not in page.inner_text("main")
    shot(page, "04-public-story")
    page.goto(f"{live_server.url}{dam.get_absolute_url()}")
    assert page.url == f"{live_server.url}{floods.get_absolute_url()}"

    # A new article arrives and the engine (rebuilt after the editors' changes) places it and
    # the excluded article, which is unclustered again; the excluded one must stay out.
    from stories.services import clustering

    newcomer = ArticleFactory(title=f"{unrelated.title} — update", text=unrelated.text)
    clustering.reset_engines()
    clustering.cluster_pending()
    assert Exclusion.objects.filter(article=unrelated, story=floods, created_by=editor).exists()
    assert Membership.objects.filter(article=newcomer).exists()
    assert Membership.objects.get(article=unrelated).story_id != floods.pk
    page.goto(f"{live_server.url}{floods.get_absolute_url()}")
    assert unrelated.title not in page.inner_text("main")
    shot(page, "05-public-story-after-new-article")

    # The editors' corrections show in the quality report; the review queue still opens.
    page.goto(f"{live_server.url}/admin/stories/story/quality/?period=day")
    assert page.locator("#quality tbody tr").count() == 1
    assert "Merge: 1" in page.inner_text("#quality") and "Exclude article: 1" in page.inner_text("#quality")
    shot(page, "06-quality-report")
    page.goto(f"{live_server.url}/admin/stories/story/review/")
    assert page.locator("#uncertain").count() == 1
    shot(page, "07-review-queue")
