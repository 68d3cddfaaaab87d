"""Text normalisation shared by clustering and search: pure functions, no Django.

``normalize(text, lang)`` folds the spelling variation that does not change meaning for
matching (Unicode compatibility forms, case, Arabic diacritics and letter variants, non-ASCII
digits); ``tokenize`` splits normalised text into word tokens; ``terms`` drops stopwords and
stems, so "الاحتجاجات" and "احتجاجات", or "protests" and "protesters", meet on one index term;
``detect_language`` names the language (ISO 639-1) with the script as a strong prior.

Normalised text is for matching only: it is never shown to readers (ة→ه and ى→ي are spelling
errors on a page, but writers mix them freely, so matching must not care).
"""

# Arabic letters are this module's subject, not look-alikes of Latin ones.
# ruff: noqa: RUF001, RUF002
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

import Stemmer

# Arabic harakat, tanwin, shadda, sukun, dagger alef and Quranic annotation marks: optional in
# writing, so the same word appears with and without them.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]")
_TATWEEL = "\u0640"
_ARABIC_LETTER_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Persian keheh and yeh show up in Arabic text typed on Persian keyboards.
        "ک": "ك",
        "ی": "ي",
    }
)
_DIGIT_FOLD = str.maketrans(
    {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
)
# Typographic apostrophes become ASCII so Snowball's possessive rules ("Iran's") apply.
_QUOTE_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

# A number keeps its inner separators ("2,000", "4.5") so it stays one token; otherwise a
# token is a run of letters/digits: apostrophes and hyphens split words.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
# Arabic writes prepositions and conjunctions onto numbers ("لـ107", "و2020"); once tatweel is
# gone they would fuse into one token, so Arabic letters and digits are split apart.
_ARABIC_DIGIT_JOIN = re.compile("(?<=[\u0621-\u064a])(?=\\d)|(?<=\\d)(?=[\u0621-\u064a])")
_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")

_ARABIC_SCRIPT_LANGUAGES = ("ar", "fa", "ur")


def normalize(text: str, lang: str | None = None) -> str:
    """Text folded for matching: NFKC, casefolded; Arabic diacritics, tatweel and letter variants unified.

    Digits in Eastern Arabic and Persian forms become ASCII for every language, since numbers
    are shared across languages. Arabic letter folding applies when ``lang`` is "ar" or unknown;
    Persian and Urdu keep their letters (ه and ة are distinct there).
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS.sub("", text).replace(_TATWEEL, "")
    if lang in (None, "ar"):
        text = text.translate(_ARABIC_LETTER_FOLD)
    return text.translate(_DIGIT_FOLD).translate(_QUOTE_FOLD).casefold()


# Words repeat (a few thousand distinct ones cover most of a day's news): folding each distinct
# word once per process made rebuilding the clustering engine about a seventh cheaper.
normalize_word = lru_cache(maxsize=1 << 16)(normalize)


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Normalised word tokens, in order."""
    text = normalize(text, lang)
    if lang in (None, "ar"):
        text = _ARABIC_DIGIT_JOIN.sub(" ", text)
    return _TOKEN.findall(text)


def display_forms(text: str, lang: str | None = None) -> dict[str, str]:
    """Each token of ``tokenize(text)`` mapped to how ``text`` writes it (its first spelling).

    Matching folds ة to ه and capitals to lower case; a keyphrase shown to readers must not,
    so display code turns tokens back into the writer's spelling (diacritics still dropped).
    """
    shown = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text or "")).replace(_TATWEEL, "")
    if lang in (None, "ar"):
        shown = _ARABIC_DIGIT_JOIN.sub(" ", shown)
    forms: dict[str, str] = {}
    for written in dict.fromkeys(_TOKEN.findall(shown)):
        forms.setdefault(normalize_word(written, lang), written)
    return forms


def terms(text: str, lang: str | None = None) -> list[str]:
    """Index terms: tokens minus stopwords and one-letter words, stemmed where a stemmer knows the lang."""
    return stem_tokens(tokenize(text, lang), lang)


