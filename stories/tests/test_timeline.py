from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from articles import embedding
from stories.timeline.metrics import tokens
from stories.timeline.moments import (
    KeyMoment,
    StoryArticle,
    article_mentions,
    busiest_days,
    key_moments,
    opens_dependent,
    pick_dates,
    quotes_balanced,
    reports_no_event,
    sentence_spans,
)


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


def test_adjacent_days_are_damped_when_picking():
    # The runner-up next to the winner loses the second place to a slightly weaker day far away.
    scores = {date(2011, 3, 1): 10.0, date(2011, 3, 2): 8.5, date(2011, 3, 20): 8.0}
    assert pick_dates(scores, 2, damping=0.3) == [date(2011, 3, 1), date(2011, 3, 20)]
    # Damping is mild: a clearly weaker far day does not displace it.
    scores[date(2011, 3, 20)] = 7.0
    assert pick_dates(scores, 2, damping=0.3) == [date(2011, 3, 1), date(2011, 3, 2)]
    # Without damping, the plain ranking.
    scores[date(2011, 3, 20)] = 8.0
    assert pick_dates(scores, 2, damping=0.0) == [date(2011, 3, 1), date(2011, 3, 2)]


def test_the_busiest_days_baseline_takes_the_first_lead_of_the_busiest_days():
    moments = busiest_days(STORY, 2)
    assert [m.date for m in moments] == [date(2011, 1, 26), date(2011, 2, 12)]
    assert moments[0].article_id == "a1"
    assert moments[0].text.startswith("Thousands of protesters filled Tahrir Square")


def test_an_empty_story_has_no_moments():
    assert key_moments([], 5) == []


# The Paris attacks of Friday 13 November 2015, reported the next day, then recalled on
# 22 November in an article about Brussels.
PARIS = [
    article(
        "p1",
        "2015-11-14",
        "Gunmen and suicide bombers attacked a concert hall, restaurants and the national stadium in Paris "
        "on Friday night, killing at least 129 people. President Hollande declared a state of emergency.",
        "wire",
    ),
    article(
        "p2",
        "2015-11-14",
        "At least 129 people were killed in coordinated attacks across Paris yesterday, the prosecutor said. "
        "Hospitals across the city called in staff to treat hundreds of wounded people.",
        "daily",
    ),
    article(
        "p3",
        "2015-11-18",
        "Police killed the suspected organiser of the attacks in a raid on a flat in Saint-Denis on "
        "Wednesday. Officers fired thousands of rounds during the seven-hour siege north of Paris.",
        "weekly",
    ),
    article(
        "p4",
        "2015-11-22",
        "Brussels stayed in lockdown on Sunday as police hunted a suspect in the Paris plot. "
        "Since the attacks in Paris on 13 November killed at least 129 people in the city, police "
        "across Europe have arrested more than twenty people.",
        "magazine",
    ),
]
RECAP = "Since the attacks in Paris on 13 November killed at least 129 people"


def test_a_day_is_told_by_a_report_of_it_not_by_a_later_recap():
    moments = {m.date: m for m in key_moments(PARIS, 3)}
    attacks = moments[date(2015, 11, 13)]
    assert not attacks.text.startswith(RECAP)
    # The link leads to the article the sentence comes from, written the day after the attacks.
    assert attacks.article_id in {"p1", "p2"}
    source = next(a for a in PARIS if a.id == attacks.article_id)
    assert source.text[attacks.start : attacks.end].strip() == attacks.text


def test_a_recap_sentence_is_never_chosen_even_when_it_is_the_only_one_naming_the_day():
    recalled_only = [a for a in PARIS if a.id in {"p3", "p4"}]
    for n in (1, 2, 3, 4):
        moments = key_moments(recalled_only, n)
        assert not any(m.text.startswith(RECAP) for m in moments)
        # Nor is 13 November linked to the 22 November article that merely recalls it.
        assert not any(m.date == date(2015, 11, 13) and m.article_id == "p4" for m in moments)


def test_every_sentence_reports_its_day_or_comes_from_an_article_of_that_day_or_the_next():
    for story in (STORY, PARIS):
        by_id = {a.id: a for a in story}
        for moment in key_moments(story, 5):
            source = by_id[moment.article_id]
            named = {m.date for m in article_mentions(source) if moment.start <= m.start < moment.end}
            if named:
                assert named == {moment.date}
            else:
                assert 0 <= (source.day - moment.date).days <= 1


