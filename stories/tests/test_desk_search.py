"""The desk finds stories, articles and dossiers as the reader's search does, on both backends.

`ايران`, `إيران` and `أيران` find the same rows in the story and article lists, the story
picker (merge, split, move, and adding stories to a dossier) and the dossier list; a story is
found by the name readers see in each language, by an editor's name and by its headline. The
suite runs on PostgreSQL; `test_the_same_cases_pass_on_sqlite` runs this module again on SQLite.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from articles.models import Article
from stories.models import Dossier
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.tests.sqlite_run import assert_module_passes_on_sqlite
from stories.tests.test_admin import make_editor

pytestmark = pytest.mark.django_db

SPELLINGS = ("ايران", "إيران", "أيران")


@pytest.fixture
def editor_client(client):
    client.force_login(make_editor())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _story(title: str, *, language: str = "ar", headlines: tuple[str, ...] = (), **fields):
    story = StoryFactory(title=title, language=language, **fields)
    event = EventFactory(story=story, headline=(headlines or (title,))[0])
    for headline in headlines or (title,):
        MembershipFactory(event=event, article__title=headline, article__language=language)
    return story


@pytest.fixture
def iran_stories():
    """Iran written four ways (with hamza, with a clitic, in a name, in English) and a control."""
    return {
        "hamza": _story("احتجاجات في إيران", headlines=("تظاهرات في إيران",)),
        "clitic": _story("إضراب البازار", labels={"ar": "إضراب بازار طهران"}, headlines=("إضراب بإيران",)),
        "name": _story("Bazaar strike", language="en", editor_labels={"ar": "ايران والاحتجاجات"}),
        "other": _story("كأس العرب في قطر", headlines=("منتخب قطر يفوز",)),
    }


def _listed(client, url: str, query: str) -> set[int]:
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def _picked(client, query: str) -> set[int]:
    response = client.get(
        reverse("admin:stories_story_pick"),
        {"term": query, "app_label": "stories", "model_name": "story", "field_name": "merged_into"},
    )
    assert response.status_code == 200
    return {int(row["id"]) for row in json.loads(response.content)["results"]}


def test_every_spelling_of_iran_finds_the_same_stories_in_the_list_and_the_picker(
    editor_client, iran_stories
):
    expected = {iran_stories[key].pk for key in ("hamza", "clitic", "name")}
    stories = reverse("admin:stories_story_changelist")
    for spelling in SPELLINGS:
        assert _listed(editor_client, stories, spelling) == expected, spelling
        assert _picked(editor_client, spelling) == expected, spelling


def test_every_spelling_finds_the_same_articles(editor_client, iran_stories):
    articles = reverse("admin:articles_article_changelist")
    expected = set(Article.objects.filter(title__contains="يران").values_list("pk", flat=True))
    assert len(expected) == 2
    for spelling in SPELLINGS:
        assert _listed(editor_client, articles, spelling) == expected, spelling


def test_every_spelling_finds_the_same_timeline_entries_and_audit_entries(editor_client, iran_stories):
    from stories.models import AuditEntry, Event
    from stories.services import editing

    for story in iran_stories.values():
        editing.set_locked(story=story, user=None, locked=True)
    events = reverse("admin:stories_event_changelist")
    audit = reverse("admin:stories_auditentry_changelist")
    expected_events = set(Event.objects.filter(headline__contains="يران").values_list("pk", flat=True))
    expected_entries = set(
        AuditEntry.objects.exclude(story=iran_stories["other"]).values_list("pk", flat=True)
    )
    assert len(expected_events) == 2 and len(expected_entries) == 3
    for spelling in SPELLINGS:
        assert _listed(editor_client, events, spelling) == expected_events, spelling
        assert _listed(editor_client, audit, spelling) == expected_entries, spelling
    # The desk's "History" link searches by the story's slug.
    assert _listed(editor_client, audit, iran_stories["other"].slug) == set(
        AuditEntry.objects.filter(story=iran_stories["other"]).values_list("pk", flat=True)
    )


def test_a_story_is_found_by_its_name_in_each_language_and_by_an_editors_name(editor_client):
    story = _story(
        "Tehran bazaar merchants close their shops",
        language="en",
        labels={"en": "Iran and US", "ar": "إيران والولايات المتحدة"},
        editor_labels={"fr": "Grève du bazar"},
    )
    _story("Weather in Lisbon", language="en")
    stories = reverse("admin:stories_story_changelist")
    for query in ("Iran and US", "الولايات المتحدة", "grève bazar", "merchants", f"#{story.pk}"):
        assert _listed(editor_client, stories, query) == {story.pk}, query
        assert _picked(editor_client, query) == {story.pk}, query


def test_the_picker_offers_only_live_stories_and_the_list_shows_merged_ones_too(editor_client, iran_stories):
    merged = iran_stories["hamza"]
    merged.merged_into = iran_stories["other"]
    merged.save(update_fields=["merged_into"])
    assert merged.pk in _listed(editor_client, reverse("admin:stories_story_changelist"), "ايران")
    assert merged.pk not in _picked(editor_client, "ايران")


def test_a_word_is_found_whole_never_inside_a_longer_word(editor_client):
    _story("Rotterdam port reopens", language="en")
    dam = _story("Derna dam collapse", language="en")
    assert _picked(editor_client, "dam") == {dam.pk}
    assert _picked(editor_client, "dams") == {dam.pk}  # stemmed, as the reader's search does


def test_every_spelling_finds_the_same_dossiers(editor_client):
    cup = Dossier.objects.create(slug="iran-file", names={"ar": "الملف الإيراني", "en": "Iran file"})
    Dossier.objects.create(slug="cup", names={"ar": "كأس العرب"})
    tehran = Dossier.objects.create(slug="tehran", editor_names={"ar": "أخبار أيران"})
    dossiers = reverse("admin:stories_dossier_changelist")
    found = {spelling: _listed(editor_client, dossiers, spelling) for spelling in SPELLINGS}
    assert found["ايران"] == found["إيران"] == found["أيران"]
    # "الإيراني" (Iranian) folds to the same core, as in the reader's search.
    assert found["ايران"] == {cup.pk, tehran.pk}
    assert _listed(editor_client, dossiers, "Iran file") == {cup.pk}


def test_the_desks_dossier_picker_finds_live_dossiers_by_any_spelling(editor_client, iran_stories):
    iran = Dossier.objects.create(slug="iran", names={"ar": "أخبار إيران"}, is_published=True)
    merged = Dossier.objects.create(slug="old-iran", names={"ar": "ملف إيران القديم"}, merged_into=iran)
    Dossier.objects.create(slug="cup", names={"ar": "كأس العرب"})
    page = editor_client.get(reverse("admin:stories_story_change", args=[iran_stories["hamza"].pk]))
    assert 'id="dossier-picker"' in page.content.decode()
    for spelling in SPELLINGS:
        response = editor_client.get(
            reverse("admin:autocomplete"),
            {"term": spelling, "app_label": "stories", "model_name": "story", "field_name": "dossier"},
        )
        assert response.status_code == 200
        found = {int(row["id"]) for row in json.loads(response.content)["results"]}
        assert found == {iran.pk}, spelling  # not the merged-away one
    assert merged.pk != iran.pk


def test_a_dossier_takes_its_stories_from_the_picker_or_as_typed_slugs(editor_client, iran_stories):
    hamza, clitic = iran_stories["hamza"], iran_stories["clitic"]
    response = editor_client.post(
        reverse("admin:stories_dossier_add"),
        {"name_ar": "إيران", "name_en": "Iran", "add_stories": [str(hamza.pk), clitic.slug]},
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(editor_names__en="Iran")
    assert set(dossier.stories.values_list("pk", flat=True)) == {hamza.pk, clitic.pk}


def test_the_story_list_searches_in_a_fixed_number_of_queries(
    editor_client, iran_stories, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        editor_client.get(reverse("admin:stories_story_changelist"), {"q": "ايران"})


@pytest.mark.skipif(not django_settings.DATABASE_IS_POSTGRES, reason="this is the SQLite run")
def test_the_same_cases_pass_on_sqlite(tmp_path):
    assert_module_passes_on_sqlite(__file__, tmp_path)
