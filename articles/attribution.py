"""Who an article says its report comes from: credit lines and phrases, in Arabic and English.

Pure functions and data, no Django: ``articles.services`` runs them at ingest, the
``attribution_eval`` command and the tests run them on plain text.

A rewrite names its original in a few set ways: a credit line at its foot («المصدر: أكسيوس»,
"Source: Reuters"), an agency dateline ("WASHINGTON (Reuters) -", «بيروت - (أ ف ب)»), or a
phrase in the text («نقلا عن …», «بحسب ما أوردته صحيفة …», «وفقا لـ…», "according to …",
"… first reported", "Reuters reported"). ``find_credits`` reads those cues and resolves the
name after (or before) each to an outlet: ``OutletIndex`` holds the outlet table
(``articles.outlets``) and the names of the sources Silsila polls, matched across scripts (a
source called "Levant Wire" is «ليفانت واير» in an Arabic credit).

A wrong credit is worse than none, so a name counts only when it resolves to a known outlet,
or when the text itself says it is one (a type noun: «صحيفة …», "the … newspaper"; a name
ending like one: "the Jakarta Post"; a credit line). Cues that look like credits and are not
resolve to nothing: a person or office after the cue («بحسب وزير الخارجية», "according to
officials"), "told Reuters" / «قال لرويترز» (the outlet interviewed someone), "Reuters could
not verify", an outlet that is the subject of the news («قالت قناة الجزيرة في بيان إن مكتبها…»,
"Thomson Reuters reported a profit"), photo captions.
"""

# Arabic words are this module's subject.
# ruff: noqa: RUF001
from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple
from urllib.parse import urlsplit

from .outlets import BY_KEY, CONTEXT_ONLY, NOT_OUTLETS, OUTLETS
from .text import normalize_word

# Where a credit was read, strongest first: an article with a credit line and a passing
# "according to" credits what the line names.
KINDS = ("line", "dateline", "first", "inline")

PHRASE_CHARS = 300


@dataclass(frozen=True)
class SourceName:
    """A source as the index needs it: its id, display name and feed address."""

    id: int
    name: str
    url: str = ""


@dataclass(frozen=True)
class Credit:
    name: str  # as the text writes it
    outlet: str  # key in articles.outlets, "" for an outlet the table does not know
    source_id: int | None  # the source Silsila polls for that outlet, if any
    phrase: str  # the sentence or line it was read from
    kind: str  # one of KINDS
    position: int  # character offset of the phrase in the text

    @property
    def identity(self) -> str:
        """One string per outlet, whatever the spelling: to compare and count credits."""
        if self.outlet:
            return self.outlet
        if self.source_id is not None:
            return f"source:{self.source_id}"
        return name_key(self.name)


# --- Tokens -------------------------------------------------------------------------------


class _Tok(NamedTuple):
    raw: str
    norm: str


_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
_INNER_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011](?=\w)")
_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[A-Za-z]")


def _tokens(value: str) -> list[_Tok]:
    return [_Tok(raw, normalize_word(raw)) for raw in _TOKEN.findall(_INNER_HYPHEN.sub(" ", value))]


def _norms(value: str) -> tuple[str, ...]:
    return tuple(tok.norm for tok in _tokens(value))


def name_key(name: str) -> str:
    """A name folded for comparison: case, Arabic letter variants, leading "the" dropped."""
    norms = [n for n in _norms(name) if n not in _QUOTES]
    while norms and norms[0] in {"the", "ال"}:
        norms = norms[1:]
    return " ".join(norms)


def _script(raw: str) -> str:
    return "ar" if _ARABIC.search(raw) else "latin"


# --- Cross-script skeletons -----------------------------------------------------------------
# "Levant Wire" and «ليفانت واير» share their consonants: vowels, long-vowel letters and the
# sounds either script writes loosely (h, w, y, ʿayn, hamza) are dropped, the rest folded to
# one class per sound. Only names of sources use it (the table lists both scripts), only
# across scripts, and only for four consonants or more.

_AR_SKELETON = str.maketrans(
    {
        "ب": "b",
        "پ": "b",
        "ت": "t",
        "ط": "t",
        "ث": "t",
        "د": "d",
        "ض": "d",
        "ذ": "d",
        "ظ": "d",
        "ج": "k",
        "خ": "k",
        "غ": "k",
        "ق": "k",
        "ك": "k",
        "گ": "k",
        "س": "s",
        "ص": "s",
        "ز": "s",
        "ش": "s",
        "چ": "s",
        "ف": "f",
        "ڤ": "f",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ر": "r",
    }
)
_LATIN_DIGRAPHS = (
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "k"),
    ("gh", "k"),
    ("ck", "k"),
    ("x", "ks"),
)
_LATIN_SKELETON = str.maketrans({"p": "b", "v": "f", "g": "k", "j": "k", "q": "k", "c": "k", "z": "s"})
_SKELETON_LETTERS = frozenset("btdkfslmnr")
_MIN_SKELETON = 4


def _word_skeleton(word: str) -> str:
    if _ARABIC.search(word):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        letters = word.translate(_AR_SKELETON)
    else:
        word = word.lower()
        if word in {"the", "al", "el"}:
            return ""
        word = re.sub(r"c(?=[eiy])", "s", word)
        for digraph, sound in _LATIN_DIGRAPHS:
            word = word.replace(digraph, sound)
        letters = word.translate(_LATIN_SKELETON)
    kept = [ch for ch in letters if ch in _SKELETON_LETTERS]
    return "".join(ch for i, ch in enumerate(kept) if i == 0 or ch != kept[i - 1])


