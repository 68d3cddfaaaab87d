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
        ("بيان صادر يوم ١٥ رمضان ١٤٣٢هـ عن المجلس الوطني.", [("١٥ رمضان ١٤٣٢هـ", date(2011, 8, 15))]),
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


# Tuesday 17 November 2026.
TUESDAY = date(2026, 11, 17)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # French
        ("Ils ont défilé samedi dernier à Paris.", "fr", [("samedi dernier", date(2026, 11, 14))]),
        ("Le ministre a démissionné hier soir.", "fr", [("hier", date(2026, 11, 16))]),
        ("Le sommet s'est ouvert le 16 novembre 2026.", "fr", [("16 novembre 2026", date(2026, 11, 16))]),
        ("Le vote aura lieu jeudi prochain.", "fr", [("jeudi prochain", date(2026, 11, 19))]),
        # Italian
        ("Il governo è caduto ieri dopo il voto.", "it", [("ieri", date(2026, 11, 16))]),
        ("La protesta di sabato scorso a Roma.", "it", [("sabato scorso", date(2026, 11, 14))]),
        ("Domenica 15 novembre i seggi erano aperti.", "it", [("Domenica 15 novembre", date(2026, 11, 15))]),
        ("L'altro ieri il ministro ha parlato.", "it", [("L'altro ieri", date(2026, 11, 15))]),
        # Portuguese
        ("O presidente falou ontem em Lisboa.", "pt", [("ontem", date(2026, 11, 16))]),
        ("Na sexta-feira, o parlamento votou a lei.", "pt", [("sexta-feira", date(2026, 11, 13))]),
        ("A cimeira abriu a 16 de novembro de 2026.", "pt", [("16 de novembro de 2026", date(2026, 11, 16))]),
        ("No sábado passado houve protestos.", "pt", [("sábado passado", date(2026, 11, 14))]),
        # German
        ("Der Minister trat gestern zurück.", "de", [("gestern", date(2026, 11, 16))]),
        ("Am Samstagabend demonstrierten Tausende.", "de", [("Samstagabend", date(2026, 11, 14))]),
        ("Das Treffen fand am 15. November statt.", "de", [("15. November", date(2026, 11, 15))]),
        ("Am vergangenen Freitag begann der Streik.", "de", [("vergangenen Freitag", date(2026, 11, 13))]),
        ("Die Wahl ist morgen.", "de", [("morgen", date(2026, 11, 18))]),
        # Russian
        ("Вчера президент выступил с заявлением.", "ru", [("Вчера", date(2026, 11, 16))]),
        ("Протесты прошли в субботу в Москве.", "ru", [("субботу", date(2026, 11, 14))]),
        ("Встреча состоялась 15 ноября 2026 года.", "ru", [("15 ноября 2026", date(2026, 11, 15))]),
        ("В прошлую пятницу начались забастовки.", "ru", [("прошлую пятницу", date(2026, 11, 13))]),
        # Turkish
        ("Bakan dün açıklama yaptı.", "tr", [("dün", date(2026, 11, 16))]),
        ("Cumartesi günü binlerce kişi yürüdü.", "tr", [("Cumartesi günü", date(2026, 11, 14))]),
        ("Zirve 16 Kasım'da başladı.", "tr", [("16 Kasım", date(2026, 11, 16))]),
        ("Geçen cuma grev başladı.", "tr", [("Geçen cuma", date(2026, 11, 13))]),
        # Arabic
        ("وقال الرئيس يوم الأحد إن إيران اتصلت.", "ar", [("الأحد", date(2026, 11, 15))]),
        ("أعلنت الوزارة أمس حصيلة جديدة.", "ar", [("أمس", date(2026, 11, 16))]),
        ("منذ بدء الاحتجاجات في الثاني عشر من نوفمبر", "ar", [("الثاني عشر من نوفمبر", date(2026, 11, 12))]),
        ("في الحادي والعشرين من تشرين الأول", "ar", [("الحادي والعشرين من تشرين الأول", date(2026, 10, 21))]),
    ],
)
def test_it_reads_days_in_every_language_the_engine_takes(text, language, expected):
    assert resolved(text, TUESDAY, language) == expected


