from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from stories.clustering import (
    ArticleDoc,
    Engine,
    EngineConfig,
    TfidfConfig,
    TfidfRepresentation,
    bcubed,
    shorten,
)
from stories.clustering.evaluation import with_vectors
from stories.clustering.linker import shipped

DAY = datetime(2024, 3, 1, 9, 0)

TALKS = [
    ArticleDoc(
        "talks-1",
        "Iran and US envoys hold indirect nuclear talks in Oman",
        "Iranian foreign minister Abbas Araghchi and US envoy Steve Witkoff held indirect talks in "
        "Muscat, Oman, on Iran's nuclear programme. Omani mediators carried messages between the "
        "two delegations. Washington wants limits on uranium enrichment; Tehran wants sanctions "
        "relief.",
        "en",
        DAY,
        "reuters",
    ),
    ArticleDoc(
        "talks-2",
        "Araghchi says nuclear talks with Witkoff in Muscat were constructive",
        "Abbas Araghchi said the indirect talks with Steve Witkoff in Muscat were constructive and "
        "that a second round of nuclear negotiations would follow, again mediated by Oman. Uranium "
        "enrichment and sanctions relief remain the main issues for Tehran and Washington.",
        "en",
        DAY + timedelta(hours=6),
        "ap",
    ),
    ArticleDoc(
        "talks-3",
        "Second round of Iran-US nuclear talks set for Rome, Oman mediating",
        "A second round of indirect nuclear talks between Araghchi and Witkoff will take place next "
        "week, with Oman again mediating. Negotiators will discuss uranium enrichment limits and "
        "sanctions relief, officials in Tehran and Washington said.",
        "en",
        DAY + timedelta(days=3),
        "afp",
    ),
]

PROTESTS = [
    ArticleDoc(
        "protest-1",
        "Protests spread across Iran after woman dies in police custody",
        "Protesters marched in Tehran, Mashhad and Isfahan after Mahsa Amini died in the custody of "
        "the morality police. Security forces fired tear gas at demonstrators chanting against "
        "the hijab law. Rights groups said dozens of protesters were arrested.",
        "en",
        DAY + timedelta(days=1),
        "bbc",
    ),
    ArticleDoc(
        "protest-2",
        "Iran protests over Mahsa Amini's death enter second week",
        "Demonstrators took to the streets of Tehran and Isfahan for a second week over the death "
        "of Mahsa Amini in morality police custody. Security forces arrested protesters and "
        "fired tear gas; the hijab law is at the heart of the protests.",
        "en",
        DAY + timedelta(days=2),
        "guardian",
    ),
]

QUAKE = ArticleDoc(
    "quake-1",
    "Strong earthquake shakes southern Chile, buildings damaged",
    "A magnitude 6.8 earthquake struck near Concepcion in southern Chile, damaging buildings and "
    "cutting power to thousands of homes. Seismologists warned of aftershocks; no tsunami alert "
    "was issued.",
    "en",
    DAY + timedelta(days=2),
    "efe",
)

AR_TALKS = [
    ArticleDoc(
        "ar-talks-1",
        "مفاوضات نووية غير مباشرة بين إيران وأمريكا في مسقط",
        "أجرى وزير الخارجية الإيراني عباس عراقجي والمبعوث الأمريكي ستيف ويتكوف مفاوضات غير مباشرة "
        "في مسقط بوساطة عُمانية حول البرنامج النووي الإيراني وتخصيب اليورانيوم ورفع العقوبات.",
        "ar",
        DAY,
        "aljazeera",
    ),
    ArticleDoc(
        "ar-talks-2",
        "عراقجي: المفاوضات النووية مع ويتكوف في مسقط كانت بناءة",
        "قال عراقجي إن المفاوضات غير المباشرة مع ويتكوف في مسقط كانت بنّاءة، وإن جولة ثانية من "
        "المفاوضات النووية بوساطة عمانية ستعقد قريباً لبحث تخصيب اليورانيوم ورفع العقوبات.",
        "ar",
        DAY + timedelta(hours=8),
        "alarabiya",
    ),
]

