"""Mixed directions and relative times: lists in the interface's punctuation, blocks aligned
by their own direction, "2 hours ago" that keeps itself true without a reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.template import Context, Template
from django.utils import translation

from conftest import CHROMIUM, REPO_ROOT
from stories.models import KeyMoment
from stories.templatetags.reader import relative_time_text
from stories.tests.test_views import build_story

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"


@pytest.mark.parametrize(
    ("ago", "english", "arabic"),
    [
        (timedelta(seconds=20), "now", "الآن"),
        (timedelta(minutes=1, seconds=30), "1 minute ago", "قبل دقيقة واحدة"),
        (timedelta(minutes=2), "2 minutes ago", "قبل دقيقتين"),
        (timedelta(hours=2, minutes=59), "2 hours ago", "قبل ساعتين"),
        (timedelta(hours=5), "5 hours ago", "قبل 5 ساعات"),
        (timedelta(hours=23), "23 hours ago", "قبل 23 ساعة"),
        (timedelta(days=1, hours=3), "yesterday", "أمس"),
        (timedelta(hours=45), "2 days ago", "أول أمس"),  # two calendar days back
        (timedelta(days=3), "3 days ago", "قبل 3 أيام"),
    ],
)
def test_relative_times_are_worded_as_the_browser_words_them(ago, english, arabic):
    # The same wording as Intl.RelativeTimeFormat(lang, {numeric: "auto"}) in Chromium.
    with translation.override("en"):
        assert relative_time_text(NOW - ago, NOW) == english
    with translation.override("ar"):
        assert relative_time_text(NOW - ago, NOW) == arabic


def test_a_relative_time_carries_the_exact_time_and_a_week_old_one_is_a_date():
    template = Template("{% load reader %}{% relative_time when now %}")
    with translation.override("en"):
        recent = template.render(Context({"when": NOW - timedelta(hours=2), "now": NOW}))
        old = template.render(Context({"when": NOW - timedelta(days=7), "now": NOW}))
    exact = 'datetime="2026-11-28T10:00:00+00:00" title="Nov. 28, 2026, 10 a.m."'
    assert recent == f"<time {exact} data-relative>2 hours ago</time>"
    assert re.fullmatch(
        r'<time datetime="2026-11-21T12:00:00\+00:00" title="[^"]+" data-relative>Nov. 21, 2026</time>', old
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "separator"), [("ar", "، "), ("en", ", ")])
def test_source_lists_use_the_interface_languages_separator(client, language, separator):
    story = build_story(events=1, sources_per_event=3, language="en")
    home = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"<bdi>Outlet 0</bdi>{separator}<bdi>Outlet 1</bdi>{separator}<bdi>Outlet 2</bdi>" in home
    page = client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    names = re.findall(r'<span class="source"><a [^>]+>([^<]+)</a>([^<]*)</span>', page)
    assert names == [("Outlet 0", separator), ("Outlet 1", separator), ("Outlet 2", "")]


@pytest.mark.django_db
def test_the_home_page_says_how_long_ago_a_story_was_updated(client):
    story = build_story(events=1)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    when = story.last_activity_at.isoformat()
    assert re.search(rf'Updated <time datetime="{re.escape(when)}" title="[^"]+" data-relative>', html)
    assert '<script src="/static/js/relative-time.js" defer></script>' in html


# --- In a browser ------------------------------------------------------------------------


@pytest.fixture
def english_story(transactional_db, monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    story = build_story(
        events=3, language="en", slug="harbour", title="Harbour strike", headline="Update {n}"
    )
    KeyMoment.objects.create(
        story=story, date=story.last_activity_at.date(), text="The port tables a new offer"
    )
    return story


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)"
)
def test_an_english_key_moment_in_the_arabic_interface_starts_at_the_left(
    live_server, english_story, browser
):
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}{english_story.get_absolute_url()}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    offsets = page.evaluate(
        """() => {
          const text = document.querySelector('.key-moments .moment-text');
          const item = text.closest('li');
          const range = document.createRange();
          range.selectNodeContents(text);
          const first = range.getClientRects()[0];
          return {textLeft: first.left, itemLeft: item.getBoundingClientRect().left,
                  direction: getComputedStyle(text).direction};
        }"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".key-moments").screenshot(path=str(SCREENSHOTS / "key-moment-en-in-ar.png"))
    assert offsets["direction"] == "ltr"
    assert abs(offsets["textLeft"] - offsets["itemLeft"]) < 2, offsets
    context.close()


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)"
)
@pytest.mark.parametrize(
    ("language", "first", "later", "days_later"),
    [
        ("en", "1 minute ago", "2 hours ago", "2 days ago"),
        ("ar", "قبل دقيقة واحدة", "قبل ساعتين", "أول أمس"),
    ],
)
def test_relative_times_refresh_without_a_reload(
    live_server, english_story, browser, language, first, later, days_later
):
    context = browser.new_context(locale=language, viewport={"width": 1000, "height": 800})
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    # The page's clock starts 90 s after the story's last activity, whatever today is.
    page.clock.install(time=english_story.last_activity_at + timedelta(seconds=90))
    page.goto(f"{live_server.url}/")
    updated = page.locator(".story-card time[data-relative]").first
    assert updated.inner_text() == first
    assert updated.get_attribute("title")
    page.evaluate("() => { window.silsilaSamePage = true; }")

    page.clock.run_for("02:00:00")

    assert updated.inner_text() == later
    # Days are calendar days in the reader's time zone (UTC here): 09:00 on the 28th is
    # "2 days ago" at 06:01 on the 30th, as the server words it.
    page.clock.run_for("43:00:00")
    assert updated.inner_text() == days_later
    assert page.evaluate("() => window.silsilaSamePage === true")  # no reload happened
    assert blocked == []
    context.close()
