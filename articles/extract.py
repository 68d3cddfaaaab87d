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

Pure: no Django, plain data in and out.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml.html import HtmlElement, fromstring
from trafilatura.utils import decode_file, load_html


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
    html: str | bytes, *, url: str | None = None, mode: str = "precision", clean: bool = True
) -> ExtractedPage | None:
    """The article on a page, or None when the page has no article text (or is not HTML).

    mode (trafilatura's precision, default or recall mode) and clean (drop the repeated
    headline and cross-promotion lines) are the production choices; the other values exist
    so that `extract_eval --cv` can compare them out of sample.
    """
    try:
        return _extract(html, url, mode=mode, clean=clean)
    # lxml and trafilatura raise a wide range of errors on hostile input; a page that cannot be
    # read is simply a page without an article, never a crash of the caller's pipeline.
    except Exception:
        return None


def _extract(html: str | bytes, url: str | None, *, mode: str, clean: bool) -> ExtractedPage | None:
    if isinstance(html, bytes):
        html = _decode(html)
    if not html.strip():
        return None
    tree = load_html(html)
    if tree is None:
        return None
    # Read our own metadata first: trafilatura may prune the tree it is given.
    structured = _json_ld_objects(tree)
    language = _declared_language(tree)
    canonical = _canonical_url(tree, url)
    published_at = _published_at(tree, structured)

    doc = trafilatura.bare_extraction(
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
    article = _json_ld_article(structured)
    title = _clean((doc.title if doc is not None else None) or _ld_str(article.get("headline")))
    text = (_clean_body(doc.text or "", title) if clean else (doc.text or "")) if doc is not None else ""
    if not text:
        text = _json_ld_body(article)
    if len(_WORD.findall(text)) < _MIN_WORDS:
        return None

    if published_at is None and doc is not None and doc.date:
        published_at = _parse_datetime(doc.date)
    base = canonical or url
    image = doc.image if doc is not None else None
    image_url = urljoin(base, image) if base and image else image
    width, height = _image_size(tree, structured, image_url) if image_url else (None, None)
    return ExtractedPage(
        text=text,
        title=title,
        author=_clean((doc.author if doc is not None else None) or _ld_author(article)),
        published_at=published_at,
        image_url=image_url,
        language=language or _detect_language(text),
        canonical_url=canonical,
        description=_clean(doc.description) if doc is not None else None,
        image_width=width,
        image_height=height,
    )


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


def _clean_body(text: str, title: str | None) -> str:
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if lines and title and _words(lines[0]) == _words(title):
        lines = lines[1:]
    lines = [
        line
        for line in lines
        if not (_PROMO_LINE.match(line) and len(line.split()) <= _PROMO_MAX_WORDS) and _WORD.search(line)
    ]
    return "\n".join(lines)


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
    """The JSON-LD object with the longest articleBody (the page's article), or an empty one."""
    articles = [obj for obj in objects if isinstance(obj.get("articleBody"), str)]
    return max(articles, key=lambda obj: len(obj["articleBody"]), default={})


def _ld_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ld_author(article: dict[str, Any]) -> str | None:
    authors = article.get("author")
    authors = authors if isinstance(authors, list) else [authors]
    names = [a.get("name") if isinstance(a, dict) else a for a in authors]
    return "; ".join(name for name in names if isinstance(name, str) and name.strip()) or None


def _json_ld_body(article: dict[str, Any]) -> str:
    body = article.get("articleBody") or ""
    # Some publishers put HTML in articleBody; keep its text only.
    if "<" in body:
        body = "\n".join(fromstring(f"<div>{body}</div>").itertext())
    return "\n".join(line.strip() for line in body.splitlines() if _WORD.search(line))


def _published_at(tree: HtmlElement, objects: list[dict[str, Any]]) -> datetime | None:
    """Publication time with its time of day, which trafilatura's date (a day) lacks."""
    candidates = [obj.get("datePublished") for obj in objects]
    candidates += tree.xpath(
        '//meta[@property="article:published_time" or @name="article:published_time"'
        ' or @itemprop="datePublished"]/@content'
    )
    candidates += tree.xpath('//*[@itemprop="datePublished"]/@datetime')
    for value in candidates:
        if isinstance(value, str) and (parsed := _parse_datetime(value)):
            return parsed
    return None


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
