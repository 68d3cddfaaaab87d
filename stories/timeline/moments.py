"""A story's key moments: which days matter, and one sentence from the coverage saying what happened.

Two steps, as in the timeline-summarisation literature (Ghalandari & Ifrim 2020 survey them):

1. Date selection. Every day the coverage points at (``stories.timeline.dates`` resolves "el 25 de
   enero", "on Tuesday", "أمس" against each article's publication day) is a candidate; a small
   learned ranker (``stories.timeline.ranker``, DATEWISE-like, trained by ``manage.py
   train_timeline``) gives each the probability that a journalist would list it, from features
   that mean the same in every language. Days are then picked greedily, each pick damping its
   immediate neighbours so that one busy week does not take every entry on thin evidence.
2. Sentence selection. A day is told by a sentence that reports it: one whose own date
   expression resolves to that day in an article written within the reporting lag, or a lead
   sentence, naming no other day, of an article published that day or the next. A sentence
   from a later article that names the day is used only when no such report exists, and never
   when it is a recap ("since the attack on 13 November ...": it names another day too, or a
   "since/after" word leads into the date). A candidate must stand alone: sentences are never cut
   inside a quotation and one whose quotation marks do not balance is dropped; one opening on a
   connective or a pronoun ("He", «وقالت», "Il") is told with the sentence before, or, in Arabic
   when the verb names its own subject, without its «و», or not at all; a day after "from"
   ("his account from Sunday") does not date it. Among the candidates of one language the pick is
   the one nearest their TF-IDF centroid (Radev et al. 2004), skipping near-duplicates of
   entries already chosen and of the story's summary sentences (and, on the day a summary sentence
   tells, of sentences sharing half its terms). Every language of the story is
   drawn on: each entry has its sentence in the story's main language when there is one, and
   the same day's best sentence in each other language as an alternative, so a reader can be
   shown the day in their own language. Each sentence keeps its article id and character span.

Editors' moments (`fixed`) are always in the result, count toward N, and take their day out of
the choice. No language-specific settings: only the date rules, the recap words, the lists of
leaning openings and the stemmer know the language.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from articles.text import terms

from .articles import StoryArticle
from .dates import DateMention, find_dates
from .ranker import REPORTING_LAG_DAYS, Ranker, candidate_features, load_ranker

if TYPE_CHECKING:
    from collections.abc import Callable

    Encoder = Callable[[list[str]], np.ndarray]

# A chosen day damps the others by `damping` (the ranker's, chosen by leave-one-topic-out
# validation) * exp(-distance / reach), the reach being SPREAD of the mean gap between entries
# (at least NEIGHBOUR_SCALE_DAYS): short, since journalists' timelines follow bursts (one gold
# timeline lists 18 consecutive days of a revolution).
NEIGHBOUR_SCALE_DAYS = 1.0
SPREAD = 0.1
# Candidate sentences: length bounds in tokens (shorter is a caption or dateline, longer a list).
MIN_TOKENS, MAX_TOKENS = 8, 60
LEAD_SENTENCES = 3
NEAR_DUPLICATE = 0.5  # Jaccard of term sets
# Two sentences in different languages tell the same thing above this cosine of their sentence
# vectors (see _pair): the best accuracy telling same-event from other-event Arabic-English lead
# sentences of one story on ar-en-stories-dev (0.783; precision 0.70, recall 0.28).
SAME_EVENT = 0.55
# On the day a summary sentence tells, a candidate sharing this share of the smaller term set with
# it restates it (the overlap coefficient; the same half as NEAR_DUPLICATE, not tuned).
RESTATEMENT = 0.5
# Words that, just before a date, make the sentence look back at it rather than report it:
# "since", "after", "following", "a year after". Short on purpose; the structural test (a
# second day named in the sentence) catches most recaps in any language.
_RECAP_WORDS = (
    "since", "after", "following", "desde", "tras", "después", "despues", "depuis", "après", "apres",
    "suite", "dal", "dalla", "dopo", "منذ", "بعد", "عقب", "اثر", "إثر",
)  # fmt: skip
_RECAP_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(_RECAP_WORDS) + r")(?![^\W\d_])(?:\W+\w+){0,6}\W*$", re.IGNORECASE
)
_RECAP_WINDOW = 60
# Just before a day, a word that makes it the day of something else the sentence mentions ("his
# account from Sunday"), not the day of what the sentence reports.
_BACKREF_BEFORE = re.compile(r"(?<![^\W\d_])(?:from|vom)\s+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class KeyMoment:
    date: date
    text: str
    article_id: Hashable | None = None
    # Character span of the sentence in the article's text; None for a title or an editor's text.
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    fixed: bool = False
    language: str | None = None
    # The same day told in the story's other languages, one moment per language.
    alternatives: tuple[KeyMoment, ...] = ()

    def in_language(self, language: str | None) -> KeyMoment:
        """This day's sentence in `language` when there is one, otherwise the original."""
        if language and self.language != language:
            for other in self.alternatives:
                if other.language == language:
                    return other
        return self


