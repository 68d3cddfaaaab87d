"""Hostile text from feeds (and from editors) is shown as text, never run, in every page.

Feeds are written by strangers: a headline can carry `<script>`, an `onerror=` handler or a
`javascript:` link. Each page is parsed, and the test fails if any script element other than
our own htmx, any on* attribute, or any javascript: URL appears — and also if the payload is
missing altogether, so a page that simply stopped showing the field cannot pass.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from defusedxml import ElementTree
from django.db import connections
from django.urls import reverse

from articles import services
from articles.tests.factories import BASE_TIME, ArticleFactory, SourceFactory
from stories.models import Dossier, KeyMoment, Membership
from stories.tests.factories import EventFactory, StoryFactory

SCRIPT = "<script>alert('title')</script>"
IMG = '<img src=x onerror="alert(`img`)">'
SVG = '"><svg onload=alert("svg")>'
QUOTE = "' onmouseover='alert(1)' x='"
JS_TEXT = "javascript:alert('text')"
CLOSE_TITLE = "</title><script>alert('head')</script>"
PAYLOADS = [SCRIPT, IMG, SVG, QUOTE, JS_TEXT, CLOSE_TITLE]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "hx-get", "hx-post"}
# Our own files (htmx, the admin's scripts); a payload cannot produce one without breaking escaping first.
OWN_SCRIPTS = ("/static/", "/admin/jsi18n/")


class _Audit(HTMLParser):
    """Everything in a page that could run: script elements, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.foreign_scripts: list[str] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith(OWN_SCRIPTS):
            self.foreign_scripts.append(str(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value and "".join(value.split()).lower().startswith("javascript:"):
                self.script_urls.append(f"<{tag} {name}={value!r}>")
            if value:
                self.text.append(value)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(html: str, *, must_show: list[str]) -> None:
    page = audit(html)
    assert page.foreign_scripts == []
    assert page.handlers == []
    assert page.script_urls == []
    shown = "\n".join(page.text)
    for payload in must_show:
        # The text a reader sees is the payload, character for character: escaped, not stripped.
        assert payload in shown, f"{payload!r} is not shown on the page"


def build_hostile_story():
    """A story where every text field a stranger or a careless editor can fill is a payload."""
    source = SourceFactory(name=f"Outlet {IMG}", language="en")
    dossier = Dossier.objects.create(
        slug="hostile-dossier",
        names={"en": f"Dossier {SVG}"},
        editor_names={"en": f"Dossier {IMG}"},
        story_count=1,
        article_count=2,
        last_activity_at=BASE_TIME + timedelta(hours=1),
    )
    story = StoryFactory(
        dossier=dossier,
        slug="hostile",
        title=f"Hostile {SCRIPT}",
        titles={"en": f"Hostile {SCRIPT}", "ar": f"Hostile {SCRIPT}"},
        summary=f"Summary {SVG}",
        keyphrases=[CLOSE_TITLE],
        language="en",
        article_count=2,
        source_count=1,
        language_counts={"en": 2},
        first_activity_at=BASE_TIME,
        last_activity_at=BASE_TIME + timedelta(hours=1),
    )
    articles = [
        ArticleFactory(
            source=source,
            title=f"Hostile headline {SCRIPT} {QUOTE}",
            summary=f"Hostile summary {IMG}",
            text=f"Hostile body {SVG} {JS_TEXT}",
            published_at=BASE_TIME + timedelta(minutes=n),
            url=f"https://outlet.example/hostile/{n}",
        )
        for n in range(2)
    ]
    event = EventFactory(
        story=story,
        occurred_at=BASE_TIME,
        headline=f"Event {SCRIPT} {QUOTE}",
        representative_article=articles[0],
        article_count=2,
        is_key_moment=True,
    )
    for article in articles:
        Membership.objects.create(article=article, story=story, event=event, score=0.9)
    KeyMoment.objects.create(story=story, date=BASE_TIME.date(), text=f"Moment {IMG}", article=articles[0])
    return story


@pytest.fixture
def hostile_story(db):
    return build_hostile_story()


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")


# --- Reader pages ----------------------------------------------------------------------------


def test_the_story_page_shows_hostile_text_as_text(client, hostile_story):
    response = client.get(hostile_story.get_absolute_url(), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert_inert(response.content.decode(), must_show=[SCRIPT, SVG, CLOSE_TITLE, IMG, QUOTE])


def test_the_story_page_title_element_is_not_closed_by_a_headline(client, hostile_story):
    html = client.get(hostile_story.get_absolute_url()).content.decode()
    head = html.split("</head>", 1)[0]
    assert head.count("<title>") == 1 and head.count("</title>") == 1
    assert "&lt;script&gt;" in head


def test_the_timeline_fragment_shows_hostile_text_as_text(client, hostile_story):
    response = client.get(hostile_story.get_absolute_url(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert_inert(response.content.decode(), must_show=[SCRIPT, QUOTE])


def test_the_home_page_shows_hostile_text_as_text(client, hostile_story):
    response = client.get(reverse("stories:home"))
    assert response.status_code == 200
    assert_inert(response.content.decode(), must_show=[SCRIPT, IMG])


def test_the_embed_shows_hostile_text_as_text(client, hostile_story):
    response = client.get(reverse("stories:embed", kwargs={"slug": hostile_story.slug}))
    assert response.status_code == 200
    assert_inert(response.content.decode(), must_show=[SCRIPT, QUOTE, IMG])


def test_search_results_and_the_echoed_query_are_text(client, hostile_story):
    response = client.get(reverse("stories:search"), {"q": f"hostile {SCRIPT}"})
    assert response.status_code == 200
    assert_inert(response.content.decode(), must_show=[f"hostile {SCRIPT}"])


def feed_summaries(xml: bytes) -> list[str]:
    """Each entry's summary (Atom) or description (RSS), and the feed's own, as a reader gets them."""
    root = ElementTree.fromstring(xml)
    atom = "{http://www.w3.org/2005/Atom}"
    elements = [*root.iter(f"{atom}summary"), *root.iter(f"{atom}subtitle"), *root.iter("description")]
    return [element.text or "" for element in elements]


@pytest.mark.parametrize("name", ["feed_atom", "feed_rss"])
def test_feed_summaries_are_inert_html_showing_the_payload_as_text(client, hostile_story, name):
    response = client.get(reverse(f"stories:{name}", kwargs={"slug": hostile_story.slug}))
    summaries = feed_summaries(response.content)
    assert len(summaries) == 2  # the story's summary and its one event's
    for summary in summaries:
        # Rendered as HTML (as most readers do, whatever the declared type), it is text.
        assert_inert(summary, must_show=[])
    assert_inert("".join(summaries), must_show=[IMG, SVG])
    if name == "feed_atom":
        types = {
            e.get("type") for e in ElementTree.fromstring(response.content).iter() if e.text in summaries
        }
        assert types == {"html"}


def test_the_story_feeds_escape_hostile_text(client, hostile_story):
    atom = client.get(reverse("stories:feed_atom", kwargs={"slug": hostile_story.slug})).content.decode()
    assert "<script>" not in atom
    feed = json.loads(client.get(reverse("stories:feed_json", kwargs={"slug": hostile_story.slug})).content)
    # JSON Feed carries text; content_html, when present, must be free of script.
    for item in feed["items"]:
        assert "<script" not in item.get("content_html", "")


FEEDS = [
    ("stories:feed_atom", "hostile"),
    ("stories:feed_rss", "hostile"),
    ("stories:feed_json", "hostile"),
    ("stories:dossier_feed_atom", "hostile-dossier"),
    ("stories:dossier_feed_json", "hostile-dossier"),
]
# Fields that are HTML by declaration; their markup is checked by assert_inert, not here.
HTML_FIELDS = {"summary", "subtitle", "description", "content_html", "content"}


def feed_text_fields(body: bytes) -> list[tuple[str, str]]:
    """Every (field, text) of a feed: XML element texts and attribute values, or JSON strings."""
    try:
        data = json.loads(body)
    except ValueError:
        fields = []
        for element in ElementTree.fromstring(body).iter():
            name = element.tag.rsplit("}", 1)[-1]
            fields.append((name, element.text or ""))
            fields.extend((f"{name}@{attribute}", value) for attribute, value in element.attrib.items())
        return fields

    def walk(value, name):
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, dict):
            for key, inner in value.items():
                yield from walk(inner, key)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner, name)

    return list(walk(data, ""))


@pytest.mark.parametrize(("url_name", "slug"), FEEDS)
def test_every_plain_text_field_of_every_feed_carries_no_markup(client, hostile_story, url_name, slug):
    response = client.get(reverse(url_name, kwargs={"slug": slug}))
    assert response.status_code == 200
    fields = feed_text_fields(response.content)
    plain = [(name, text) for name, text in fields if name not in HTML_FIELDS]
    # The hostile story's words are there (the fields were not emptied)...
    assert any("Hostile" in text or "Dossier" in text for _name, text in plain)
    for name, text in plain:
        # ...and no field holds anything a reader putting it into a page as HTML would parse as a tag.
        assert not re.search(r"<[A-Za-z/!?]", text), (name, text)
    for name, text in fields:
        if name in HTML_FIELDS:
            assert_inert(text, must_show=[])


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.domain)", " JaVaScRiPt:alert(1)", "data:text/html,x"]
)
def test_bulk_import_refuses_a_script_url_so_it_never_becomes_a_link(db, url):
    """Bulk import takes URLs from a file; the templates trust Article.url as an http(s) link."""
    summary = services.import_articles(
        records=iter(
            [(1, {"id": "x1", "url": url, "title": "Imported headline", "text": "Body text. " * 20})]
        ),
        source_name="Import",
    )
    assert summary.created == 0
    assert len(summary.errors) == 1 and "line 1" in summary.errors[0]
    assert not services.Article.objects.exists()


# --- Admin pages -----------------------------------------------------------------------------


def test_admin_story_pages_show_hostile_text_as_text(client, editor, hostile_story):
    client.force_login(editor)
    changelist = client.get(reverse("admin:stories_story_changelist"))
    assert changelist.status_code == 200
    assert_inert(changelist.content.decode(), must_show=[SCRIPT])
    desk = client.get(reverse("admin:stories_story_change", args=[hostile_story.pk]))
    assert desk.status_code == 200
    assert_inert(desk.content.decode(), must_show=[SCRIPT, QUOTE])


def test_admin_article_and_source_pages_show_hostile_text_as_text(client, editor, hostile_story):
    client.force_login(editor)
    for url, shown in [
        (reverse("admin:articles_article_changelist"), [SCRIPT]),
        (reverse("admin:articles_source_changelist"), [IMG]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), must_show=shown)


def test_the_review_queue_and_audit_trail_show_hostile_text_as_text(client, editor, hostile_story):
    from stories.services import editing

    client.force_login(editor)
    editing.rename_story(story=hostile_story, title=f"Renamed {SVG}", user=editor)
    for url in (reverse("admin:stories_review_queue"), reverse("admin:stories_auditentry_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), must_show=[])


# --- In a browser ----------------------------------------------------------------------------


@pytest.fixture
def live_hostile_story(transactional_db, monkeypatch, django_user_model):
    """The story and an editor's session cookie, made before the browser starts.

    Once Playwright runs its event loop, ORM calls in this thread get a new connection, and
    the one made before would stay open and keep the test database from being dropped.
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    from django.test import Client

    story = build_hostile_story()
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")
    session = Client()
    session.force_login(editor)
    connections.close_all()
    return story, session.cookies["sessionid"].value


@pytest.mark.browser
def test_no_payload_runs_in_a_real_browser(live_hostile_story, browser, live_server):
    story, session_id = live_hostile_story
    host = live_server.url.split("//", 1)[1].split(":")[0]

    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": session_id, "domain": host, "path": "/"}])
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Every script the page runs is either the htmx file or a payload; a payload that runs
    # marks the window. Violations of the Content-Security-Policy are collected too: our own
    # pages must not cause any.
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    slug = story.slug
    urls = [
        f"/stories/{slug}/",
        "/",
        f"/stories/{slug}/embed/",
        "/search/?q=hostile",
        reverse("admin:stories_story_change", args=[story.pk]),
        reverse("admin:articles_article_changelist"),
    ]
    for path in urls:
        page.goto(live_server.url + path, wait_until="load")
        page.wait_for_timeout(200)
        assert page.evaluate("document.querySelectorAll('svg[onload], img[onerror]').length") == 0, path
        if path.startswith("/stories/") and not path.endswith("embed/"):
            visible = page.inner_text("body")
            assert SCRIPT in visible, path
        violations = page.evaluate("window.__violations")
        # A blocked script is a payload that got parsed as markup (escaping failed, the CSP
        # saved us) or our own code needing eval: both are failures. The reader pages must be
        # free of style violations too; the admin desk is not yet (its <style> block).
        if path.startswith("/admin/"):
            violations = [v for v in violations if not v.startswith("style-src")]
        assert violations == [], (path, violations)
    assert dialogs == []
    context.close()


@pytest.mark.browser
def test_no_field_of_any_feed_runs_in_a_naive_reader(live_hostile_story, browser, live_server):
    """A reader that puts every text of every feed into a page as HTML: titles, categories,
    tags, names, attribute values, JSON strings — on about:blank, with no sanitiser and no CSP."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("about:blank")
    for url_name, slug in FEEDS:
        body = context.request.get(live_server.url + reverse(url_name, kwargs={"slug": slug})).body()
        texts = [text for _name, text in feed_text_fields(body) if text.strip()]
        page.evaluate(
            """texts => { for (const text of texts) {
                const box = document.createElement("div");
                box.innerHTML = text;
                document.body.append(box);
            } }""",
            texts,
        )
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelectorAll('img, svg, script, iframe').length") == 0, url_name
        assert "Hostile" in page.inner_text("body") or "Dossier" in page.inner_text("body"), url_name
        page.evaluate("document.body.replaceChildren()")
    assert dialogs == []
    context.close()


@pytest.mark.browser
def test_no_payload_runs_when_a_naive_reader_renders_the_feeds(live_hostile_story, browser, live_server):
    """A feed reader that puts each summary into a page as HTML, with no sanitiser and no CSP.

    The page is about:blank, not ours: our Content-Security-Policy would block an inline
    handler and hide an unsafe feed.
    """
    story, _session_id = live_hostile_story
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("about:blank")
    for name, selector in (("feed_atom", "entry > summary, feed > subtitle"), ("feed_rss", "description")):
        xml = context.request.get(
            live_server.url + reverse(f"stories:{name}", kwargs={"slug": story.slug})
        ).text()
        shown = page.evaluate(
            """([xml, selector]) => {
                const feed = new DOMParser().parseFromString(xml, "application/xml");
                const summaries = [...feed.querySelectorAll(selector)];
                for (const summary of summaries) {
                    const box = document.createElement("div");
                    box.innerHTML = summary.textContent;
                    document.body.append(box);
                }
                return summaries.length;
            }""",
            [xml, selector],
        )
        assert shown == 2, name
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelectorAll('img, svg, script').length") == 0, name
        # The reader sees what the outlet wrote, character for character.
        assert IMG in page.inner_text("body"), name
        page.evaluate("document.body.replaceChildren()")
    assert dialogs == []
    context.close()
