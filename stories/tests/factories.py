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
    # Readers never see a story without articles (StoryQuerySet.published); a factory story
    # counts one so that page tests need not build memberships they do not look at. Tests of
    # the counts add memberships and call refresh_story_stats, which sets the real number.
    article_count = 1
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
