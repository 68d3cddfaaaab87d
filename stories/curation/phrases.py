"""When a run of words is a name a headline writer would use: the rules, per language.

A story's name, a dossier's name and a keyphrase chip are short noun phrases ("Iran protests",
«احتجاجات إيران», "Turkey earthquake", «قناة الاتصال الإيرانية الأمريكية»). What makes a run of
headline words fail as one, checked by `problems`:

- **A cut at an edge.** It opens or ends on a function word: a preposition, article,
  conjunction, pronoun, auxiliary or a reporting verb ("join Iran protest", "Iran and",
  «في بازار»); in Arabic also a word carrying a conjunction or preposition clitic with the
  article («والعراق», «بالسودان»), which means the phrase began inside a clause.
- **An adjective without its noun.** English: it ends on an adjective ("eastern Turkey" is a
  place, but "Iran nuclear" is not a name), known from a list or a demonym ending
  ("Iranian"). Arabic: it opens on a nisba adjective («الإيرانية الأمريكية»: every word an
  adjective, no noun to qualify; «ـي/ـية» after the article), since an Arabic noun phrase
  opens on its noun; a nisba after a noun is fine («الهدنة الإنسانية»).
- **An adverbial at the end.** Arabic accusative adverbs and complements ending in tanwin
  alif («طهران احتجاجا», «23 عاما», «أولا») belong to a clause, not a name; a place whose name
  ends in alif («تركيا», «روسيا») is not one of them.
- **A verb.** A name is a noun phrase: English headline verbs ("hits", "says", "join"), -ing/-ed
  forms at its edges; Arabic headline verbs from a short list or known by their form (the
  imperfect's «ي» in «يوقف», «يعني»; «تجتاح»; a perfect «انتهت»), and a conjunction on an
  imperfect verb («ويتصدر»).
- **A clause's parts at its edges.** A fused preposition or conjunction on an Arabic phrase's
  first word («بمشاركة البنك», «لقوى السوق» where the story writes «القوى») or its last
  («دولي لإعادة»); a duration at its end («المدارس ليومين», "shut two days").
- **Names stacked without an event.** Two places ("Iran Tehran"); and, where the headlines
  show the second is a name (`place_and_name`), an English place and one proper name ("Tunisia
  Sfax" from "Tunisia's Sfax", "Iran Araghchi"): where and who, no what.
- **Lower-case English** names: a name starts with a capital (sentence case) or keeps the
  capitals the headlines gave it.

The word lists are short, written for headlines, and checked against the og2021-dev and ECB+
names in docs/evaluation.md. Pure: no Django.
"""

# ruff: noqa: RUF001
from __future__ import annotations

import re
from functools import lru_cache

