"""Search cases that must read the same on PostgreSQL and on SQLite (the embedded default).

The suite runs on PostgreSQL; `test_the_same_cases_pass_on_sqlite` runs this very module again
in a subprocess against a fresh SQLite database.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from articles.search import fold
from articles.tests.factories import ArticleFactory, SourceFactory
from stories.reader import search
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory
from stories.tests.sqlite_run import assert_module_passes_on_sqlite


def _story_with(titles: list[str], *, language: str = "ar", **story_fields):
    story = StoryFactory(language=language, **story_fields)
    event = EventFactory(story=story)
    source = SourceFactory(name=f"Outlet of {story.slug}")
    for title in titles:
        MembershipFactory(
            event=event,
            article__title=title,
            article__text=title,
            article__language=language,
            article__source=source,
        )
    return story


def _found(query: str, **kwargs) -> list[str]:
    return [result.story.slug for result in search.search(query, **kwargs)]


def test_prefix_query_tries_the_arabic_clitics_and_drops_suffixes():
    raw = search.prefix_tsquery("المفاوضات غزة")
    first, second = raw.split(" & ")
    assert first.startswith("(مفاوض:* | والمفاوض:* |")
    assert "بمفاوض:*" in first
    assert second.startswith("(غزه:* |")  # ta marbuta folded
    # Other words whole: the `english` half of the query finds their other forms.
    assert search.prefix_tsquery("Talks, in Cairo!") == "(talks) & (in) & (cairo)"


def test_fold_reads_arabic_and_english_words_as_the_index_does():
    assert fold("إيران والمفاوضات بغزة") == fold("ايران مفاوضات غزه") == "ايران مفاوض غزه"
    assert fold("Earthquakes, earthquake") == "earthquak earthquak"
    assert search.fts_query("إضراب dams") == '"اضراب"* AND "dam"'


def test_normalise_folds_hamza_forms_and_strips_diacritics():
    assert search.normalise("الإسرائيليّة أُعلنت") == "الاسرائيليه اعلنت"


@pytest.mark.django_db
def test_an_arabic_word_finds_its_forms_with_clitics_and_hamza():
    _story_with(["استئناف والمفاوضات في القاهرة"], slug="truce")
    _story_with(["ارتفاع أسعار النفط"], slug="oil")
    _story_with(["الجيش الإسرائيلي يعلن"], slug="army")

    assert _found("مفاوضات") == ["truce"]
    assert _found("الاسرائيلي") == ["army"]
    assert _found("مفاوضات القاهرة") == ["truce"]
    assert _found("مفاوضات النفط") == []


@pytest.mark.django_db
def test_english_words_match_through_stemming():
    _story_with(["Ceasefire talks resumed in Cairo"], language="en", slug="cairo")
    _story_with(["Oil prices climb"], language="en", slug="oil")
    assert _found("talk") == ["cairo"]
    assert _found("resuming talks") == ["cairo"]


@pytest.mark.django_db
def test_results_are_grouped_by_story_with_a_few_articles_each():
    _story_with([f"Flood warning number {n}" for n in range(5)], language="en", slug="floods")
    _story_with(["Flood barriers built"], language="en", slug="barriers")

    results = search.search("flood")

    assert sorted(result.story.slug for result in results) == ["barriers", "floods"]
    floods = next(result for result in results if result.story.slug == "floods")
    assert len(floods.articles) == search.ARTICLES_PER_STORY
    assert all("Flood warning" in hit.title for hit in floods.articles)


@pytest.mark.django_db
def test_a_story_matching_by_its_own_title_ranks_above_a_passing_mention():
    _story_with(["Budget vote delayed"], language="en", slug="mention")
    _story_with(["Parliament debates"], language="en", slug="titled", title="Budget crisis")
    assert _found("budget") == ["titled", "mention"]


@pytest.mark.django_db
def test_hidden_and_merged_stories_are_not_found():
    survivor = _story_with(["Harbour strike continues"], language="en", slug="survivor")
    _story_with(["Harbour strike begins"], language="en", slug="merged", merged_into=survivor)
    _story_with(["Harbour strike talks"], language="en", slug="hidden", is_published=False)
    ArticleFactory(title="Harbour strike, unclustered")
    assert _found("harbour strike") == ["survivor"]


@pytest.mark.django_db
def test_the_language_filter_keeps_articles_in_that_language():
    _story_with(["Gaza truce holds"], language="en", slug="english")
    _story_with(["هدنة غزة صامدة"], language="ar", slug="arabic")
    assert _found("غزة", language="ar") == ["arabic"]
    assert _found("gaza", language="ar") == []
    assert _found("gaza", language="en") == ["english"]


@pytest.mark.django_db
def test_search_page_groups_hits_under_story_titles(client, django_assert_num_queries):
    _story_with(
        ["Ceasefire talks resumed in Cairo", "Talks stall"], language="en", slug="cairo", title="Talks"
    )
    with django_assert_num_queries(3):
        response = client.get("/search/?q=talks", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 story found" in html
    assert re.search(
        r'<h3 class="story-card-title" lang="en" dir="ltr"><a href="/stories/cairo/">Talks</a>', html
    )
    assert html.count('<li><a href="https://news.example/articles/') == 2


@pytest.mark.django_db
def test_search_answers_htmx_with_the_results_fragment_only(client):
    _story_with(["هدنة غزة صامدة"], slug="truce", title="الهدنة")
    html = client.get("/search/?q=غزة", HTTP_ACCEPT_LANGUAGE="ar", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "وجدنا قصة واحدة" in html
    assert '<a href="/stories/truce/">الهدنة</a>' in html


@pytest.mark.django_db
def test_an_empty_query_runs_no_search(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/search/?q=+", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "found" not in response.content.decode()


@pytest.mark.django_db
def test_words_only_in_an_article_body_are_found():
    story = StoryFactory(language="en", slug="harbour")
    MembershipFactory(
        event=EventFactory(story=story),
        article__title="Harbour strike enters second day",
        article__text="Dock workers said the stevedores' union would meet the port authority on Friday.",
        article__language="en",
    )
    assert _found("stevedores") == ["harbour"]
    assert _found("قناة") == []


@pytest.mark.django_db
def test_a_word_typed_without_hamza_finds_it_written_with_hamza_and_back():
    _story_with(["إيران تعلن موقفها", "الإيرانيون ينتظرون"], slug="iran")
    _story_with(["إضراب عمال الموانئ"], slug="strike")
    _story_with(["ارتفاع أسعار النفط"], slug="oil")

    assert _found("ايران") == _found("إيران") == ["iran"]
    assert _found("اضراب") == _found("إضراب") == ["strike"]
    assert _found("اسعار") == ["oil"]


@pytest.mark.django_db
def test_an_english_plural_finds_the_singular():
    _story_with(["Earthquake shakes the coast"], language="en", slug="quake")
    assert _found("earthquakes") == _found("earthquake") == ["quake"]


@pytest.mark.django_db
def test_a_word_is_found_whole_never_inside_a_longer_word():
    _story_with(["Rotterdam port reopens"], language="en", slug="rotterdam")
    _story_with(["Storm damage assessed"], language="en", slug="storm")
    _story_with(["Talks on the dam resume"], language="en", slug="dam")
    _story_with(["Residents fear the dams will burst"], language="en", slug="dams")
    assert sorted(_found("dam")) == ["dam", "dams"]
    assert _found("بالسد") == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["ـ", "\u064e", "!!", "  "])
def test_a_query_with_no_letters_left_after_normalising_finds_nothing(query, django_assert_num_queries):
    _story_with(["هدنة غزة صامدة"], slug="truce")
    with django_assert_num_queries(0):
        assert search.search(query) == []


@pytest.mark.django_db
def test_english_stopwords_in_a_query_do_not_have_to_be_found():
    _story_with(["Dock workers strike over pay"], language="en", slug="strike")
    _story_with(["The harbour reopens"], language="en", slug="harbour")
    assert _found("the strike") == ["strike"]
    assert _found("strike over the pay") == ["strike"]
    assert _found("the") == ["harbour"]  # nothing else to look for


@pytest.mark.django_db
@pytest.mark.skipif(
    django_settings.DATABASE_IS_POSTGRES, reason="SQLite only: runs in test_the_same_cases_pass_on_sqlite"
)
def test_the_sqlite_index_recovers_after_a_migration_rebuilds_a_table():
    from django.db import connection

    from articles.search import install_article_index

    # Rebuilding a table (most SQLite schema changes) drops its triggers: writes go unindexed.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_article_fts_insert")
    _story_with(["Levee repairs begin"], language="en", slug="levee")
    assert _found("levee") == []

    install_article_index(using="default")  # what post_migrate runs after every migrate

    assert _found("levee") == ["levee"]
    _story_with(["Levee holds"], language="en", slug="holds")
    assert sorted(_found("levee")) == ["holds", "levee"]


@pytest.mark.django_db
def test_title_matches_come_first_then_summaries_then_article_titles_then_article_text():
    # Created in the reverse of the expected order, so recency cannot produce it.
    text = StoryFactory(language="en", slug="text", title="Port news")
    MembershipFactory(
        event=EventFactory(story=text),
        article__title="Port update",
        article__text="Officials said the levee held through the night.",
        article__language="en",
    )
    _story_with(["Levee repairs begin"], language="en", slug="article-title", title="Repairs")
    _story_with(["Works continue"], language="en", slug="summary", summary="The old levee is being rebuilt.")
    _story_with(["Works continue"], language="en", slug="title", title="Levee breach")

    assert _found("levee") == ["title", "summary", "article-title", "text"]
    assert search.title_matches(search.query_terms("levees"), "Levee breach")
    assert not search.title_matches(search.query_terms("lev"), "Levee breach")


@pytest.mark.django_db
def test_within_a_tier_the_latest_story_comes_first_whichever_spelling_is_typed():
    from articles.tests.factories import BASE_TIME

    _story_with(["Works continue"], slug="older", title="إضراب عمال الموانئ", last_activity_at=BASE_TIME)
    _story_with(
        ["Works continue"],
        slug="newer",
        title="اضراب في بازار طهران",
        last_activity_at=BASE_TIME + timedelta(days=1),
    )
    _story_with(["الإضراب يتسع"], slug="through-an-article", last_activity_at=BASE_TIME + timedelta(days=2))
    expected = ["newer", "older", "through-an-article"]
    assert _found("إضراب") == _found("اضراب") == _found("الاضراب") == expected


@pytest.mark.django_db
def test_a_retitled_story_is_found_by_its_new_title():
    story = _story_with(["Works continue"], language="en", slug="works", title="Road works")
    story.editor_title = "Bridge closure"
    story.save(update_fields=["editor_title"])
    assert _found("bridge") == ["works"]
    story.delete()
    assert _found("bridge") == []


@pytest.mark.skipif(not django_settings.DATABASE_IS_POSTGRES, reason="this is the SQLite run")
def test_the_same_cases_pass_on_sqlite(tmp_path):
    assert_module_passes_on_sqlite(__file__, tmp_path)
