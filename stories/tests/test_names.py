"""Story and dossier names on the demo: well-formed noun phrases in each language of the story."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

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
    assert {"Iran protests", "Lisbon summit", "كأس العرب", "إيران", "Iran"} <= set(names.values())


@pytestmark_db
def test_an_editor_name_wins_over_the_engine_name():
    call_command("load_demo", stdout=io.StringIO())
    story = Story.objects.visible().filter(labels__has_key="en").first()
    editing.set_labels(story=story, user=None, labels={"en": "Tehran talks"})
    story.refresh_from_db()
    assert story.labels["en"] != "Tehran talks"
    assert story.label_in("en") == ("Tehran talks", "en")
