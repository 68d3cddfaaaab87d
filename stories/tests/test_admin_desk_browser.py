"""The editors' desk at 1280 px in Arabic and English, in Debian's Chromium, on the demo corpus.

Every list and desk page fits the window (no sideways scroll); merging goes through the story
picker and a confirmation that names the stories; undo is described in words. Screenshots
go to test-output/screenshots/desk-*.png for a person to look at.
"""

from __future__ import annotations

import importlib
import io
import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from conftest import BROWSER_TESTS, screenshot
from stories.models import AuditEntry, Story
from stories.services import clustering, editing

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "a long editor passphrase 7"

pytestmark = [
    *BROWSER_TESTS,
    pytest.mark.django_db(transaction=True),
]

DESK_PAGES = {
    "index": "/admin/",
    "stories": "/admin/stories/story/",
    "review": "/admin/stories/story/review/",
    "quality": "/admin/stories/story/quality/",
    "audit": "/admin/stories/auditentry/",
    "sources": "/admin/articles/source/",
    "articles": "/admin/articles/article/",
}


@pytest.fixture
def demo(live_server_connections):
    clustering.reset_engines()
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    if not Group.objects.filter(name="Editors").exists():
        importlib.import_module("stories.migrations.0003_editors_group").create_editors_group(
            django_apps, None
        )
    editor = get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    yield editor
    clustering.reset_engines()
    live_server_connections()


def _page(browser, language: str):
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def shot(page, name: str) -> None:
    screenshot(page, f"desk-{name}", full_page=True)


# The page itself, and any box that would scroll on its own (the admin wraps result tables in
# an `overflow-x: auto` box, so a too-wide list scrolls there, not in the window).
SIDEWAYS = """() => {
  const wide = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) wide.push(`page by ${root.scrollWidth - root.clientWidth}px`);
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      const name = `${el.tagName.toLowerCase()}#${el.id}.${el.className}`;
      wide.push(`${name} by ${el.scrollWidth - el.clientWidth}px`);
    }
  }
  return wide;
}"""


def sideways_overflow(page) -> list[str]:
    return page.evaluate(SIDEWAYS)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_no_desk_page_scrolls_sideways_at_1280_px(live_server, browser, demo, language):
    biggest = Story.objects.visible().order_by("-article_count").first()
    # Something in the audit trail, with an undo link in its last column.
    editing.set_locked(story=biggest, user=demo, locked=True)
    pages = {**DESK_PAGES, "desk": f"/admin/stories/story/{biggest.pk}/change/"}
    context, page = _page(browser, language)
    try:
        _log_in(page, live_server.url)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            assert page.locator("html").get_attribute("lang") == language
            shot(page, f"{language}-{name}")
            assert sideways_overflow(page) == [], f"{path} scrolls sideways in {language}"
        # Story titles stay within two lines in the list.
        page.goto(f"{live_server.url}/admin/stories/story/")
        heights = page.eval_on_selector_all(
            "#result_list td.field-title_column a",
            "links => links.map(a => a.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(a).lineHeight))",
        )
        assert heights and max(heights) <= 2.2
        assert page.locator("#result_list th.column-last_activity_at").is_visible()
    finally:
        context.close()


MERGE_WORDS = {
    "ar": {
        "confirm": "أتدمج هذه القصص؟",
        "after": "بعد الدمج: قصة واحدة",
        "undo": "تعود",
        "back": "قصة مستقلة",
    },
    "en": {
        "confirm": "Merge these stories?",
        "after": "Afterwards: one story",
        "undo": "move from",
        "back": "a story of its own",
    },
}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_editor_merges_with_the_picker_sees_the_result_first_and_undoes_it_in_words(
    live_server, browser, demo, language
):
    stories = list(Story.objects.visible().order_by("-article_count", "pk"))
    target, other = stories[0], stories[-1]
    words = MERGE_WORDS[language]
    context, page = _page(browser, language)
    try:
        _log_in(page, live_server.url)
        page.goto(f"{live_server.url}/admin/stories/story/{target.pk}/change/")
        # The picker: type the other story's number, choose it from what the desk offers.
        page.click("#merge-others + .select2 .select2-selection")
        page.fill(".select2-search__field", str(other.pk))
        option = page.locator(".select2-results__option", has_text=f"#{other.pk} ·")
        option.wait_for()
        assert other.display_title in option.inner_text()
        shot(page, f"{language}-merge-picker")
        option.click()
        page.click("#merge-into-this")

        # The confirmation names both stories, their counts and the result; nothing is done yet.
        page.wait_for_selector("#confirm-action")
        assert page.inner_text("h1") == words["confirm"]
        what = page.inner_text("#content-main")
        assert other.display_title in what and target.display_title in what
        assert words["after"] in what and str(target.article_count + other.article_count) in what
        shot(page, f"{language}-merge-confirm")
        other.refresh_from_db()
        assert other.merged_into_id is None
        page.click("#confirm-action")
        page.wait_for_selector("ul.messagelist")
        other.refresh_from_db()
        assert other.merged_into_id == target.pk

        # Undo from the audit trail, described in words before it is done.
        entry = AuditEntry.objects.get(action="merge", story=target)
        page.goto(f"{live_server.url}/admin/stories/auditentry/")
        assert other.display_title in page.inner_text("#result_list")
        page.click(f"a[href$='/{entry.pk}/undo/']")
        page.wait_for_selector("#confirm-undo")
        effects = page.inner_text("#undo-effects")
        assert words["undo"] in effects and words["back"] in effects and other.display_title in effects
        assert "{" not in page.inner_text("#content-main")
        shot(page, f"{language}-undo-confirm")
        page.click("#confirm-undo")
        page.wait_for_selector("ul.messagelist")
        other.refresh_from_db()
        assert other.merged_into_id is None
        assert sideways_overflow(page) == []
    finally:
        context.close()