def test_no_key_moment_repeats_a_summary_sentence():
    plain = key_moments(STORY, 3)
    summary = [m.text for m in plain]  # as if the summary had picked the very same sentences
    moments = key_moments(STORY, 3, avoid=summary)
    for moment in moments:
        own = set(tokens(moment.text))
        assert all(len(own & set(tokens(s))) / len(own | set(tokens(s))) < 0.5 for s in summary)


def test_a_two_language_story_tells_each_day_in_both_languages_and_links_each_to_its_article():
    arabic = [
        article(
            "ar2",
            "2011-02-12",
            "وأعلن نائب الرئيس عمر سليمان مساء أمس تخلي الرئيس حسني مبارك عن منصبه وتكليف المجلس العسكري.",
            "arabic",
            "ar",
        ),
        article(
            "ar3",
            "2011-01-26",
            "خرج آلاف المتظاهرين أمس إلى ميدان التحرير في القاهرة للمطالبة برحيل الرئيس حسني مبارك.",
            "arabic2",
            "ar",
        ),
    ]
    story = STORY + arabic
    by_id = {a.id: a for a in story}
    moments = key_moments(story, 2)
    assert [m.date for m in moments] == [date(2011, 1, 25), date(2011, 2, 11)]
    for moment in moments:
        # English is the story's main language: the original is English, Arabic the alternative.
        assert moment.language == "en"
        assert by_id[moment.article_id].language == "en"
        (other,) = moment.alternatives
        assert other.language == "ar"
        assert other.date == moment.date
        assert by_id[other.article_id].text[other.start : other.end].strip() == other.text
        assert moment.in_language("ar") is other
        assert moment.in_language("en") is moment
        assert moment.in_language("fr") is moment  # no French sentence: the original
    assert moments[1].in_language("ar").article_id in {"ar1", "ar2"}


def test_an_arabic_only_day_still_becomes_a_moment_in_arabic():
    arabic_only = [
        article(
            f"x{i}",
            "2011-02-12",
            # Not "وأعلن": a sentence opening with "and" leans on one before it (none here).
            f"أعلن نائب الرئيس عمر سليمان مساء أمس تخلي الرئيس حسني مبارك عن منصبه في بيان رقم {i} "
            "للتلفزيون.",
            f"arabic{i}",
            "ar",
        )
        for i in range(3)
    ]
    moments = key_moments(STORY[:3] + arabic_only, 2)
    resignation = next(m for m in moments if m.date == date(2011, 2, 11))
    assert resignation.language == "ar"
    assert resignation.alternatives == ()


def test_a_sentence_is_never_cut_inside_a_quotation():
    text = (
        '"Exchanging messages is normal in diplomacy. Negotiating under threat is not," the spokesman '
        "told reporters. وقال الرئيس للصحفيين: «قد نلتقي بهم. هناك اجتماع قيد التحضير». ولم يحدد موعدا."
    )
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        '"Exchanging messages is normal in diplomacy. Negotiating under threat is not," the spokesman '
        "told reporters.",
        "وقال الرئيس للصحفيين: «قد نلتقي بهم. هناك اجتماع قيد التحضير».",
        "ولم يحدد موعدا.",
    ]
    assert all(quotes_balanced(s) for s in sentences)


def test_a_stray_quotation_mark_does_not_swallow_the_rest_of_the_text():
    text = 'He said "we will win. ' + "The vote is due on Friday. " * 40
    assert len(sentence_spans(text)) > 10


def test_an_unclosed_or_half_quotation_is_unbalanced():
    assert not quotes_balanced('Negotiating under threat is not," the spokesman said.')
    assert not quotes_balanced("وقال الرئيس: «قد نلتقي بهم.")
    assert quotes_balanced("وقال الرئيس: «قد نلتقي بهم».")
    assert quotes_balanced("Iran\u2019s envoy said \u201cno\u201d twice.")


def test_openings_that_lean_on_the_sentence_before_in_each_language():
    leaning = [
        ("He disputed the account.", "en"),
        ("However, talks went on.", "en"),
        ("Reports of those messages surfaced on Friday.", "en"),
        ("Il a démenti ces informations.", "fr"),
        ("Lui ha smentito tutto.", "it"),
        ("Er bestritt die Darstellung.", "de"),
        ("Ele negou as acusações.", "pt"),
        ("Он опроверг эти сообщения.", "ru"),
        ("Ancak görüşmeler sürdü.", "tr"),
        ("وقالت المصادر إن الرسائل تناولت خفض التوتر.", "ar"),
        ("وأوضح المسؤول أن المحادثات مستمرة.", "ar"),
        ("كما أعلنت الوزارة عن خطة جديدة.", "ar"),
    ]
    standing = [
        ("Iran's foreign ministry confirmed the messages on Tuesday.", "en"),
        ("Il presidente ha parlato ieri.", "it"),
        ("El presidente habló ayer.", "es"),
        ("وزير الخارجية الإيراني يؤكد تبادل الرسائل.", "ar"),
        ("واشنطن تعلن استئناف المحادثات.", "ar"),
        ("أعلن الرئيس الأمريكي يوم الأحد أن إيران اتصلت.", "ar"),
    ]
    assert [text for text, language in leaning if not opens_dependent(text, language)] == []
    assert [text for text, language in standing if opens_dependent(text, language)] == []


