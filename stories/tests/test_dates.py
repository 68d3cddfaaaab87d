from __future__ import annotations

from datetime import date

import pytest

from stories.timeline.dates import find_dates

# Thursday 27 January 2011.
PUBLISHED = date(2011, 1, 27)


def resolved(text: str, published: date = PUBLISHED, language: str | None = None) -> list[tuple[str, date]]:
    return [(text[m.start : m.end], m.date) for m in find_dates(text, published, language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Protests began on 25 January 2011.", "en", [("25 January 2011", date(2011, 1, 25))]),
        ("Protests began on January 25, 2011.", "en", [("January 25, 2011", date(2011, 1, 25))]),
        ("Las protestas del 25 de enero de 2011", "es", [("25 de enero de 2011", date(2011, 1, 25))]),
        ("la manifestation du 25 janvier 2011", "fr", [("25 janvier 2011", date(2011, 1, 25))]),
        ("la protesta del 25 gennaio 2011", "it", [("25 gennaio 2011", date(2011, 1, 25))]),
        ("مظاهرات 25 يناير 2011", "ar", [("25 يناير 2011", date(2011, 1, 25))]),
        ("في 25 كانون الثاني 2011", "ar", [("25 كانون الثاني 2011", date(2011, 1, 25))]),
        ("في ٢٥ يناير ٢٠١١", "ar", [("٢٥ يناير ٢٠١١", date(2011, 1, 25))]),
        ("في 1 آذار 2011", "ar", [("1 آذار 2011", date(2011, 3, 1))]),
        ("le 1er mars 2011", "fr", [("1er mars 2011", date(2011, 3, 1))]),
        ("Tuesday, March 15, 2011", "en", [("Tuesday, March 15, 2011", date(2011, 3, 15))]),
        ("el martes 15 de marzo", "es", [("martes 15 de marzo", date(2011, 3, 15))]),
    ],
)
def test_it_resolves_absolute_dates_in_each_language(text, language, expected):
    assert resolved(text, language=language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Miércoles 16/02/2011. Actualizado 11:40h.", [("Miércoles 16/02/2011", date(2011, 2, 16))]),
        ("on 25/1/2011", [("25/1/2011", date(2011, 1, 25))]),
        ("dated 2011-01-25", [("2011-01-25", date(2011, 1, 25))]),
        ("on 5.2.2011", [("5.2.2011", date(2011, 2, 5))]),
        # Both readings valid: 1 March and 3 January; the one nearer publication wins.
        ("on 3/1/2011", [("3/1/2011", date(2011, 1, 3))]),
    ],
)
def test_it_resolves_numeric_dates_with_a_year(text, expected):
    assert resolved(text) == expected


def test_it_leaves_numbers_without_a_year_or_month_alone():
    assert resolved("3/4 de los votos, 3.5 millones, en mayo de 2011, 2011") == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("yesterday", "en", date(2011, 1, 26)),
        ("today", "en", date(2011, 1, 27)),
        ("ayer", "es", date(2011, 1, 26)),
        ("anteayer", "es", date(2011, 1, 25)),
        ("hoy", "es", date(2011, 1, 27)),
        ("previstas para mañana", "es", date(2011, 1, 28)),
        ("hier", "fr", date(2011, 1, 26)),
        ("avant-hier", "fr", date(2011, 1, 25)),
        ("ieri", "it", date(2011, 1, 26)),
        ("oggi", "it", date(2011, 1, 27)),
        ("وقال أمس", "ar", date(2011, 1, 26)),
        ("أول أمس", "ar", date(2011, 1, 25)),
    ],
)
def test_it_resolves_relative_days(text, language, expected):
    assert [day for _, day in resolved(text, language=language)] == [expected]


def test_it_does_not_read_the_morning_as_tomorrow():
    assert resolved("por la mañana", language="es") == []
    assert resolved("esta mañana", language="es") == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Bare weekday: the latest such day on or before publication (a Thursday).
        ("on Tuesday", "en", date(2011, 1, 25)),
        ("on Thursday", "en", date(2011, 1, 27)),
        ("on Friday", "en", date(2011, 1, 21)),
        ("last Thursday", "en", date(2011, 1, 20)),
        ("next Tuesday", "en", date(2011, 2, 1)),
        ("el martes", "es", date(2011, 1, 25)),
        ("el pasado jueves", "es", date(2011, 1, 20)),
        ("el próximo martes", "es", date(2011, 2, 1)),
        ("mardi", "fr", date(2011, 1, 25)),
        ("martedì scorso", "it", date(2011, 1, 25)),
        ("يوم الأحد", "ar", date(2011, 1, 23)),
        ("الثلاثاء الماضي", "ar", date(2011, 1, 25)),
        ("والخميس", "ar", date(2011, 1, 27)),
    ],
)
def test_it_resolves_weekdays_to_the_most_recent_one(text, language, expected):
    assert [day for _, day in resolved(text, language=language)] == [expected]


def test_it_needs_a_day_word_for_arabic_weekdays_that_are_also_numbers():
    # "الاثنين" is also "the two": alone it is not Monday.
    assert resolved("اتفق الاثنين على", language="ar") == []
    assert resolved("يوم الاثنين", language="ar") == [("الاثنين", date(2011, 1, 24))]


