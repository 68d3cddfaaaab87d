"""The reader pages in a real headless Chromium: direction, htmx loading, order toggle, search.

Screenshots land in test-output/screenshots/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import BROWSER_TESTS, screenshot
from stories.models import KeyMoment
from stories.tests.test_views import build_story

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = BROWSER_TESTS


# Tests ask for `stories` before `browser` (conftest.py): data is written before Playwright
# starts its event loop, so the ORM never runs inside it and no connection is left open in it.
@pytest.fixture
def stories(transactional_db, live_server_connections):
    arabic = build_story(
        events=30,
        events_per_day=4,
        sources_per_event=3,
        slug="gaza-truce",
        title="مفاوضات الهدنة في غزة",
        summary="تتواصل المفاوضات في القاهرة بوساطة مصرية وقطرية للتوصل إلى هدنة جديدة وتبادل للأسرى.",
        keyphrases=["الهدنة", "القاهرة", "تبادل الأسرى"],
        headline="جولة مفاوضات جديدة رقم {n}",
    )
    first_day = arabic.last_activity_at.date() - timedelta(days=6)
    KeyMoment.objects.create(story=arabic, date=first_day, text="انطلاق المفاوضات في القاهرة")
    KeyMoment.objects.create(story=arabic, date=first_day + timedelta(days=3), text="إعلان هدنة مؤقتة")
    english = build_story(
        events=6,
        language="en",
        slug="harbour-strike",
        title="Harbour workers strike over pay",
        summary="Dock workers walked out after talks on a new contract failed.",
        headline="Strike update number {n}",
    )
    return arabic, english


def _headlines(page) -> list[str]:
    return page.locator(".event-headline").all_inner_texts()


def test_a_reader_follows_an_arabic_story_through_its_timeline(live_server, stories, browser):
    arabic, _english = stories
    context = browser.new_context(locale="ar", viewport={"width": 1100, "height": 900})
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".story-card-title").all_inner_texts() == [
        "مفاوضات الهدنة في غزة",
        "Harbour workers strike over pay",
    ]
    screenshot(page, "01-home-ar")

    page.get_by_role("link", name="مفاوضات الهدنة في غزة").click()
    page.wait_for_url(f"**/stories/{arabic.slug}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").get_attribute("dir") == "rtl"
    headlines = _headlines(page)
    assert len(headlines) == 20
    assert headlines[:2] == ["جولة مفاوضات جديدة رقم 0", "جولة مفاوضات جديدة رقم 1"]
    assert page.locator(".key-moments li").count() == 2
    # Right to left: the first day heading starts at the right edge of the column.
    heading = page.locator(".day-heading").first.bounding_box()
    main = page.locator("main").bounding_box()
    assert heading["x"] + heading["width"] > main["x"] + main["width"] - 40
    screenshot(page, "02-story-ar")

    page.get_by_role("link", name="أحداث سابقة").click()
    # expect() polls from Playwright, not by eval in the page (the CSP forbids eval).
    expect(page.locator(".event-headline")).to_have_count(30)
    headlines = _headlines(page)
    assert headlines[20] == "جولة مفاوضات جديدة رقم 20"
    assert headlines[-1] == "جولة مفاوضات جديدة رقم 29"
    assert page.locator(".load-more").count() == 0
    # The plain URL did not change: the older events were appended in place.
    assert page.url.endswith(f"/stories/{arabic.slug}/")
    page.locator(".event-headline").nth(19).scroll_into_view_if_needed()
    screenshot(page, "03-story-ar-older-loaded")

    page.get_by_role("link", name="الأقدم أولًا").click()
    page.wait_for_url("**?order=oldest")
    expect(page.locator(".event-headline").first).to_have_text("جولة مفاوضات جديدة رقم 29")
    assert _headlines(page)[:2] == ["جولة مفاوضات جديدة رقم 29", "جولة مفاوضات جديدة رقم 28"]
    assert page.locator('.order-toggle a[aria-current="true"]').inner_text() == "الأقدم أولًا"
    screenshot(page, "04-story-ar-oldest-first")

    page.goto(f"{live_server.url}/search/")
    page.locator("#search-q").fill("مفاوضات")
    page.wait_for_selector("#results .story-card-title")
    assert page.locator("#results .story-card-title").all_inner_texts() == ["مفاوضات الهدنة في غزة"]
    screenshot(page, "05-search-ar")
    context.close()


def test_an_english_reader_sees_an_english_story_left_to_right(live_server, stories, browser):
    arabic, english = stories
    context = browser.new_context(locale="en-GB", viewport={"width": 420, "height": 900})
    page = context.new_page()

    page.goto(f"{live_server.url}{english.get_absolute_url()}")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "Harbour workers strike over pay"
    assert _headlines(page)[0] == "Strike update number 0"
    screenshot(page, "06-story-en-narrow")

    # An Arabic story inside the English interface: the story's own text reads right to left.
    page.goto(f"{live_server.url}{arabic.get_absolute_url()}")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", name="Timeline").count() == 1
    screenshot(page, "07-story-ar-in-english-ui")

    page.goto(f"{live_server.url}/stories/{arabic.slug}/embed/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "08-embed-ar")
    context.close()