AR_PROTESTS = [
    ArticleDoc(
        "ar-protest-1",
        "احتجاجات في مدن إيرانية بعد وفاة مهسا أميني",
        "خرج متظاهرون في طهران ومشهد وأصفهان احتجاجاً على وفاة مهسا أميني أثناء احتجازها لدى شرطة "
        "الأخلاق، وأطلقت قوات الأمن الغاز المسيل للدموع على المحتجين واعتقلت العشرات.",
        "ar",
        DAY + timedelta(days=1),
        "bbc-arabic",
    ),
    ArticleDoc(
        "ar-protest-2",
        "الاحتجاجات على وفاة مهسا أميني تدخل أسبوعها الثاني في إيران",
        "تواصلت الاحتجاجات في طهران وأصفهان للأسبوع الثاني على وفاة مهسا أميني لدى شرطة الأخلاق، "
        "واعتقلت قوات الأمن متظاهرين وأطلقت الغاز المسيل للدموع على المحتجين.",
        "ar",
        DAY + timedelta(days=2),
        "alhurra",
    ),
]


# Every article arrives with its sentence vector, as stored articles do.
TALKS, PROTESTS, AR_TALKS, AR_PROTESTS = (
    with_vectors(docs) for docs in (TALKS, PROTESTS, AR_TALKS, AR_PROTESTS)
)
(QUAKE,) = with_vectors([QUAKE])


def _run(engine: Engine, docs: list[ArticleDoc]) -> dict[object, object]:
    return {doc.id: engine.assign(doc).story_id for doc in docs}


def test_articles_on_the_same_story_join_it() -> None:
    engine = Engine()
    placed = _run(engine, TALKS)
    assert len(set(placed.values())) == 1


def test_an_unrelated_article_starts_a_new_story() -> None:
    engine = Engine()
    _run(engine, TALKS)
    assignment = engine.assign(QUAKE)
    assert assignment.new_story
    assert assignment.story_id != engine.story_of("talks-1")


def test_lookalike_stories_sharing_names_and_places_stay_apart() -> None:
    engine = Engine()
    placed = _run(engine, [TALKS[0], PROTESTS[0], TALKS[1], PROTESTS[1], TALKS[2]])
    assert placed["talks-1"] == placed["talks-2"] == placed["talks-3"]
    assert placed["protest-1"] == placed["protest-2"]
    assert placed["talks-1"] != placed["protest-1"]


def test_arabic_lookalike_stories_stay_apart_and_spelling_variants_join() -> None:
    engine = Engine()
    placed = _run(engine, [AR_TALKS[0], AR_PROTESTS[0], AR_TALKS[1], AR_PROTESTS[1]])
    assert placed["ar-talks-1"] == placed["ar-talks-2"]
    assert placed["ar-protest-1"] == placed["ar-protest-2"]
    assert placed["ar-talks-1"] != placed["ar-protest-1"]


def test_near_duplicates_share_an_event_and_a_later_follow_up_starts_another() -> None:
    engine = Engine()
    first = engine.assign(TALKS[0])
    same_day = engine.assign(TALKS[1])
    days_later = engine.assign(TALKS[2])
    assert first.new_event
    assert same_day.event_id == first.event_id and not same_day.new_event
    assert days_later.story_id == first.story_id
    assert days_later.new_event and days_later.event_id != first.event_id


def _dated(doc: ArticleDoc, when: datetime, suffix: str) -> ArticleDoc:
    return ArticleDoc(f"{doc.id}-{suffix}", doc.title, doc.text, doc.language, when, doc.source, doc.vector)


def test_a_quiet_story_goes_dormant_in_stream_time_and_a_strong_match_revives_it() -> None:
    engine = Engine(EngineConfig(dormant_after=timedelta(days=30)))
    story_id = engine.assign(TALKS[0]).story_id
    engine.assign(TALKS[1])
    # Forty days of other news move the stream clock, not the wall clock.
    engine.assign(_dated(QUAKE, DAY + timedelta(days=40), "later"))
    assert engine.story(story_id).status == "dormant"
    assert engine.active_count == 1
    revived = engine.assign(_dated(TALKS[2], DAY + timedelta(days=41), "revival"))
    assert revived.story_id == story_id
    assert revived.revived
    assert engine.story(story_id).status == "active"


