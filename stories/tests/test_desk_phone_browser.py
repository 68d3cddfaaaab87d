"""Every desk page at 390 px and 1280 px, in Arabic and English, in Debian's Chromium.

On the demo corpus: no page scrolls sideways (nor any box inside it), no rendered line splits
an Arabic word (measured with the Range API: a word whose characters lie on two lines), column
heads never break inside a word, and at 390 px every control is at least 44 px tall and wide.
Screenshots go to test-output/screenshots/desk-phone/ for a person to look at.
"""

# ruff: noqa: E501 - the measurements are JavaScript, one statement a line
from __future__ import annotations

import pytest
from django.apps import apps as django_apps

from conftest import BROWSER_TESTS, SCREENSHOTS
from stories.models import AuditEntry, Dossier, KeyMoment, Membership, Story
from stories.services import editing
from stories.tests import test_admin_desk_browser as desk_browser
from stories.tests.test_admin import DOSSIERS_MIGRATION
from stories.tests.test_admin_desk_browser import _log_in, sideways_overflow

demo = desk_browser.demo  # the demo corpus and an editor (a fixture)


@pytest.fixture
def editor(demo):
    """The demo's editor, with the dossier permissions (a flushed database lost the migration's)."""
    DOSSIERS_MIGRATION.grant(django_apps, None)
    return demo


pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]

PHONE_SHOTS = SCREENSHOTS / "desk-phone"
MIN_TARGET = 44

# Arabic words whose letters are on more than one line: each word of each visible text node is
# a Range; its client rects on different lines (tops more than half a line apart) split it.
SPLIT_ARABIC_WORDS = """() => {
  const split = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const word = /[\\u0621-\\u064a\\u0660-\\u0669\\u0671-\\u06d3\\u064b-\\u065f\\u0640]+/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, option, select, .select2-hidden-accessible, [hidden]')) continue;
    for (const match of node.data.matchAll(word)) {
      if (match[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      if (rects.length < 2) continue;
      const tops = rects.map(r => r.top);
      const line = Math.min(...rects.map(r => r.height));
      if (Math.max(...tops) - Math.min(...tops) > line / 2) split.push(match[0]);
    }
  }
  return split.slice(0, 12);
}"""

