"""The demo's key moments, as `make run` builds them (load_demo), read as a reader would (issue 23).

Each moment must stand alone: whole quotations, no opening connective or pronoun whose referent
is missing, no restatement of the summary above it, and the day it is filed under is the day its
sentence tells, read in the article it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from articles.text import terms
from stories.models import Decider, KeyMoment, Story
from stories.timeline.dates import find_dates
from stories.timeline.moments import opens_dependent, reports_no_event, sentence_spans

# Each test reads the module's demo (below) inside its own transaction, rolled back after it.
pytestmark = pytest.mark.django_db

PAIRS = {"«": "»", "“": "”"}
BACK_REFERENCE = re.compile(r"(?:from|vom)\s+$", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[list[KeyMoment]]:
    """The demo loaded once for this module's tests, which only read it; rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo")
        moments = list(
            KeyMoment.objects.filter(decided_by=Decider.ENGINE)
            .select_related("article", "story")
            .order_by("pk")
        )
        assert len(moments) >= 15
        yield moments
        transaction.set_rollback(True)


def test_every_quotation_in_a_demo_moment_is_whole(demo):
    for moment in demo:
        for opening, closing in PAIRS.items():
            assert moment.text.count(opening) == moment.text.count(closing), moment.text
        assert moment.text.count('"') % 2 == 0, moment.text


def test_no_demo_moment_opens_on_a_connective_or_pronoun_without_its_referent(demo):
    for moment in demo:
        start, end = sentence_spans(moment.text)[0]
        assert not opens_dependent(moment.text[start:end], moment.language), moment.text
    texts = " ".join(m.text for m in demo)
    for leaning in ("He disputed", "By Saturday", "وقال الرئيس للصحفيين", "وقالت المصادر", "وأوضح"):
        assert not any(m.text.startswith(leaning) for m in demo), leaning
    assert "«قد نلتقي بهم." not in texts or "«قد نلتقي بهم. هناك" in texts


def _reported_days(moment: KeyMoment) -> set[date]:
    article = moment.article
    published = article.published_at.date()
    start = article.text.index(moment.text)
    end = start + len(moment.text)
    days = {
        m.date
        for m in find_dates(article.text, published, article.language)
        if start <= m.start < end and not BACK_REFERENCE.search(article.text[max(0, m.start - 12) : m.start])
    }
    return days or {published, published - timedelta(days=1)}


def test_each_demo_moment_is_filed_under_the_day_its_sentence_tells(demo):
    for moment in demo:
        assert moment.date in _reported_days(moment), (moment.date, moment.text)
    # The two examples: "By Saturday…" of the 22 November look-back is 14 November, and the
    # spokesman's reply of Tuesday 17 November is not filed under the Sunday it answers.
    for moment in demo:
        if "By Saturday the anger" in moment.text:
            assert moment.date == date(2026, 11, 14)
        if "He disputed the US president" in moment.text:
            assert moment.date == date(2026, 11, 17)


def test_no_demo_moment_restates_a_summary_of_its_language_nor_reports_a_no_comment(demo):
    for moment in demo:
        story = moment.story
        summaries = [story.summaries.get(moment.language, "")]
        if story.language == moment.language:
            summaries.append(story.summary)
        own = set(terms(moment.text, moment.language))
        for summary in summaries:
            for a, b in sentence_spans(summary):
                sentence = set(terms(summary[a:b], moment.language))
                assert len(own & sentence) / len(own | sentence) < 0.5, moment.text
        assert not reports_no_event(moment.text, moment.language), moment.text


def test_a_reader_of_a_bilingual_demo_story_sees_its_moments_in_their_language(demo):
    stories = {m.story_id: m.story for m in demo if {"ar", "en"} <= set(m.story.language_counts)}
    assert stories
    for story in stories.values():
        for language in ("ar", "en"):
            shown = story.key_moments.for_reader(language, story.language)
            assert shown and {m.language for m in shown} == {language}, (story.pk, language)
        # A reader in neither language sees the story's own language.
        assert {m.language for m in story.key_moments.for_reader("fr", story.language)} == {story.language}
    # An alternative tells the same thing as its original: not "The dollar traded above 1.4 million
    # rials" under the bazaar merchants' strike.
    for moment in demo:
        if moment.alternative_of_id:
            assert "The dollar traded above" not in moment.text


def test_no_demo_moment_restates_its_story_summary(demo):
    stories = {m.story_id: m.story for m in demo}
    for story in stories.values():
        summary = [set(terms(story.summary[a:b], story.language)) for a, b in sentence_spans(story.summary)]
        for moment in (m for m in demo if m.story_id == story.pk and m.language == story.language):
            own = set(terms(moment.text, moment.language))
            for sentence in summary:
                assert len(own & sentence) / len(own | sentence) < 0.5, moment.text
    assert Story.objects.filter(merged_into__isnull=True).count() == 7  # the demo's seven stories