from articles.text import normalize, stopwords
from stories.clustering import places


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that never open or close a name. Per language: prepositions, articles, conjunctions,
# pronouns, auxiliaries, reporting verbs, numerals written out, and words that only qualify.
_FUNCTION_WORDS = {
    "en": """a an the and or but nor so yet of in on at to for from by with without into onto over
        under after before during since until amid among between against about as than via per
        through across toward towards near despite upon off out up down is are was were be been
        being has have had do does did will would can could may might must shall should it its it's
        this that these those he she they we you i his her their our your my who whom whose which
        what when where why how not no says said say tells told warns warned asks asked calls
        called urges urged amid while if whether just also more most less least very all any some
        each every both either neither other another such own same over again once here there
        then now today yesterday tomorrow than too only even still""",
    "ar": """في من على إلى الى عن مع أن ان إن لا ما لم لن قد كان كانت هذا هذه ذلك تلك التي الذي
        الذين و أو او ثم بل لكن حتى إذا اذا كما عند عندما بين بعد قبل خلال حول ضد دون غير كل بعض
        أي اي هو هي هم نحن له لها لهم به بها فيه فيها منه منها عليه عليها إليه إليها ليس منذ لدى
        تحت فوق أمام امام وراء عبر نحو قال قالت يقول تقول وقال وقالت أكد يؤكد تؤكد أعلن يعلن تعلن
        مصادر مصدر اليوم أمس امس غدا رغم وسط إثر اثر لدى لـ بـ عقب جراء بشأن حيال ضمن أمام لأن
        لان إنه انه أنه إنها أنها وفي ومن وعلى وإلى والى وعن ومع بعدما فيما بينما كيف ماذا لماذا
        متى أين هل ايضا أيضا جدا قبالة إزاء لدى قرب بسبب يا""",
    "pt": """a o as os um uma uns umas de do da dos das em no na nos nas por pelo pela pelos pelas
        para com sem sob sobre entre até após ante contra desde e ou mas nem que se é são foi
        ser está estão tem têm diz disse ao aos à às seu sua seus suas este esta esse essa isso
        mais menos muito já não como quando onde""",
    "ru": """и в во на с со к ко о об от до по за из у при для без над под про через между или
        но а что как это этот эта эти тот та те не ни же ли бы был была были быть есть его ее её
        их он она они мы вы я после перед во время также уже еще ещё""",
    "sl": """in v na s z k o od do po za iz pri pred med pod nad brez ali pa da je so bo bi ki
        kot ne se že še tudi le ter ob čez proti""",
}
# Adjectives that a name never ends on (English): directions, sizes, degrees, qualities that
# headlines put before the noun they describe.
_ENGLISH_ADJECTIVES = _listed(
    """eastern western northern southern central north south east west new old major big large
    small huge high low strong weak top key possible direct foreign national international local
    global political economic military nuclear human coastal humanitarian public private former latest
    last first final second third early late other several many own same full whole hard bad good
    great long short deadly fatal massive severe fresh further joint rare special senior chief
    official unofficial technical financial social civil federal regional domestic total
    historic historical annual daily weekly monthly recent live urgent serious critical local
    rival potential alleged possible likely new-look record-breaking controversial"""
)
# Demonyms and other adjectives of place ("Iranian", "Turkish", "Chinese", "Iraqi"): a capital,
# then one of these endings, and not a place name itself.
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|can|ese|ish|ic)$")
# Demonyms in -i, listed: many surnames end in -i too ("Kamali", "Araghchi").
_DEMONYMS_I = _listed(
    """iraqi saudi omani yemeni kuwaiti qatari emirati bahraini pakistani israeli somali
    bangladeshi nepali azerbaijani afghani kurdish french dutch swiss greek thai welsh"""
)
# Headline verbs that sit next to a name and would make it a clause ("Iran hits", "join Iran").
_ENGLISH_VERBS = _listed(
    """hits hit join joins joined says warns urges calls agrees agree faces face turns turn
    confirms confirm denies deny holds hold kills kill rises rise falls fall cuts spreads spread
    threatens threaten opens open reaches reach arrives arrive restores restore announces
    announce launches launch signs sign meets meet wins win beats beat loses lose seeks seek
    plans plan vows vow rejects reject accepts accept backs back slams slam blames blame
    returns return begins begin ends end sets set takes take gives give makes make gets get
    goes go says said tells told claims claim reports report welcome welcomes welcomed
    condemns condemn extends extend approves approve passes pass"""
)
# Headline verbs of Arabic (imperfect and perfect): a name never opens or closes on them.
_ARABIC_VERBS = frozenset(
    normalize(word, "ar")
    for word in _listed(
        """يعلن تعلن أعلن أعلنت يقول تقول قال قالت يؤكد تؤكد أكد أكدت ينفي تنفي نفى نفت
    يرفع ترفع رفع رفعت يهزم تهزم هزم يتأهل تتأهل تأهل يقيل تقيل أقال يعبر تعبر عبر يقصي تقصي أقصى
    يتصدر تتصدر تصدر يطرحون يطرح تطرح طرح يقبل تقبل قبل توافق يوافق وافق تطالب يطالب طالب يهبط
    تهبط هبط يستقر تستقر استقر تستعيد يستعيد استعاد تتجه يتجه اتجه يتحول تتحول تحول يملأ تملأ
    ينضمون ينضم تنضم انضم يتواصل تتواصل تواصل تحافظان تحافظ يحافظ يترك تترك ترك تبقي يبقي
    يتنفسون تعود يعود عاد تتهم يتهم اتهم ترفض يرفض رفض تدين يدين دان يبدأ تبدأ بدأ يلتقي تلتقي
    التقى يزور تزور زار يدعو تدعو دعا يحذر تحذر حذر يشهد تشهد شهد"""
    )
)
# The article with a conjunction or preposition fused on: the phrase began inside a clause.
_ARABIC_CLITIC_ARTICLE = ("وال", "بال", "فال", "كال", "لل")
# Accusative tanwin (fathatan on alif, or on its own) at the end: an adverbial («أولا»).
_TANWIN_ALIF = ("اً", "ًا")
_ARABIC_LETTERS = re.compile("[\u0621-\u064a]")
_LATIN_WORD = re.compile(r"[A-Za-z]")