# An Iranian spokesman's reply of Tuesday 17 November 2026 to what the US president said on Sunday.
REPLY = [
    article(
        "r1",
        "2026-11-17",
        "Iran's foreign ministry confirmed on Tuesday that its minister had exchanged messages with the US "
        "envoy. "
        '"Exchanging messages is normal in diplomacy. Negotiating under threat is not," ministry spokesman '
        "Mehdi Sarvestani told his weekly news conference in Tehran. He disputed the US president's account "
        "from Sunday that Tehran had asked for a meeting, saying Iran had only answered messages.",
        "wire",
    ),
    article(
        "r2",
        "2026-11-15",
        "The US president said on Sunday that Iran had contacted Washington and proposed talks on a new "
        "nuclear deal, adding that a meeting was being prepared.",
        "daily",
    ),
]


def test_a_moment_never_opens_on_a_pronoun_without_its_referent_nor_takes_a_day_it_only_refers_to():
    moments = key_moments(REPLY, 3)
    assert moments
    for moment in moments:
        assert not moment.text.startswith("He disputed")
        if "He disputed" in moment.text:  # restored with the sentence naming him, of its own day
            assert moment.text.startswith('"Exchanging messages')
            assert moment.date == date(2026, 11, 17)
        assert quotes_balanced(moment.text)
    assert not any(m.date == date(2026, 11, 15) and m.article_id == "r1" for m in moments)


def test_a_moment_does_not_restate_a_summary_sentence_of_its_day_in_other_words():
    story = [
        article(
            "j1",
            "2026-11-13",
            "Saudi and US mediators handed the army and the RSF delegations in Jeddah a three-phase "
            "ceasefire plan on Friday, starting with a humanitarian truce.",
            "wire",
        ),
        article(
            "j2",
            "2026-11-13",
            "The army and RSF delegations received the mediators' ceasefire plan in Jeddah on Friday, after "
            "weeks of separate contacts with both sides and talks that diplomats described as tense.",
            "daily",
        ),
    ]
    summary = [story[0].text]
    moments = key_moments(story, 1, avoid=summary)
    assert all(m.article_id != "j2" for m in moments)
    assert key_moments(story, 1)  # without a summary to avoid, the day has its moment


def test_an_arabic_sentence_naming_its_own_subject_is_told_without_its_opening_and():
    story = [
        article(
            "q1",
            "2026-11-13",
            "ضرب زلزال بقوة 6.3 درجة شرق تركيا مساء أمس وأدى إلى انهيار عشرات المباني في ولاية ألازيغ. "
            "وأرسلت الحكومة خياما وأغطية إلى المتضررين في القرى المجاورة لمركز الزلزال أمس. "
            "وقالت المصادر إن عدد القتلى ارتفع إلى واحد وثلاثين شخصا على الأقل أمس.",
            "wire",
            "ar",
        )
    ]
    lead = story[0].text.split(". ")[0] + "."
    texts = [m.text for m in key_moments(story, 3, avoid=[lead])]
    assert "أرسلت الحكومة خياما وأغطية إلى المتضررين في القرى المجاورة لمركز الزلزال أمس." in texts
    # "the sources" were introduced before: never alone, and with the sentence before only.
    assert not any(text.startswith("وقالت المصادر") for text in texts)


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Neither Iran's foreign ministry nor the White House commented on the report on Friday.", "en"),
        ("A ministry spokesman did not immediately respond to a request for comment on Monday.", "en"),
        ("The company declined to comment on the investigation when contacted on Tuesday.", "en"),
        ("ولم تعلق وزارة الخارجية الإيرانية على التقرير حتى مساء الجمعة.", "ar"),
        ("رفض متحدث باسم الحكومة التعليق على هذه الأنباء يوم الأحد.", "ar"),
        ("لم يتسن الحصول على تعليق فوري من وزارة الداخلية مساء الاثنين.", "ar"),
        ("Le ministère des Affaires étrangères n'a pas souhaité commenter ces informations vendredi.", "fr"),
        ("El Ministerio de Exteriores no quiso comentar la información publicada el viernes.", "es"),
        ("Il ministero degli Esteri non ha voluto commentare la notizia di venerdì.", "it"),
        ("O Ministério das Relações Exteriores não quis comentar a reportagem na sexta-feira.", "pt"),
        ("Das Außenministerium wollte sich am Freitag zunächst nicht dazu äußern.", "de"),
        ("لم تعلن قوات الدعم السريع ردها الرسمي بعد، رغم انتهاء المهلة التي حددها الوسطاء اليوم.", "ar"),
        ("The rebels have not yet responded to the proposal, mediators said on Monday.", "en"),
        ("Les rebelles n'ont pas encore répondu à la proposition des médiateurs lundi.", "fr"),
    ],
)
def test_a_sentence_saying_that_nobody_commented_reports_no_event(sentence, language):
    assert reports_no_event(sentence, language)


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("The president said on Sunday that Iran had contacted Washington to propose talks.", "en"),
        ("The minister is expected to comment on the budget when parliament opens on Monday.", "en"),
        ("قال المتحدث في تعليق على الاتفاق إن بلاده مستعدة لاستئناف المحادثات يوم الأحد.", "ar"),
        ("Le ministre a commenté vendredi la décision du conseil constitutionnel.", "fr"),
        ("Police responded with tear gas when protesters did not disperse on Sunday.", "en"),
        ("ورد الجيش بقصف مواقع المتمردين مساء الأحد بعد هجوم على قاعدته.", "ar"),
    ],
)
def test_a_sentence_that_reports_something_is_not_taken_for_a_no_comment(sentence, language):
    assert not reports_no_event(sentence, language)


