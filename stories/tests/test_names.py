"""Story and dossier names on the demo: well-formed noun phrases in each language of the story."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils.html import escape

from stories.curation import phrases
from stories.models import Dossier, Story
from stories.services import editing

pytestmark_db = pytest.mark.django_db(transaction=True)

# Names the issue found on the demo before names were composed as a newsroom would.
BAD_NAMES = {
    "الإيرانية الأمريكية",
    "طهران احتجاجا",
    "join Iran protest strikes",
    "eastern Turkey",
    "bazaar strike",
    "strike",
}


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("الإيرانية الأمريكية", "ar"),
        ("طهران احتجاجا", "ar"),
        ("join Iran protest strikes", "en"),
        ("eastern Turkey", "en"),
        ("Eastern Turkey", "en"),
        ("bazaar strike", "en"),
        ("Iran and", "en"),
        ("الأردن يهزم مصر", "ar"),
        ("والعراق", "ar"),
        ("Iran nuclear", "en"),
    ],
)
def test_the_rules_reject_what_no_headline_writer_would_write(name, language):
    assert phrases.problems(name, language)


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("احتجاجات إيران", "ar"),
        ("قناة الاتصال الإيرانية الأمريكية", "ar"),
        ("كأس العرب", "ar"),
        ("زلزال تركيا", "ar"),
        ("Iran protests", "en"),
        ("Turkey earthquake", "en"),
        ("Lisbon summit", "en"),
    ],
)
def test_the_rules_accept_newsroom_names(name, language):
    assert phrases.problems(name, language) == []


@pytestmark_db
def test_every_demo_story_and_dossier_has_a_well_formed_name_in_each_of_its_languages():
    call_command("load_demo", stdout=io.StringIO())
    names = {}
    for story in Story.objects.visible():
        for language in story.language_counts:
            name, name_language = story.label_in(language)
            assert name_language == language
            assert phrases.problems(name, language) == [], (story.pk, language, name)
            names[(story.pk, language)] = name
    dossiers = list(Dossier.objects.visible())
    assert dossiers
    for dossier in dossiers:
        languages = set()
        for story in dossier.stories.all():
            languages |= set(story.language_counts)
        for language in languages:
            assert dossier.name_language(language) == language, (dossier.pk, language, dossier.names)
            assert phrases.problems(dossier.name_in(language), language) == [], (dossier.pk, dossier.names)
            names[("dossier", dossier.pk, language)] = dossier.name_in(language)
    print(names)  # the list the issue asks for, shown with -s
    assert not set(names.values()) & BAD_NAMES
    assert {"Iran protests", "احتجاجات إيران", "Lisbon summit", "كأس العرب", "Iran"} <= set(names.values())


@pytestmark_db
def test_an_editor_name_wins_over_the_engine_name():
    call_command("load_demo", stdout=io.StringIO())
    story = Story.objects.visible().filter(labels__has_key="en").first()
    editing.set_labels(story=story, user=None, labels={"en": "Tehran talks"})
    story.refresh_from_db()
    assert story.labels["en"] != "Tehran talks"
    assert story.label_in("en") == ("Tehran talks", "en")


# --- Reader language -------------------------------------------------------------------------


def _bilingual_demo_story() -> Story:
    call_command("load_demo", stdout=io.StringIO())
    story = max(
        (s for s in Story.objects.visible() if {"ar", "en"} <= set(s.language_counts)),
        key=lambda s: s.article_count,
    )
    assert story.summaries.keys() >= {"ar", "en"}
    return story


@pytestmark_db
def test_an_english_reader_sees_the_english_name_headline_and_summary_of_a_bilingual_story(client):
    story = _bilingual_demo_story()
    for language in ("en", "ar"):
        html = client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        name, name_language = story.label_in(language)
        assert name_language == language
        assert f'<h1 lang="{language}"' in html and escape(name) in html
        assert f'class="story-summary" lang="{language}"' in html
        assert escape(story.summaries[language][:60]) in html
        other = "ar" if language == "en" else "en"
        assert escape(story.summaries[other][:60]) not in html
        headline = re.search(r'class="story-newest-headline" lang="(\w+)"', html)
        assert headline is None or headline.group(1) == language


@pytestmark_db
def test_home_cards_speak_the_reader_language(client):
    story = _bilingual_demo_story()
    for language in ("en", "ar"):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        card = html[html.index(story.get_absolute_url()) - 400 :]
        card = card[: card.index("</article>")] if "</article>" in card else card[:3000]
        assert escape(story.label_in(language)[0]) in card
        assert f'class="story-card-summary" lang="{language}"' in card
        headline = re.search(r'class="story-card-headline" lang="(\w+)"', card)
        assert headline is None or headline.group(1) == language


# --- Keyphrase chips -------------------------------------------------------------------------


def test_chips_keep_names_and_nouns_once_per_concept_across_languages():
    # The chips the issue found on the Iran-US story, with the engine's order.
    engine = [
        "الأمريكي",
        "الإيراني",
        "Iran",
        "US",
        "الخارجية",
        "الرسائل",
        "إيران",
        "Kamali",
        "nuclear",
        "the",
    ]
    assert phrases.chips(engine) == ["Iran", "US", "الرسائل", "Kamali"]


@pytestmark_db
def test_every_demo_story_shows_chips_without_adjectives_or_a_place_twice():
    call_command("load_demo", stdout=io.StringIO())
    for story in Story.objects.visible():
        assert story.keyphrases, story.pk
        assert phrases.chips(story.keyphrases) == story.keyphrases
        assert "الأمريكي" not in story.keyphrases and "الإيراني" not in story.keyphrases
        assert not {"Iran", "إيران"} <= set(story.keyphrases)