# What headline writers name a story by, with its place: "Iran protests", «زلزال تركيا». The words
# of kinds of events (and of the standing things stories are about: a currency, a cabinet), not a
# list of stories; matched by stem, so "protest"/"protests" and «احتجاج»/«احتجاجات» are one.
_EVENT_WORDS = {
    "en": """protest protests strike strikes earthquake quake summit talks ceasefire truce election
        elections vote referendum war crisis deal agreement attack attacks bombing shooting flood
        floods fire wildfire wildfires storm hurricane cyclone typhoon trial visit row dispute
        standoff sanctions blockade famine outbreak epidemic pandemic crash collapse coup unrest
        clashes offensive siege invasion airstrikes negotiations peace reform budget float
        devaluation inflation scandal investigation probe arrests resignation reshuffle transfer
        conference accord pact plan bailout loan
        rescue evacuation drought heatwave rain rains snowstorm eruption landslide tsunami explosion
        blast kidnapping
        hostages massacre raid fighting battle contacts channel meeting crackdown boycott walkout
        lockdown ban tariffs shutdown impeachment inquiry verdict funeral rally riots uprising
        insurgency migration aid relief reconstruction recovery cabinet government currency pound
        lira rial dollar economy debt oil gas water stadium stadiums doping vaccine
        virus spill leak hack cyberattack""",
    "ar": """احتجاجات احتجاج تظاهرات مظاهرات إضراب إضرابات زلزال قمة محادثات مفاوضات هدنة انتخابات
        حرب أزمة اتفاق اتفاقية هجوم هجمات تفجير انفجار فيضانات فيضان حريق حرائق عاصفة إعصار
        محاكمة زيارة خلاف نزاع عقوبات حصار مجاعة تفشي وباء تحطم انهيار انقلاب اشتباكات معارك
        غارات قصف أمطار سيول ثلوج سلام إصلاح إصلاحات موازنة تضخم فضيحة تحقيق اعتقالات استقالة صفقة
        مؤتمر خطة قرض إنقاذ إجلاء جفاف ثوران اختطاف رهائن مجزرة مداهمة
        قتال تواصل اتصال قناة لقاء اجتماع قمع مقاطعة إغلاق حظر جنازة تشييع مسيرة احتجاجات شغب
        انتفاضة تمرد هجرة مساعدات إغاثة إعمار تعافي حكومة عملة جنيه ليرة ريال دينار اقتصاد ديون
        نفط غاز مياه ملاعب ملعب لقاح فيروس تسرب حكومة""",
}


# Of those, the standing things a country has (its currency, government, economy): a newsroom
# names them with the country's adjective («الجنيه المصري», «الحكومة المصرية»), not as «جنيه مصر».
# («تحرير»/«تعويم» are not event words: with a place they read "liberation of Egypt".)
_STANDING_WORDS = {
    "ar": "عملة جنيه ليرة ريال دينار اقتصاد حكومة ديون نفط غاز موازنة",
}


