"""Dossiers, labels and the home page by importance in a real headless Chromium, on the demo corpus.

Screenshots land in test-output/screenshots/ (git-ignored) for a human to look at. axe-core is
not in this tree (issue 14 adds it); these tests check structure, direction and layout only.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from conftest import BROWSER_TESTS, screenshot
from stories.models import Dossier, Event, Story
from stories.reader.views import EVENTS_PER_PAGE

pytest.importorskip("playwright.sync_api")

pytestmark = BROWSER_TESTS


# Asked for before `browser` (see test_browser.py): the ORM never runs inside Playwright's loop.
@pytest.fixture
def demo(transactional_db, live_server_connections):
    call_command("load_demo", stdout=io.StringIO())
    # The Iran file, whichever language names it (the engine may file stories of one language
    # or stories spanning both): the dossier holding the story with the most Iran headlines.
    iran = max(
        Dossier.objects.visible(),
        key=lambda d: sum(
            "Iran" in a.title or "إيران" in a.title for s in d.stories.all() for a in _articles(s)
        ),
    )
    stories = list(Story.objects.filter(dossier=iran).order_by("pk"))
    return {
        "iran": iran,
        "iran_name_ar": iran.name_in("ar"),
        "iran_name_en": iran.name_in("en"),
        "iran_events": Event.objects.filter(story__dossier=iran).count(),
        "iran_stories": stories,
        "iran_labels_en": {story.label_in("en")[0] for story in stories},
        "one_article_stories": Story.objects.visible().filter(article_count=1).count(),
    }


def _articles(story: Story):
    return [m.article for m in story.memberships.select_related("article")]


def test_an_arabic_reader_goes_from_the_strip_to_a_dossier_and_its_stories(live_server, demo, browser):
    iran, iran_stories = demo["iran"], demo["iran_stories"]
    context = browser.new_context(locale="ar", viewport={"width": 1100, "height": 900})
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    strip = page.locator(".dossier-strip")
    assert strip.locator("li").count() >= 2
    pill = strip.locator(f'a[href="{iran.get_absolute_url()}"]')
    assert demo["iran_name_ar"] in pill.inner_text()
    assert str(iran.article_count) in pill.inner_text()
    # The one-article stories are in "Latest", not in the main column.
    latest = page.locator(".latest .story-card-title").all_inner_texts()
    assert len(latest) == demo["one_article_stories"]
    assert page.locator(".story-group").count() >= 1
    # Every card's name is a label of at most six words.
    for label in page.locator(".story-card-title").all_inner_texts():
        assert 1 <= len(label.split()) <= 6, label
    screenshot(page, "16-home-ar", full_page=True)

    pill.click()
    page.wait_for_url(f"**/dossiers/{iran.slug}/")
    assert page.locator("h1").inner_text() == demo["iran_name_ar"]
    assert page.locator(".dossier-stories .story-card").count() == len(iran_stories) >= 2
    assert page.locator(".timeline .event").count() == min(demo["iran_events"], EVENTS_PER_PAGE)
    # Right to left: the timeline's day headings start at the right edge of the column.
    heading = page.locator(".day-heading").first.bounding_box()
    main = page.locator("main").bounding_box()
    assert heading["x"] + heading["width"] > main["x"] + main["width"] - 40
    screenshot(page, "17-dossier-ar")

    page.locator(".dossier-stories .story-card-title a").first.click()
    page.wait_for_url("**/stories/**")
    assert page.locator(".story-dossier a").inner_text() == demo["iran_name_ar"]
    assert len(page.locator("h1").inner_text().split()) <= 6
    assert page.locator(".story-newest-headline").count() == 1
    assert page.locator(".dossier-strip").count() == 1
    screenshot(page, "18-story-ar-with-label")
    context.close()


def test_an_english_reader_on_a_phone_sees_the_strip_wrap_and_the_dossier_list(live_server, demo, browser):
    iran = demo["iran"]
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    # Nothing wider than the screen: the strip's pills wrap instead of overflowing.
    for box in page.locator(".dossier-strip li").all():
        bounds = box.bounding_box()
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390
    screenshot(page, "19-home-en-phone")

    page.goto(f"{live_server.url}/dossiers/")
    names = page.locator(".dossier-card-title").all_inner_texts()
    assert demo["iran_name_en"] in names
    screenshot(page, "20-dossiers-en-phone", full_page=True)

    page.goto(f"{live_server.url}{iran.get_absolute_url()}")
    assert page.get_by_role("link", name="Atom").get_attribute("href") == f"/dossiers/{iran.slug}/feed.atom"
    assert page.locator(".event-story a").first.inner_text() in demo["iran_labels_en"]
    screenshot(page, "21-dossier-en-phone")
    context.close()