def skeleton(words: Iterable[str]) -> str:
    return "".join(_word_skeleton(word) for word in words)


# --- The index of outlet names ----------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    outlet: str  # "" for a source the table does not know, or for a NOT_OUTLETS name
    source_id: int | None
    raw: tuple[str, ...]  # the form as written, for the capital-letter check
    blocked: bool = False
    context_only: bool = False


class _Match(NamedTuple):
    target: _Target
    start: int  # token span of the name
    end: int


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


class OutletIndex:
    """The outlet table plus the sources' own names, for resolving a credited name."""

    def __init__(self, sources: Iterable[SourceName] = ()) -> None:
        self._forms: dict[tuple[str, ...], list[_Target]] = {}
        self._skeletons: dict[str, dict[str, _Target]] = {"ar": {}, "latin": {}}
        self.source_outlets: dict[int, str] = {}
        self.outlet_sources: dict[str, int] = {}
        context_only = {_norms(form) for form in CONTEXT_ONLY}
        for outlet in OUTLETS:
            for form in (outlet.en, outlet.ar, *outlet.forms):
                self._add(form, _Target(outlet.key, None, (), context_only=_norms(form) in context_only))
        for form in NOT_OUTLETS:
            self._add(form, _Target("", None, (), blocked=True))
        sources = sorted(sources, key=lambda s: s.id)
        for source in sources:
            key = self.outlet_of(source.name, source.url)
            self.source_outlets[source.id] = key
            if key:
                self.outlet_sources.setdefault(key, source.id)
        for source in sources:
            self._add_source(source, self.source_outlets[source.id])
        self._longest = max(len(form) for form in self._forms)

    def _add(self, form: str, target: _Target) -> None:
        toks = _tokens(form)
        while toks and toks[0].norm == "the":
            toks = toks[1:]
        if toks:
            norms = tuple(t.norm for t in toks)
            raw = tuple(t.raw for t in toks)
            self._forms.setdefault(norms, []).append(replace(target, raw=raw))

    def _add_source(self, source: SourceName, outlet: str) -> None:
        # "Reuters: World News", "BBC News - Middle East": the part before a separator names it.
        names = {source.name.strip(), re.split(r"\s+[-–—|:]\s+|\s*[|:]\s*", source.name.strip())[0]}
        for name in filter(None, names):
            target = _Target(outlet, source.id, ())
            norms = _norms(name)
            if not norms or (outlet == "" and len("".join(norms)) < 3):
                continue
            existing = self._forms.get(tuple(n for n in norms if n != "the") or norms)
            if existing and any(t.outlet or t.blocked for t in existing):
                continue  # the table already says what this name is
            self._add(name, target)
            words = [t.raw for t in _tokens(name) if t.raw.isalnum()]
            full = skeleton(words)
            table = self._skeletons[_script(name)]
            if len(full) >= _MIN_SKELETON:
                table.setdefault(full, _Target(outlet, source.id, ()))
            # A credit may name a source by its first word(s) («تايدلاين» for "Tideline
            # Maritime"): kept only when no other source starts the same way.
            for n in range(1, len(words)):
                part = skeleton(words[:n])
                if len(part) >= _MIN_SKELETON:
                    if part in table and table[part].source_id != source.id:
                        table[part] = _Target("", None, (), blocked=True)
                    else:
                        table.setdefault(part, _Target(outlet, source.id, ()))

    @staticmethod
    def outlet_of(name: str, url: str = "") -> str:
        """The table's key for a source, by its feed's domain or the start of its name."""
        host = _host(url)
        for domain, key in _DOMAINS:
            if host == domain or host.endswith("." + domain):
                return key
        lead = tuple(n for n in _norms(name) if n != "the")
        best, best_len = "", 0
        for form, key in _TABLE_FORMS:
            if len(form) > best_len and lead[: len(form)] == form:
                best, best_len = key, len(form)
        return best

    def resolve(self, name: str) -> tuple[str, int | None] | None:
        """(outlet key, source id) for a whole name ("Axios", «رويترز», a source's name), or None."""
        toks = [t for t in _tokens(name) if t.raw not in _QUOTES]
        while toks and toks[0].norm == "the":
            toks = toks[1:]
        match = self.forward(toks, 0, context=True) if toks else None
        if match is None or match.end != len(toks) or match.target.blocked:
            return None
        outlet, source_id = match.target.outlet, match.target.source_id
        return outlet, source_id if source_id is not None else self.outlet_sources.get(outlet)

    def forward(self, toks: list[_Tok], i: int, *, context: bool, clitics: bool = False) -> _Match | None:
        """The longest known name starting at token i (None when none; a blocked name blocks)."""
        firsts = _clitic_variants(toks[i].norm) if clitics else (toks[i].norm,)
        for n in range(min(self._longest, len(toks) - i), 0, -1):
            rest = tuple(t.norm for t in toks[i + 1 : i + n])
            for first in firsts:
                found = self._pick(self._forms.get((first, *rest)), toks[i : i + n], context)
                if found is not None:
                    return _Match(found, i, i + n)
        return self._by_skeleton(toks, range(min(5, len(toks) - i), 0, -1), lambda n: (i, i + n))

    def backward(self, toks: list[_Tok], j: int, *, context: bool) -> _Match | None:
        """The longest known name ending at token j (inclusive)."""
        for n in range(min(self._longest, j + 1), 0, -1):
            found = self._pick(
                self._forms.get(tuple(t.norm for t in toks[j - n + 1 : j + 1])),
                toks[j - n + 1 : j + 1],
                context,
            )
            if found is not None:
                return _Match(found, j - n + 1, j + 1)
        return self._by_skeleton(toks, range(min(5, j + 1), 0, -1), lambda n: (j - n + 1, j + 1))

    def _pick(self, targets: list[_Target] | None, toks: list[_Tok], context: bool) -> _Target | None:
        for target in targets or ():
            if target.blocked:
                return target
            if target.context_only and not context:
                continue
            if _cased_like(toks, target.raw):
                return target
        return None

    def _by_skeleton(self, toks, lengths, span) -> _Match | None:
        for n in lengths:
            start, end = span(n)
            words = [t.raw for t in toks[start:end]]
            if not all(w.isalnum() for w in words):
                continue
            other = "latin" if _script(" ".join(words)) == "ar" else "ar"
            found = self._skeletons[other].get(skeleton(words))
            if found is not None and len(skeleton(words)) >= _MIN_SKELETON:
                return _Match(found, start, end)
        return None