def standing_stems(language: str | None) -> frozenset[str]:
    """Stems of the standing-thing words of `language` (see _STANDING_WORDS)."""
    return _words_stems(_STANDING_WORDS.get(language or "", ""), language or "")


@lru_cache(maxsize=32)
def _words_stems(words: str, language: str) -> frozenset[str]:
    from articles.text import stem_tokens, tokenize

    stems = (stem_tokens(tokenize(word, language), language) for word in words.split())
    return frozenset(stem for found in stems for stem in found)


def event_stems(language: str | None) -> frozenset[str]:
    """Stems of the kinds-of-event words of `language` (empty where there is no list)."""
    return _event_stems(language or "")


@lru_cache(maxsize=32)
def _event_stems(language: str) -> frozenset[str]:
    from articles.text import stem_tokens, tokenize

    words = _EVENT_WORDS.get(language, "").split()
    return frozenset(stem for word in words for stem in stem_tokens(tokenize(word, language), language))


def function_words(language: str | None) -> frozenset[str]:
    """Normalised words that never open or close a name in `language`."""
    return _function_words(language or "")


@lru_cache(maxsize=32)
def _function_words(language: str) -> frozenset[str]:
    listed = _FUNCTION_WORDS.get(language, "")
    words = {normalize(word, language or None) for word in listed.split()}
    # Languages without a list here fall back to the index's stopwords (es, fr, de, it).
    return frozenset(words | (set() if language in ("en", "ar") else set(stopwords(language or None))))


# Names headlines still use where CLDR has moved on ("Türkiye"): for naming only, the
# clustering gazetteer keeps CLDR's.
_PLACE_ALIASES = frozenset({"turkey", "ivory coast", "burma", "swaziland", "czech republic", "macedonia"})


def is_place(words: tuple[str, ...] | list[str], language: str | None) -> bool:
    """Whether the words, as written, are a country or city name in the gazetteer."""
    text = " ".join(words)
    if language in (None, "en") and text.casefold() in _PLACE_ALIASES:
        return True
    return bool(places.place_codes(text, "", language))


def concepts(text: str, language: str | None) -> frozenset[str]:
    """The countries `text` names, a city counted as its country where the gazetteer can say so.

    The gazetteer's cities are the CLDR time zones' exemplar cities; the city of a country's only
    time zone (Tehran, Cairo, Beirut, Paris) stands for the country in a headline ("Tehran
    rejects…"), so "Iran" and "Tehran" are one concept. A city of a country with several zones
    (New York, Sydney) keeps its own code, as does a city with no country.
    """
    return frozenset(_country_of_zone().get(code, code) for code in places.place_codes(text, "", language))


@lru_cache(maxsize=1)
def _country_of_zone() -> dict[str, str]:
    """Gazetteer zone codes ("tz:Asia/Tehran") → their country, for countries with one zone."""
    import zoneinfo

    from babel.core import get_global

    territory_of = get_global("zone_territories")
    zones = [z for z in zoneinfo.available_timezones() if z in territory_of]
    per_country: dict[str, list[str]] = {}
    for zone in zones:
        per_country.setdefault(territory_of[zone], []).append(zone)
    return {f"tz:{only[0]}": country for country, only in per_country.items() if len(only) == 1}


def is_adjective(word: str, language: str | None) -> bool:
    """A word that qualifies a noun and cannot end (English) or open (Arabic) a name."""
    if language == "ar":
        return is_arabic_nisba(word)
    if language in (None, "en"):
        if word.casefold() in _ENGLISH_ADJECTIVES:
            return True
        if word.casefold() in _DEMONYMS_I:
            return True
        return bool(_DEMONYM.match(word)) and not is_place([word], language)
    return False