def test_a_strong_match_weeks_later_still_joins_its_story() -> None:
    # The time gap lowers the linker's probability without cutting a close follow-up 25 days on
    # off its story, while a same-week look-alike still starts its own.
    engine = Engine()
    story_id = engine.assign(TALKS[0]).story_id
    late = engine.assign(_dated(TALKS[1], DAY + timedelta(days=25), "late"))
    assert late.story_id == story_id and not late.new_story
    assert engine.assign(_dated(PROTESTS[0], DAY + timedelta(days=26), "x")).new_story


def test_a_weak_match_does_not_revive_a_dormant_story() -> None:
    engine = Engine()
    story_id = engine.assign(TALKS[0]).story_id
    engine.assign(_dated(QUAKE, DAY + timedelta(days=60), "later"))
    other = engine.assign(_dated(PROTESTS[0], DAY + timedelta(days=61), "later"))
    assert other.story_id != story_id and other.new_story


def test_a_pinned_article_stays_in_its_story() -> None:
    engine = Engine()
    talks = engine.assign(TALKS[0]).story_id
    quake = engine.assign(QUAKE).story_id
    engine.pin("talks-2", quake)
    assignment = engine.assign(TALKS[1])
    assert assignment.story_id == quake
    assert assignment.decided_by == "pin"
    engine.pin("talks-1", quake)  # pinning a placed article moves it
    assert engine.story_of("talks-1") == quake
    assert talks not in set(engine.story_ids())


def test_an_excluded_article_never_returns_to_the_story() -> None:
    engine = Engine()
    talks = engine.assign(TALKS[0]).story_id
    engine.assign(TALKS[1])
    moved = engine.exclude("talks-2", talks)
    assert moved is not None and moved.story_id != talks
    assert engine.members(talks) == ["talks-1"]
    engine.exclude("talks-3", talks)  # before it arrives
    assert engine.assign(TALKS[2]).story_id != talks


def test_editor_split_and_merge_are_kept_for_reclustering() -> None:
    engine = Engine()
    story = _run(engine, TALKS)["talks-1"]
    new_story = engine.split(story, ["talks-3"])
    assert engine.story_of("talks-3") == new_story
    engine.merge(new_story, story)
    assert engine.story_of("talks-3") == story
    # A re-clustering run under the same constraints: the editor's merge still holds.
    rerun = Engine(constraints=engine.constraints)
    placed = {doc.id: rerun.assign(doc).story_id for doc in TALKS}
    assert placed["talks-3"] == placed["talks-1"] == story


def test_load_replays_assignments_into_the_same_state() -> None:
    docs = [TALKS[0], PROTESTS[0], TALKS[1], QUAKE, PROTESTS[1], TALKS[2]]
    live = Engine()
    assignments = [live.assign(doc) for doc in docs]
    rebuilt = Engine()
    for doc, a in zip(docs, assignments, strict=True):
        rebuilt.load(doc, a.story_id, a.event_id)
    assert sorted(rebuilt.story_ids()) == sorted(live.story_ids())
    for sid in live.story_ids():
        assert rebuilt.story(sid) == live.story(sid)
    follow_up = _dated(PROTESTS[1], DAY + timedelta(days=3), "again")
    assert rebuilt.assign(follow_up) == live.assign(follow_up)


def test_story_and_event_ids_come_from_the_injected_factories() -> None:
    story_ids = itertools.count(100)
    event_ids = itertools.count(500)
    engine = Engine(story_ids=lambda: next(story_ids), event_ids=lambda: next(event_ids))
    first = engine.assign(TALKS[0])
    second = engine.assign(QUAKE)
    assert (first.story_id, first.event_id) == (100, 500)
    assert (second.story_id, second.event_id) == (101, 501)