_DOMAINS: tuple[tuple[str, str], ...] = tuple((domain, o.key) for o in OUTLETS for domain in o.domains)
_TABLE_FORMS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (tuple(n for n in _norms(form) if n != "the"), o.key) for o in OUTLETS for form in (o.en, o.ar, *o.forms)
)


def _cased_like(toks: list[_Tok], raw: tuple[str, ...]) -> bool:
    """Latin names keep their capitals in a credit: "the Independent", not "independent monitors"."""
    for tok, form in zip(toks, raw, strict=False):
        if not _LATIN.search(form) or tok.norm in _CASE_FREE:
            continue
        if form.isupper() and len(form) > 1:
            if not tok.raw.isupper():
                return False
        elif form[:1].isupper() and not tok.raw[:1].isupper():
            return False
    return True


_CASE_FREE = frozenset({"al", "el", "of", "the", "and", "de", "der", "le", "la"})


def _clitic_variants(norm: str) -> tuple[str, ...]:
    """An Arabic word with a leading preposition peeled: «لوكالة» → «وكالة», «للقناة» → «القناة»."""
    variants = [norm]
    if len(norm) > 3 and norm.startswith("لل"):
        variants.append("ال" + norm[2:])
    if len(norm) > 2 and norm[0] in "لب":
        variants.append(norm[1:])
    return tuple(variants)


# --- Words around a credited name ---------------------------------------------------------


def _words(value: str) -> frozenset[str]:
    return frozenset(value.split())


_QUOTES = frozenset({"«", "»", '"', "“", "”", "'", "‘", "’"})
_OPEN_QUOTES = frozenset({"«", '"', "“"})
_DASHES = frozenset({"-", "–", "—", "ـ"})