def test_a_weekday_next_to_a_relative_word_is_one_mention():
    assert resolved("previstas para mañana jueves", language="es") == [("mañana jueves", date(2011, 1, 28))]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("el 28 de diciembre", date(2011, 1, 5), date(2010, 12, 28)),
        ("el 10 de enero", date(2011, 12, 20), date(2012, 1, 10)),
        ("el 25 de enero", date(2011, 6, 1), date(2011, 1, 25)),
        # Far ahead counts double: December in a June article is last December.
        ("el 20 de diciembre", date(2011, 6, 1), date(2010, 12, 20)),
        ("on 29 February", date(2012, 3, 10), date(2012, 2, 29)),
    ],
)
def test_a_missing_year_is_the_one_nearest_publication(text, published, expected):
    assert [day for _, day in resolved(text, published)] == [expected]


def test_offsets_point_into_the_original_text_with_arabic_folding():
    text = "قال إنه في ٢٥ يناير خرج الناس، وأمس عادوا."
    mentions = find_dates(text, PUBLISHED, "ar")
    assert [text[m.start : m.end] for m in mentions] == ["٢٥ يناير", "أمس"]
    assert [m.kind for m in mentions] == ["absolute", "relative"]


def test_an_unknown_language_looks_for_every_language_words():
    assert [day for _, day in resolved("ayer y hier", language=None)] == [date(2011, 1, 26)] * 2
    # A known language looks only for its own words.
    assert [day for _, day in resolved("ayer y hier", language="es")] == [date(2011, 1, 26)]


# Thursday 18 August 2011 (18 Ramadan 1432).
RAMADAN = date(2011, 8, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وقال مسؤول أمني أمس إن القوات انسحبت من وسط المدينة.", [("أمس", date(2011, 8, 17))]),
        ("وكانت قوات الأمن قد اقتحمت الحي أول من أمس بالدبابات.", [("أول من أمس", date(2011, 8, 16))]),
        ("قتل 12 شخصا في قصف استهدف حمص الأحد الماضي، بحسب ناشطين.", [("الأحد الماضي", date(2011, 8, 14))]),
        ("وأعلنت الوزارة قبل يومين عن خطة لإعادة الإعمار.", [("قبل يومين", date(2011, 8, 16))]),
        ("وتتواصل الاشتباكات منذ ثلاثة أيام في ضواحي العاصمة.", [("منذ ثلاثة أيام", date(2011, 8, 15))]),
        ("وكان الجيش قد أعلن قبل ٤ أيام وقف إطلاق النار.", [("قبل ٤ أيام", date(2011, 8, 14))]),
        ("ويعقد مجلس الأمن اليوم جلسة طارئة لبحث الأوضاع.", [("اليوم", date(2011, 8, 18))]),
        ("ومن المقرر أن يصل المبعوث الأممي غدا إلى دمشق.", [("غدا", date(2011, 8, 19))]),
        ("وتبدأ المحادثات بعد غد في جنيف.", [("بعد غد", date(2011, 8, 20))]),
        ("وتنتهي المهلة بعد يومين من الآن.", [("بعد يومين", date(2011, 8, 20))]),
    ],
)
def test_it_resolves_arabic_relative_days_against_the_publication_day(text, expected):
    assert resolved(text, RAMADAN, "ar") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Umm al-Qura: 1 Ramadan 1432 was 1 August 2011, 1 Dhu al-Hijjah 1432 was 28 October 2011.
        ("خرج المتظاهرون بعد صلاة التراويح في 15 رمضان 1432 هـ.", [("15 رمضان 1432 هـ", date(2011, 8, 15))]),
        ("بيان صادر يوم ١٥ رمضان ١٤٣٢هـ عن المجلس الوطني.", [("١٥ رمضان ١٤٣٢هـ", date(2011, 8, 15))]),  # noqa: RUF001
        ("يبدأ الحجاج الوقوف بعرفة في 9 ذو الحجة 1432.", [("9 ذو الحجة 1432", date(2011, 11, 5))]),
        # No year: the Hijri year that puts the day nearest publication.
        ("وكانت المظاهرات قد بدأت في 10 رمضان في ساحة الساعة.", [("10 رمضان", date(2011, 8, 10))]),
        ("أعلنت الوزارة في 3 صفر 1433 نتائج التحقيق.", [("3 صفر 1433", date(2011, 12, 28))]),
    ],
)
def test_it_converts_written_hijri_dates(text, expected):
    assert resolved(text, RAMADAN, "ar") == expected


def test_it_leaves_safar_without_a_year_and_impossible_hijri_days_alone():
    # "صفر" is also "zero"; 30 Ramadan 1432 did not exist (the month had 29 days).
    assert resolved("النتيجة 15 صفر في المباراة", RAMADAN, "ar") == []
    assert resolved("في 30 رمضان 1432", RAMADAN, "ar") == []


def test_a_counted_day_beyond_ten_is_a_period_not_a_day():
    assert resolved("منذ 40 يوما والحصار مستمر", RAMADAN, "ar") == []
