"""The demo's names and reader language, looked at in a browser (screenshots in test-output/)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from conftest import BROWSER_TESTS, screenshot
from stories.models import Story

pytestmark = BROWSER_TESTS


@pytest.fixture
def demo(transactional_db, live_server_connections):
    call_command("load_demo", stdout=io.StringIO())
    story = max(
        (s for s in Story.objects.visible() if {"ar", "en"} <= set(s.language_counts)),
        key=lambda s: s.article_count,
    )
    live_server_connections()
    return story


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_demo_reads_in_the_reader_language(live_server, demo, browser, language):
    name, _language = demo.label_in(language)
    summary, _language = demo.summary_in(language)
    context = browser.new_context(locale=language, viewport={"width": 1100, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert name in page.locator(".story-card-title").all_inner_texts()
    screenshot(page, f"names-home-{language}", full_page=True)
    page.goto(f"{live_server.url}{demo.get_absolute_url()}")
    assert page.locator("h1").inner_text() == name
    assert page.locator(".story-summary").inner_text() == summary
    assert page.locator(".story-summary").get_attribute("lang") == language
    # Chips and key moments in the reader's language only (issue 23, points 3 and 4).
    assert page.locator(".keyphrases").get_attribute("lang") == language
    assert page.locator(".keyphrases li").all_inner_texts() == demo.chips[language]
    moment_languages = {
        page.locator(".moment-text").nth(i).get_attribute("lang")
        for i in range(page.locator(".moment-text").count())
    }
    assert moment_languages == {language}
    screenshot(page, f"names-story-{language}", full_page=True)
    context.close()