# Skipped between a cue and the name: "according to [a report in] the …",
# «بحسب [ما ذكرته] …», «وفقا [لتقرير نشرته] …».
_SKIP_EN = _words(
    """the a an report reports reporting article story piece tally count analysis data calculations
    calculation survey poll investigation review by in from on of published s ' exclusive"""
)
_SKIP_AR = frozenset(
    _norms(
        """ما لما عما تقرير تقريرا لتقرير التقرير تقارير نشرته نشره نشرت اوردته اورده اوردت ذكرته ذكره ذكرت
        افادت افاد به نقلته نقله نقلت كشفته كشفه كشفت اعلنته قالته قاله بثته بثه لاول مرة أولا عن حسابات
        تقديرات بيانات إحصاءات أرقام"""
    )
)
# Type nouns: after one, an outlet the table does not know is still taken for one.
_TYPE_EN = _words(
    """newspaper daily website site broadcaster outlet magazine weekly tabloid channel station radio
    television tv"""
)
_TYPE_EN_WEAK = _words("news agency network service")
_TYPE_AR = frozenset(
    _norms("صحيفة الصحيفة جريدة الجريدة مجلة المجلة موقع الموقع قناة القناة إذاعة الإذاعة تلفزيون التلفزيون")
)
_TYPE_AR_WEAK = frozenset(_norms("وكالة الوكالة شبكة الشبكة أنباء الأنباء الإخباري الاخباري"))
# Names that are not outlets even after a type noun: «قناة السويس», «قناة اتصال».
_NOT_NAMES_AR = frozenset(
    _norms(
        """السويس اتصال الاتصال الوساطة بنما وزارة الوزارة منظمة الأمم الحكومة الجيش مصادر مصدر مسؤول
        مسؤولين مسؤولون بيان البيان مكتب مجلس هيئة الهيئة وكالات متابعات مواقع وسائل التواصل الرئاسة
        رئاسة السلطات الشرطة مراسل مراسلنا خاص خاصة الانفجار الحادث الحدث شهود ناشطين ناشطون تتبع رصد"""
    )
)
_DEFINITE_ADJECTIVES_AR = frozenset(
    _norms(
        """الأمريكي الأمريكية الأميركي الأميركية البريطاني البريطانية الإسرائيلي الإسرائيلية العبري العبرية
        الفرنسي الفرنسية الروسي الروسية الإيراني الإيرانية التركي التركية السعودي السعودية القطري القطرية
        الإماراتي الإماراتية المصري المصرية اللبناني اللبنانية السوري السورية العراقي العراقية الألماني
        الألمانية الصيني الصينية الياباني اليابانية الأردني الأردنية الكويتي الكويتية الإسباني الإسبانية
        الإيطالي الإيطالية الأوكراني الأوكرانية الرسمي الرسمية الحكومي الحكومية المحلي المحلية الخاص
        الخاصة الإلكتروني الإلكترونية الإخباري الإخبارية الشهير الشهيرة المستقل المستقلة الدولي الدولية
        الناطقة الناطق بالعربية بالإنجليزية المقرب المقربة التابع التابعة"""
    )
)
# The same adjectives without the article: «صحيفة محلية», «موقع إخباري» name no outlet.
_ADJECTIVES_AR = (
    _DEFINITE_ADJECTIVES_AR
    | {a[2:] for a in _DEFINITE_ADJECTIVES_AR if a.startswith("ال")}
    | frozenset(_norms("عبرية عربية معارضة معارض موالية موال مقربة مقرب بارزة بارز كبرى واسعة الانتشار"))
)
_STOP_AR = frozenset(
    _norms(
        "أن إن ان بأن عن في من إلى على الذي التي أمس اليوم صباح مساء حول بشأن نقلا وقد كما فيما قبل بعد خلال"
    )
)
_OUTLETISH_EN = _words(
    """times post news journal herald telegraph tribune gazette express mail chronicle observer wire
    press daily today insider star sun standard guardian independent mirror magazine weekly tv radio
    television broadcasting dispatch courier register inquirer examiner bulletin sentinel globe"""
)
_NAME_JOINERS_EN = frozenset({"of", "the", "and", "&", "al", "el", "de", "du", "la", "le"})
_COUNTRIES_EN = _words(
    """israeli american british french russian iranian turkish saudi qatari emirati egyptian lebanese
    syrian iraqi german chinese japanese jordanian kuwaiti spanish italian ukrainian us u.s uk
    pan arab arabic state run owned official semi local independent online investigative leading
    israel iran russia turkey qatar egypt lebanon syria iraq germany china japan france britain
    america saudi jordan kuwait moroccan tunisian algerian libyan sudanese yemeni kurdish palestinian
    omani bahraini emirati indian pakistani afghan ethiopian european gulf regional"""
)
# After "X reported": the outlet as a company reporting its results, not reporting news.
_COMPANY_NEWS_EN = _words(
    """loss losses profit profits revenue revenues earnings income sales subscribers subscriptions
    results quarterly dividend layoffs"""
)
_AFTER_REPORTED_EN = _words(
    """that , . ; : on earlier late last this yesterday today tonight overnight citing in first
    exclusively previously - – — ) quoting without at how monday tuesday wednesday thursday friday
    saturday sunday the details"""
)
# "Reuters could not verify", «لم تتمكن رويترز من التحقق»: the outlet disowns the claim.
_UNVERIFIED = frozenset(_norms("verify verified confirm confirmed التحقق التأكد تأكيد"))
_NEGATIONS = frozenset(_norms("not n't unable cannot could لم لا يتسن يتسنى تتمكن تستطع"))
# An outlet speaking about itself, not reporting: «في بيان», «مراسلها», "its correspondent".
_SELF_NEWS = frozenset(
    _norms(
        """مكتبها مكاتبها مراسلها مراسليها مراسلتها صحفييها صحفيها طاقمها موظفيها مصورها مصوريها تحريرها
        رئيسها مديرها مالكها"""
    )
)
_CAPTION = frozenset(
    _norms(
        "صورة الصورة صور أرشيفية ارشيفية تعبيرية "
        "photo photos image picture file getty credit courtesy illustration"
    )
)

# --- Cues ----------------------------------------------------------------------------------
# Regular expressions over a sentence's normalised tokens joined by single spaces. A forward
# cue is followed by the name, a backward one follows it.


class _Cue(NamedTuple):
    pattern: re.Pattern
    forward: bool
    kind: str
    verb: bool = False  # an Arabic reporting verb: the name must follow at once
    speech: bool = False  # a verb of saying: only a credit when «أن» follows the name
    reported: bool = False  # English "X reported": what follows must not be its earnings
    clitics: bool = False  # the name may carry «ل» («وفقا لرويترز»)
    resolved_only: bool = False


def _cue(pattern: str, **kw) -> _Cue:
    return _Cue(re.compile(rf"(?<!\S)(?:{pattern})(?!\S)"), **kw)


_AR_REPORT_VERBS = "ذكرت|ذكر|افادت|افاد|اوردت|اورد|نشرت|نشر|كشفت|كشف|نقلت|نقل|بثت|بث|عرضت"
_AR_SPEECH_VERBS = (
    "قالت|قال|اكدت|اكد|اشارت|اشار|اضافت|اضاف|اعلنت|اعلن|زعمت|زعم|ادعت|رجحت|توقعت|لفتت|اوضحت|اوضح"
)

