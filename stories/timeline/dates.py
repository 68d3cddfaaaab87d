"""Find the calendar days a news text talks about, resolved against its publication date.

A compact rule set rather than a general parser (dateparser's search mode is known to be slow
and to find dates in ordinary words; it was not installed or measured here). It reads about
18 MB of text a second on one core, since the patterns are only tried where digits or one of the
language's day words occur. It covers the languages the engine takes: day-month and month-day
expressions with month names in Arabic (Egyptian يناير… , Levantine كانون الثاني… and Maghrebi
جانفي… , and spelled-out ordinal days, «الثاني عشر من نوفمبر»), English, Spanish, French, Italian,
German, Portuguese, Russian and Turkish; numeric dates; weekday names; yesterday/today/tomorrow
words. Eastern Arabic digits count as digits. Each mention keeps its character offsets so a
sentence can be tied to the day it reports.

Resolution rules, chosen for news usage:
- A weekday name alone ("on Tuesday", "el martes", "mardi", "يوم الأحد") is the most recent
  such day on or before the publication day: news reports what has happened, and a story
  published on a Tuesday that says "on Tuesday" means that day. In a narrative, though, a
  weekday follows the date the text has just set: "since 12 November … on a Thursday morning.
  By Saturday the anger had reached the streets" in an article of 22 November is 14 November.
  So when an absolute date (or a weekday read so) comes shortly before the weekday and lies over
  a week before publication, the weekday is the first such day on or after it (HeidelTime's
  narrative reference, Strötgen & Gertz 2013), and the mention is marked `anchored`.
  With "last/pasado/dernier/scorso/letzten/geçen/الماضي" it is strictly before; with
  "next/próximo/prochain/prossimo/nächsten/المقبل" the first such day strictly after.
- A day and month without a year take the year that puts the date nearest the publication
  day, counting days ahead twice (news looks back more often than forward): "el 28 de
  diciembre" in an article of 5 January is last December, "el 10 de enero" on 20 December
  is next January.
- A numeric date needs a year (so "3/4" in a score is not a date); when both day/month and
  month/day readings are valid the one nearer the publication day wins, since numeric dates
  in articles are mostly datelines.
- Month-only or year-only expressions are not days and are not reported.
- Arabic relative days: "أمس", "أول أمس", "اليوم", "غدا", "بعد غد", "الأحد الماضي", and counted
  ones, "قبل يومين", "منذ ثلاثة أيام", "قبل 4 أيام", "بعد يومين", up to ten days, all from the
  publication day.
- Hijri dates ("15 رمضان 1432 هـ", "٣ محرم ١٤٣٣") are converted with the Umm al-Qura calendar
  (the ``hijridate`` package; it covers 1343 to 1500 AH, 1924 to 2077 CE). Without a year, the Hijri
  year that puts the day nearest the publication day, as for Gregorian dates. "صفر" is also
  "zero", so Safar needs its year.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from hijridate import Gregorian, Hijri

# One-to-one so offsets in the folded copy are offsets in the original text.
_FOLD = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended (Persian/Urdu) digits
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
    }
)

# Month names after folding (Arabic alef/ta marbuta forms are unified by _FOLD). Months are only
# looked for next to a day number, so one table serves every language.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "enero", "janvier", "gennaio", "januar", "jänner", "janeiro", "января", "январь",
        "ocak", "يناير", "كانون الثاني", "جانفي"),
    2: ("february", "feb", "febrero", "février", "fevrier", "febbraio", "februar", "fevereiro", "февраля",
        "февраль", "şubat", "subat", "فبراير", "شباط", "فيفري"),
    3: ("march", "mar", "marzo", "mars", "märz", "maerz", "março", "marco", "марта", "март", "mart", "مارس",
        "اذار"),
    4: ("april", "apr", "abril", "avril", "aprile", "апреля", "апрель", "nisan", "ابريل", "نيسان", "افريل"),
    5: ("may", "mayo", "mai", "maggio", "maio", "мая", "май", "mayıs", "mayis", "مايو", "ايار", "ماي"),
    6: ("june", "jun", "junio", "juin", "giugno", "juni", "junho", "июня", "июнь", "haziran", "يونيو",
        "يونيه", "حزيران", "جوان"),
    7: ("july", "jul", "julio", "juillet", "luglio", "juli", "julho", "июля", "июль", "temmuz", "يوليو",
        "يوليه", "تموز", "جويليه"),
    8: ("august", "aug", "agosto", "août", "aout", "августа", "август", "ağustos", "agustos", "اغسطس", "اب",
        "اوت"),
    9: ("september", "sept", "sep", "septiembre", "setiembre", "septembre", "settembre", "setembro",
        "сентября", "сентябрь", "eylül", "eylul", "سبتمبر", "ايلول"),
    10: ("october", "oct", "octubre", "octobre", "ottobre", "oktober", "outubro", "октября", "октябрь",
         "ekim", "اكتوبر", "تشرين الاول"),
    11: ("november", "nov", "noviembre", "novembre", "novembro", "ноября", "ноябрь", "kasım", "kasim",
         "نوفمبر", "تشرين الثاني"),
    12: ("december", "dec", "diciembre", "décembre", "decembre", "dicembre", "dezember", "dezembro",
         "декабря", "декабрь", "aralık", "aralik", "ديسمبر", "كانون الاول"),
}  # fmt: skip
# Abbreviations of the Romance and German presses ("11 févr.", ANSA's "ROMA, 11 FEB", "3 dic."),
# read as the month only next to a day number like the full names.
_MONTH_ABBREVIATIONS: dict[int, tuple[str, ...]] = {
    1: ("ene", "janv", "gen"), 2: ("févr", "fevr", "fév", "fev"), 4: ("abr", "avr"), 5: ("mag",),
    6: ("giu",), 7: ("juil", "lug"), 8: ("ago",), 10: ("ott", "okt"), 12: ("déc", "dic", "dez"),
}  # fmt: skip
for _month, _names in _MONTH_ABBREVIATIONS.items():
    _MONTHS[_month] += _names
# English puts the month first ("January 25, 2011"); the other languages put the day first.
_MONTHS_FIRST = (
    "january", "jan", "february", "feb", "march", "mar", "april", "apr", "may", "june", "jun",
    "july", "jul", "august", "aug", "september", "sept", "sep", "october", "oct", "november",
    "nov", "december", "dec",
)  # fmt: skip

# Weekday names per language, Monday first (date.weekday() order). German compounds with the time
# of day ("Samstagabend") are spelled out; Portuguese needs "-feira", since "segunda" alone is
# also "second".
_DE_PARTS = ("", "abend", "morgen", "vormittag", "mittag", "nachmittag", "nacht")
_WEEKDAYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (("monday",), ("tuesday",), ("wednesday",), ("thursday",), ("friday",), ("saturday",), ("sunday",)),
    "es": (("lunes",), ("martes",), ("miércoles", "miercoles"), ("jueves",), ("viernes",),
           ("sábado", "sabado"), ("domingo",)),
    "fr": (("lundi",), ("mardi",), ("mercredi",), ("jeudi",), ("vendredi",), ("samedi",), ("dimanche",)),
    "it": (("lunedì", "lunedi"), ("martedì", "martedi"), ("mercoledì", "mercoledi"), ("giovedì", "giovedi"),
           ("venerdì", "venerdi"), ("sabato",), ("domenica",)),
    "de": tuple(tuple(day + part for day in days for part in _DE_PARTS) for days in (
        ("montag",), ("dienstag",), ("mittwoch",), ("donnerstag",), ("freitag",), ("samstag", "sonnabend"),
        ("sonntag",))),
    "pt": (("segunda-feira",), ("terça-feira", "terca-feira"), ("quarta-feira",), ("quinta-feira",),
           ("sexta-feira",), ("sábado", "sabado"), ("domingo",)),
    "ru": (("понедельник", "понедельника"), ("вторник", "вторника"), ("среда", "среду", "среды"),
           ("четверг", "четверга"), ("пятница", "пятницу", "пятницы"), ("суббота", "субботу", "субботы"),
           ("воскресенье", "воскресенья")),
    "tr": (("pazartesi",), ("salı", "sali"), ("çarşamba", "carsamba"), ("perşembe", "persembe"), ("cuma",),
           ("cumartesi",), ("pazar",)),
    "ar": (("الاثنين",), ("الثلاثاء",), ("الاربعاء",), ("الخميس",), ("الجمعه",), ("السبت",), ("الاحد",)),
}  # fmt: skip
# "الاثنين" is also "the two", "الاحد" "the one" and "pazar" "market": only a day with a day-word
# before it ("يوم الأحد") or after it ("pazar günü"), or "last/next" next to it.
_AMBIGUOUS_WEEKDAYS = {"الاثنين", "الاحد", "pazar"}

# Day offsets from the publication day. German "morgen" is also "morning"; it is read only in lower
# case (the noun is capitalised) and not after "heute/gestern/am" (see _MORNING_BEFORE).
_RELATIVE: dict[str, dict[str, int]] = {
    "en": {"yesterday": -1, "last night": -1, "today": 0, "tomorrow": 1},
    "es": {"ayer": -1, "anoche": -1, "anteayer": -2, "antier": -2, "antes de ayer": -2, "hoy": 0,
           "mañana": 1, "pasado mañana": 2},
    "fr": {"hier": -1, "avant-hier": -2, "aujourd'hui": 0, "aujourd\u2019hui": 0, "demain": 1,
           "après-demain": 2},
    "it": {"ieri": -1, "l'altro ieri": -2, "l\u2019altro ieri": -2, "altroieri": -2, "oggi": 0, "domani": 1,
           "dopodomani": 2},
    "de": {"gestern": -1, "vorgestern": -2, "heute": 0, "morgen": 1, "übermorgen": 2},
    "pt": {"ontem": -1, "anteontem": -2, "hoje": 0, "amanhã": 1, "depois de amanhã": 2},
    "ru": {"вчера": -1, "позавчера": -2, "сегодня": 0, "завтра": 1, "послезавтра": 2},
    "tr": {"dün": -1, "evvelsi gün": -2, "bugün": 0, "yarın": 1, "öbür gün": 2},
    "ar": {"امس": -1, "البارحه": -1, "اول امس": -2, "اول من امس": -2, "امس الاول": -2, "اليوم": 0,
           "غدا": 1, "غداً": 1, "بعد غد": 2},
}  # fmt: skip

# Hijri months after folding. Two spellings for the second half of the double names.
_HIJRI_MONTHS: dict[str, int] = {
    "محرم": 1, "صفر": 2, "ربيع الاول": 3, "ربيع الثاني": 4, "ربيع الاخر": 4, "جمادي الاولي": 5,
    "جمادي الاول": 5, "جمادي الثانيه": 6, "جمادي الاخره": 6, "جمادي الثاني": 6, "جمادي الاخر": 6,
    "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10, "ذو القعده": 11, "ذي القعده": 11, "ذو الحجه": 12,
    "ذي الحجه": 12,
}  # fmt: skip
# Arabic counted days: "قبل يومين" (two days ago), "منذ ثلاثة أيام", "بعد 4 أيام".
_AR_NUMBERS = {
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7,
    "سبعه": 7, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}  # fmt: skip
_AR_COUNTED_MAX = 10

_PAST = (
    "last", "pasado", "pasada", "dernier", "scorso", "passato", "letzten", "letzter", "vergangenen",
    "vergangener", "vorigen", "passado", "passada", "último", "última", "прошлый", "прошлую", "прошлое",
    "прошедший", "прошедшую", "geçen", "gecen", "geçtiğimiz", "الماضي", "المنصرم", "الفائت",
)  # fmt: skip
_NEXT = (
    "next", "próximo", "proximo", "próxima", "proxima", "prochain", "prossimo", "nächsten", "nächster",
    "kommenden", "kommender", "следующий", "следующую", "ближайший", "ближайшую", "gelecek", "önümüzdeki",
    "المقبل", "القادم",
)  # fmt: skip
_THIS = ("this", "este", "esta", "ce", "questo", "diesen", "dieser", "nesta", "neste", "этот", "эту", "bu")
_AR_DAY_WORDS = ("يوم", "صباح", "مساء", "ليله", "ليل", "فجر", "ظهر", "نهار")
_DAY_WORDS_AFTER = ("günü",)  # Turkish "cumartesi günü": the day, not another sense of the word
# Arabic ordinal days, spelled out: "في الثاني عشر من نوفمبر".
_AR_UNITS = ("الحادي", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع")
_AR_ORDINALS: dict[str, int] = {
    "الاول": 1, **{unit: i for i, unit in enumerate(_AR_UNITS[1:], start=2)}, "العاشر": 10,
    **{f"{unit} عشر": 11 + i for i, unit in enumerate(_AR_UNITS)}, "العشرين": 20,
    **{f"{unit} والعشرين": 21 + i for i, unit in enumerate(_AR_UNITS)}, "الثلاثين": 30,
    "الحادي والثلاثين": 31,
}  # fmt: skip
_ALL_LANGUAGES = tuple(_WEEKDAYS)


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    date: date
    kind: str  # "absolute", "numeric", "weekday" or "relative"
    # A weekday read against an earlier date of the text rather than the publication day (see
    # find_dates): its sentence continues the one that set the scene.
    anchored: bool = False


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    # Longest first so "tuesday" is not cut short and "كانون الثاني" beats a shorter name.
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


_MONTH_OF = {name: month for month, names in _MONTHS.items() for name in names}
_WEEKDAY_OF = {name: day for names in _WEEKDAYS.values() for day, forms in enumerate(names) for name in forms}
_RELATIVE_OF = {words: offset for table in _RELATIVE.values() for words, offset in table.items()}
_ALL_WEEKDAYS = _alternation(list(_WEEKDAY_OF))

_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:1[89]|20)\d\d"
_LETTER_BEFORE = r"(?<![^\W\d_])"
_NO_LETTER_AFTER = r"(?![^\W\d_])"

# The date patterns are tried only where a run of digits starts, which keeps the scan of a long
# text to one cheap pass (a regex of every month and weekday name over whole texts took seconds
# per thousand articles).
_DAY_MONTH = re.compile(
    rf"(?<![\w/.-])(?P<d>{_DAY})(?:st|nd|rd|th|er|º|°|ª|\.)?\s*(?:de\s+|of\s+|-)?"
    rf"(?P<m>{_alternation(list(_MONTH_OF))}){_NO_LETTER_AFTER}\.?"
    rf"(?:\s*/\s*(?:{_alternation(list(_MONTH_OF))}){_NO_LETTER_AFTER})?"  # "25 يناير/كانون الثاني"
    rf"(?:,?\s*(?:del?\s+|,\s*)?(?P<y>{_YEAR})(?!\d))?"
)
_MONTH_BEFORE = re.compile(rf"{_LETTER_BEFORE}(?P<m>{_alternation(_MONTHS_FIRST)})\.?\s+$")
_DAY_AFTER_MONTH = re.compile(rf"(?P<d>{_DAY})(?:st|nd|rd|th)?(?!\w)(?:,?\s*(?P<y>{_YEAR})(?!\d))?")
_NUMERIC = re.compile(
    rf"(?<![\w/.-])(?:(?P<iy>{_YEAR})-(?P<im>0[1-9]|1[0-2])-(?P<id>[0-3]\d)"
    rf"|(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>{_YEAR}|\d\d))(?![\w/-])"
)
# A weekday spelled next to a full date or a relative word belongs to it ("martes 15 de marzo",
# "Tuesday, March 15", "mañana jueves") rather than being a second, differently resolved mention.
_WEEKDAY_BEFORE = re.compile(rf"{_LETTER_BEFORE}(?:{_ALL_WEEKDAYS}),?\s+(?:(?:el|le|il|the)\s+)?$")
_WEEKDAY_AFTER = re.compile(rf",?\s+(?:{_ALL_WEEKDAYS}){_NO_LETTER_AFTER}")
_MODIFIERS = _alternation((*_PAST, *_NEXT, *_THIS))
_MODIFIER_BEFORE = re.compile(rf"{_LETTER_BEFORE}(?:(?P<pre>{_MODIFIERS})|{_alternation(_AR_DAY_WORDS)})\s+$")
_MODIFIER_AFTER = re.compile(rf"\s+(?P<post>{_alternation((*_PAST, *_NEXT))}){_NO_LETTER_AFTER}")
# "la mañana", "heute Morgen": the morning, not tomorrow.
_MORNING_BEFORE = re.compile(
    rf"{_LETTER_BEFORE}(?:la|esta|una|cada|toda|heute|gestern|am|jeden|den|dem|diesen|eines)\s+$"
)
_DAY_WORD_AFTER = re.compile(rf"\s+(?:{_alternation(_DAY_WORDS_AFTER)}){_NO_LETTER_AFTER}")
_AR_ORDINAL_DATE = re.compile(
    rf"{_LETTER_BEFORE}(?P<d>{_alternation(list(_AR_ORDINALS))})\s+(?:من\s+)?"
    rf"(?:شهر\s+)?(?P<m>{_alternation(list(_MONTH_OF))}){_NO_LETTER_AFTER}(?:\s+(?P<y>{_YEAR})(?!\d))?"
)
_HIJRI = re.compile(
    rf"(?P<d>{_DAY})\s*(?:من\s+)?(?P<m>{_alternation(list(_HIJRI_MONTHS))}){_NO_LETTER_AFTER}"
    rf"(?:\s*(?:عام|سنه)?\s*(?P<y>1[34]\d\d)(?!\d)(?:\s*(?:هـ|ه{_NO_LETTER_AFTER}))?)?"
)
_AR_COUNTED = re.compile(
    rf"{_LETTER_BEFORE}(?P<dir>قبل|منذ|بعد)\s+(?:(?P<two>يومين)|(?P<one>يوم)(?:\s+واحد)?"
    rf"|(?:(?P<n>\d+)|(?P<word>{_alternation(list(_AR_NUMBERS))}))\s+(?:ايام|يوما)){_NO_LETTER_AFTER}"
)
# A weekday is read against an earlier date of the text (or a weekday read so) when that date is at
# most this many characters before it (about a sentence; across paragraphs, as a narrative runs on)
# and over a week before publication (see find_dates). 200 rather than 400: on the Spanish timelines
# (nested leave-one-topic-out) 400 cost a date on one topic, 200 did not (docs/evaluation.md).
_ANCHOR_REACH = 200
_ANCHOR_AGE_DAYS = 6
_NEEDS_FOLD = re.compile(r"[\u0622-\u0629\u0649\u0660-\u0669\u06f0-\u06f9]")
_WINDOW = 24


@lru_cache(maxsize=16)
def _scanner(languages: tuple[str, ...]) -> re.Pattern[str]:
    words = [w for lang in languages for forms in _WEEKDAYS[lang] for w in forms]
    words += [w for lang in languages for w in _RELATIVE[lang]]
    # Arabic words take a one-letter conjunction or preposition: "والخميس", "وأمس".
    return re.compile(
        rf"(?P<num>\d+)|{_LETTER_BEFORE}(?:[وفب])?(?P<word>{_alternation(words)}){_NO_LETTER_AFTER}"
    )


def _nearest_year(month: int, day: int, published: date) -> date | None:
    best: tuple[int, date] | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        delta = (candidate - published).days
        cost = 2 * delta if delta > 0 else -delta
        if best is None or cost < best[0]:
            best = (cost, candidate)
    return best[1] if best else None


def _make(year: int | None, month: int, day: int, published: date) -> date | None:
    if year is None:
        return _nearest_year(month, day, published)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _hijri(year: int | None, month: int, day: int, published: date) -> date | None:
    """The Gregorian day of a Hijri date (Umm al-Qura); None outside the calendar's range."""

    def convert(y: int) -> date | None:
        try:
            return date(*Hijri(y, month, day).to_gregorian().datetuple())
        except (ValueError, OverflowError):
            return None

    if year is not None:
        return convert(year)
    try:
        current = Gregorian(published.year, published.month, published.day).to_hijri().year
    except (ValueError, OverflowError):
        return None
    best: tuple[int, date] | None = None
    for candidate in filter(None, (convert(y) for y in (current - 1, current, current + 1))):
        delta = (candidate - published).days
        cost = 2 * delta if delta > 0 else -delta
        if best is None or cost < best[0]:
            best = (cost, candidate)
    return best[1] if best else None