@dataclass(slots=True)
class _Candidate:
    article: StoryArticle
    start: int
    end: int
    text: str
    tier: int  # 0: reports the day; 1: a later article naming the day
    terms: list[str] = field(default_factory=list)


def main_language(articles: Sequence[StoryArticle]) -> str | None:
    counts = Counter(a.language for a in articles if a.language)
    return counts.most_common(1)[0][0] if counts else None


def story_features(
    articles: Sequence[StoryArticle], mentions: dict[Hashable, list[DateMention]]
) -> tuple[list[date], np.ndarray]:
    """Candidate days and their ranker features (see stories.timeline.ranker.candidate_features)."""
    titles = {a.id: find_dates(a.title, a.day, a.language) for a in articles if a.title}
    lead_ends = {}
    for article in articles:
        spans = sentence_spans(article.text, LEAD_SENTENCES)
        lead_ends[article.id] = spans[-1][1] if spans else 0
    return candidate_features(articles, mentions, titles, lead_ends)


def date_scores(
    articles: Sequence[StoryArticle],
    mentions: dict[Hashable, list[DateMention]] | None = None,
    ranker: Ranker | None = None,
) -> dict[date, float]:
    """The probability, per candidate day, that the day belongs in the story's key moments."""
    if not articles:
        return {}
    if mentions is None:
        mentions = {a.id: article_mentions(a) for a in articles}
    ranker = ranker or load_ranker()
    days, matrix = story_features(articles, mentions)
    return dict(zip(days, (float(p) for p in ranker.probabilities(matrix)), strict=True))


def pick_dates(
    scores: dict[date, float],
    n: int,
    taken: Sequence[date] = (),
    *,
    entries: int | None = None,
    damping: float = 0.3,
) -> list[date]:
    """The n best days, each pick damping days near it so entries spread over the story.

    `entries` is the size of the timeline being built (default n) when more days are asked for
    as spares; it sets how far the damping reaches. Scores must be positive.
    """
    if n <= 0 or not scores:
        return []
    span = (max(scores) - min(scores)).days + 1
    scale = max(NEIGHBOUR_SCALE_DAYS, SPREAD * span / ((entries or n) + len(taken)))
    current = dict(scores)
    chosen: list[date] = []

    def damp(center: date) -> None:
        if not damping:
            return
        for day in current:
            distance = abs((day - center).days)
            if distance <= 30 * scale:  # beyond, the factor is 1 to float precision
                current[day] *= 1.0 - damping * math.exp(-distance / scale)

    for day in taken:
        current.pop(day, None)
        damp(day)
    while current and len(chosen) < n:
        best = max(current, key=lambda d: (current[d], d))
        chosen.append(best)
        del current[best]
        damp(best)
    return chosen


def article_mentions(article: StoryArticle) -> list[DateMention]:
    return find_dates(article.text, article.day, article.language)


# A sentence ends after . ! ? ؟ … and the closing quotes or brackets that follow, before a space;
# a paragraph break always ends one. Quotation marks are tracked so that a quotation of several
# sentences stays whole: «قد نلتقي بهم. هناك اجتماع قيد التحضير» is one piece of one sentence.
# No lookbehind: it made the scan three times slower on long texts.
_BOUNDARY = re.compile(r"[.!?؟…](?P<tail>[\"'»”)]*)\s+|(?P<para>\n+)")
_QUOTE = re.compile(r"[«»“”„\"]")
_QUOTE_CLOSERS = {"«": "»", "“": "”", "„": "“"}
_QUOTES = frozenset('«»“”„"')
# A quotation left open this long (characters) is a stray mark, not a quotation: sentences split again.
QUOTE_REACH = 600


