from __future__ import annotations

from datetime import UTC, date, datetime

from stories.timeline import KeyMoment, StoryArticle, busiest_days, date_scores, key_moments, pick_dates
from stories.timeline_metrics import tokens


def article(id_: str, day: str, text: str, source: str, language: str = "en") -> StoryArticle:
    published = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
    return StoryArticle(id_, text.split(".")[0], text, language, published, source)


# An Egyptian revolution in miniature: 25 January (Tuesday) and 11 February (Friday) are told
# by several sources; 2 February (Wednesday) by one.
STORY = [
    article(
        "a1",
        "2011-01-26",
        "Thousands of protesters filled Tahrir Square in Cairo on Tuesday demanding an end to Mubarak rule. "
        "Police fired tear gas at the crowds near the square late into the night.",
        "wire",
    ),
    article(
        "a2",
        "2011-01-26",
        "Egyptian police clashed with protesters in Cairo yesterday as crowds demanded that Mubarak go. "
        "The interior ministry said three people had died in the clashes with the crowds.",
        "daily",
    ),
    article(
        "a3",
        "2011-01-27",
        "Protests that began on 25 January spread to Suez and Alexandria as the government blocked Twitter. "
        "Activists called for a larger march after Friday prayers.",
        "weekly",
    ),
    article(
        "a4",
        "2011-02-03",
        "Supporters of Mubarak rode camels and horses into Tahrir Square on Wednesday, attacking the camp. "
        "Doctors in a makeshift clinic treated hundreds of wounded protesters.",
        "daily",
    ),
    article(
        "a5",
        "2011-02-12",
        "Hosni Mubarak resigned as president of Egypt yesterday after eighteen days of mass protests. "
        "Crowds celebrated across Cairo through the night with fireworks and car horns.",
        "wire",
    ),
    article(
        "a6",
        "2011-02-12",
        "Vice President Omar Suleiman announced on Friday that Mubarak had resigned and handed power over. "
        "The army council promised elections within six months of the handover.",
        "daily",
    ),
    article(
        "a7",
        "2011-02-13",
        "The army council dissolved parliament two days after Mubarak resigned on 11 February 2011. "
        "Protesters began to leave Tahrir Square as soldiers cleared the tents.",
        "weekly",
    ),
    # The story's main language is English: this Arabic article counts as a vote but is never quoted.
    article(
        "ar1",
        "2011-02-12",
        "تنحى الرئيس حسني مبارك أمس عن الحكم بعد ثمانية عشر يوما من الاحتجاجات.",
        "arabic",
        "ar",
    ),
]


def test_it_picks_the_days_most_sources_report():
    moments = key_moments(STORY, 2)
    assert [m.date for m in moments] == [date(2011, 1, 25), date(2011, 2, 11)]


def test_a_third_day_told_by_one_source_comes_after_the_well_reported_ones():
    moments = key_moments(STORY, 3)
    assert [m.date for m in moments] == [date(2011, 1, 25), date(2011, 2, 2), date(2011, 2, 11)]


def test_each_entry_quotes_a_sentence_of_the_article_it_links_to():
    by_id = {a.id: a for a in STORY}
    for moment in key_moments(STORY, 3):
        source = by_id[moment.article_id]
        assert source.text[moment.start : moment.end].strip() == moment.text
        assert source.language == "en"
    camels = next(m for m in key_moments(STORY, 3) if m.date == date(2011, 2, 2))
    assert camels.article_id == "a4"
    assert camels.text.startswith("Supporters of Mubarak rode camels")


def test_editor_moments_are_always_kept_and_count_toward_n():
    fixed = KeyMoment(date(2011, 2, 2), "The Battle of the Camel in Tahrir Square.")
    moments = key_moments(STORY, 2, fixed=[fixed])
    assert len(moments) == 2
    assert moments[0].date == date(2011, 2, 2)
    assert moments[0].fixed
    assert moments[0].text == "The Battle of the Camel in Tahrir Square."
    assert moments[1].date == date(2011, 2, 11)
    assert not moments[1].fixed


def test_more_editor_moments_than_n_are_all_kept():
    fixed = [KeyMoment(date(2011, 1, d), f"Entry {d}") for d in (1, 2, 3)]
    assert [m.text for m in key_moments(STORY, 2, fixed=fixed)] == ["Entry 1", "Entry 2", "Entry 3"]


def test_it_never_quotes_near_duplicate_sentences():
    syndicated = [
        article(
            "s1",
            "2011-01-26",
            "Protesters marched through central Cairo on Tuesday demanding that Mubarak leave office now. "
            "On Tuesday riot police blocked the bridges over the Nile with armoured trucks and water cannon.",
            "wire",
        ),
        article(
            "s2",
            "2011-01-29",
            "Protesters marched through central Cairo on Friday demanding that Mubarak leave office now. "
            "The government cut internet and mobile phone service across the country on Friday morning.",
            "daily",
        ),
    ]
    moments = key_moments(syndicated, 2)
    assert [m.date for m in moments] == [date(2011, 1, 25), date(2011, 1, 28)]
    first, second = ({t for t in tokens(m.text) if t not in {"tuesday", "friday"}} for m in moments)
    assert len(first & second) / len(first | second) < 0.5


def test_days_with_stronger_votes_score_higher_and_adjacent_days_are_damped():
    scores = date_scores(STORY)
    assert scores[date(2011, 2, 11)] > scores[date(2011, 2, 2)]
    assert scores[date(2011, 1, 25)] > scores[date(2011, 2, 2)]
    # The runner-up next to the winner loses the second place to a slightly weaker day far away.
    scores = {date(2011, 3, 1): 10.0, date(2011, 3, 2): 8.5, date(2011, 3, 20): 8.0}
    assert pick_dates(scores, 2) == [date(2011, 3, 1), date(2011, 3, 20)]
    # Damping is mild: a clearly weaker far day does not displace it.
    scores[date(2011, 3, 20)] = 7.0
    assert pick_dates(scores, 2) == [date(2011, 3, 1), date(2011, 3, 2)]


def test_the_busiest_days_baseline_takes_the_first_lead_of_the_busiest_days():
    moments = busiest_days(STORY, 2)
    assert [m.date for m in moments] == [date(2011, 1, 26), date(2011, 2, 12)]
    assert moments[0].article_id == "a1"
    assert moments[0].text.startswith("Thousands of protesters filled Tahrir Square")


def test_an_empty_story_has_no_moments():
    assert key_moments([], 5) == []