def stem_tokens(tokens: list[str], lang: str | None, arabic: Callable[[str], str] | None = None) -> list[str]:
    """``terms`` for already tokenised text (callers that also need the surface forms).

    ``arabic`` replaces the Arabic stemmer (``arabic_stem``) for a caller that reads Arabic
    words its own way (the clustering engine keeps place names whole).
    """
    stop = stopwords(lang)
    kept = [t for t in tokens if len(t) > 1 and t not in stop]
    if lang == "ar":
        return [(arabic or arabic_stem)(t) for t in kept]
    stemmer = _stemmer(lang)
    return stemmer.stemWords(kept) if stemmer else kept


def stopwords(lang: str | None) -> frozenset[str]:
    """Normalised stopwords for ``lang`` (empty for languages without a list)."""
    return _STOPWORDS.get(lang or "", frozenset())


# Longest first: the clitic conjunction/preposition fused with the article. Larkey's light10
# set (Larkey, Ballesteros & Connell 2007), the light stemmer that matched or beat root-based
# stemming for Arabic retrieval.
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def arabic_stem(token: str) -> str:
    """Light10 stemming on normalised text (ة already folded to ه).

    Snowball's Arabic stemmer was tried first: it leaves "والكتاب" whole and cuts "بطهران"
    to "طهر" while keeping "طهران", so one place name got two terms. Light10 strips the same
    affixes from every word whatever its length (a name may lose a letter pair, but it loses
    it everywhere, which is what matching needs) and keeps at least three letters.

    One addition to light10: the alef of the accusative tanween ("احتجاجا", "مليونا"), which
    news prose uses constantly and which would otherwise keep the word apart from its other
    forms. Only on longer words, so short ones ending in a root alef keep it.
    """
    if token.isdigit():
        return token
    if len(token) > 3 and token[0] == "و":
        token = token[1:]
    for prefix in _AR_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            token = token[len(prefix) :]
            break
    if len(token) >= 5 and token[-1] == "ا":
        token = token[:-1]
    for suffix in _AR_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
    return token


_SNOWBALL = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "no": "norwegian",
    "nb": "norwegian",
    "fi": "finnish",
    "ru": "russian",
    "tr": "turkish",
    "ro": "romanian",
    "hu": "hungarian",
    "pl": "polish",
    "el": "greek",
    "ca": "catalan",
    "id": "indonesian",
    "fa": "persian",
}


