"""The desk says what it will do before it does it, in words, and in the editor's language."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html as lxml_html

from articles.models import Article
from stories.desk import views as desk_views
from stories.models import AuditEntry, Membership, Story
from stories.services import editing, history
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.tests.test_admin import desk, do, make_editor, story_with_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_editor())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text_of(response) -> str:
    # Without the directional isolates that keep titles in their own direction.
    text = lxml_html.fromstring(response.content.decode()).text_content()
    return " ".join(text.replace("\u2068", "").replace("\u2069", "").split())


# --- Merge, split and move: shown before done -------------------------------------------


def test_a_desk_merge_first_shows_the_stories_their_counts_and_the_result(editor_client):
    target = story_with_articles(3, title="Floods in Derna")
    other = story_with_articles(2, title="Derna dam collapse")

    response = editor_client.post(do(target, "merge"), {"others": [str(other.pk)]})

    assert response.status_code == 200
    page = text_of(response)
    assert f"#{other.pk} · Derna dam collapse (2 articles)" in page
    assert "The 2 articles of the stories above move into" in page
    assert "one story, “Floods in Derna”, with 5 articles" in page
    other.refresh_from_db()
    assert other.merged_into is None  # nothing done yet
    form = lxml_html.fromstring(response.content.decode()).get_element_by_id("confirm-action").getparent()
    carried = {i.get("name"): i.get("value") for i in form.getparent().iter("input")}
    assert carried["others"] == str(other.pk) and carried["confirmed"] == "1"

    editor_client.post(do(target, "merge"), {"others": [str(other.pk)], "confirmed": "1"})
    other.refresh_from_db()
    assert other.merged_into == target


def test_a_split_first_names_the_articles_and_what_is_left(editor_client):
    story = story_with_articles(3, title="Sudan talks")
    chosen = Membership.objects.filter(story=story).select_related("article").order_by("pk")[0]

    response = editor_client.post(
        do(story, "split"), {"split_article": [chosen.article_id], "new_title": "Truce"}
    )

    page = text_of(response)
    assert chosen.article.title in page
    assert "into a new story, “Truce”" in page
    assert "“Sudan talks” keeps 2 articles." in page
    assert Story.objects.count() == 1


def test_splitting_every_article_out_warns_the_story_will_not_be_shown(editor_client):
    story = story_with_articles(1, title="Small")
    target = story_with_articles(4, title="Big")
    article = Membership.objects.get(story=story).article_id

    page = text_of(
        editor_client.post(do(story, "split"), {"split_article": [article], "target": str(target.pk)})
    )

    assert "which will then hold 5 articles" in page
    assert "“Small” is left without articles and is hidden from readers." in page


def test_a_move_first_says_where_the_article_goes_and_what_it_leaves(editor_client):
    story = story_with_articles(3, title="Quake")
    target = story_with_articles(1, title="Aftershock")
    article = Membership.objects.filter(story=story).first().article

    page = text_of(editor_client.post(do(story, "move"), {"article": article.pk, "target": str(target.pk)}))

    assert f"“{article.title}” moves into #{target.pk} · Aftershock (1 article)" in page
    assert "which keeps 2 articles" in page


def test_the_story_picker_finds_live_stories_by_title_or_number(editor_client):
    live = story_with_articles(2, title="Derna floods")
    gone = story_with_articles(1, title="Derna dam")
    editing.merge_stories(target=live, others=[gone], user=None)
    url = reverse("admin:stories_story_pick")
    params = {"app_label": "stories", "model_name": "story", "field_name": "merged_into"}

    by_title = editor_client.get(url, {**params, "term": "Derna"}).json()["results"]
    by_number = editor_client.get(url, {**params, "term": f"#{live.pk}"}).json()["results"]

    assert by_title == [{"id": str(live.pk), "text": f"#{live.pk} · \u2068Derna floods\u2069 (3 articles)"}]
    assert by_number == by_title


def test_the_desk_offers_the_picker_for_merging_and_moving(editor_client):
    story = story_with_articles(2)
    page = editor_client.get(desk(story)).content.decode()
    assert 'id="merge-others"' in page and "admin-autocomplete" in page
    assert 'id="split-target"' in page
    assert "admin/js/autocomplete.js" in page


# --- Undo and the audit trail in words ----------------------------------------------------


def test_the_undo_confirmation_says_which_articles_go_back_where(editor_client):
    target = story_with_articles(2, title="Protests in Tehran")
    other = story_with_articles(2, title="Bazaar strike")
    titles = list(Membership.objects.filter(story=other).values_list("article__title", flat=True))
    editing.merge_stories(target=target, others=[other], user=None)
    entry = AuditEntry.objects.get(action="merge")

    response = editor_client.get(reverse("admin:stories_auditentry_undo", args=[entry.pk]))

    page = text_of(response)
    assert "Merged “Bazaar strike” into “Protests in Tehran” (2 articles moved)." in page
    assert "2 articles move from “Protests in Tehran” back to “Bazaar strike”:" in page
    assert all(title in page for title in titles)
    assert "“Bazaar strike” becomes a story of its own again" in page
    assert "{" not in page and "'memberships'" not in page


def test_the_undo_of_a_split_names_the_story_it_made(editor_client):
    story = story_with_articles(3, title="Elazig quake")
    moved = Membership.objects.filter(story=story).first().article_id
    new = editing.split_story(story=story, user=None, article_ids=[moved], title="Aftershock")
    entry = AuditEntry.objects.get(action="split")

    page = text_of(editor_client.get(reverse("admin:stories_auditentry_undo", args=[entry.pk])))

    assert "Moved 1 article out of “Elazig quake” into a new story, “Aftershock”." in page
    assert "1 article move from “Aftershock” back to “Elazig quake”:" in page
    assert f"“{new.display_title}”, which the split made, is left without articles" in page


def test_the_audit_trail_lists_each_action_as_a_sentence(editor_client):
    story = story_with_articles(2, title="Lisbon summit")
    article = Membership.objects.filter(story=story).first().article
    editing.exclude_article(article=article, story=story, user=None)
    editing.set_locked(story=story, user=None, locked=True)
    history.undo(entry=AuditEntry.objects.get(action="lock"), user=None)

    page = text_of(editor_client.get(reverse("admin:stories_auditentry_changelist")))

    assert f"Took “{article.title}” out of “Lisbon summit” for good." in page
    assert "Undid: “Lisbon summit” locked: no automatic merges." in page


def test_the_desk_says_who_placed_each_article_and_how_sure(editor_client):
    story = StoryFactory()
    event = EventFactory(story=story)
    # Scores are the linker's probabilities; the bands follow its learned threshold.
    uncertain = round(desk_views.assign_threshold() + 0.02, 2)
    sure = round(desk_views.assign_threshold() + 3 * desk_views.REVIEW_MARGIN + 0.05, 2)
    MembershipFactory(event=event, score=0.0)
    MembershipFactory(event=event, score=uncertain)
    MembershipFactory(event=event, score=sure)
    MembershipFactory(event=event, score=0.3, decided_by="editor", is_pinned=True)
    editing.refresh_story_stats(story_ids=[story.pk])

    page = text_of(editor_client.get(desk(story)))

    assert "engine — started this story" in page
    assert f"engine, {uncertain:.2f} — uncertain" in page
    assert f"engine, {sure:.2f} — sure" in page
    assert "pinned by an editor" in page
    assert "0.00 · Engine" not in page


def test_the_story_list_says_when_a_story_is_empty_and_not_shown(editor_client):
    story = story_with_articles(1, title="Gone quiet")
    editing.exclude_article(article=Membership.objects.get(story=story).article, story=story, user=None)

    page = text_of(editor_client.get(reverse("admin:stories_story_changelist")))

    assert "empty, not shown" in page


# --- The whole desk in Arabic ---------------------------------------------------------------

# What editors read as interface: headings, column heads, filter titles, buttons, labels.
INTERFACE = (
    "//h1 | //h2 | //h3 | //th[@scope='col'] | //thead//th | //label | //legend | //button"
    " | //input[@type='submit']/@value | //*[@id='changelist-filter']//summary"
    " | //ul[contains(@class,'object-tools')]//a | //div[@class='breadcrumbs']"
    " | //select[@name='action']/option | //caption | //*[contains(@class,'badge')]"
    # Confirmations and the undo page: what will happen, in sentences.
    " | //*[contains(@class,'confirm')]//p | //*[contains(@class,'confirm')]//li"
)
# Not words to translate: codes, units and names an Arabic editor reads as they are.
ALLOWED = {
    "ar",
    "en",
    "ETag",
    "Last",
    "Modified",
    "HTML",
    "ID",
    "RSS",
    "Atom",
    "JSON",
    "Feed",
    "sha",
    "SimHash",
}


def english_words(document: str) -> set[str]:
    tree = lxml_html.fromstring(document)
    found: set[str] = set()
    for node in tree.xpath(INTERFACE):
        if isinstance(node, str):
            text = node
        else:
            # Data inside interface elements (story titles, user names) is marked dir="auto".
            for data in node.xpath(".//*[@dir='auto'] | .//bdi"):
                data.drop_tree() if data.getparent() is not None else None
            text = node.text_content()
        found |= {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED}
    return found


def test_every_desk_page_is_in_arabic_with_no_english_left(client):
    # A superuser sees every app, django-axes' login attempts included.
    editor = get_user_model().objects.create_superuser("محرر", password="a long passphrase 9")
    client.force_login(editor)
    story = story_with_articles(3, title="احتجاجات طهران")
    other = story_with_articles(1, title="إضراب البازار")
    editing.merge_stories(target=story, others=[other], user=editor)
    Article.objects.update(title="تقرير من طهران")
    article = Membership.objects.filter(story=story).first().article
    source = article.source
    source.name = "وكالة المثال"
    source.save()
    Membership.objects.update(score=0.2)  # doubtful: the review queue lists them
    pages = {
        "index": reverse("admin:index"),
        "stories": reverse("admin:stories_story_changelist"),
        "desk": desk(story),
        "review": reverse("admin:stories_review_queue"),
        "quality": reverse("admin:stories_quality_report"),
        "audit": reverse("admin:stories_auditentry_changelist"),
        "audit entry": reverse("admin:stories_auditentry_change", args=[AuditEntry.objects.first().pk]),
        "undo": reverse("admin:stories_auditentry_undo", args=[AuditEntry.objects.first().pk]),
        "sources": reverse("admin:articles_source_changelist"),
        "source": reverse("admin:articles_source_change", args=[source.pk]),
        "articles": reverse("admin:articles_article_changelist"),
        "article": reverse("admin:articles_article_change", args=[article.pk]),
        "events": reverse("admin:stories_event_changelist"),
        "exclusions": reverse("admin:stories_exclusion_changelist"),
        "login attempts": reverse("admin:app_list", args=["axes"]),
    }
    untranslated = {}
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, name
        assert 'lang="ar"' in response.content.decode()[:500]
        words = english_words(response.content.decode())
        if words:
            untranslated[name] = sorted(words)
    third = story_with_articles(2, title="زلزال إلازيغ")
    confirmations = {
        "merge confirmation": (do(story, "merge"), {"others": [str(third.pk)]}),
        "split confirmation": (do(story, "split"), {"split_article": [article.pk], "new_title": "قصة"}),
        "move confirmation": (do(story, "move"), {"article": article.pk, "target": str(third.pk)}),
        "list merge": (
            reverse("admin:stories_story_changelist"),
            {"action": "merge_selected", "_selected_action": [story.pk, third.pk]},
        ),
    }
    for name, (url, data) in confirmations.items():
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, name
        words = english_words(response.content.decode())
        if words:
            untranslated[name] = sorted(words)
    assert untranslated == {}, untranslated


def test_admin_dates_read_as_on_the_reader_pages(client):
    client.force_login(make_editor())
    story = story_with_articles(1)
    editing.set_locked(story=story, user=None, locked=True)

    page = client.get(
        reverse("admin:stories_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()

    # "30 نوفمبر، 2026" (day, month, comma, year), as reader pages write it; not "نوفمبر 30, 2026".
    assert re.search(r"\d{1,2} [\u0600-\u06FF]+، \d{4}", page)
    assert not re.search(r"[\u0600-\u06FF]+ \d{1,2}, \d{4}", page)
