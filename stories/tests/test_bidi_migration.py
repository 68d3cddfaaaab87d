from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from stories.models import KeyMoment
from stories.tests.factories import EventFactory, StoryFactory

RLO = "\u202e"


@pytest.mark.django_db
def test_the_migration_strips_controls_from_what_the_engine_wrote_before():
    migration = importlib.import_module("stories.migrations.0007_strip_bidi_controls")
    story = StoryFactory(
        title=f"وكالة {RLO}gpj.exe",
        titles={"ar": f"وكالة {RLO}gpj.exe", "en": "Agency"},
        summary="\u2067isolated\u2069 summary",
        editor_title=f"{RLO}kept",
    )
    event = EventFactory(story=story, headline=f"{RLO}headline")
    moment = KeyMoment.objects.create(story=story, date=story.first_activity_at.date(), text=f"{RLO}moment")
    migration.forwards(apps, None)
    story.refresh_from_db()
    event.refresh_from_db()
    moment.refresh_from_db()
    assert (story.title, story.titles, story.summary) == (
        "وكالة gpj.exe",
        {"ar": "وكالة gpj.exe", "en": "Agency"},
        "isolated summary",
    )
    assert story.editor_title == f"{RLO}kept"  # an editor's field is theirs
    assert (event.headline, moment.text) == ("headline", "moment")