@cache
def _stemmer(lang: str | None) -> Stemmer.Stemmer | None:
    algorithm = _SNOWBALL.get(lang or "")
    return Stemmer.Stemmer(algorithm) if algorithm else None


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``hint`` when the text is too short to tell.

    Script first: text mostly in Arabic script is Arabic unless the classifier, limited to the
    Arabic-script languages, is sure it is Persian or Urdu. Otherwise py3langid decides, and a
    low-confidence guess loses to the hint (feeds usually declare their language).
    """
    sample = text[:2000] if text else ""
    letters = _LETTER.findall(sample)
    if len(letters) < 12:
        return hint
    arabic = len(_ARABIC_CHAR.findall(sample))
    if arabic * 2 > len(letters):
        if hint in _ARABIC_SCRIPT_LANGUAGES:
            return hint
        lang, prob = _identifier(_ARABIC_SCRIPT_LANGUAGES).classify(sample)
        return lang if lang != "ar" and prob > 0.9 else "ar"
    lang, prob = _identifier(None).classify(sample)
    if hint and lang != hint and (prob < 0.8 or len(letters) < 40):
        return hint
    return lang


@lru_cache(maxsize=2)
def _identifier(languages: tuple[str, ...] | None):  # -> py3langid LanguageIdentifier
    from py3langid import langid

    model = langid.MODEL_DIR / langid.MODEL_FILE
    identifier = langid.LanguageIdentifier.from_modelpath(model, norm_probs=True)
    if languages:
        identifier.set_languages(list(languages))
    return identifier


def _words(block: str, lang: str | None) -> frozenset[str]:
    return frozenset(normalize(block, lang).split())


# Compact lists: function words and reporting verbs that carry no story information. Kept
# short on purpose; IDF already damps what is merely frequent.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        """a about above after again against all also am an and any are as at be because been
        before being below between both but by can could did do does doing down during each few
        for from further had has have having he her here hers herself him himself his how i if in
        into is it its itself just me more most my myself no nor not now of off on once only or
        other our ours ourselves out over own same she should so some such than that the their
        theirs them themselves then there these they this those through to too under until up
        very was we were what when where which while who whom why will with would you your yours
        yourself yourselves said says say told according also would could may might must shall
        one two new last first year years week day days time mr mrs ms per cent percent its it's
        s t don didn doesn isn wasn weren won wouldn couldn shouldn hasn haven hadn re ve ll d m
        around since via upon among amid within without however though although yet still even
        ago like just many much made make get got going""",
        "en",
    ),
    "ar": _words(
        """في من على الى إلى عن مع ان أن إن لا ما لم لن قد كان كانت يكون تكون هذا هذه ذلك تلك
        هناك هنا التي الذي الذين اللذين اللتين اللواتي و او أو ثم بل لكن حتى اذا إذا كما عند
        عندما بين بعد قبل خلال حول ضد دون غير كل بعض اي أي كيف متى اين أين لماذا هو هي هم هن
        انا أنا نحن انت أنت انتم أنتم له لها لهم به بها بهم فيه فيها فيهم منه منها منهم عليه
        عليها عليهم اليه إليه اليها إليها ليس ليست وقد فقد وكان وكانت وهو وهي وفي ومن وعلى وان
        وأن ولا ولم كذلك ايضا أيضا حيث منذ لدى تحت فوق امام أمام وراء عبر نحو وقال قال قالت
        وقالت يقول تقول واضاف وأضاف اضاف أضاف واشار وأشار اشار أشار اكد أكد واكد وأكد وذلك
        اليوم امس أمس يوم العام عام الى سنة مثل جدا اما أما لقد مما عما فيما بينما وهذا وهذه
        التى الذى ولكن انه أنه انها أنها إنه إنها""",
        "ar",
    ),
    "es": _words(
        """de la que el en y a los del se las por un para con no una su al lo como más pero sus le
        ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde
        todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos
        qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella
        estar estas algunas algo nosotros fue ha han ser es son era dijo según""",
        "es",
    ),
    "fr": _words(
        """au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
        même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
        tes toi ton tu un une vos votre vous c d j l à m n s t y été être est sont a ont avait
        était cette cet plus selon aussi comme fait entre après""",
        "fr",
    ),
    "de": _words(
        """aber alle als also am an auch auf aus bei bin bis bist da damit dann der den des dem die
        das dass du er es ein eine einem einen einer eines für hat hatte haben ich ihr ihre im in
        ist ja kann kein keine mit nach nicht noch nun nur ob oder sich sie sind so über um und
        uns unter vom von vor war waren was wie wir wird wurde zu zum zur sagte laut""",
        "de",
    ),
    "it": _words(
        """il lo la i gli le un uno una di a da in con su per tra fra e o ma che non si è sono
        era del della dei delle degli al alla ai alle nel nella nei nelle sul sulla come anche
        più questo questa quello quella ha hanno dopo secondo""",
        "it",
    ),
}


# Embedding and override controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI). In a name
# they reorder what follows: "وكالة \u202egpj.exe" displays as "…exe.jpg". The pages already
# isolate each field (`dir="auto"`, <bdi>), so a control can only mislead inside its own field;
# stripping them at ingest keeps it from doing even that. The marks U+200E/U+200F (LRM, RLM)
# stay: they change no order beyond their neighbours and Arabic text uses them legitimately.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def strip_bidi_controls(value: str) -> str:
    """``value`` without Unicode bidi embedding, override and isolate controls."""
    return value.translate(_BIDI_CONTROLS)


# Control characters (Unicode Cc: C0, DEL, C1) other than tab and newline, and lone surrogates
# (a JSON "\ud800" decodes to one). PostgreSQL refuses a text holding NUL outright, so one
# such character in a feed entry used to cost the whole poll; the others are invisible junk
# on a page. A carriage return becomes a newline first, so Windows and old Mac line breaks stay.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` fit to store: no control characters but tab and newline, no bidi controls."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return strip_bidi_controls(_CONTROLS.sub("", value))