def _track_quote(stack: list[str], mark: str) -> bool:
    """Update the open quotations with `mark`; False when it closes nothing that is open."""
    if stack and mark == stack[-1]:
        stack.pop()
    elif mark in _QUOTE_CLOSERS:
        stack.append(_QUOTE_CLOSERS[mark])
    elif mark == '"':
        stack.append('"')
    else:
        return False
    return True


def quotes_balanced(text: str) -> bool:
    """Every quotation in `text` that opens also closes there, and none closes that did not open."""
    stack: list[str] = []
    return all(_track_quote(stack, mark) for mark in text if mark in _QUOTES) and not stack


def sentence_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (the first `limit` ones), never cut inside a quotation."""
    spans: list[tuple[int, int]] = []
    start = 0
    stack: list[str] = []
    opened = 0
    scanned = 0  # quotation marks before this offset are in `stack` already
    for match in _BOUNDARY.finditer(text):
        end = match.start() if match["para"] else match.end("tail")
        # Most sentences hold no quotation mark: the search runs in C and the loop is skipped.
        if _QUOTE.search(text, scanned, end):
            for quote in _QUOTE.finditer(text, scanned, end):
                if not stack:
                    opened = quote.start()
                _track_quote(stack, quote.group())
        scanned = end
        if stack and not match["para"] and match.start() - opened <= QUOTE_REACH:
            continue  # inside a quotation
        stack.clear()
        if end > start:
            spans.append((start, end))
            if limit is not None and len(spans) >= limit:
                return spans
        start = match.end()
        scanned = max(scanned, start)
    if start < len(text):
        spans.append((start, len(text)))
    return spans


# Openings that lean on the sentence before: a connective ("But", «وقال», "Inoltre") or a pronoun
# whose referent is there ("He", "Elle", "Они"). Arabic joins "و"/"ف" to the next word, so the
# Arabic entries are whole first words. Lower case; matched against the sentence's first words.
_DEPENDENT_OPENINGS: dict[str, tuple[str, ...]] = {
    "en": ("and", "but", "however", "also", "meanwhile", "moreover", "still", "yet", "then", "so", "instead",
           "he", "she", "they", "it", "his", "her", "their", "its", "him", "them", "this", "that", "these",
           "those", "by then", "by that time", "the next day", "a day later", "later that day"),
    "es": ("y", "pero", "sin embargo", "además", "también", "asimismo", "no obstante", "entonces", "él",
           "ella", "ellos", "ellas", "esto", "eso", "ello", "al día siguiente"),
    "fr": ("et", "mais", "cependant", "pourtant", "toutefois", "en outre", "aussi", "alors", "puis", "il",
           "elle", "ils", "elles", "cela", "ceci", "ce dernier", "cette dernière", "le lendemain"),
    "it": ("e", "ma", "però", "tuttavia", "inoltre", "anche", "poi", "lui", "lei", "loro", "egli", "essa",
           "esso", "ciò", "il giorno dopo"),
    "de": ("und", "aber", "doch", "jedoch", "außerdem", "auch", "dann", "er", "sie", "es", "dies", "dabei",
           "am tag darauf"),
    "pt": ("e", "mas", "porém", "contudo", "no entanto", "além disso", "também", "depois", "ele", "ela",
           "eles", "elas", "isso", "isto", "no dia seguinte"),
    "ru": ("и", "но", "а", "однако", "также", "кроме того", "затем", "потом", "он", "она", "оно", "они",
           "это", "на следующий день"),
    "tr": ("ve", "ama", "ancak", "fakat", "ayrıca", "o", "onlar", "bunun", "bununla", "öte yandan",
           "ertesi gün"),
    "ar": ("كما", "لكن", "لكنه", "لكنها", "غير ان", "الا ان", "بيد ان", "ثم", "هو", "هي", "هم", "هذا", "هذه",
           "ذلك", "تلك", "بدوره", "بدورها", "من جهته", "من جهتها", "في المقابل", "فيما", "فقد", "فان",
           "يذكر ان", "اما"),
}  # fmt: skip
# Arabic writes "and" as a prefix: «وقال», «وأظهرت», «وبذلك» continue the sentence before. A first
# word that starts with و is such a continuation unless it is one of the common words whose و is
# part of the root (وزير, وكالة, وفد, واشنطن…), matched by their start.
_AR_AND = re.compile(r"^(?P<lead>[\W\d_]*)و(?P<word>[^\W\d_]{2,})")
_AR_ROOT_WAW = (
    "وزير", "وزار", "وكال", "وفد", "وفود", "وسط", "وقف", "ولاي", "واشنطن", "وقع", "وافق", "وصل", "وصول",
    "وعد", "وجه", "وضع", "وفا", "وحد", "وقود", "ولي", "وطن", "واصل", "ورد", "وراء", "وسائل", "وسيط", "وثيق",
    "وكيل",
    "ورش", "وجود", "وقت", "ولد", "واقع", "وظيف", "ورق", "وادي", "ودائع", "وديع", "وهران",
)  # fmt: skip
# English demonstratives in the first words ("Reports of those messages…") point back as well.
_EARLY_DEMONSTRATIVE = re.compile(r"^(?:\W*\w+){0,3}\W+(?:those|these)\b", re.IGNORECASE)
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_OPENING_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)?")


@lru_cache(maxsize=32)
def _opening_pattern(language: str | None) -> re.Pattern[str]:
    code = (language or "").split("-")[0].lower()
    words = _DEPENDENT_OPENINGS.get(code) or tuple(w for ws in _DEPENDENT_OPENINGS.values() for w in ws)
    alternation = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True)
    )
    return re.compile(rf"^[\W\d_]*(?:{alternation})(?![^\W\d_])", re.IGNORECASE)


def opens_dependent(sentence: str, language: str | None) -> bool:
    """Does `sentence` open with a connective or a pronoun whose referent is in the sentence before?"""
    folded = sentence.translate(_ARABIC_FOLD)
    if _opening_pattern(language).match(folded):
        return True
    code = (language or "").split("-")[0].lower()
    if code in ("ar", "") and (waw := _AR_AND.match(folded)):
        return not waw.group().removeprefix(waw["lead"]).startswith(_AR_ROOT_WAW)
    if code in ("ar", ""):
        # «قالت القوات…», «قال المسؤول…»: a reporting verb whose subject is a title or a body the
        # article introduced before (which forces? which official?) leans on that sentence too.
        words = [w.strip(":،,") for w in folded.split()[:3]]
        bare = len(words) == 2 or (len(words) == 3 and words[2] in _AR_NO_SUBJECT)
        if len(words) > 1 and words[0] in _AR_REPORTING and words[1] in _AR_VAGUE and bare:
            return True
    return code in ("en", "") and bool(_EARLY_DEMONSTRATIVE.match(sentence))


# After «و» is dropped, a sentence stands alone when its verb names its own subject («وأرسلت الحكومة
# خياما» → «أرسلت الحكومة خياما»); not when the word is itself a back-reference («وبذلك»), when the
# verb's subject is only implied («وأضاف أن…», «وقال: …») or when it is a bare title or source
# the article introduced before («وقالت المصادر», «وأوضح المسؤول», «وقال الرئيس»). Folded forms.
_AR_REFERRING = ("بذلك", "لذلك", "بهذا", "ذلك", "هذا", "هذه", "عليه", "منه", "منها", "معه", "معها", "ايضا",
                 "بدوره", "بدورها", "اضاف", "اضافت", "تابع", "تابعت")  # fmt: skip
_AR_NO_SUBJECT = ("ان", "انه", "انها", "انهم", "الي", "في", "علي", "من", "عن", "له", "لها", "لهم", "خلال",
                  "بعد", "قبل", "ايضا", "كذلك", "حتي", "مع")  # fmt: skip
# Reporting verbs that open a sentence on the one who said it (folded forms).
_AR_REPORTING = ("قال", "قالت", "اكد", "اكدت", "اوضح", "اوضحت", "اضاف", "اضافت", "ذكر", "ذكرت", "اعلن",
                 "اعلنت")  # fmt: skip
_AR_VAGUE = ("المصادر", "القوات", "الحركه", "الجماعه",
             "المصدر", "المسؤول", "المسؤولون", "المتحدث", "الناطق", "البيان", "التقرير",
             "الرئيس", "الوزير", "المبعوث", "الطرفان", "الطرفين", "الجانبان", "الجانب", "الوزاره", "المنظمه",
             "المصدران", "المسؤولين", "مصادر", "مصدر", "مسؤول")  # fmt: skip


def _arabic_and_dropped(sentence: str) -> int | None:
    """Where `sentence` stands alone once its opening «و» is dropped (see _AR_REFERRING), or None."""
    folded = sentence.translate(_ARABIC_FOLD)
    waw = _AR_AND.match(folded)
    if not waw or not opens_dependent(sentence, "ar") or _opening_pattern("ar").match(folded):
        return None
    words = folded[waw.end("lead") + 1 :].split()
    if len(words) < 2 or words[0] in _AR_REFERRING or words[0].endswith(":"):
        return None
    if words[1].strip(":،,") in (*_AR_NO_SUBJECT, *_AR_VAGUE) or words[1].startswith(":"):
        return None
    return waw.end("lead") + 1


# A sentence saying that someone did not comment or respond reports no event ("Neither the ministry
# nor the White House commented", «لم تعلق الوزارة», «لم تعلن قوات الدعم السريع ردها بعد», "n'a pas
# souhaité commenter"): a negation or a refusal within a few words before a word of commenting or
# responding, per language; unlisted languages use them all.
_NO_COMMENT_WORDS: dict[str, tuple[str, str]] = {
    "en": (
        r"no|not|n't|neither|nor|declined|declines|refused|refuses|unavailable",
        r"comment\w*|respon\w*|repl(?:y|ied|ies)",
    ),
    "fr": (r"pas|aucun\w*|ni|refusé|décliné|refuse", r"comment\w*|répon\w*|réagi\w*"),
    "es": (r"no|ningún|ninguna|ni|negó|negaron|rehusó|declinó", r"comenta\w*|comentó|respond\w*|respuesta"),
    "it": (r"non|nessun\w*|né|rifiutato|rifiuta", r"comment\w*|rispo\w*|replica\w*"),
    "pt": (r"não|nenhum\w*|nem|recusou|recusaram", r"comenta\w*|comentou|comentário\w*|respond\w*|resposta"),
    "de": (
        r"nicht|kein\w*|weder|lehnte|lehnten",
        r"Stellungnahme\w*|kommentier\w*|äußern|geäußert|antwort\w*|geantwortet",
    ),
    "ar": (
        r"[وف]?(?:لم|لا|رفض\w*|امتنع\w*|دون|بلا|يتسن)",
        r"\w*تعليق\w*|\w*يعلق\w*|\w*تعلق\w*|(?:ال)?رد(?:ها|ه|هم|ا)?|[يت]رد",
    ),
}
_NO_COMMENT_GAP = 6  # words between the negation and the word of commenting


@lru_cache(maxsize=32)
def _no_comment_pattern(language: str | None) -> re.Pattern[str]:
    code = (language or "").split("-")[0].lower()
    pairs = [_NO_COMMENT_WORDS[code]] if code in _NO_COMMENT_WORDS else list(_NO_COMMENT_WORDS.values())
    negations = "|".join(n for n, _ in pairs)
    comments = "|".join(c for _, c in pairs)
    return re.compile(
        rf"(?<![^\W\d_])(?:{negations})(?![^\W\d_])(?:\W+[^\W\d_]+){{0,{_NO_COMMENT_GAP}}}?\W+(?:{comments})(?![^\W\d_])",
        re.IGNORECASE,
    )


def reports_no_event(sentence: str, language: str | None) -> bool:
    """Does `sentence` only say that someone did not comment (no event to list)?"""
    return bool(_no_comment_pattern(language).search(sentence))


def _usable(text: str, language: str | None = None) -> bool:
    # A question ("¿Quién es quién en la guerra?") is a teaser or a heading, never an event.
    if text.endswith(("?", "؟")) or not quotes_balanced(text):
        return False
    if reports_no_event(text, language):
        return False
    return MIN_TOKENS <= len(text.split()) <= MAX_TOKENS


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def _tfidf(term_list: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(term_list)
    vector = {t: (1.0 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _is_recap(text: str, mention: DateMention, sentence_start: int) -> bool:
    """A "since/after" word in the few words before the date, within its sentence."""
    window_start = max(sentence_start, mention.start - _RECAP_WINDOW)
    return bool(_RECAP_BEFORE.search(text, window_start, mention.start))


def _standalone_span(
    article: StoryArticle, spans: list[tuple[int, int]], index: int, anchored: list[int]
) -> tuple[int, int] | None:
    """The span a reader can take alone for sentence `index`: the sentence; the Arabic sentence
    without its opening «و» when it names its own subject; it and the one before when it leans on
    that one (a connective, a pronoun, a weekday read from the sentence before); or None when the
    one before leans on another in turn or is in another paragraph. `anchored` are the offsets of
    the article's weekdays read from the sentence before."""
    text = article.text

    def leaning(i: int) -> bool:
        start, end = spans[i]
        return opens_dependent(text[start:end].lstrip(), article.language) or any(
            start <= pos < end for pos in anchored
        )

    start, end = spans[index]
    if not leaning(index):
        return start, end
    sentence = text[start:end].lstrip()
    if (dropped := _arabic_and_dropped(sentence)) is not None and not any(
        start <= pos < end for pos in anchored
    ):
        return end - len(sentence) + dropped, end
    if index > 0 and not leaning(index - 1) and "\n" not in text[spans[index - 1][1] : start]:
        return spans[index - 1][0], end
    return None