def test_a_no_comment_sentence_is_never_a_key_moment():
    story = [
        article(
            f"n{i}",
            "2026-11-14",
            "Neither the foreign ministry nor the White House commented on the report on Friday. "
            "Officials in Muscat hosted a first round of talks between the two delegations on Saturday.",
            f"wire{i}",
        )
        for i in range(3)
    ]
    texts = [m.text for m in key_moments(story, 2)]
    assert texts and not any("commented" in text for text in texts)


def _bilingual_day(english: str, arabic: str) -> list[StoryArticle]:
    """One day told by three English reports and one Arabic report."""
    return [
        article("e1", "2026-11-13", english, "wire"),
        article("e2", "2026-11-13", english.replace("Thursday", "Thursday morning"), "daily"),
        article("e3", "2026-11-13", english, "weekly"),
        article("a1", "2026-11-13", arabic, "arabic", "ar"),
    ]


def test_an_arabic_sentence_telling_the_same_thing_is_the_alternative_of_the_english_moment():
    story = _bilingual_day(
        "Hundreds of merchants in Tehran's Grand Bazaar shut their shops on Thursday in protest at the "
        "collapse of the Iranian rial against the dollar.",
        "أغلق مئات التجار في البازار الكبير وسط طهران محالهم يوم الخميس احتجاجا على انهيار الريال "
        "الإيراني أمام الدولار.",
    )
    (moment,) = key_moments(story, 1, encode=embedding.encode)
    assert moment.language == "en" and moment.date == date(2026, 11, 12)
    (arabic,) = moment.alternatives
    assert arabic.language == "ar" and arabic.article_id == "a1"


def test_an_arabic_sentence_telling_something_else_is_an_entry_of_its_own_not_an_alternative():
    story = _bilingual_day(
        "The dollar traded above 1.4 million rials on Thursday in the open market of the capital, "
        "dealers said.",
        "أعلنت النقابات المستقلة يوم الخميس أن عمال النفط في عسلوية انضموا إلى الإضراب للمطالبة برفع "
        "الأجور وإطلاق سراح المعتقلين.",
    )
    moments = key_moments(story, 1, encode=embedding.encode)
    english = [m for m in moments if m.language == "en"]
    arabic = [m for m in moments if m.language == "ar"]
    assert len(english) == 1 and english[0].alternatives == ()
    assert len(arabic) == 1 and arabic[0].date == english[0].date
    # Without the encoder the day's sentences are paired as before (the same day).
    (paired,) = key_moments(story, 1)
    assert [m.language for m in paired.alternatives] == ["ar"]


def test_each_language_of_a_story_gets_its_own_days_when_the_main_language_has_enough():
    arabic_days = [
        article(
            f"x{i}",
            day,
            f"أعلن المتحدث باسم الحكومة في مؤتمر صحفي أمس أن الجولة {i} من المحادثات انتهت دون اتفاق نهائي.",
            f"arabic{i}",
            "ar",
        )
        for i, day in enumerate(("2011-01-29", "2011-02-06"))
    ]
    moments = key_moments(STORY + arabic_days, 2)
    english = [m for m in moments if m.language == "en"]
    arabic = [m for m in moments if m.language == "ar"] + [
        a for m in moments for a in m.alternatives if a.language == "ar"
    ]
    assert len(english) == 2
    assert len(arabic) == 2  # Arabic readers see two days in Arabic, not the English ones