# Column heads whose words break inside (a head on two lines is fine, a word on two is not).
SPLIT_HEAD_WORDS = """() => {
  const split = [];
  for (const th of document.querySelectorAll('#result_list thead th, .desk thead th, #content-main thead th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top));
        if (new Set(tops).size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""

SMALL_TARGETS = """(minimum) => [...document.querySelectorAll(
    '#content a[href], #content button, #content select, #content input:not([type=hidden]), #content textarea,'
    + ' #header a[href], #header button, .breadcrumbs a[href], #changelist-filter a[href], .paginator a[href]')]
  .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden, .select2-hidden-accessible'))
  .filter(el => { const r = el.getBoundingClientRect(); return r.width < minimum || r.height < minimum; })
  .map(el => el.tagName + '.' + el.className + ' "' + (el.textContent || el.value || el.name || '').trim().slice(0, 24)
             + '" ' + Math.round(el.getBoundingClientRect().width) + 'x' + Math.round(el.getBoundingClientRect().height))"""

# A form posted from the page, as the desk's buttons post it (the admin's own CSRF token).
POST = """([url, fields]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = url;
  const token = document.querySelector('input[name=csrfmiddlewaretoken]');
  for (const [name, value] of [...fields, ['csrfmiddlewaretoken', token.value]]) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def desk_pages(editor) -> tuple[dict[str, str], dict[str, tuple[str, list[tuple[str, str]]]]]:
    """Every desk page (GET) and every confirmation (a POST that answers with a page)."""
    stories = list(Story.objects.visible().order_by("-article_count", "pk"))
    biggest, other, small = stories[0], stories[1], stories[-1]
    editing.set_locked(story=biggest, user=editor, locked=True)
    editing.merge_stories(target=biggest, others=[small], user=editor)
    dossier = Dossier.objects.filter(merged_into__isnull=True).first() or Dossier.objects.create(
        slug="desk-file", names={"ar": "ملف المكتب", "en": "Desk file"}
    )
    article = Membership.objects.filter(story=biggest).select_related("article").first().article
    merge = AuditEntry.objects.filter(action="merge").first()
    moment = KeyMoment.objects.first()
    pages = {
        "index": "/admin/",
        "stories": "/admin/stories/story/",
        "stories-search": "/admin/stories/story/?q=%D8%A7%D9%8A%D8%B1%D8%A7%D9%86",
        "desk": f"/admin/stories/story/{biggest.pk}/change/",
        "review": "/admin/stories/story/review/",
        "quality": "/admin/stories/story/quality/",
        "audit": "/admin/stories/auditentry/",
        "audit-entry": f"/admin/stories/auditentry/{merge.pk}/change/",
        "undo": f"/admin/stories/auditentry/{merge.pk}/undo/",
        "articles": "/admin/articles/article/",
        "article": f"/admin/articles/article/{article.pk}/change/",
        "sources": "/admin/articles/source/",
        "source": f"/admin/articles/source/{article.source_id}/change/",
        "events": "/admin/stories/event/",
        "key-moments": "/admin/stories/keymoment/",
        "exclusions": "/admin/stories/exclusion/",
        "dossiers": "/admin/stories/dossier/",
        "dossier": f"/admin/stories/dossier/{dossier.pk}/change/",
        "dossier-add": "/admin/stories/dossier/add/",
    }
    if moment is not None:
        pages["key-moment"] = f"/admin/stories/keymoment/{moment.pk}/change/"
    do = f"/admin/stories/story/{biggest.pk}/do/"
    confirmations = {
        "merge-confirm": (f"{do}merge/", [("others", str(other.pk))]),
        "split-confirm": (f"{do}split/", [("split_article", str(article.pk)), ("new_title", "")]),
        "move-confirm": (f"{do}move/", [("article", str(article.pk)), ("target", str(other.pk))]),
        "list-merge-confirm": (
            "/admin/stories/story/",
            [
                ("action", "merge_selected"),
                ("_selected_action", str(biggest.pk)),
                ("_selected_action", str(other.pk)),
            ],
        ),
    }
    return pages, confirmations


def _shots(page, name: str) -> None:
    """The whole page, and its first screen at full size (a long page is shrunk to be viewed)."""
    page.screenshot(path=str(PHONE_SHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(PHONE_SHOTS / f"{name}-first-screen.png"))


# What sticks out of the window, to say in a failure where the sideways scroll comes from.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = (r) => r.right > width + 0.5 || r.left < -0.5;
  const boxes = [...document.querySelectorAll('body *')]
    .filter(el => out(el.getBoundingClientRect()))
    .map(el => `${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(el.getBoundingClientRect().left)}..${Math.round(el.getBoundingClientRect().right)}`);
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(out)) texts.push(`text in ${node.parentElement.tagName.toLowerCase()}.${node.parentElement.className}: ${node.data.trim().slice(0, 30)}`);
  }
  // The deepest element whose absence ends the overflow.
  const root = document.documentElement;
  const overflowing = () => root.scrollWidth > root.clientWidth;
  let culprit = document.body;
  for (let found = true; found; ) {
    found = false;
    for (const child of culprit.children) {
      const before = child.style.display;
      child.style.display = 'none';
      const fixed = !overflowing();
      child.style.display = before;
      if (fixed) { culprit = child; found = true; break; }
    }
  }
  const named = `${culprit.tagName.toLowerCase()}#${culprit.id}.${culprit.className}`;
  return [...boxes.slice(-4), ...texts.slice(0, 4), `culprit ${named}`];
}"""


def _check(page, name: str) -> list[str]:
    problems = []
    if wide := sideways_overflow(page):
        problems.append(f"{name}: sideways {wide[:4]} {page.evaluate(STICKING_OUT)}")
    if split := page.evaluate(SPLIT_ARABIC_WORDS):
        problems.append(f"{name}: Arabic words split across lines {split}")
    if heads := page.evaluate(SPLIT_HEAD_WORDS):
        problems.append(f"{name}: column heads broken inside a word {heads}")
    return problems


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_desk_page_fits_keeps_words_whole_and_has_large_targets(
    live_server, browser, editor, language, width
):
    pages, confirmations = desk_pages(editor)
    PHONE_SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = []
    try:
        _log_in(page, live_server.url)
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            _shots(page, f"{language}-{width}-{name}")
            problems += _check(page, name)
            if width < 768 and (small := page.evaluate(SMALL_TARGETS, MIN_TARGET)):
                problems.append(f"{name}: targets under {MIN_TARGET}px {small[:8]}")
        for name, (url, fields) in confirmations.items():
            page.goto(f"{live_server.url}/admin/stories/story/")
            with page.expect_navigation():
                page.evaluate(POST, [url, fields])
            assert page.locator("#content .confirm, #confirm-action").count(), name
            _shots(page, f"{language}-{width}-{name}")
            problems += _check(page, name)
            if width < 768 and (small := page.evaluate(SMALL_TARGETS, MIN_TARGET)):
                problems.append(f"{name}: targets under {MIN_TARGET}px {small[:8]}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
