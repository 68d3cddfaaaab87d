"""The chain of an event on the story page in a real headless Chromium, in Arabic and English.

Screenshots land in test-output/screenshots/chain-*.png (git-ignored) for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from articles import services as article_services
from articles.models import Article
from articles.tests.factories import ArticleFactory, SourceFactory
from articles.tests.test_attribution import SEED_LEAD
from conftest import BROWSER_TESTS, screenshot
from stories.services.editing import refresh_event_stats
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.tests.test_chain import AXIOS_REPORT

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = BROWSER_TESTS


@pytest.fixture
def seed_story(transactional_db, live_server_connections):
    axios = SourceFactory(name="Axios", url="https://api.axios.com/feed/", language="en")
    rt = SourceFactory(name="RT Arabic", url="https://arabic.rt.com/rss/", language="ar")
    cnn = SourceFactory(name="Al Mashhad", url="https://almashhad.example/rss", language="ar")
    story = StoryFactory(language="ar", slug="iran-us-channel", title="قناة اتصال بين طهران وواشنطن")
    event = EventFactory(story=story, headline="إيران والولايات المتحدة تحافظان على قناة اتصال مباشرة")
    english = ArticleFactory(
        source=axios, title="Scoop: Iran's top diplomat texted Witkoff", text=AXIOS_REPORT
    )
    rewrites = [
        article_services.store_text(
            article=ArticleFactory.build(
                source=source, published_at=english.published_at + timedelta(hours=hours)
            ),
            title=title,
            body=SEED_LEAD,
            language_hint="ar",
            status=Article.Status.EXTRACTED,
        )
        for source, hours, title in [
            (rt, 3, "إيران والولايات المتحدة تحافظان على قناة اتصال مباشرة رغم التوترات"),
            (cnn, 5, "عراقجي وويتكوف يتبادلان الرسائل"),
        ]
    ]
    for article in (english, *rewrites):
        MembershipFactory(event=event, article=article)
    refresh_event_stats(event_ids=[event.pk])
    return story, english


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_the_story_page_shows_the_chain_in_the_readers_language(live_server, seed_story, browser, locale):
    story, english = seed_story
    context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    chain = page.locator(".chain").first
    expect(chain).to_be_visible()
    first = chain.locator("a").first
    assert first.get_attribute("href") == english.url
    if locale == "ar":
        assert page.locator("html").get_attribute("dir") == "rtl"
        expect(chain).to_contain_text("أول من نشره: أكسيوس")
        expect(chain).to_contain_text("تبعته وسيلتان")
        expect(page.locator(".credit").first).to_have_text("(نقلا عن أكسيوس)")
    else:
        assert page.locator("html").get_attribute("dir") == "ltr"
        expect(chain).to_contain_text("First reported by Axios")
        expect(chain).to_contain_text("2 outlets followed")
        expect(page.locator(".credit").first).to_have_text("(via Axios)")
    assert page.locator(".credit a").first.get_attribute("href") == english.url
    screenshot(page, f"chain-{locale}")
    context.close()
