"""Phones and accessibility: every reader page at 320, 390 and 1280 px, in Arabic and English.

No page may scroll sideways (`scrollWidth == clientWidth`), touch targets are at least 44 px,
and axe-core (npm, installed by scripts/ensure-axe.sh) finds no violation. Screenshots land
in test-output/screenshots/reflow/ for a human to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import BROWSER_TESTS, REPO_ROOT, SCREENSHOTS
from stories.models import KeyMoment
from stories.services import dossiers
from stories.tests.test_views import build_story

pytest.importorskip("playwright.sync_api")

REFLOW_SCREENSHOTS = SCREENSHOTS / "reflow"
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (320, 390, 1280)
MIN_TARGET = 44

pytestmark = BROWSER_TESTS


@pytest.fixture
def pages(transactional_db, live_server_connections):
    """The reader pages to check, with the kind of text that breaks narrow layouts."""
    arabic = build_story(
        events=8,
        events_per_day=3,
        sources_per_event=4,
        slug="dam-talks",
        title="مفاوضات سد النهضة بين إثيوبيا ومصر والسودان تدخل جولة جديدة",
        summary="تتواصل المفاوضات الثلاثية حول ملء وتشغيل السد وسط خلافات على آلية ملزمة لحل النزاعات.",
        keyphrases=["سد النهضة", "المفاوضات الثلاثية", "ملء السد"],
        headline="جولة مفاوضات جديدة حول السد رقم {n}",
    )
    signing_day = arabic.last_activity_at.date() - timedelta(days=1)
    KeyMoment.objects.create(story=arabic, date=signing_day, text="توقيع إعلان المبادئ في الخرطوم")
    english = build_story(
        events=5,
        language="en",
        sources_per_event=3,
        slug="harbour-strike",
        title="Harbour workers strike over pay as negotiations with port authorities collapse",
        summary="Dock workers walked out after talks on a new contract failed.",
        headline="Strike update number {n}",
    )
    KeyMoment.objects.create(
        story=english, date=english.last_activity_at.date(), text="The port authority tables a new offer"
    )
    dossier = dossiers.create_dossier(
        names={"ar": "النيل والموانئ", "en": "The Nile and the ports"}, stories=[arabic, english], user=None
    )
    return {
        "home": "/",
        "dossiers": "/dossiers/",
        "dossier": dossier.get_absolute_url(),
        "story-ar": arabic.get_absolute_url(),
        "story-en": english.get_absolute_url(),
        "search": "/search/?q=%D8%B3%D8%AF",
        "search-en": "/search/?q=strike",
        # The embed speaks its story's language, whatever the reader's browser asks for.
        "embed-ar": f"{arabic.get_absolute_url()}embed/",
        "embed-en": f"{english.get_absolute_url()}embed/",
        "not-found": "/stories/no-such-story/",
    }


def _overflow(page) -> dict:
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => { const r = el.getBoundingClientRect();
                            return r.width && (r.right > root.clientWidth + 1 || r.left < -1); })
            .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + el.getBoundingClientRect().width);
          return {scroll: root.scrollWidth, client: root.clientWidth, wide};
        }"""
    )


def _small_targets(page) -> list[str]:
    """Visible links and controls smaller than 44 px either way."""
    return page.evaluate(
        """(minimum) => [...document.querySelectorAll('a[href], button, select, input:not([type=hidden])')]
          .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
          .filter(el => { const r = el.getBoundingClientRect();
                          return r.width < minimum || r.height < minimum; })
          .map(el => el.tagName + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '" '
                     + Math.round(el.getBoundingClientRect().width) + 'x'
                     + Math.round(el.getBoundingClientRect().height))""",
        MIN_TARGET,
    )


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']}: {node['target']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_reader_pages_reflow_on_phones_with_large_targets_and_no_axe_violation(
    live_server, pages, browser, language
):
    REFLOW_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        # bypass_csp: axe is injected as an inline script, which the site's policy forbids.
        context = browser.new_context(
            locale=language, viewport={"width": width, "height": 800}, bypass_csp=True
        )
        page = context.new_page()
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            if not name.startswith("embed"):
                assert page.locator("html").get_attribute("lang") == language
            label = f"{language}-{width}-{name}"
            page.screenshot(path=str(REFLOW_SCREENSHOTS / f"{label}.png"))
            page.screenshot(path=str(REFLOW_SCREENSHOTS / f"{label}-full.png"), full_page=True)
            overflow = _overflow(page)
            if overflow["scroll"] != overflow["client"]:
                problems.append(f"{label}: scrolls sideways {overflow}")
            if width < 1280 and (small := _small_targets(page)):
                problems.append(f"{label}: targets under {MIN_TARGET}px {small[:12]}")
            if AXE.exists() and (violations := _axe_violations(page)):
                problems.append(f"{label}: axe {violations[:6]}")
        context.close()
    assert problems == [], "\n".join(problems)
    if not AXE.exists():
        pytest.skip("reflow checked, but axe-core is not installed: run scripts/ensure-axe.sh (needs npm)")