def _reported(text: str, inside: list[DateMention]) -> list[DateMention]:
    """The mentions of a sentence dating what it reports; not back-references ("his account from Sunday")."""
    return [m for m in inside if not _BACKREF_BEFORE.search(text, max(0, m.start - 12), m.start)]


def _candidates(
    articles: Sequence[StoryArticle], mentions: dict[Hashable, list[DateMention]], days: set[date]
) -> dict[date, list[_Candidate]]:
    """Sentences that may tell each day (see the module docstring), every language together."""
    found: dict[date, list[_Candidate]] = defaultdict(list)
    seen: set[tuple[Hashable, int, date]] = set()

    def add(day: date, article: StoryArticle, start: int, end: int, tier: int) -> None:
        key = (article.id, start, day)
        if key in seen:
            return
        seen.add(key)
        text = article.text[start:end].strip()
        if _usable(text, article.language):
            found[day].append(_Candidate(article, start, end, text, tier))

    for article in articles:
        own = mentions[article.id]
        if not any(m.date in days for m in own) and not {article.day, article.day - timedelta(days=1)} & days:
            continue
        spans = sentence_spans(article.text)
        anchored = [m.start for m in own if m.anchored]
        starts = [start for start, _ in spans]
        # Only sentences naming a wanted day are looked at, with every mention they hold.
        wanted = {bisect_right(starts, m.start) - 1 for m in own if m.date in days}
        for index in sorted(i for i in wanted if i >= 0):
            if (span := _standalone_span(article, spans, index, anchored)) is None:
                continue
            start, end = span
            inside = _reported(article.text, [m for m in own if start <= m.start < end])
            named = {m.date for m in inside}
            if len(named) != 1:
                continue  # two days in one sentence: a recap or a chronology, not one day's report
            day = next(iter(named))
            lag = (article.day - day).days
            if lag < 0:
                continue  # a plan, not a report
            if lag <= REPORTING_LAG_DAYS:
                add(day, article, start, end, 0)
            elif not any(_is_recap(article.text, m, start) for m in inside):
                add(day, article, start, end, 1)
        # A lead reports its own day or the day before; a lead naming a day is handled above.
        for reported in (article.day, article.day - timedelta(days=1)):
            if reported not in days:
                continue
            for index in range(min(LEAD_SENTENCES, len(spans))):
                if (span := _standalone_span(article, spans, index, anchored)) is None:
                    continue
                start, end = span
                if not _reported(article.text, [m for m in own if start <= m.start < end]):
                    add(reported, article, start, end, 0)
    return found