def is_arabic_nisba(word: str) -> bool:
    """An Arabic relative adjective with the article («الإيرانية», «الأمريكي»)."""
    folded = normalize(word, "ar")
    stripped = _strip_article(folded)
    if stripped == folded or len(stripped) < 4:
        return False
    # The written ending, not the folded one: «الجنيه» (the pound) ends in ha, not the ta marbuta of
    # «الإيرانية»; only a text written without ta marbuta makes the two alike.
    if word.endswith("يه") and not stripped.endswith(("يين", "يون", "يات")):
        return False
    return stripped.endswith(("يه", "ي", "يين", "يون", "يات"))


def is_indefinite_place_nisba(word: str) -> bool:
    """«إيرانية», «مصري»: a relative adjective of a place without the article (a place is not one)."""
    folded = normalize(word, "ar")
    if is_place([word], "ar"):
        return False
    for suffix in ("يه", "ي", "يين", "يون", "يات"):
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 3:
            base = word[: len(word) - len(suffix)] if word.endswith(suffix) else word[: -len(suffix)]
            if is_place([base], "ar") or is_place([base + "ا"], "ar"):
                return True
    return False


def _strip_article(folded: str) -> str:
    for prefix in (*_ARABIC_CLITIC_ARTICLE, "ال"):
        if folded.startswith(prefix) and len(folded) - len(prefix) >= 2:
            return folded[len(prefix) :]
    return folded


def is_verb(word: str, language: str | None) -> bool:
    if language == "ar":
        folded = normalize(word, "ar")
        # «ويتصدر», «وتطالب»: a conjunction on an imperfect verb, the next clause of a headline.
        return (
            folded in _ARABIC_VERBS
            or (len(folded) >= 5 and folded.startswith(("وي", "وت", "ون")))
            or _has_arabic_verb_form(folded, word)
        )
    if language in (None, "en"):
        return word.casefold() in _ENGLISH_VERBS
    return False


# Nouns and given names written with the imperfect's «ي» (folded): «يوم», «يوسف», «يورو».
_ARABIC_YA_NOUNS = frozenset(
    normalize(word, "ar")
    for word in _listed(
        """يوم يوما يومين يومان يومي يومية أيام يوسف يحيى ياسر ياسين يعقوب يونس يزيد يزن يمنى يسرى
    يورو يونيو يوليو يناير يونيسف يونسكو يهود يهودي يهودية يمين يسار يافا ينبع يخت يقين"""
    )
)


def _has_arabic_verb_form(folded: str, written: str) -> bool:
    """An Arabic verb known by its form rather than listed: «يوقف», «يعني» (the imperfect's «ي»),
    «تجتاح», «تستمر» (the imperfect of forms VIII and X), «انتهت», «أعلنت» (a perfect of the
    forms written with a leading alif, ending on the feminine «ت»). Places and the nouns written
    like them are not verbs."""
    if len(folded) < 4 or not _ARABIC_LETTERS.match(folded) or folded in _ARABIC_YA_NOUNS:
        return False
    if folded.startswith("ي"):
        verb = True
    elif folded.startswith("ت") and len(folded) >= 5 and folded[2] == "ت":
        # «تحتية» (infrastructure) has the same letters: a verb never ends on ta marbuta.
        verb = not written.endswith(("ة", "ه")) and not folded.endswith("ات")
    elif folded.startswith("ا") and folded.endswith("ت") and not folded.endswith("ات"):
        verb = len(folded) >= 5
    else:
        verb = False
    return verb and not is_place([written], "ar")


# Single-letter prepositions and conjunctions fused on a word: «لقوى» (for the forces), «بتعديل»
# (by a reshuffle), «وجنوب» (and the south). The article with a clitic is _ARABIC_CLITIC_ARTICLE.
_ARABIC_CLITICS = ("ل", "ب", "ك", "و", "ف")