def test_market_and_morning_are_not_days():
    # Turkish "pazar" is also "market", German "Morgen" (capitalised) "morning".
    assert resolved("Pazar yerinde kalabalık vardı.", TUESDAY, "tr") == []
    assert resolved("Heute Morgen war es ruhig.", TUESDAY, "de") == [("Heute", TUESDAY)]
    assert resolved("Pazar günü seçim var.", TUESDAY, "tr") == [("Pazar günü", date(2026, 11, 15))]


def test_a_weekday_in_a_narrative_is_read_against_the_day_the_narrative_set():
    # An article of Sunday 22 November looks back: "a Thursday" is 12 November, "By Saturday" the 14th,
    # not the Saturday before publication (21 November).
    text = (
        "The protests that have gripped Iran since 12 November began, as so often, with money. When the "
        "rial crashed, merchants pulled down their shutters on a Thursday morning.\n"
        "By Saturday the anger had reached the streets of Tehran, Mashhad and Shiraz."
    )
    mentions = find_dates(text, date(2026, 11, 22), "en")
    assert [(text[m.start : m.end], m.date, m.anchored) for m in mentions] == [
        ("12 November", date(2026, 11, 12), False),
        ("Thursday", date(2026, 11, 12), True),
        ("Saturday", date(2026, 11, 14), True),
    ]


def test_a_weekday_after_a_date_of_this_week_is_read_against_publication():
    # The date is within the week of publication: no narrative, "on Monday" is the latest Monday.
    mentions = find_dates("On 15 November talks began; on Monday they stalled.", TUESDAY, "en")
    assert [(m.date, m.anchored) for m in mentions] == [
        (date(2026, 11, 15), False),
        (date(2026, 11, 16), False),
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("ROMA, 11 FEB - Il presidente ha parlato.", "it", [("11 FEB", date(2011, 2, 11))]),
        ("PARIS, 11 févr. 2011 (AFP) - Le président", "fr", [("11 févr. 2011", date(2011, 2, 11))]),
        ("Madrid, 20 dic (EFE).- El gobierno", "es", [("20 dic", date(2010, 12, 20))]),
        ("BERLIN, 3. Okt. - Die Regierung", "de", [("3. Okt.", date(2010, 10, 3))]),
    ],
)
def test_it_reads_the_month_abbreviations_of_wire_datelines(text, language, expected):
    assert resolved(text, date(2011, 2, 12), language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Le président a parlé avant-hier à l'Élysée.", "fr", [("avant-hier", date(2026, 11, 15))]),
        ("Vendredi soir, la police a dispersé la foule.", "fr", [("Vendredi", date(2026, 11, 13))]),
        ("Le mardi 10 novembre, le parlement a voté.", "fr", [("mardi 10 novembre", date(2026, 11, 10))]),
        ("Lunedì scorso il governo ha approvato il decreto.", "it", [("Lunedì scorso", date(2026, 11, 16))]),
        ("Venerdì sera migliaia di persone hanno manifestato.", "it", [("Venerdì", date(2026, 11, 13))]),
        ("Il 12 novembre scorso il premier si è dimesso.", "it", [("12 novembre", date(2026, 11, 12))]),
        ("O ministro falou anteontem no parlamento.", "pt", [("anteontem", date(2026, 11, 15))]),
        (
            "Na quinta-feira passada, o governo anunciou o plano.",
            "pt",
            [("quinta-feira passada", date(2026, 11, 12))],
        ),
        ("Der Präsident sprach vorgestern in Berlin.", "de", [("vorgestern", date(2026, 11, 15))]),
        ("Am Donnerstagabend kam es zu Ausschreitungen.", "de", [("Donnerstagabend", date(2026, 11, 12))]),
        ("قال الوزير أول أمس إن المفاوضات مستمرة.", "ar", [("أول أمس", date(2026, 11, 15))]),
        ("خرج المحتجون مساء السبت إلى الشوارع.", "ar", [("السبت", date(2026, 11, 14))]),
        ("أعلنت الحكومة يوم الخميس الماضي خطة جديدة.", "ar", [("الخميس الماضي", date(2026, 11, 12))]),
        ("بدأت الاحتجاجات في 12 نوفمبر الجاري.", "ar", [("12 نوفمبر", date(2026, 11, 12))]),
    ],
)
def test_it_reads_evening_dawn_and_day_before_yesterday_expressions(text, language, expected):
    assert resolved(text, TUESDAY, language) == expected