def _idf(pool: dict[date, list[_Candidate]]) -> dict[str | None, dict[str, float]]:
    """Inverse document frequencies of candidate terms, per language."""
    documents: dict[str | None, list[set[str]]] = defaultdict(list)
    for candidates in pool.values():
        for candidate in candidates:
            candidate.terms = terms(candidate.text, candidate.article.language)
            documents[candidate.article.language].append(set(candidate.terms))
    idf = {}
    for language, sets in documents.items():
        df = Counter(t for terms_ in sets for t in terms_)
        idf[language] = {t: math.log((1 + len(sets)) / (1 + f)) + 1.0 for t, f in df.items()}
    return idf


@dataclass(frozen=True, slots=True)
class _Told:
    """A sentence a new entry must not repeat, and the days it tells (empty: not dated)."""

    terms: frozenset[str]
    days: frozenset[date] = frozenset()

    def repeated_by(self, other: set[str], day: date) -> bool:
        # A near copy anywhere; on the day this sentence tells, also a sentence that says mostly
        # the same thing in other words ("X handed the plan to Y on Friday" / "Y received X's plan").
        if _jaccard(other, self.terms) >= NEAR_DUPLICATE:
            return True
        smaller = min(len(other), len(self.terms))
        return day in self.days and smaller > 0 and len(other & self.terms) / smaller >= RESTATEMENT