def _story_in(language: str, reports: list[tuple[str, str, str]]) -> list[StoryArticle]:
    return [
        article(f"{language}{i}", day, text, source, language)
        for i, (day, text, source) in enumerate(reports)
    ]


# The Egyptian revolution in miniature again, written in French and in Italian: languages the date
# ranker was not trained on (it learned from Spanish topics). 25 January and 11 February are told
# by several sources, 2 February by one.
FRENCH = [
    (
        "2011-01-26",
        "Des milliers de manifestants ont envahi la place Tahrir au Caire mardi pour réclamer le "
        "départ de Moubarak. La police a tiré des gaz lacrymogènes jusque tard dans la nuit.",
        "agence",
    ),
    (
        "2011-01-26",
        "La police égyptienne a affronté hier au Caire des manifestants qui exigeaient le départ "
        "de Moubarak. Le ministère de l'Intérieur a fait état de trois morts.",
        "quotidien",
    ),
    (
        "2011-02-03",
        "Des partisans de Moubarak ont chargé mercredi à dos de chameau le camp de la place "
        "Tahrir. Des médecins ont soigné des centaines de blessés.",
        "quotidien",
    ),
    (
        "2011-02-12",
        "Hosni Moubarak a démissionné hier de la présidence après dix-huit jours de "
        "manifestations. La foule a fêté la nouvelle dans tout le Caire.",
        "agence",
    ),
    (
        "2011-02-12",
        "Le vice-président Omar Souleimane a annoncé vendredi la démission de Moubarak et le "
        "transfert du pouvoir à l'armée. Le conseil militaire a promis des élections.",
        "quotidien",
    ),
]
ITALIAN = [
    (
        "2011-01-26",
        "Migliaia di manifestanti hanno riempito piazza Tahrir al Cairo martedì chiedendo la fine "
        "del regime di Mubarak. La polizia ha sparato gas lacrimogeni fino a notte.",
        "agenzia",
    ),
    (
        "2011-01-26",
        "La polizia egiziana si è scontrata ieri al Cairo con i manifestanti che chiedevano le "
        "dimissioni di Mubarak. Il ministero dell'Interno ha parlato di tre morti.",
        "quotidiano",
    ),
    (
        "2011-02-03",
        "Sostenitori di Mubarak hanno attaccato mercoledì a dorso di cammello il presidio di "
        "piazza Tahrir. I medici hanno curato centinaia di feriti.",
        "quotidiano",
    ),
    (
        "2011-02-12",
        "Hosni Mubarak si è dimesso ieri dalla presidenza dopo diciotto giorni di proteste. La "
        "folla ha festeggiato la notizia in tutto il Cairo.",
        "agenzia",
    ),
    (
        "2011-02-12",
        "Il vicepresidente Omar Suleiman ha annunciato venerdì le dimissioni di Mubarak e il "
        "passaggio dei poteri all'esercito. Il consiglio militare ha promesso elezioni.",
        "quotidiano",
    ),
]


@pytest.mark.parametrize(("language", "reports"), [("fr", FRENCH), ("it", ITALIAN)])
def test_the_key_moments_of_a_story_in_a_language_the_ranker_never_saw(language, reports):
    story = _story_in(language, reports)
    moments = key_moments(story, 2)
    assert [m.date for m in moments] == [date(2011, 1, 25), date(2011, 2, 11)]
    by_id = {a.id: a for a in story}
    for moment in moments:
        assert moment.language == language
        assert by_id[moment.article_id].text[moment.start : moment.end].strip() == moment.text


def test_an_arabic_sentence_opening_on_what_an_unnamed_body_said_leans_on_the_sentence_before():
    assert opens_dependent("قالت القوات في بيان إنها «تلتزم بوقف الأعمال القتالية فورا».", "ar")
    assert opens_dependent("قال المسؤول إن الوفد سيصل إلى جدة غدا.", "ar")
    # Named, or qualified, the speaker needs nothing before.
    assert not opens_dependent("قال الرئيس الأمريكي إن إيران اتصلت بواشنطن واقترحت التفاوض.", "ar")
    assert not opens_dependent("قالت الحكومة السودانية في بيان إنها تقبل الخطة.", "ar")
    assert not opens_dependent("قال سروستاني في مؤتمره الصحفي الأسبوعي في طهران إن التفاوض لن يجري.", "ar")
