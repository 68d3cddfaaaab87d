from __future__ import annotations

import factory

from articles.tests.factories import BASE_TIME, ArticleFactory
from stories.models import Event, Membership, Story


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    slug = factory.Sequence(lambda n: f"story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    language = "en"
    first_activity_at = BASE_TIME
    last_activity_at = BASE_TIME


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    story = factory.SubFactory(StoryFactory)
    occurred_at = BASE_TIME
    headline = factory.Sequence(lambda n: f"Event {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """An article in a story's event; the event's story is the membership's story."""

    class Meta:
        model = Membership

    event = factory.SubFactory(EventFactory)
    story = factory.LazyAttribute(lambda m: m.event.story)
    article = factory.SubFactory(ArticleFactory, language=factory.SelfAttribute("..story.language"))
    score = 0.8