def _days_told(
    sentence: str, articles: Sequence[StoryArticle], texts: dict[Hashable, str]
) -> frozenset[date]:
    """The days an avoided sentence (the summary's) tells, read in the article it comes from."""
    key = " ".join(sentence.split())
    for article in articles:
        if key and key in texts[article.id]:
            own = _reported(sentence, find_dates(sentence, article.day, article.language))
            return frozenset(m.date for m in own) or frozenset((article.day, article.day - timedelta(days=1)))
    return frozenset()


def _best(
    candidates: list[_Candidate], idf: dict[str, float], avoid: list[_Told], day: date
) -> _Candidate | None:
    """The candidate nearest the centroid of its tier's candidates, not repeating `avoid`."""
    for tier in (0, 1):
        group = [c for c in candidates if c.tier == tier]
        if not group:
            continue
        vectors = [_tfidf(c.terms, idf) for c in group]
        centroid: Counter[str] = Counter()
        for vector in vectors:
            centroid.update(vector)
        # Unnormalised: scaling the centroid does not change which sentence is nearest.
        centroid_vector = dict(centroid)
        ranked = sorted(
            zip(group, vectors, strict=True),
            key=lambda cv: (-_cosine(cv[1], centroid_vector), str(cv[0].article.id), cv[0].start),
        )
        for candidate, _vector in ranked:
            term_set = set(candidate.terms)
            if not any(told.repeated_by(term_set, day) for told in avoid):
                return candidate
    return None