_CUES: tuple[_Cue, ...] = (
    _cue(r"(?:و|ف)?نقلا عن|(?:و|ف)?نقلا عما|(?:و|ف)?نقلت عن|(?:و|ف)?نقل عن", forward=True, kind="inline"),
    _cue(r"(?:و|ف)?(?:ب|وب)?حسب(?:ما)?", forward=True, kind="inline"),
    _cue(
        r"(?:و|ف)?(?:وفقا|وفق|طبقا|تبعا|استنادا)(?: لما| ل| الي| الى)?",
        forward=True,
        kind="inline",
        clitics=True,
    ),
    _cue(r"(?:و|ف)?(?:في )?تقرير(?:ها|ه)?(?: ل)?", forward=True, kind="inline", clitics=True),
    _cue(
        r"(?:و?كما|فيما|بينما|و?كانت|و?كان|و?قد) ما "
        r"(?:كشفه|كشفته|نشره|نشرته|اورده|اوردته|ذكره|ذكرته|نقله|نقلته)",
        forward=True,
        kind="inline",
    ),
    _cue(
        rf"(?:و?كما |فيما |بينما |و?قد )?(?:و|ف)?(?:{_AR_REPORT_VERBS})",
        forward=True,
        kind="inline",
        verb=True,
    ),
    _cue(
        rf"(?:و?كما |فيما |بينما |و?قد )?(?:و|ف)?(?:{_AR_SPEECH_VERBS})",
        forward=True,
        kind="inline",
        verb=True,
        speech=True,
    ),
    _cue(r"(?:هو |هي )?اول من (?:كشف|نشر|اورد|ذكر|اعلن|تحدث|اشار|افاد|نقل)", forward=False, kind="first"),
    # «وكان موقع سيمافور قد ذكر أن»: the name before the verb.
    _cue(rf"قد (?:{_AR_REPORT_VERBS})", forward=False, kind="inline", verb=True),
    _cue(r"according to|per", forward=True, kind="inline"),
    _cue(
        r"(?:as |was |were |is |are |had been |has been |have been |been )?"
        r"(?:first |initially |originally |exclusively )?reported (?:first |initially )?by",
        forward=True,
        kind="first",
    ),
    _cue(
        r"(?:(?:originally|first) )?(?:published|appeared|ran) (?:in|on|by|at)", forward=True, kind="inline"
    ),
    _cue(r"(?:first )?(?:revealed|obtained|broken) by", forward=True, kind="first"),
    # "documents seen by Reuters", "images reviewed by The New York Times".
    _cue(
        r"(?:seen|reviewed|verified|analy[sz]ed|carried) by", forward=True, kind="inline", resolved_only=True
    ),
    _cue(
        r"(?:اطلعت|اطلع|حصلت|حصل) (?:عليها|عليه)"
        r"|(?:تحقيق|تحقيقا|استطلاع|تحليل|دراسه) (?:اجرته|اجراه|اعدته|اعده)",
        forward=True,
        kind="inline",
        verb=True,
    ),
    _cue(r"(?:with )?(?:inputs?|additional reporting|reporting) (?:from|by)", forward=True, kind="inline"),
    _cue(r"citing(?: a report (?:by|in|from))?", forward=True, kind="inline", resolved_only=True),
    _cue(
        r"(?:a |an |the )?(?:report|investigation|analysis|review|tally|count|survey|poll) (?:by|in|from)",
        forward=True,
        kind="inline",
    ),
    _cue(
        r"(?:, which |, who )?"
        r"(?:was (?:the )?first to report|first reported|first revealed|broke the (?:news|story)|scooped)",
        forward=False,
        kind="first",
    ),
    _cue(
        r"(?:, which |, who )?(?:has |had |have |also |earlier |previously |exclusively |is |was )*"
        r"(?:reported|reports|reporting|revealed|learned)",
        forward=False,
        kind="inline",
        reported=True,
    ),
    # "Xinhua said …": an outlet saying is an outlet reporting, unless it speaks of itself.
    _cue(r"said|says", forward=False, kind="inline", reported=True, speech=True),
)

_ANY_CUE = re.compile("|".join(f"(?:{cue.pattern.pattern})" for cue in _CUES))

_LINE_AR = re.compile(
    r"^[(\[]?\s*(?:المصدر|المصادر|مصدر الخبر|مصدر المقال|بتصرف عن|ترجمه بتصرف عن|ترجمه عن|نقلا عن)"
    r"\s*(?:[:：|]|[-–—](?=\s))"
)
_LINE_AR_BARE = re.compile(r"^[(\[]?\s*(?:نقلا عن|بتصرف عن|ترجمه بتصرف عن|ترجمه عن)\s")
_LINE_EN = re.compile(r"^[(\[]?\s*(?:source|sources|courtesy of|via)\s*(?:[:：|]|[-–—](?=\s))", re.IGNORECASE)
_LINE_EN_INPUTS = re.compile(
    r"^[(\[]?\s*(?:with inputs? from|with reporting (?:from|by)|additional reporting by|"
    r"copyright(?:\s*©)?\s*\d{4}|©\s*\d{4})\s",
    re.IGNORECASE,
)
# "This article was originally published by …": a name here is an outlet even if unknown.
_LINE_EN_ORIGIN = re.compile(
    r"^[(\[]?\s*(?:(?:this (?:article|story|report|piece) (?:was|is) )?"
    r"(?:originally|first) (?:published|appeared|ran) "
    r"(?:in|on|by|at)|republished (?:with permission )?from)\s",
    re.IGNORECASE,
)
_LINE_DASH = re.compile(r"^[-–—]+\s*\S")
_NAME_SPLIT = re.compile(r"\s*(?:[،,;+/|&]|\s+و\s*|\s+and\s+)\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|(?<=[.!?؟][\"”»'’])\s+")


# --- Reading a text ----------------------------------------------------------------------


class _Name(NamedTuple):
    name: str
    outlet: str
    source_id: int | None
    start: int  # token span
    end: int


