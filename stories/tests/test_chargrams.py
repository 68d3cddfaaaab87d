"""Character n-grams of headlines: same-language evidence kept as a running sum per story."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stories.clustering import ArticleDoc, Engine
from stories.clustering.chargrams import GramCentroid, GramStats, title_grams
from stories.clustering.evaluation import with_vectors
from stories.clustering.linker import FEATURES

CHARS = FEATURES.index("chars")
SPREAD = FEATURES.index("spread")

ARABIC = [
    "احتجاجات في طهران بعد ارتفاع الأسعار",
    "اعتقالات بطهران مع اتساع الاحتجاجات",
    "البنك المركزي المصري يرفع الفائدة",
    "منتخب السودان يتأهل إلى نهائي البطولة",
]
ENGLISH = [
    "Djokovic beats Nadal in the Wimbledon final",
    "Djokovic's Wimbledon title is his seventh",
    "Central bank raises interest rates again",
    "Floods displace thousands in Bangladesh",
]


def vectors(titles: list[str], language: str) -> list:
    stats = GramStats()
    counts = [title_grams(title, language) for title in titles]
    for count in counts:
        stats.update(count)
    return [stats.vector(count) for count in counts]


def one_story(vector) -> GramCentroid:
    centroid = GramCentroid()
    centroid.add(vector)
    return centroid


@pytest.mark.parametrize(("titles", "language"), [(ARABIC, "ar"), (ENGLISH, "en")])
def test_headlines_of_one_story_share_more_ngrams_than_headlines_of_others(titles, language):
    first, same, other, unrelated = vectors(titles, language)
    story = one_story(first)
    # «طهران» and «بطهران», "Djokovic" and "Djokovic's": no shared word stem, shared letters.
    assert story.cosine(same) > 0.15
    assert story.cosine(same) > 2 * max(story.cosine(other), story.cosine(unrelated))


def test_a_title_compared_with_itself_is_one_and_scripts_share_nothing():
    arabic, english = vectors([ARABIC[0], ENGLISH[0]], "ar")
    assert one_story(arabic).cosine(arabic) == pytest.approx(1.0, abs=1e-5)
    assert one_story(arabic).cosine(english) == 0.0


def test_a_story_sum_forgets_a_member_that_leaves():
    first, same, other, _ = vectors(ENGLISH, "en")
    story = one_story(first)
    story.add(other)
    assert story.cosine(same) < one_story(first).cosine(same)
    story.remove(other)
    assert story.cosine(same) == pytest.approx(one_story(first).cosine(same), abs=1e-5)
    assert story.cosine(first) == pytest.approx(1.0, abs=1e-5)


def test_a_story_keeps_only_its_strongest_ngrams():
    story = GramCentroid()
    titles = [f"{word} council approves the new budget" for word in ("City", "Town", "County", "State")] * 10
    for vector in vectors(titles + ENGLISH + ARABIC, "en"):
        story.add(vector)
    assert len(story.slots) <= 384
    assert list(story.slots) == sorted(story.slots)


def when(hour: int) -> datetime:
    return datetime(2026, 3, 1, hour, tzinfo=UTC)


def test_the_engine_weighs_ngrams_against_the_story_and_keeps_them_through_an_exclusion():
    engine = Engine()
    first = ArticleDoc("a1", ARABIC[0], "", "ar", when(8))
    second = ArticleDoc("a2", ARABIC[1], "", "ar", when(9))
    elsewhere = ArticleDoc("a3", ARABIC[2], "", "ar", when(10))
    english = ArticleDoc("e1", "Protests spread in Tehran as prices rise", "", "en", when(10))
    assert engine.pair_features(first, second)[CHARS] > 2 * engine.pair_features(first, elsewhere)[CHARS]
    assert engine.pair_features(first, english)[CHARS] == 0.0

    story = engine.assign(first).story_id
    engine.pin("a2", story)
    engine.assign(second)
    engine.pin("a3", story)
    engine.assign(elsewhere)
    held = engine._stories[story].grams
    before = held.cosine(engine._doc_grams(first))
    engine.exclude("a3", story)
    after = engine._stories[story].grams.cosine(engine._doc_grams(first))
    assert after > before  # the leaving headline's n-grams left the story's sum with it


def test_spread_is_nothing_for_one_article_and_wider_for_a_catch_all_than_for_one_event():
    def story_spread(titles: list[str], probe: str) -> float:
        engine = Engine()
        docs = with_vectors([ArticleDoc(f"s{i}", t, "", "en", when(8 + i)) for i, t in enumerate(titles)])
        story = engine.assign(docs[0]).story_id
        for doc in docs[1:]:
            engine.pin(doc.id, story)
            engine.assign(doc)
        (probe_doc,) = with_vectors([ArticleDoc("p", probe, "", "en", when(20))])
        engine.observe(probe_doc)
        rows = [row for sid, row, _ in engine.candidates(probe_doc) if sid == story]
        assert rows, "the story is a candidate for a headline of its topic"
        return rows[0][SPREAD]

    one_event = [
        "Japan wins gold in the judo mixed team final",
        "Judo: Japan takes mixed team gold",
    ]
    catch_all = [
        "Judo: Japan takes mixed team gold",
        "Swimmer breaks world record in the 200m butterfly",
        "Olympic rowing postponed by typhoon winds",
    ]
    probe = "Olympic judo gold for Japan"
    assert story_spread(one_event[:1], probe) == 0.0
    assert story_spread(catch_all, probe) > story_spread(one_event, probe)
