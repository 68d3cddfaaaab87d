"""Places named in an article, as language-free codes: evidence that crosses languages.

"Iran", "Irán", "Иран" and "إيران" are the same place; the sentence vectors blur such names
among everything else an article says, and words never match across scripts. This gazetteer
comes from the Unicode CLDR data that Babel packages (no download): every country and
territory name, and the exemplar city of every time zone (Tehran, Kyiv, Khartoum…), in the
languages of the labelled streams and the interface. An article's title and lead are looked
up word by word and in runs of two and three words, after the normalisation the word index
uses, with Arabic's attached articles and prepositions (ال، و، ب، ل، وال، بال…) tried off.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

from babel import Locale
from babel.dates import get_timezone_location

from articles.text import normalize

__all__ = ["LANGUAGES", "arabic_place_names", "arabic_variants", "place_codes"]

LANGUAGES = ("ar", "en", "es", "fr", "de", "pt", "ru", "sl", "it", "tr")
LEAD_CHARS = 600  # the title and the lead name the places an article is about
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "لل", "فال", "كال", "ال", "و", "ب", "ل", "ف")
# Short Latin-script names are often everyday words ("Man", "Bar", "Orange"…) and would match
# text that names no place; alone, such a name must be at least this long. Arabic names are
# short and distinct (مصر، قطر، عمان), so three letters do there.
MIN_NAME = 4
MIN_NAME_ARABIC = 3
_ARABIC_LETTERS = re.compile("[\u0621-\u064a]+")


def _norm(text: str, lang: str | None) -> list[str]:
    return _WORD.findall(normalize(text, lang))


@functools.cache
def _gazetteer() -> dict[tuple[str, ...], str]:
    names: dict[tuple[str, ...], str] = {}
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    for lang in LANGUAGES:
        locale = Locale.parse(lang)
        entries = [(code, name) for code, name in locale.territories.items() if code.isalpha()]
        for zone in zones:
            try:
                city = get_timezone_location(zone, locale=locale, return_city=True)
            except (LookupError, ValueError):
                continue
            entries.append((f"tz:{zone}", city))
        for code, name in entries:
            words = tuple(_norm(name, lang))
            shortest = MIN_NAME_ARABIC if lang == "ar" else MIN_NAME
            if not words or len(words) > 3 or (len(words) == 1 and len(words[0]) < shortest):
                continue
            names.setdefault(words, code)
    return names


@functools.cache
def arabic_place_names() -> frozenset[str]:
    """The gazetteer's one-word Arabic names (normalised): إيران، طهران، السودان…"""
    return frozenset(
        words[0] for words in _gazetteer() if len(words) == 1 and _ARABIC_LETTERS.fullmatch(words[0])
    )


def arabic_variants(word: str) -> list[str]:
    """``word`` and what is left of it without each attached article or preposition it may carry."""
    return _variants(word, "ar")


def _variants(word: str, lang: str | None) -> list[str]:
    if lang != "ar":
        return [word]
    out = [word]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            out.append(word[len(prefix) :])
    return out


@functools.cache
def _first_words() -> frozenset[str]:
    # Runs of two or three words are looked up only from a word that starts such a name.
    return frozenset(words[0] for words in _gazetteer() if len(words) > 1)


def place_codes(title: str, text: str = "", lang: str | None = None) -> frozenset[str]:
    """The codes of the countries and cities the title and lead name."""
    gazetteer = _gazetteer()
    starts = _first_words()
    words = _norm(f"{title} {(text or '')[:LEAD_CHARS]}", lang)
    found: set[str] = set()
    for i, word in enumerate(words):
        for head in _variants(word, lang):
            code = None
            if head in starts:
                for size in (3, 2):
                    if i + size <= len(words):
                        code = gazetteer.get((head, *words[i + 1 : i + size]))
                        if code is not None:
                            break
            if code is None:
                code = gazetteer.get((head,))
            if code is not None:
                found.add(code)
                break
    return frozenset(found)