def find_credits(text: str, *, index: OutletIndex, title: str = "") -> list[Credit]:
    """Every credit in a text (and its headline), in text order."""
    credits: list[Credit] = []
    if title:
        credits.extend(_headline_credits(title, index))
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text or "")]
    last_line = max((i for i, (_, line) in enumerate(lines) if line.strip()), default=-1)
    first_line = min((i for i, (_, line) in enumerate(lines) if line.strip()), default=-1)
    for number, (offset, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if number == first_line:
            credits.extend(_dateline(stripped, index, offset))
        position = offset
        for sentence in _SENTENCE_END.split(stripped):
            start = line.find(sentence, position - offset) + offset
            position = start + len(sentence)
            toks = _tokens(sentence)
            found = _line_credits(
                toks, sentence, index, start, standalone=sentence == stripped, last=number == last_line
            )
            credits.extend(found if found is not None else _sentence_credits(toks, sentence, index, start))
    return credits


def choose_credit(
    credits: list[Credit], *, own_source_id: int | None = None, own_outlet: str = ""
) -> Credit | None:
    """The article's credit: the strongest kind, then the outlet it credits most, then the first.

    An article crediting its own outlet (the "(Reuters) -" dateline on a Reuters feed) credits
    no one.
    """
    others = [
        c
        for c in credits
        if not (own_source_id is not None and c.source_id == own_source_id)
        and not (own_outlet and c.outlet == own_outlet)
    ]
    if not others:
        return None
    counts = Counter(c.identity for c in others)
    return min(others, key=lambda c: (KINDS.index(c.kind), -counts[c.identity], c.position))


def attribute(
    *, title: str, text: str, index: OutletIndex, own_source_id: int | None = None
) -> Credit | None:
    """The credit an article gives, or None: find_credits, then choose_credit."""
    own_outlet = index.source_outlets.get(own_source_id, "") if own_source_id is not None else ""
    credits = find_credits(text, index=index, title=title)
    return choose_credit(credits, own_source_id=own_source_id, own_outlet=own_outlet)


def _phrase(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= PHRASE_CHARS else value[: PHRASE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _make(name: _Name, phrase: str, kind: str, position: int) -> Credit:
    return Credit(name.name, name.outlet, name.source_id, _phrase(phrase), kind, position)


def _known(match: _Match | None, toks: list[_Tok], index: OutletIndex) -> _Name | None:
    if match is None or match.target.blocked:
        return None
    target = match.target
    source_id = target.source_id if target.source_id is not None else index.outlet_sources.get(target.outlet)
    return _Name(_join(toks[match.start : match.end]), target.outlet, source_id, match.start, match.end)


def _join(toks: list[_Tok]) -> str:
    out = ""
    for tok in toks:
        glue = "" if not out or tok.raw in {".", "'", "’"} or out.endswith((".", "'", "’")) else " "
        out += glue + tok.raw
    return out


def _headline_credits(title: str, index: OutletIndex) -> list[Credit]:
    # «أكسيوس: إيران تواصلت مع واشنطن»: a headline led by an outlet and a colon.
    toks = _tokens(title)
    name = _known(index.forward(toks, 0, context=True), toks, index) if toks else None
    if name is None or name.end >= len(toks) or toks[name.end].raw not in {":", "："}:
        return []
    return [_make(name, title, "line", -1)]


def _dateline(line: str, index: OutletIndex, offset: int) -> list[Credit]:
    """ "WASHINGTON (Reuters) -", «بيروت - (أ ف ب)», «القاهرة - رويترز:» at the head of the text."""
    toks = _tokens(line)
    for i, tok in enumerate(toks[:12]):
        if tok.norm in _CAPTION:
            return []
        opener = tok.raw == "(" or (tok.raw in _DASHES and i > 0)
        if not opener or i + 1 >= len(toks):
            continue
        name = _known(index.forward(toks, i + 1, context=True), toks, index)
        if name is None or name.end >= len(toks):
            continue
        closer = toks[name.end].raw
        closed = closer == ")" if tok.raw == "(" else closer in {":", "-", "–", "—"}
        # A lead follows a dateline; a caption ends soon after its credit.
        if closed and len(toks) - name.end >= 8:
            return [_make(name, line, "dateline", offset)]
    return []


def _line_credits(
    toks: list[_Tok], sentence: str, index: OutletIndex, position: int, *, standalone: bool, last: bool
) -> list[Credit] | None:
    """A credit line («المصدر: أكسيوس», "Source: Reuters, AFP"); None when it is not one."""
    norm = " ".join(t.norm for t in toks)
    rest, strong = None, False
    for pattern, names_outlets in _LINES:
        found = pattern.match(norm)
        if found:
            rest, strong = len(norm[: found.end()].split()), names_outlets and standalone
            break
    if rest is None and last and standalone and toks and toks[0].raw in _DASHES:
        # "— AFP" closing an article: known outlets only, a signature looks the same.
        rest = next((i for i, t in enumerate(toks) if t.raw not in _DASHES), len(toks))
    if rest is None:
        return None
    credits: list[Credit] = []
    part: list[_Tok] = []
    for tok in [*toks[rest:], _Tok(",", ",")]:
        if tok.raw in _LIST_SEPARATORS or tok.norm in {"and", "و"}:
            credits.extend(_list_item(part, index, sentence, position, strong=strong))
            part = []
        elif tok.raw not in _QUOTES and tok.raw not in {")", "]", "."}:
            part.append(tok)
    return credits


# Credit-line patterns, and whether a name the table does not know is taken for an outlet there
# (after «المصدر:», yes; after "Source:", which also heads charts' data, only if it looks like one).
_LINES = (
    (_LINE_AR, True),
    (_LINE_AR_BARE, True),
    (_LINE_EN, False),
    (_LINE_EN_INPUTS, False),
    (_LINE_EN_ORIGIN, True),
)
_LIST_SEPARATORS = frozenset({"،", ",", ";", "+", "/", "|", "&"})


def _list_item(
    toks: list[_Tok], index: OutletIndex, phrase: str, position: int, *, strong: bool
) -> list[Credit]:
    """The outlets one item of a credit line names: the whole item, or names joined by «و»."""
    credits = []
    i = 0
    while 0 < len(toks) <= 8 and i < len(toks):
        name = _read_forward(toks, i, index, strong=strong, context=True)
        if name is None:
            return []
        credits.append(_make(name, phrase, "line", position))
        i = name.end
        while i < len(toks) and toks[i].norm in _ADJECTIVES_AR:
            i += 1
        if i < len(toks):
            # «رويترز وفرانس برس»: the conjunction is written onto the next name.
            if not (toks[i].norm.startswith("و") and len(toks[i].norm) > 2):
                return []
            toks = [*toks[:i], _Tok(toks[i].raw[1:], toks[i].norm[1:]), *toks[i + 1 :]]
    return credits


def _read_forward(
    toks: list[_Tok],
    i: int,
    index: OutletIndex,
    *,
    strong: bool,
    context: bool,
    whole: bool = False,
    clitics: bool = False,
) -> _Name | None:
    """The outlet named at token i: a known name, or (where the text says it is one) a new one.

    Skips what stands between a cue and the name ("a report in the", «ما ذكرته صحيفة»).
    whole: the name must run to the end of toks (a credit line's item), but for adjectives.
    """
    type_seen = False  # a type noun that makes an unknown name an outlet («صحيفة», "newspaper")
    typed = False  # any type noun, also «وكالة», "agency": enough for a known name's ambiguous form
    steps = 0
    while i < len(toks) and steps < 8:
        steps += 1
        match = index.forward(toks, i, context=context or typed, clitics=clitics and steps <= 2)
        if match is not None:
            name = _known(match, toks, index)
            if name is None or (whole and any(t.norm not in _ADJECTIVES_AR for t in toks[name.end :])):
                return None
            return name
        if toks[i].raw in _OPEN_QUOTES and i + 1 < len(toks):
            # «الجزيرة»: quotation marks say the words are a name.
            name = _known(index.forward(toks, i + 1, context=True), toks, index)
            if name is not None and name.end < len(toks) and toks[name.end].raw in _QUOTES:
                return name._replace(end=name.end + 1)
            break
        variants = _clitic_variants(toks[i].norm) if clitics else (toks[i].norm,)
        if any(v in _TYPE_AR or v in _TYPE_EN for v in variants):
            type_seen = typed = True
        elif any(v in _TYPE_AR_WEAK or v in _TYPE_EN_WEAK for v in variants):
            typed = True
        elif not any(
            v in _SKIP_AR or v in _SKIP_EN or v in _TYPE_AR_WEAK or v in _TYPE_EN_WEAK or v in _COUNTRIES_EN
            for v in variants
        ):
            break
        i += 1
    if i >= len(toks):
        return None
    if typed:
        # «وكالة الأنباء الإيرانية (إرنا)»: a description, then the outlet's short name.
        for k in range(i, min(len(toks) - 2, i + 5)):
            if toks[k].raw == "(":
                name = _known(index.forward(toks, k + 1, context=True), toks, index)
                if name is not None and name.end < len(toks) and toks[name.end].raw == ")":
                    return name
                break
    return _unknown_name(toks, i, type_seen=type_seen, strong=strong, whole=whole)


def _unknown_name(toks: list[_Tok], i: int, *, type_seen: bool, strong: bool, whole: bool) -> _Name | None:
    """An outlet the table does not know, where the text makes clear it is one."""
    end = i
    if toks[i].raw in _OPEN_QUOTES:
        close = next((j for j in range(i + 1, min(len(toks), i + 8)) if toks[j].raw in _QUOTES), None)
        if close is None or close == i + 1 or not (type_seen or strong):
            return None
        name_toks, end = toks[i + 1 : close], close + 1
    elif _ARABIC.search(toks[i].raw):
        if not (type_seen or strong):
            return None
        name_toks = []
        for tok in toks[i : i + (6 if whole else 4)]:
            if not tok.raw.isalnum() or tok.norm in _STOP_AR:
                break
            name_toks.append(tok)
        end = i + len(name_toks)
        while name_toks and name_toks[-1].norm in _ADJECTIVES_AR:
            name_toks.pop()
    else:
        name_toks = []
        for tok in toks[i : i + 6]:
            if tok.raw[:1].isupper() or tok.raw[:1].isdigit() or (name_toks and tok.norm in _NAME_JOINERS_EN):
                name_toks.append(tok)
            else:
                break
        while name_toks and name_toks[-1].norm in _NAME_JOINERS_EN:
            name_toks.pop()
        end = i + len(name_toks)
        after = toks[end].norm if end < len(toks) else ""
        if not name_toks or not (
            name_toks[-1].norm in _OUTLETISH_EN or after in _TYPE_EN or type_seen or strong
        ):
            return None
    if whole and any(t.norm not in _ADJECTIVES_AR for t in toks[end:]):
        return None
    if (
        not name_toks
        or name_toks[0].norm in _NOT_NAMES_AR
        or all(t.norm in _ADJECTIVES_AR for t in name_toks)
    ):
        return None
    return _Name(_join(name_toks), "", None, i, end)


def _sentence_credits(toks: list[_Tok], sentence: str, index: OutletIndex, position: int) -> list[Credit]:
    joined = " ".join(t.norm for t in toks)
    if not _ANY_CUE.search(joined):
        return []  # most sentences: one search instead of one per cue
    starts = []
    offset = 0
    for tok in toks:
        starts.append(offset)
        offset += len(tok.norm) + 1
    found: list[tuple[int, Credit]] = []
    taken: set[int] = set()  # tokens already read as a cue or a name
    for cue in _CUES:
        for hit in cue.pattern.finditer(joined):
            first = bisect.bisect_left(starts, hit.start())
            after = bisect.bisect_left(starts, hit.end())
            if taken & set(range(first, after)):
                continue
            name = _cue_name(cue, toks, first, after, index)
            if name is None or taken & set(range(name.start, name.end)):
                continue
            taken.update(range(min(first, name.start), max(after, name.end)))
            found.append((name.start, _make(name, sentence, cue.kind, position)))
    return [credit for _, credit in sorted(found, key=lambda item: item[0])]


def _cue_name(cue: _Cue, toks: list[_Tok], first: int, after: int, index: OutletIndex) -> _Name | None:
    if cue.forward:
        if after >= len(toks):
            return None
        # Verbs take no clitics: «قال مسؤول لرويترز» is "told Reuters", not a credit.
        name = _read_forward(toks, after, index, strong=False, context=False, clitics=cue.clitics)
        if name is None:
            return None
        known = bool(name.outlet or name.source_id is not None)
        if (cue.resolved_only or cue.verb) and not known and not (cue.verb and _typed(toks, after)):
            return None
        end = name.end
    else:
        j = first - 1
        typed = False
        name = _known(index.backward(toks, j, context=False), toks, index) if j >= 0 else None
        while name is None and j >= 0 and toks[j].norm in _BEFORE_CUE:
            # "Lebanon's National News Agency reported": the type words may be the name's own.
            typed = typed or toks[j].norm in _TYPE_EN or toks[j].norm == "agency"
            j -= 1
            name = _known(index.backward(toks, j, context=typed), toks, index) if j >= 0 else None
        if j < 0:
            return None
        if name is not None and _inside_longer_name(toks, name.start):
            name = None  # "The Kyiv Independent reported" is not The Independent
        if cue.verb and name is None and not _typed(toks, j - 1):
            return None
        name = name or _backward_unknown(toks, j, typed=typed)
        if cue.speech and (name is None or not (name.outlet or name.source_id is not None)):
            return None
        if name is None:
            return None
        end = after
    end = _past_name(toks, end)
    following = [t.norm for t in toks[end : end + 8]]
    around = {t.norm for t in toks[max(0, first - 6) : end + 8]}
    if _UNVERIFIED & around and _NEGATIONS & around:
        return None
    if cue.verb and _SELF_NEWS & set(following[:5]):
        return None
    if (
        cue.speech
        and cue.forward
        and (not following or following[0] not in {"ان", "بان", "الي", "في", "نقلا", "عن"})
    ):
        return None
    if cue.speech and not cue.forward and set(following[:2]) & {"it", "its", "it's", "they", "their"}:
        return None
    if cue.speech and not cue.forward and following[:3] == ["in", "a", "statement"]:
        return None
    before = [t.norm for t in toks[max(0, name.start - 2) : name.start] if t.norm != "the"]
    if cue.speech and not cue.forward and before and before[-1] in {"for", "of", "at", "from", "to"}:
        return None  # "a spokesperson for the Associated Press said": a person speaks
    if cue.verb and following[:2] == ["في", "بيان"]:
        return None
    if cue.reported:
        nxt = following[0] if following else "."
        if nxt not in _AFTER_REPORTED_EN or _COMPANY_NEWS_EN & set(following[:5]):
            return None
    return name


def _past_name(toks: list[_Tok], end: int) -> int:
    """The first token after a name's adjectives («الإسرائيلية», «الكردية») and abbreviation («(واس)»)."""
    while end < len(toks):
        if _is_adjective(toks[end].norm):
            end += 1
        elif toks[end].raw == "(" and ")" in [t.raw for t in toks[end + 1 : end + 5]]:
            end = next(k for k in range(end + 1, end + 5) if toks[k].raw == ")") + 1
        else:
            return end
    return end


def _is_adjective(norm: str) -> bool:
    # Arabic relative adjectives (nisba), «ال…ي» / «ال…ية»: «الكردية», «المغربي».
    nisba = (
        norm.startswith("ال")
        and norm.endswith(("ي", "يه"))
        and len(norm) >= 5
        and norm not in {"الذي", "التي"}
    )
    return norm in _ADJECTIVES_AR or nisba


_BEFORE_CUE = frozenset({",", "،", "which", "who", "the"}) | _TYPE_EN | _TYPE_EN_WEAK | _ADJECTIVES_AR


def _inside_longer_name(toks: list[_Tok], start: int) -> bool:
    """A capitalised word before a Latin name, past the sentence's first word, makes it longer."""
    before = toks[start - 1] if start > 1 else None
    return (
        before is not None
        and bool(_LATIN.search(before.raw))
        and before.raw[:1].isupper()
        and before.norm != "the"
    )


def _typed(toks: list[_Tok], i: int) -> bool:
    return i < len(toks) and toks[i].norm in _TYPE_AR


def _backward_unknown(toks: list[_Tok], j: int, *, typed: bool) -> _Name | None:
    """ "the Jakarta Post reported", "Ukrinform news agency reported": a capitalised name that
    ends like an outlet or is followed by a type noun, before the cue."""
    if not _LATIN.search(toks[j].raw) or not toks[j].raw[:1].isupper():
        return None
    if not (typed or toks[j].norm in _OUTLETISH_EN):
        return None
    i = j
    while i >= 0 and (toks[i].raw[:1].isupper() or (i < j and toks[i].norm in _NAME_JOINERS_EN)):
        i -= 1
    start = i + 1
    while start < j and toks[start].norm in _NAME_JOINERS_EN:
        start += 1
    if start == 0 and start == j:
        return None  # "Times reported" opening a sentence: the capital proves nothing
    return _Name(_join(toks[start : j + 1]), "", None, start, j + 1)


def outlet_name(key: str, lang: str | None) -> str:
    """The outlet's name in a reader's language ("" for a key the table does not hold)."""
    outlet = BY_KEY.get(key)
    return outlet.name(lang) if outlet else ""
