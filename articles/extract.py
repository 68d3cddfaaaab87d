"""Main text and metadata of a news page.

trafilatura does the heavy lifting (boilerplate removal, metadata). Around it:

- bytes are decoded the way a browser would (BOM, then valid UTF-8, then the page's declared
  charset) before trafilatura's statistical guess, so legacy Arabic pages (windows-1256) read right;
- trafilatura runs in precision mode without reader comments: a story's text is what the newsroom
  wrote, and precision mode beat the default and recall modes on the extraction benchmark;
- the text is then cleaned of lines that are not the article: the headline repeated as the first
  line (it is returned as ``title``) and cross-promotion lines ("Related: ...", "Read more: ...",
  "5 comments", "Follow us on Twitter") that survive inside the article container;
- when trafilatura finds no text, the publisher's own JSON-LD ``articleBody`` is used.

Three rules make the extraction hold on layouts trafilatura reads only in part. They work on the
page's structure, never on a site, reuse the one parsed tree (no second trafilatura run, about
2 ms a page), and each is a candidate of `extract_eval --cv`, so whether it helps is scored out of
sample (docs/evaluation.md has the figures and what did not help):

- *a run of links inside a paragraph is not prose*: an inline element in a ``<p>`` with two or
  more links and no word outside them (a hover card, a tag list, a share row) is dropped before
  extraction. The innermost such element goes, so a link that starts the run, the name a hover
  card describes, stays in its sentence. Links with words between them are untouched;
- *bare text is a paragraph*: a run of text and inline elements directly inside a ``<div>``
  (the lead written straight into a container, paragraphs separated by ``<br>``) is wrapped in a
  ``<p>`` before trafilatura reads the page, as Mozilla's Readability does; trafilatura otherwise
  tends to drop such text, which is often the article's first paragraph. Runs of fewer than
  ``_MIN_WORDS`` words of their own stay as they are (labels, bylines, buttons);
- *a body cut in pieces is read whole*: publishers cut long articles into several containers of
  one kind (``<div class="article__body">`` …) with an advertisement between them, and trafilatura
  keeps one piece. The container holding most of the extracted paragraphs is found in the page;
  the paragraphs of every other element with the same tag and class, under a parent of the same
  class (a comment box may reuse the article's class, not its place), are added in page order
  when the piece is article-like itself (at least two paragraphs not already extracted,
  ``_MIN_WORDS`` words, links under half of its words), then cleaned like the rest.

Author and date come from the publisher's JSON-LD article object (``NewsArticle``,
``BlogPosting`` …) first: a byline in structured data is exact, trafilatura's is a guess from the
page text ("Phil Helsel is a reporter", "Condé Nast; Molly Wood", "Sarah E Needleman" for
"Sarah E. Needleman"). An organisation named as the author (the publisher standing in for a
byline) comes after trafilatura's guess. The article's datePublished goes before other objects'
dates (an embedded video's); when it is a bare day, another candidate of that day gives the time.

Pure: no Django, plain data in and out.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import Element, HtmlElement, fromstring
from trafilatura.utils import decode_file, load_html

from articles import published
from articles.titles import strip_site_name


@dataclass(frozen=True)
class ExtractedPage:
    text: str  # clean main text, paragraphs separated by "\n"
    title: str | None
    author: str | None
    published_at: datetime | None  # aware, UTC
    image_url: str | None  # absolute
    language: str | None  # ISO 639-1 as declared by the page, else detected from the text
    canonical_url: str | None  # absolute
    description: str | None
    # The lead image's size as the page declares it (og:image:width/height, JSON-LD), if it does.
    image_width: int | None = None
    image_height: int | None = None
    # Names the site gives itself (og:site_name, publisher, host …); `title` is already without them.
    site_names: tuple[str, ...] = ()
    # Date candidates passed over for not being plausible (before 1995, more than a day ahead).
    dates_refused: int = 0
    # What gave the text: the trafilatura mode asked for, or the safety net's method.
    method: str = "precision"
    # Words in the page's paragraphs: what the safety net holds the text against.
    page_words: int = 0


@dataclass(frozen=True)
class SafetyNet:
    """When the text found is implausibly short for its page, try another method.

    Short means under `ratio` of the words in the page's paragraphs, on a page with at least
    `min_page_words` of them; the other method's text is taken when it is longer. The values
    in production are `extract_eval --cv`'s choice (articles/extraction_net.json).
    """

    ratio: float
    method: str  # "default" or "recall" (trafilatura's modes), or "json-ld" (the page's articleBody)
    min_page_words: int = 100


NET_METHODS = ("default", "recall", "json-ld")
NET_PATH = Path(__file__).with_name("extraction_net.json")


def load_net(path: Path = NET_PATH) -> SafetyNet | None:
    """The shipped safety net (None when the file chose none)."""
    chosen = json.loads(path.read_text(encoding="utf-8"))["net"]
    return SafetyNet(**chosen) if chosen else None


# Read once per process.
PRODUCTION_NET = load_net()


# A short line that only points elsewhere: cross-promotion, share and follow prompts, comment
# counters. Anchored at the line start and limited to short lines so prose that merely contains
# these words is kept.
_PROMO_LINE = re.compile(
    r"""^\s*(?:
      (?:related(?:\s+(?:posts?|articles?|stor(?:y|ies)|content|reading))?
        |read\s+(?:more|also|next)|see\s+(?:more|also)|also(?:\s+read)?|more|recommended
        |you\s+(?:may|might)\s+also\s+like|don'?t\s+miss|also\s+on\s+\S+)\s*[:.…]
      |\[related:
      |like\s+this\s+(?:story|article)\b
      |(?:follow|like)\s+(?:us|him|her|them|[\w.@ ]{1,40})\s+on\s+(?:twitter|facebook|instagram|linkedin)
      |sign\s+up\s+(?:for|to)\b|subscribe\s+to\b
      |\d*\s*comments?\s*$|filed\s+under\s*:
      |(?:اقرأ|إقرأ|شاهد)\s+(?:أيضا|أيضاً|ايضا|المزيد)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_PROMO_MAX_WORDS = 30

_WORD = re.compile(r"\w+")
_BYLINE_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# WHATWG: these labels mean windows-1252 in every browser, and pages rely on it.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"}
# Fewer words than this is a caption or an error message, not an article.
_MIN_WORDS = 10
# Language detection on very short texts is a guess; below this leave language unknown.
_MIN_DETECT_CHARS = 200


MODES = ("precision", "default", "recall")


def extract_article(
    html: str | bytes,
    *,
    url: str | None = None,
    mode: str = "precision",
    clean: bool = True,
    bare_text: bool = True,
    pieces: bool = True,
    link_runs: bool = True,
    now: datetime | None = None,
    net: SafetyNet | None = PRODUCTION_NET,
) -> ExtractedPage | None:
    """The article on a page, or None when the page has no article text (or is not HTML).

    net: the safety net for a text implausibly short for its page (the shipped one unless
    given; None: none).

    now: the time the page is read, which no publication date may be more than a day after
    (articles.published); the current time when not given.

    mode (trafilatura's precision, default or recall mode), clean (drop the repeated headline and
    cross-promotion lines), bare_text (wrap bare text runs in paragraphs), pieces (add the other
    pieces of a body cut in several containers) and link_runs (drop runs of links inside
    paragraphs) are the production choices; the other values exist so that `extract_eval --cv`
    can compare them out of sample.
    """
    try:
        return _extract(
            html,
            url,
            mode=mode,
            clean=clean,
            bare_text=bare_text,
            pieces=pieces,
            link_runs=link_runs,
            now=now or datetime.now(UTC),
            net=net,
        )
    # lxml and trafilatura raise a wide range of errors on hostile input; a page that cannot be
    # read is simply a page without an article, never a crash of the caller's pipeline.
    except Exception:
        return None


def _extract(
    html: str | bytes,
    url: str | None,
    *,
    mode: str,
    clean: bool,
    bare_text: bool,
    pieces: bool,
    link_runs: bool,
    now: datetime,
    net: SafetyNet | None,
) -> ExtractedPage | None:
    if isinstance(html, bytes):
        html = _decode(html)
    if not html.strip():
        return None
    tree = load_html(html)
    if tree is None:
        return None
    # Read our own metadata first: trafilatura may prune the tree it is given.
    structured = _json_ld_objects(tree)
    article = _json_ld_article(structured)
    language = _declared_language(tree)
    canonical = _canonical_url(tree, url)
    dates = _DateCandidates(now)
    published_at = _published_at(tree, structured, article, dates)
    site_names = _site_names(tree, structured, article, canonical or url)
    if link_runs:
        _drop_link_runs(tree)
    if bare_text:
        _wrap_bare_text(tree)

    doc = _trafilatura(tree, url, mode)
    raw_title = _clean((doc.title if doc is not None else None) or _ld_str(article.get("headline")))
    if doc is not None and doc.sitename:
        site_names = (*site_names, doc.sitename)
    title = strip_site_name(raw_title, names=site_names) if raw_title else raw_title
    text = _body(tree, doc, titles=(title, raw_title), pieces=pieces, clean=clean)
    if not text:
        text = _json_ld_body(article)
    method = mode
    page_words = sum(len(_WORD.findall(p.text_content())) for p in tree.iter("p"))
    if net is not None and implausibly_short(text, page_words, net):
        other = _other_method(net, tree, url, article, titles=(title, raw_title), pieces=pieces, clean=clean)
        if len(_WORD.findall(other)) > len(_WORD.findall(text)):
            text, method = other, net.method
    if len(_WORD.findall(text)) < _MIN_WORDS:
        return None

    if published_at is None and doc is not None and doc.date:
        published_at = dates.check(_parse_datetime(doc.date))
    base = canonical or url
    image = doc.image if doc is not None else None
    image_url = urljoin(base, image) if base and image else image
    width, height = _image_size(tree, structured, image_url) if image_url else (None, None)
    return ExtractedPage(
        text=text,
        title=title,
        author=_clean(
            _ld_author(article, people=True)
            or (doc.author if doc is not None else None)
            or _ld_author(article, people=False)
        ),
        published_at=published_at,
        image_url=image_url,
        language=language or _detect_language(text),
        canonical_url=canonical,
        description=_clean(doc.description) if doc is not None else None,
        image_width=width,
        image_height=height,
        site_names=site_names,
        dates_refused=dates.refused,
        method=method,
        page_words=page_words,
    )


def _trafilatura(tree: HtmlElement, url: str | None, mode: str) -> Any:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=mode == "precision",
        favor_recall=mode == "recall",
        include_comments=False,
        with_metadata=True,
        # The exhaustive date search scans every text node and doubles the cost of a page; the
        # structured dates read above come first anyway.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )


def _body(tree: HtmlElement, doc: Any, *, titles: tuple[str | None, ...], pieces: bool, clean: bool) -> str:
    """trafilatura's text with the other pieces of a cut body, cleaned."""
    text = doc.text or "" if doc is not None else ""
    if pieces and text:
        # trafilatura copies the tree it is given, so the page is still whole here.
        before, after = _other_pieces(tree, text)
        text = "\n".join([*before, text, *after])
    if clean:
        text = _clean_body(text, titles)
    return text


def implausibly_short(text: str, page_words: int, net: SafetyNet) -> bool:
    """Whether `text` is too short for a page with `page_words` words in its paragraphs."""
    return page_words >= net.min_page_words and len(_WORD.findall(text)) < net.ratio * page_words


def _other_method(
    net: SafetyNet,
    tree: HtmlElement,
    url: str | None,
    article: dict[str, Any],
    *,
    titles: tuple[str | None, ...],
    pieces: bool,
    clean: bool,
) -> str:
    """The text the safety net's method finds, with the same options as the first try."""
    if net.method == "json-ld":
        return _json_ld_body(article)
    return _body(tree, _trafilatura(tree, url, net.method), titles=titles, pieces=pieces, clean=clean)


def _image_size(
    tree: HtmlElement, objects: list[dict[str, Any]], image_url: str
) -> tuple[int | None, int | None]:
    """The declared size of the lead image: a JSON-LD ImageObject of that URL, else og:image:width/height."""
    for obj in objects:
        images = obj.get("image")
        for image in images if isinstance(images, list) else [images]:
            if (
                isinstance(image, dict)
                and image.get("url")
                and image_url.endswith(str(image["url"]).lstrip("."))
            ):
                width, height = _dimension(image.get("width")), _dimension(image.get("height"))
                if width and height:
                    return width, height
    width = _dimension(next(iter(tree.xpath('//meta[@property="og:image:width"]/@content')), None))
    height = _dimension(next(iter(tree.xpath('//meta[@property="og:image:height"]/@content')), None))
    return (width, height) if width and height else (None, None)


def _dimension(value: Any) -> int | None:
    """A pixel size from "1200", 1200 or {"value": 1200}; None when absent or implausible."""
    if isinstance(value, dict):
        value = value.get("value")
    try:
        number = int(str(value).strip().removesuffix("px"))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= 20000 else None


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    # Legacy-encoded text with non-ASCII letters is practically never valid UTF-8, so a clean
    # UTF-8 decode wins even over a (frequently wrong) declaration.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:4096])
    if match:
        label = match.group(1).decode("ascii", errors="ignore").lower()
        label = "cp1252" if label in _LATIN1_LABELS else label
        try:
            return data.decode(label)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_file(data)


def _clean_body(text: str, titles: tuple[str | None, ...]) -> str:
    """Lines of `text` without the headline repeated first (as any of `titles`, with its site
    name or without) and without cross-promotion lines."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if lines and any(title and _words(lines[0]) == _words(title) for title in titles):
        lines = lines[1:]
    lines = [
        line
        for line in lines
        if not (_PROMO_LINE.match(line) and len(line.split()) <= _PROMO_MAX_WORDS) and _WORD.search(line)
    ]
    return "\n".join(lines)


# HTML's phrasing content that can stand inside a paragraph; a run of these and of text directly
# in a <div> is one paragraph (Readability's rule). <br> ends a run.
_PHRASING_TAGS = (
    "a abbr b bdi bdo cite code data del dfn em font i img ins kbd mark q s samp small span strong sub"
    " sup time u var wbr"
)
_PHRASING = frozenset(_PHRASING_TAGS.split())
# Inline elements that can hold a run of links inside a paragraph.
_INLINE_CONTAINERS = ("span", "em", "strong", "b", "i", "small", "font")
# Above this share of its words in links a piece is navigation (trafilatura uses the same cut).
_MAX_LINK_SHARE = 0.5


def _wrap_bare_text(tree: HtmlElement) -> None:
    """Wrap each run of text and inline elements directly inside a <div> in a <p>, when the run
    has at least _MIN_WORDS words of its own (outside its elements) and so is written prose."""
    for div in list(tree.iter("div")):
        children = list(div)
        own = " ".join([div.text or "", *(child.tail or "" for child in children)])
        if len(_WORD.findall(own)) < _MIN_WORDS:
            continue
        # The div's content as runs (lists of strings and inline elements) between block elements.
        parts: list[list[Any] | HtmlElement] = []
        run: list[Any] = [div.text or ""]
        for child in children:
            tail, child.tail = child.tail or "", None
            div.remove(child)
            if isinstance(child.tag, str) and child.tag in _PHRASING:
                run.append(child)
            else:
                parts += [run, child]
                run = []
            run.append(tail)
        parts.append(run)
        div.text = None
        # The last child is tracked here: lxml counts an element's children by walking them, so
        # asking the element would make a page of many inline elements quadratic.
        last: HtmlElement | None = None
        for part in parts:
            if not isinstance(part, list):
                div.append(part)
                last = part
            elif len(_WORD.findall(" ".join(item for item in part if isinstance(item, str)))) >= _MIN_WORDS:
                paragraph = Element("p")
                inner: HtmlElement | None = None
                for item in part:
                    inner = _append_inline(paragraph, item, inner)
                div.append(paragraph)
                last = paragraph
            else:
                for item in part:
                    last = _append_inline(div, item, last)


def _drop_link_runs(tree: HtmlElement) -> None:
    """Drop each inline element inside a paragraph that holds two or more links and no word outside
    them: a hover card, a tag list or a share row set in the flow of the text. The innermost such
    element goes, so a link that starts the run (the name a hover card describes) stays."""
    runs = []
    for paragraph in tree.iter("p"):
        for element in paragraph.iterdescendants(*_INLINE_CONTAINERS):
            links = list(element.iter("a"))
            if len(links) < 2:
                continue
            words = len(_WORD.findall(element.text_content()))
            if words and sum(len(_WORD.findall(link.text_content())) for link in links) >= words:
                runs.append(element)
    found = set(runs)
    for element in runs:
        if element.getparent() is not None and not any(inner in found for inner in element.iterdescendants()):
            element.drop_tree()  # keeps its tail, the text that follows it


def _append_inline(
    parent: HtmlElement, item: str | HtmlElement, last: HtmlElement | None
) -> HtmlElement | None:
    """Append text or an element to `parent`, whose last child is `last`; the new last child."""
    if not isinstance(item, str):
        parent.append(item)
        return item
    if last is not None:
        last.tail = (last.tail or "") + item
    else:
        parent.text = (parent.text or "") + item
    return last


def _other_pieces(tree: HtmlElement, text: str) -> tuple[list[str], list[str]]:
    """Paragraphs of the other pieces of a body cut into containers of one kind: those before the
    extracted piece and those after it, in page order."""
    extracted = {" ".join(_words(line)) for line in text.split("\n")}
    extracted.discard("")
    holders: Counter[HtmlElement] = Counter()
    for paragraph in tree.iter("p"):
        if " ".join(_words(paragraph.text_content())) in extracted:
            holders[paragraph.getparent()] += 1
    if not holders:
        return [], []
    main = holders.most_common(1)[0][0]
    kind = _kind(main)
    if not kind[1]:
        return [], []
    before: list[str] = []
    after: list[str] = []
    seen_main = False
    for element in tree.iter(main.tag):
        if element is main:
            seen_main = True
            continue
        if (element.get("class") or "").split() != kind[1] or _kind(element) != kind:
            continue
        if any(a is main for a in element.iterancestors()) or any(a is element for a in main.iterancestors()):
            continue
        piece = [p for p in element.iterchildren("p") if " ".join(_words(p.text_content())) not in extracted]
        lines = [" ".join(p.text_content().split()) for p in piece]
        words = sum(len(_WORD.findall(line)) for line in lines)
        linked = sum(len(_WORD.findall(a.text_content())) for p in piece for a in p.iter("a"))
        if len(piece) >= 2 and words >= _MIN_WORDS and linked <= _MAX_LINK_SHARE * words:
            (after if seen_main else before).extend(lines)
    return before, after


def _kind(element: HtmlElement) -> tuple[list[str], list[str]]:
    """What a container is: its class and its parent's class (a comment's "content" box is not
    the article's "content" box)."""
    parent = element.getparent()
    return ((parent.get("class") or "").split() if parent is not None else []), (
        element.get("class") or ""
    ).split()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


def _json_ld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, flattened out of lists and @graph containers."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            found.append(node)
            walk(node.get("@graph"))

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    return found


def _json_ld_article(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The page's article in its JSON-LD: the object with the longest articleBody, else the first
    object of an article type (NewsArticle, BlogPosting …), else an empty one."""
    articles = [obj for obj in objects if isinstance(obj.get("articleBody"), str)]
    if articles:
        return max(articles, key=lambda obj: len(obj["articleBody"]))
    return next((obj for obj in objects if _is_article_type(obj.get("@type"))), {})


def _is_article_type(value: Any) -> bool:
    # schema.org's CreativeWork subtypes for a piece of writing: Article and its descendants
    # (NewsArticle, ReportageNewsArticle, ScholarlyArticle …) and the postings (BlogPosting …).
    types = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and t.endswith(("Article", "Posting")) for t in types)


def _ld_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ld_author(article: dict[str, Any], *, people: bool) -> str | None:
    """The article's authors named in its JSON-LD: the people (a Person, or a bare name) when
    people is true, else the organisations. An author with the publisher's own name is the
    publisher, whatever its type says."""
    authors = article.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    publisher = article.get("publisher")
    publisher_name = publisher.get("name") if isinstance(publisher, dict) else None
    names = []
    for author in authors:
        name = author.get("name") if isinstance(author, dict) else author
        if not isinstance(name, str) or not (name := _BYLINE_BY.sub("", name).strip()):
            continue
        typed_person = not isinstance(author, dict) or _is_person(author.get("@type"))
        if (typed_person and name != publisher_name) == people:
            names.append(name)
    return "; ".join(names) or None


def _is_person(value: Any) -> bool:
    # An author object without a type is taken for a person: organisations say they are one.
    types = value if isinstance(value, list) else [value]
    return value is None or "Person" in types


def _json_ld_body(article: dict[str, Any]) -> str:
    body = article.get("articleBody") or ""
    # Some publishers put HTML in articleBody; keep its text only.
    if "<" in body:
        body = "\n".join(fromstring(f"<div>{body}</div>").itertext())
    return "\n".join(line.strip() for line in body.splitlines() if _WORD.search(line))


class _DateCandidates:
    """Checks a page's date candidates against the time of reading, counting the refused."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.refused = 0

    def check(self, value: datetime | None) -> datetime | None:
        if value is None or published.plausible(value, now=self.now):
            return value
        self.refused += 1
        return None


def _published_at(
    tree: HtmlElement, objects: list[dict[str, Any]], article: dict[str, Any], dates: _DateCandidates
) -> datetime | None:
    """Publication time with its time of day, which trafilatura's date (a day) lacks.

    The article's own JSON-LD date comes first: other objects on the page (an embedded video,
    a reviewed claim, the web page) carry dates of their own. When it is a bare day, a later
    candidate on that day gives the time. A date that is no date (JSON-LD's "0001-01-01"
    placeholder, one far ahead) is passed over for the next candidate.
    """
    candidates = [article.get("datePublished")] + [obj.get("datePublished") for obj in objects]
    candidates += tree.xpath(
        '//meta[@property="article:published_time" or @name="article:published_time"'
        ' or @itemprop="datePublished"]/@content'
    )
    candidates += tree.xpath('//*[@itemprop="datePublished"]/@datetime')
    found = None
    seen: set[str] = set()
    for value in candidates:
        if not isinstance(value, str) or not (parsed := _parse_datetime(value)):
            continue
        # One placeholder repeated by several objects of the page is refused once.
        if value.strip() in seen:
            continue
        seen.add(value.strip())
        if not dates.check(parsed):
            continue
        if found is None:
            found = parsed
            if not _DATE_ONLY.match(value.strip()):
                return parsed
        elif parsed.date() == found.date() and not _DATE_ONLY.match(value.strip()):
            return parsed
    return found


def _site_names(
    tree: HtmlElement, objects: list[dict[str, Any]], article: dict[str, Any], url: str | None
) -> tuple[str, ...]:
    """The names a page gives its site: og:site_name, application-name, Twitter handle, the
    JSON-LD publisher, and the host it is served from."""
    names = [
        value.strip()
        for value in tree.xpath(
            '//meta[@property="og:site_name" or @name="application-name"'
            ' or @name="apple-mobile-web-app-title" or @name="twitter:site"]/@content'
        )
        if value.strip()
    ]
    for obj in [article, *objects]:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    if url:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if host:
            names.append(host)
    return tuple(dict.fromkeys(names))


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # A time without an offset is taken as UTC: it is the least wrong guess for a news site's CMS.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _declared_language(tree: HtmlElement) -> str | None:
    declared = tree.xpath(
        "/html/@lang | /html/@xml:lang"
        ' | //meta[translate(@http-equiv, "CONTENT-LANGUAGE", "content-language")'
        '="content-language"]/@content'
        ' | //meta[@property="og:locale"]/@content',
        namespaces={"xml": "http://www.w3.org/XML/1998/namespace"},
    )
    for value in declared:
        code = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
        if len(code) == 2 and code.isalpha():
            return code
    return None


def _detect_language(text: str) -> str | None:
    if len(text) < _MIN_DETECT_CHARS:
        return None
    # Imported here: loading the model costs time that pages declaring their language never pay.
    import py3langid

    code, _score = py3langid.classify(text)
    return code or None


def _canonical_url(tree: HtmlElement, url: str | None) -> str | None:
    hrefs = tree.xpath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content')
    for href in hrefs:
        href = href.strip()
        if href and (url or href.startswith(("http://", "https://"))):
            return urljoin(url or href, href)
    return None