def opens_on_arabic_clitic(word: str, written: frozenset[str] = frozenset()) -> bool:
    """Whether an Arabic word carries a fused preposition or conjunction, so a phrase opening on
    it began inside a clause. Known when the story writes the rest of the word on its own or with
    the article (`written`: its folded words), or, for «ب»/«ل», when the rest is a derived noun in
    «م»/«ت» («بمشاركة», «لتعزيز», «بتعديل»), which no common noun opens on after those letters."""
    folded = normalize(word, "ar")
    if len(folded) < 4 or folded[0] not in _ARABIC_CLITICS or is_place([word], "ar"):
        return False
    rest = folded[1:]
    if folded[0] in "وفك" and len(rest) < 4:
        # «وفد», «وقف», «كمال»: short words opening on these letters are mostly nouns.
        return False
    if rest in written or "ال" + rest in written:
        return True
    return folded[0] in "بل" and rest[0] in "مت" and len(rest) >= 4 and folded not in _NOUNS_BM


# Nouns that do open on «بم», «بت», «لم», «لت» (folded).
_NOUNS_BM = frozenset({"بترول", "بتكوين", "لمبه"})

# Units of time: with a fused preposition, or as a bare dual or plural, at a phrase's end they
# say for how long («المدارس ليومين», "schools shut two days"), an adverbial of a clause.
_ARABIC_TIME_UNITS = frozenset(
    normalize(word, "ar")
    for word in _listed(
        """يوم يومين يومان أيام ساعة ساعتين ساعات أسبوع أسبوعين أسابيع شهر شهرين أشهر شهور سنة
    سنتين سنوات عام عامين أعوام دقيقة دقائق ليلة ليلتين ليال"""
    )
)
_ARABIC_TIME_PLURALS = frozenset(
    normalize(word, "ar") for word in _listed("يومين ايام ساعتين ساعات أسبوعين أسابيع شهرين أشهر سنتين سنوات")
)
_ENGLISH_TIME_UNITS = _listed("days hours weeks months years nights minutes")
_NUMBER_WORDS = _listed("two three four five six seven eight nine ten several few")


def ends_on_duration(words: list[str], language: str | None) -> bool:
    """Whether a phrase ends on how long something lasts: «ليومين», «لمدة أسبوع», "48 hours"."""
    last = words[-1]
    if language == "ar":
        folded = normalize(last, "ar")
        if folded in _ARABIC_TIME_PLURALS:
            return True
        for prefix in ("لل", "بال", "ل", "ب"):
            if folded.startswith(prefix) and folded[len(prefix) :] in _ARABIC_TIME_UNITS:
                return True
        return False
    if language in (None, "en") and len(words) > 1 and last.casefold() in _ENGLISH_TIME_UNITS:
        before = words[-2].casefold()
        return before.isdigit() or before in _NUMBER_WORDS
    return False