def _pair(
    picks: dict[str | None, _Candidate],
    primary: str | None,
    by_language: dict[str | None, list[_Candidate]],
    idf: dict[str | None, dict[str, float]],
    used: dict[str | None, list[_Told]],
    day: date,
    encode: Encoder | None,
) -> tuple[dict[str | None, _Candidate], dict[str | None, _Candidate]]:
    """The other languages' sentences of a day: alternatives of the original, or entries apart.

    Without an encoder every language's pick is an alternative (the day is the same). With one,
    each other language offers, as the alternative, its sentence nearest in meaning to the
    original, and only when it says the same thing (cosine ≥ SAME_EVENT); otherwise its own pick
    is an entry of its own: a reader is never shown, in their language, a sentence that tells
    something else than the one it stands in for.
    """
    others = {lang: c for lang, c in picks.items() if lang != primary}
    if encode is None or not others:
        return others, {}
    candidates = {
        lang: [c for c in by_language[lang] if not any(t.repeated_by(set(c.terms), day) for t in used[lang])]
        for lang in others
    }
    texts = [picks[primary].text, *(c.text for lang in others for c in candidates[lang])]
    vectors = _unit_rows(encode(texts))
    original, rest = vectors[0], iter(vectors[1:])
    paired, apart = {}, {}
    for lang in others:
        nearest = max(
            ((c, float(next(rest) @ original)) for c in candidates[lang]), key=lambda cv: cv[1], default=None
        )
        if nearest is not None and nearest[1] >= SAME_EVENT:
            paired[lang] = picks[lang] = nearest[0]
        else:
            apart[lang] = others[lang]
    return paired, apart


