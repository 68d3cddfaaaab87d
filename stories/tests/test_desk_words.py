"""The desk in words: counts in Arabic's six plural forms, language names for codes, no English
left in the Arabic desk, messages that say what happened, an honest quality report, and the
site's own 404 page under DEBUG."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html as lxml_html

from articles.models import Article, Source
from stories.models import AuditEntry, Dossier, KeyMoment, Membership
from stories.services import editing, history
from stories.tests.factories import StoryFactory
from stories.tests.test_admin import desk, do, make_editor, story_with_articles
from stories.tests.test_admin_desk import ALLOWED, english_words

pytestmark = pytest.mark.django_db

# One count in each of Arabic's six plural classes (0, 1, 2, 3 to 10, 11 to 99, 100 and more), as read.
ARTICLES = {
    0: "لا مقالات",
    1: "مقال واحد",
    2: "مقالان",
    3: "3 مقالات",
    10: "10 مقالات",
    11: "11 مقالًا",
    99: "99 مقالًا",
    100: "100 مقال",
    102: "102 مقال",
}
SOURCES = {
    0: "لا مصادر",
    1: "مصدر واحد",
    2: "مصدران",
    3: "3 مصادر",
    10: "10 مصادر",
    11: "11 مصدرًا",
    99: "99 مصدرًا",
    100: "100 مصدر",
    102: "102 مصدر",
}


def _text(response) -> str:
    text = lxml_html.fromstring(response.content.decode()).text_content()
    return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())


@pytest.fixture
def arabic_editor(client):
    client.force_login(make_editor())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ar"
    return client


@pytest.mark.parametrize("n", list(ARTICLES))
def test_a_desk_page_counts_articles_and_sources_in_the_right_arabic_form(arabic_editor, n):
    story = StoryFactory(title="قصة للعد", language="ar", article_count=n, source_count=n)
    size = lxml_html.fromstring(arabic_editor.get(desk(story)).content.decode()).get_element_by_id(
        "story-size"
    )
    assert " ".join(size.text_content().split()) == f"{ARTICLES[n]}، {SOURCES[n]}"


@pytest.mark.parametrize("n", [n for n in ARTICLES if n])
def test_a_reader_page_counts_articles_in_the_right_arabic_form(client, n):
    StoryFactory(title="مفاوضات القاهرة", language="ar", article_count=n, source_count=n)
    page = _text(client.get(reverse("stories:search"), {"q": "القاهرة"}, HTTP_ACCEPT_LANGUAGE="ar"))
    assert "وجدنا قصة واحدة" in page
    assert ARTICLES[n] in page
    # The other forms are not there by mistake ("11 مقالات", "100 مقالًا").
    wrong = {form for count, form in ARTICLES.items() if count and form != ARTICLES[n] and str(n) in form}
    assert not any(form in page for form in wrong)


def test_a_reader_page_says_no_story_was_found_in_the_zero_form(client):
    page = _text(client.get(reverse("stories:search"), {"q": "لاشيءهنا"}, HTTP_ACCEPT_LANGUAGE="ar"))
    assert "لم نجد أي قصة" in page


@pytest.mark.parametrize(
    ("n", "words"), [(0, "لا نتائج"), (1, "نتيجة واحدة"), (2, "نتيجتان"), (3, "3 نتائج"), (12, "12 نتيجة")]
)
def test_the_desk_lists_count_their_rows_in_the_right_arabic_form(arabic_editor, n, words):
    for _ in range(n):
        StoryFactory()
    page = _text(arabic_editor.get(reverse("admin:stories_story_changelist")))
    assert words in page


def test_the_merge_confirmation_counts_the_result_in_the_right_arabic_form(arabic_editor):
    target = StoryFactory(title="هدنة غزة", article_count=7)
    other = StoryFactory(title="مفاوضات الهدنة", article_count=6)
    page = _text(arabic_editor.post(do(target, "merge"), {"others": [str(other.pk)]}))
    assert "بعد الدمج: قصة واحدة، «هدنة غزة»، فيها 13 مقالة." in page


# --- Language names, never codes ------------------------------------------------------------


def test_lists_show_language_names_not_codes(arabic_editor):
    story = story_with_articles(2, title="Derna floods", language="en")
    Source.objects.update(language="en")
    KeyMoment.objects.create(
        story=story, date=story.first_activity_at.date(), text="Dam breaks", language="en"
    )
    for url, cell in [
        (reverse("admin:stories_story_changelist"), "field-language_column"),
        (reverse("admin:articles_article_changelist"), "field-language_column"),
        (reverse("admin:stories_keymoment_changelist"), "field-language_column"),
        (reverse("admin:articles_source_changelist"), "field-language_column"),
    ]:
        tree = lxml_html.fromstring(arabic_editor.get(url).content.decode())
        cells = {" ".join(td.text_content().split()) for td in tree.find_class(cell)}
        assert cells == {"الإنجليزية"}, url
    filters = " ".join(
        lxml_html.fromstring(arabic_editor.get(reverse("admin:stories_story_changelist")).content.decode())
        .get_element_by_id("changelist-filter")
        .text_content()
        .split()
    )
    assert "الإنجليزية" in filters


def test_the_story_list_shows_the_name_readers_see_its_language_and_the_newest_headline(arabic_editor):
    story = story_with_articles(2, title="Tehran bazaar merchants strike", language="en")
    story.labels = {"en": "Iran protests", "ar": "احتجاجات إيران"}
    story.save(update_fields=["labels"])
    newest = story.events.order_by("-occurred_at", "-pk").first()
    tree = lxml_html.fromstring(arabic_editor.get(reverse("admin:stories_story_changelist")).content.decode())
    (cell,) = tree.find_class("field-title_column")
    (name,) = cell.find_class("story-name")
    assert name.text_content() == "احتجاجات إيران" and name.get("lang") == "ar"
    assert cell.find_class("language-name")[0].text_content() == "العربية"
    assert cell.find_class("newest-headline")[0].text_content() == newest.headline


# --- No English left --------------------------------------------------------------------------

# The desk test's codes and units, but no language code: languages are shown by name now.
STRICT_ALLOWED = (ALLOWED - {"ar", "en"}) | {"F1"}


def test_no_latin_word_in_the_arabic_desk_chrome_on_every_desk_page(client):
    editor = get_user_model().objects.create_superuser("محرر", password="a long passphrase 9")
    client.force_login(editor)
    story = story_with_articles(3, title="احتجاجات طهران", language="ar")
    other = story_with_articles(1, title="إضراب البازار", language="ar")
    editing.merge_stories(target=story, others=[other], user=editor)
    KeyMoment.objects.create(story=story, date=story.first_activity_at.date(), text="بداية", language="ar")
    dossier = Dossier.objects.create(slug="iran", names={"ar": "إيران"}, story_count=1, article_count=3)
    Article.objects.update(title="تقرير من طهران")  # data, not chrome: the desk shows it as it is
    Membership.objects.update(score=0.2)
    entry = AuditEntry.objects.first()
    pages = {
        "index": reverse("admin:index"),
        "stories": reverse("admin:stories_story_changelist"),
        "stories searched": reverse("admin:stories_story_changelist") + "?q=طهران",
        "desk": desk(story),
        "review": reverse("admin:stories_review_queue"),
        "quality": reverse("admin:stories_quality_report"),
        "audit": reverse("admin:stories_auditentry_changelist"),
        "audit entry": reverse("admin:stories_auditentry_change", args=[entry.pk]),
        "undo": reverse("admin:stories_auditentry_undo", args=[entry.pk]),
        "articles": reverse("admin:articles_article_changelist"),
        "events": reverse("admin:stories_event_changelist"),
        "key moments": reverse("admin:stories_keymoment_changelist"),
        "exclusions": reverse("admin:stories_exclusion_changelist"),
        "dossiers": reverse("admin:stories_dossier_changelist"),
        "dossier": reverse("admin:stories_dossier_change", args=[dossier.pk]),
        "new dossier": reverse("admin:stories_dossier_add"),
        "sources": reverse("admin:articles_source_changelist"),
    }
    untranslated = {}
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, name
        found = english_words(response.content.decode()) - STRICT_ALLOWED
        if found:
            untranslated[name] = sorted(found)
    assert untranslated == {}, untranslated
    # Field labels, read-only values' labels and filter titles too (the INTERFACE paths
    # above do not reach every <label>-less read-only row).
    page = client.get(reverse("admin:stories_dossier_change", args=[dossier.pk]), HTTP_ACCEPT_LANGUAGE="ar")
    assert not re.search(r"\b(Slug|Merged into|Decided by)\b", page.content.decode())


# --- Messages say what happened ---------------------------------------------------------------


def test_saving_a_dossier_says_it_was_changed_and_creating_one_that_it_was_added(arabic_editor):
    response = arabic_editor.post(
        reverse("admin:stories_dossier_add"),
        {"name_ar": "كأس العرب", "name_en": "", "add_stories": ""},
        follow=True,
    )
    assert "نجحت إضافة" in _text(response)
    dossier = Dossier.objects.get()
    response = arabic_editor.post(
        reverse("admin:stories_dossier_change", args=[dossier.pk]),
        {"name_ar": "كأس العرب ٢٠٢٥", "name_en": "", "add_stories": "", "split_name": ""},
        follow=True,
    )
    page = _text(response)
    assert "نجح تعديل" in page and "نجحت إضافة" not in page


def test_list_actions_say_how_many_stories_they_changed(arabic_editor):
    stories = [StoryFactory(is_published=False) for _ in range(3)]
    response = arabic_editor.post(
        reverse("admin:stories_story_changelist"),
        {"action": "publish_selected", "_selected_action": [s.pk for s in stories]},
        follow=True,
    )
    assert "نُشرت 3 قصص." in _text(response)


# --- The quality report -----------------------------------------------------------------------


def test_undone_merges_count_as_no_correction_and_the_report_says_they_were_undone(client):
    editor = make_editor()
    client.force_login(editor)
    stories = [story_with_articles(2, title=f"Story {n}") for n in range(5)]
    editing.merge_stories(target=stories[0], others=[stories[1]], user=editor)
    editing.merge_stories(target=stories[2], others=[stories[3]], user=editor)
    for entry in AuditEntry.objects.filter(action="merge"):
        history.undo(entry=entry, user=editor)
    page = _text(client.get(reverse("admin:stories_quality_report"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Editors made 0 corrections" in page
    assert "2 actions were undone; they count as none." in page
    assert "1,000" not in page and "1.000" not in page

    editing.merge_stories(target=stories[0], others=[stories[4]], user=editor)
    page = _text(client.get(reverse("admin:stories_quality_report"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Editors made 1 correction (merge, split, pin or exclusion)." in page
    figures = lxml_html.fromstring(
        client.get(reverse("admin:stories_quality_report"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    ).get_element_by_id("quality")
    cells = [" ".join(td.text_content().split()) for td in figures.xpath("./tbody/tr[1]/td")]
    assert cells[6:8] == ["1", "2"]  # corrections, undone


# --- 404 under DEBUG ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/no-such-page/", "/stories/no-such-story/", "/admin/stories/nothing-here/"]
)
def test_under_debug_a_missing_page_is_the_sites_own_404(client, settings, path):
    settings.DEBUG = True
    client.force_login(make_editor())
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html and 'class="site-header"' in html
    assert "URLconf" not in html and "NOARCHIVE" not in html