def problems(name: str, language: str | None, *, written: frozenset[str] = frozenset()) -> list[str]:
    """What keeps `name` from being a well-formed name in `language` (empty: none).

    `written`, the folded words of the story it names, lets a fused Arabic preposition or
    conjunction be told from a word's own first letter (see `opens_on_arabic_clitic`).
    """
    words = name.split()
    if not words:
        return ["empty"]
    found = []
    if len(words) > 7:
        found.append("too long")
    stop = function_words(language)
    first, last = words[0], words[-1]
    if normalize(first, language).strip("'’") in stop:
        found.append(f"opens on a function word: {first}")
    if normalize(last, language).strip("'’") in stop:
        found.append(f"ends on a function word: {last}")
    if any(is_verb(word, language) for word in words):
        # A name is a noun phrase: a headline verb in it makes it a clause ("Jordan beats Egypt").
        found.append("a verb")
    if language in (None, "en"):
        if _LATIN_WORD.match(first) and first[:1].islower():
            found.append("lower-case")
        if is_adjective(last, language) or (
            len(words) > 1 and last.casefold().endswith("ial") and last.casefold() not in _NOUNS_IAL
        ):
            found.append(f"ends on an adjective: {last}")
        if any(word.casefold() in _SUBORDINATORS for word in words[1:-1]):
            # "Turkey as quake", "Hours after eastern Turkey quake": two clauses of a headline.
            found.append("a cut across a clause")
        if len(words) > 2 and "and" in words[1:-1] and last[:1].isupper():
            found.append("a list of names without the noun they qualify")
        if (
            len(words) > 1
            and (last.casefold().endswith("ed") or (last.endswith("ing") and last[:1].islower()))
            and last.casefold() not in _NOUNS_ING_ED
        ):
            # "Tunisia transferring": a clause's verb; a capitalised "-ing" is a name ("Beijing").
            found.append(f"ends on a participle: {last}")
        if len(words) > 1 and first.casefold() in _ENGLISH_ADJECTIVES and is_place(words[1:], language):
            # "Eastern Turkey": where the story happens, not what happens.
            found.append("a place, not an event")
        if (
            len(words) > 1
            and first.casefold().endswith(("ing", "ed"))
            and not _one_place(words, language)
            and first.casefold() not in _NOUNS_ING_ED
        ):
            found.append(f"opens on a participle: {first}")
    elif language == "ar":
        folded_first, folded_last = normalize(first, "ar"), normalize(last, "ar")
        if folded_first.startswith(_ARABIC_CLITIC_ARTICLE) or (
            len(words) > 1 and opens_on_arabic_clitic(first, written)
        ):
            found.append(f"opens on a clitic: {first}")
        if is_arabic_nisba(first) or (len(words) > 1 and is_indefinite_place_nisba(first)):
            found.append(f"opens on an adjective: {first}")
        if len(words) > 1 and any(ends_on_adverbial(word) for word in words[:-1]):
            # «عاما بهدف», «23 عاما بهدف»: an accusative complement belongs to a clause.
            found.append("an adverbial inside")
        elif len(words) == 1 and folded_first.endswith(("يه", "يين", "يون")) and not is_place(words, "ar"):
            # «إيرانية» alone: an adjective whose noun is missing.
            found.append(f"an adjective alone: {first}")
        if (
            len(words) > 1
            and folded_last.startswith("و")
            and is_place([last[1:]], "ar")
            and is_place([first], "ar")
        ):
            found.append("a list of names without the noun they qualify")
        if len(words) == 2 and is_place([first], "ar") and is_arabic_nisba(last):
            # «ليبيا النفطي»: a proper name takes no adjective of its own here; the noun is missing.
            found.append(f"an adjective on a name: {last}")
        if len(words) > 1 and ends_on_adverbial(last):
            found.append(f"ends on an adverbial: {last}")
        if (
            len(words) > 1
            and (
                folded_last.startswith(_ARABIC_CLITIC_ARTICLE)
                or (folded_last[:1] in "بل" and opens_on_arabic_clitic(last, written))
            )
            and not is_place([last], "ar")
        ):
            # «دولي لإعادة», «جديدة للاشتراكات»: a prepositional phrase begins on the last word.
            found.append(f"ends on a clitic: {last}")
    if len(words) > 1 and ends_on_duration(words, language):
        found.append(f"ends on a duration: {last}")
    if len(words) > 1 and _stacked_places(words, language):
        # "Iran Tehran", «إيران طهران»: where, twice, and no what (a place and a person's or a
        # town's name, "Tunisia Sfax", is `place_and_name`: it needs the headlines' capitals).
        found.append("places stacked without an event")
    return found


def place_and_name(words: list[str], language: str | None) -> bool:
    """An English place then one word that is not an event: "Tunisia Sfax", "Iran Araghchi", when
    the caller knows the second word is a name (capitalised where the headline is not in title
    case: "Canada Basketball" in a title-case headline is not one)."""
    if language not in (None, "en") or len(words) != 2:
        return False
    place, name = words
    return (
        _one_place([place], language)
        # "Paris Saint-Germain": a hyphenated name is one name with the place in it (a club's).
        and "-" not in name
        and not _ACRONYM_WORD.fullmatch(name)
        and name.casefold() not in _PLACE_NOUNS
        and name.casefold() not in _NAMED_EVENTS
        and not _one_place(words, language)
        and not (_words_stems(name.casefold(), "en") & event_stems("en"))
    )