def _entry(day: date, c: _Candidate, score: float, alternatives: tuple[KeyMoment, ...] = ()) -> KeyMoment:
    span = (c.article.id, c.start, c.end)
    return KeyMoment(day, c.text, *span, score, language=c.article.language, alternatives=alternatives)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def key_moments(
    articles: Sequence[StoryArticle],
    n: int,
    *,
    fixed: Sequence[KeyMoment] = (),
    language: str | None = None,
    avoid: Sequence[str] = (),
    ranker: Ranker | None = None,
    encode: Encoder | None = None,
) -> list[KeyMoment]:
    """Up to `n` key moments of a story in each of its languages, oldest first; editors' `fixed`
    moments are always among them and count toward every language's `n`.

    A day told in the story's language (`language`) carries the other languages' sentences of the
    same day as alternatives; a language short of `n` entries after the story's language has
    its own takes further days in it alone, so a reader of any of the story's languages is
    shown up to `n` days in that language.

    `language` is the story's main language (default: its most common one); `avoid` are
    sentences no entry may repeat, such as the story's summary (a sentence found in an article is
    also dated there, and no entry of its day may restate it in other words); `ranker` defaults to the
    shipped one; `encode` (the multilingual sentence encoder) pairs each day's sentences across
    languages by meaning (see `_pair`).
    """
    editors = [
        KeyMoment(m.date, m.text, m.article_id, m.start, m.end, m.score, fixed=True, language=m.language)
        for m in fixed
    ]
    wanted = n - len(editors)
    if wanted <= 0 or not articles:
        return sorted(editors, key=lambda m: m.date)
    ranker = ranker or load_ranker()
    language = language or main_language(articles)
    mentions = {a.id: article_mentions(a) for a in articles}
    scores = date_scores(articles, mentions, ranker)
    taken = [m.date for m in editors]
    # Pick spare days: a day whose coverage has no usable sentence is replaced by the next one.
    ranked = pick_dates(
        scores, min(len(scores), 2 * wanted + 5), taken, entries=wanted, damping=ranker.damping
    )
    pool = _candidates(articles, mentions, set(ranked))
    idf = _idf(pool)

    # Sentences already used or to avoid, per language.
    used: dict[str | None, list[set[str]]] = defaultdict(list)
    texts = {a.id: " ".join(a.text.split()) for a in articles} if avoid else {}
    for sentence in avoid:
        days = _days_told(sentence, articles, texts)
        for lang in idf:
            used[lang].append(_Told(frozenset(terms(sentence, lang)), days))
    for moment in editors:
        used[moment.language or language].append(
            _Told(frozenset(terms(moment.text, moment.language or language)))
        )

    moments = list(editors)
    # Every language of the story gets up to `wanted` entries of its own, so that a reader is
    # shown the story's days in their language; the story's language leads each day it tells.
    filled: Counter[str | None] = Counter()
    languages = {c.article.language for candidates in pool.values() for c in candidates}
    for day in ranked:
        short = {lang for lang in languages if filled[lang] < wanted}
        if not short:
            break
        by_language: dict[str | None, list[_Candidate]] = defaultdict(list)
        for candidate in pool.get(day, ()):
            if candidate.article.language in short:
                by_language[candidate.article.language].append(candidate)
        picks = {}
        for lang, candidates in by_language.items():
            best = _best(candidates, idf[lang], used[lang], day)
            if best is not None:
                picks[lang] = best
        if not picks:
            continue
        # The original: the story's language when it has a sentence, else the best-covered one.
        primary = (
            language
            if language in picks
            else max(picks, key=lambda lang: (len(by_language[lang]), str(lang)))
        )
        paired, apart = _pair(picks, primary, by_language, idf, used, day, encode)
        for lang, candidate in picks.items():
            used[lang].append(_Told(frozenset(candidate.terms)))
            filled[lang] += 1

        alternatives = tuple(_entry(day, paired[lang], scores[day]) for lang in sorted(paired, key=str))
        moments.append(_entry(day, picks[primary], scores[day], alternatives))
        moments.extend(_entry(day, apart[lang], scores[day]) for lang in sorted(apart, key=str))
    return sorted(moments, key=lambda m: (m.date, not m.fixed))


def busiest_days(articles: Sequence[StoryArticle], n: int) -> list[KeyMoment]:
    """Baseline: the n days with most articles, each told by the lead sentence of its first article."""
    by_day: dict[date, list[StoryArticle]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: a.published_at):
        by_day[article.day].append(article)
    days = sorted(by_day, key=lambda d: (-len(by_day[d]), d))[:n]
    moments = []
    for day in sorted(days):
        first = by_day[day][0]
        spans = sentence_spans(first.text, 1)
        start, end = spans[0] if spans else (0, 0)
        text = first.text[start:end].strip() or first.title
        moments.append(KeyMoment(day, text, first.id, start, end, language=first.language))
    return moments