def _weekday_date(weekday: int, published: date, direction: str) -> date:
    if direction == "next":
        return published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
    back = (published.weekday() - weekday) % 7
    if direction == "past":
        return published - timedelta(days=back or 7)
    return published - timedelta(days=back)


def _numeric(match: re.Match[str], published: date) -> date | None:
    if match["iy"]:
        return _make(int(match["iy"]), int(match["im"]), int(match["id"]), published)
    year = int(match["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    if not published.year - 30 <= year <= published.year + 5:
        return None
    a, b = int(match["a"]), int(match["b"])
    readings = [d for d in (_make(year, b, a, published), _make(year, a, b, published)) if d]
    if not readings:
        return None
    return min(readings, key=lambda d: abs((d - published).days))


def _languages(language: str | None) -> tuple[str, ...]:
    code = (language or "").lower().split("-")[0]
    return (code,) if code in _WEEKDAYS else _ALL_LANGUAGES


def _day_at(low: str, pos: int, published: date) -> tuple[int, int, date | None, str] | None:
    """A full date whose digits start at `pos`, as (start, end, day, kind)."""
    if match := _NUMERIC.match(low, pos):
        return match.start(), match.end(), _numeric(match, published), "numeric"
    if (match := _HIJRI.match(low, pos)) and (match["y"] or match["m"] != "صفر"):
        month = _HIJRI_MONTHS[re.sub(r"\s+", " ", match["m"])]
        year = int(match["y"]) if match["y"] else None
        return match.start(), match.end(), _hijri(year, month, int(match["d"]), published), "absolute"
    if match := _DAY_MONTH.match(low, pos):
        month = _MONTH_OF[re.sub(r"\s+", " ", match["m"])]
        year = int(match["y"]) if match["y"] else None
        return match.start(), match.end(), _make(year, month, int(match["d"]), published), "absolute"
    before = _MONTH_BEFORE.search(low, max(0, pos - _WINDOW), pos)
    if before and (match := _DAY_AFTER_MONTH.match(low, pos)):
        year = int(match["y"]) if match["y"] else None
        day = _make(year, _MONTH_OF[before["m"]], int(match["d"]), published)
        return before.start(), match.end(), day, "absolute"
    return None


def _weekday_at(
    low: str, match: re.Match[str], published: date, anchor: date | None
) -> tuple[int, int, date, bool] | None:
    """(start, end, day, anchored): against `anchor` when the narrative set one, else `published`."""
    name = match["word"]
    start, end = match.start(), match.end()
    before = _MODIFIER_BEFORE.search(low, max(0, start - _WINDOW), start)
    after = _MODIFIER_AFTER.match(low, end)
    day_word = _DAY_WORD_AFTER.match(low, end)
    if name in _AMBIGUOUS_WEEKDAYS and not (after or day_word or (before and not before["pre"])):
        return None
    direction = "recent"
    for word in (before["pre"] if before else None, after["post"] if after else None):
        if word in _PAST:
            direction = "past"
        elif word in _NEXT:
            direction = "next"
    if before and before["pre"]:
        start = before.start()
    if after:
        end = after.end()
    elif day_word:
        end = day_word.end()
    weekday = _WEEKDAY_OF[name]
    if anchor is not None:
        # A narrative moves forward from the day it set: "on 12 November ... By Saturday".
        if direction == "past":
            day = _weekday_date(weekday, anchor, "past")
        else:
            ahead = (weekday - anchor.weekday()) % 7 or (7 if direction == "next" else 0)
            day = anchor + timedelta(days=ahead)
        if day <= published:
            return start, end, day, True
    return start, end, _weekday_date(weekday, published, direction), False


def _anchor(anchors: list[tuple[int, date]], pos: int, published: date) -> date | None:
    """The day a narrative set just before `pos`, when it lies in an earlier week than `published`.

    `anchors` are (end offset, day) of the written dates and anchored weekdays, sorted."""
    index = bisect_right(anchors, (pos, date.max)) - 1
    if index < 0 or pos - anchors[index][0] > _ANCHOR_REACH:
        return None
    day = anchors[index][1]
    return day if (published - day).days > _ANCHOR_AGE_DAYS else None


def find_dates(text: str, published: date, language: str | None = None) -> list[DateMention]:
    """Every day mentioned in `text`, in text order; overlapping matches keep the most specific.

    `language` (ISO 639-1) picks which weekday and yesterday/today words to look for; an unknown
    or missing language looks for all of them. Numeric and month-name dates are found in any.
    """
    folded = text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text
    low = folded.lower()
    if len(low) != len(folded):  # a few characters lowercase to two; keep offsets exact
        low = "".join(c.lower()[0] for c in folded)
    found: list[DateMention] = []
    last_end = 0
    words: list[re.Match[str]] = []
    languages = _languages(language)
    for match in _scanner(languages).finditer(low):
        if match["word"] is not None:
            words.append(match)
            continue
        if match.start() < last_end:
            continue
        hit = _day_at(low, match.start(), published)
        if hit is None or hit[2] is None:
            continue
        start, end, day, kind = hit
        if lead := _WEEKDAY_BEFORE.search(low, max(0, start - _WINDOW), start):
            start = lead.start()
        found.append(DateMention(start, end, day, kind))
        last_end = end
    if "ar" in languages and "ال" in low:
        for match in _AR_ORDINAL_DATE.finditer(low):
            if any(match.start() < m.end and m.start < match.end() for m in found):
                continue
            month = _MONTH_OF[re.sub(r"\s+", " ", match["m"])]
            year = int(match["y"]) if match["y"] else None
            day = _make(year, month, _AR_ORDINALS[re.sub(r"\s+", " ", match["d"])], published)
            if day is not None:
                found.append(DateMention(match.start(), match.end(), day, "absolute"))
        found.sort(key=lambda m: m.start)
    if "ar" in languages and ("قبل" in low or "منذ" in low or "بعد" in low):
        for match in _AR_COUNTED.finditer(low):
            if match["two"]:
                count = 2
            elif match["one"]:
                count = 1
            else:
                count = int(match["n"]) if match["n"] else _AR_NUMBERS[match["word"]]
            if not 1 <= count <= _AR_COUNTED_MAX or any(
                match.start() < m.end and m.start < match.end() for m in found
            ):
                continue
            sign = 1 if match["dir"] == "بعد" else -1
            found.append(
                DateMention(match.start(), match.end(), published + timedelta(days=sign * count), "relative")
            )
    anchors = sorted((m.end, m.date) for m in found if m.kind in ("absolute", "numeric"))
    for match in words:
        if any(match.start() < m.end and m.start < match.end() for m in found):
            continue  # "يوم" of a counted day, or a word inside a date already read
        name = match["word"]
        anchored = False
        if name in _WEEKDAY_OF:
            hit = _weekday_at(low, match, published, _anchor(anchors, match.start(), published))
            if hit is None:
                continue
            start, end, day, anchored = hit
            kind = "weekday"
        else:
            words_key = re.sub(r"\s+", " ", name)
            if words_key in ("mañana", "morgen") and _MORNING_BEFORE.search(
                low, max(0, match.start() - _WINDOW), match.start()
            ):
                continue
            if words_key == "morgen" and folded[match.start("word")].isupper():
                continue  # "Morgen", the noun
            start, end = match.start("word"), match.end()
            if tail := _WEEKDAY_AFTER.match(low, end):
                end = tail.end()
            day, kind = published + timedelta(days=_RELATIVE_OF[words_key]), "relative"
        if any(start < m.end and m.start < end for m in found):
            continue
        found.append(DateMention(start, end, day, kind, anchored))
        if anchored:
            insort(anchors, (end, day))
    found.sort(key=lambda m: m.start)
    return found