_ACRONYM_WORD = re.compile(r"[A-Z]{2,5}s?")
# Events written as proper names after their place ("Tokyo Olympics", "Paris Games").
_NAMED_EVENTS = _listed(
    """olympics olympiad games paralympics cup league open championship championships expo
    summit marathon derby classic masters"""
)
# Nouns that make a place of a name before them ("Gaza City", "Gaza Strip", "Bekaa Valley").
_PLACE_NOUNS = _listed(
    """city province state region strip valley bay sea gulf island islands square river mountains
    desert coast county district governorate port airport"""
)


def _one_place(words: list[str], language: str | None) -> bool:
    """Whether `words` name one place, all of them needed ("Hong Kong"; not "Tunisia Sfax")."""
    whole = places.place_codes(" ".join(words), "", language)
    if len(whole) != 1 or len(words) == 1:
        return len(whole) == 1
    return all(places.place_codes(" ".join(part), "", language) != whole for part in (words[1:], words[:-1]))


def _stacked_places(words: list[str], language: str | None) -> bool:
    """Whether `words` are two or more place names one after another, and not one place."""
    if _one_place(words, language):
        return False
    start = 0
    while start < len(words):
        end = next((e for e in range(len(words), start, -1) if _one_place(words[start:e], language)), None)
        if end is None:
            return False
        start = end
    return True


# Words that open a clause of their own inside a headline: a name never spans them.
_SUBORDINATORS = _listed("as while when whereas because if whether after before since until amid despite")


# -ing/-ed words that are nouns in headlines ("Olympic building", "wedding", "bombing").
_NOUNS_ING_ED = _listed(
    """bombing shooting meeting building wedding hearing ruling funding spending bidding
    housing fighting killing uprising warning offering opening landing crossing ceiling
    sporting reading trading boxing sailing cycling swimming diving rowing wrestling fencing
    shed bed red shipping training flooding mining lending polling voting doping smuggling
    trafficking kidnapping hacking fishing farming banking pricing rationing sentencing
    spring string evening morning ring king thing"""
)


# -ial words that are nouns ("provincial", "presidential" are not).
_NOUNS_IAL = _listed("trial trials official memorial serial tutorial editorial denial burial material")


def ends_on_adverbial(word: str) -> bool:
    if word.endswith(_TANWIN_ALIF):
        return True
    folded = normalize(word, "ar")
    if not folded.endswith("ا") or len(folded) < 4 or not _ARABIC_LETTERS.match(folded):
        return False
    # A name ending in alif (تركيا، روسيا، أمريكا) is a place, not an adverbial.
    return not is_place([word], "ar")


def sentence_case(name: str, language: str | None) -> str:
    """A Latin-script name opens on a capital ("bazaar strike" is never shown as such)."""
    if not name or not name[:1].isalpha() or not name[:1].islower():
        return name
    if language in ("ar", "zh", "ja", "ko", "fa", "ur", "he"):
        return name
    return name[:1].upper() + name[1:]


def chips(keyphrases: list[str], *, limit: int = 8) -> list[str]:
    """The engine's keyphrases as a reader's chips: names and noun phrases, one per concept.

    A phrase that is not a well-formed name in its script's language is dropped (a bare
    adjective «الأمريكي», a ministry's adjective without its noun «الخارجية», a function
    word); a place already shown in another language is dropped too (Iran = إيران), by the
    gazetteer's codes.
    """
    shown: list[str] = []
    seen_places: set[str] = set()
    seen_words: set[str] = set()
    for phrase in keyphrases:
        language = "ar" if _ARABIC_LETTERS.search(phrase) else "en"
        if [p for p in problems(phrase, language) if p != "lower-case"]:
            continue
        codes = concepts(phrase, language)
        if codes and codes <= seen_places:
            continue
        folded = normalize(phrase, language)
        if folded in seen_words:
            continue
        seen_places |= codes
        seen_words.add(folded)
        shown.append(phrase)
        if len(shown) == limit:
            break
    return shown