def test_story_view_has_a_representative_title_keyphrases_and_languages() -> None:
    engine = Engine()
    story_id = _run(engine, TALKS)["talks-1"]
    view = engine.story(story_id)
    assert view.title in {doc.title for doc in TALKS}
    assert view.titles == {"en": view.title}
    assert view.language == "en"
    assert view.language_counts == {"en": 3}
    assert view.article_count == 3 and view.source_count == 3
    assert view.first_at == DAY and view.last_at == DAY + timedelta(days=3)
    lowered = [k.lower() for k in view.keyphrases]
    assert "talks" in lowered or "nuclear" in lowered
    assert any("witkoff" in k for k in lowered)


def test_arabic_story_keyphrases_are_readable_words() -> None:
    engine = Engine()
    story_id = _run(engine, AR_TALKS)["ar-talks-1"]
    view = engine.story(story_id)
    assert view.language == "ar"
    assert view.title in {doc.title for doc in AR_TALKS}
    # Surface forms as written in the articles, not stems.
    assert "ويتكوف" in view.keyphrases or "مسقط" in view.keyphrases


def _name_weights(config: TfidfConfig) -> dict[str, float]:
    representation = TfidfRepresentation(config)
    for day in range(20):
        background = f"Officials in Tehran said on day {day} that the markets stayed calm."
        representation.update(ArticleDoc(day, "", background, "en"))
    doc = ArticleDoc("x", "", "Officials in Tehran met envoy Dariush Kamali for talks.", "en")
    representation.update(doc)
    return representation.vectorize(doc)


def test_only_names_still_rare_in_the_stream_get_the_name_boost() -> None:
    # Tehran is in every article so far: the backdrop, not what tells stories apart.
    rare_only = _name_weights(TfidfConfig())
    always = _name_weights(TfidfConfig(proper_max_df=1.0))
    assert rare_only["tehran"] / rare_only["kamali"] < always["tehran"] / always["kamali"]
    assert rare_only["kamali"] > rare_only["talk"]  # the rare name is still boosted


def test_titles_are_shortened_at_a_word_boundary() -> None:
    title = "Iran and US envoys hold indirect nuclear talks in Oman as mediators shuttle between delegations"
    assert shorten(title, 40) == "Iran and US envoys hold indirect…"
    assert shorten("Short title", 40) == "Short title"


def test_similarity_ranks_same_story_above_lookalike_and_unrelated() -> None:
    engine = Engine()
    for doc in [*TALKS, *PROTESTS, QUAKE]:
        engine.observe(doc)
    same = engine.similarity(TALKS[0], TALKS[1])
    lookalike = engine.similarity(TALKS[0], PROTESTS[0])
    unrelated = engine.similarity(TALKS[0], QUAKE)
    assert same > lookalike > unrelated
    assert same > shipped().threshold > lookalike


def test_bcubed_on_a_hand_computed_example() -> None:
    # Gold: {a, b, c} {d, e}; predicted: {a, b} {c, d, e}.
    gold = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    score = bcubed(predicted, gold)
    # Precision: a, b 2/2; c 1/3; d, e 2/3 -> (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15.
    # Recall: a, b 2/3; c 1/3; d, e 2/2 -> (2/3 + 2/3 + 1/3 + 1 + 1) / 5 = 11/15.
    assert score.precision == pytest.approx(11 / 15)
    assert score.recall == pytest.approx(11 / 15)
    assert score.f1 == pytest.approx(11 / 15)
    assert (score.predicted_clusters, score.gold_clusters) == (2, 2)


def test_bcubed_of_singletons_has_full_precision_and_low_recall() -> None:
    gold = {"a": 1, "b": 1, "c": 1, "d": 2}
    score = bcubed({k: k for k in gold}, gold)
    assert score.precision == 1.0
    assert score.recall == pytest.approx((1 / 3 * 3 + 1) / 4)


def test_bcubed_refuses_missing_predictions() -> None:
    with pytest.raises(ValueError, match="1 gold items"):
        bcubed({"a": 1}, {"a": 1, "b": 1})
