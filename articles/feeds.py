"""Reading a fetched feed body into plain entries: RSS, Atom, JSON Feed and (news) sitemaps.

Pure: bytes in, dataclasses out, no network and no Django. The caller stores
``FeedError`` messages as the source's error, so they are written for a person.

Safety: XML from the web can carry entity bombs and external entities. A document whose
prolog has a DOCTYPE is first checked with defusedxml (entity declarations and external
references refused); only then does it reach feedparser or the sitemap parser. Declared
entities are refused outright, not expanded with a budget: real feeds do not declare them.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as DefusedET
import feedparser
from defusedxml import DefusedXmlException
from lxml import etree

from articles import published
from articles.sanitize import html_to_text, plain_text, sanitize_html
from articles.text import clean_text


class FeedError(Exception):
    """Nothing usable could be read from the body; the message is meant for the source's admin."""


@dataclass(frozen=True)
class FeedEntry:
    guid: str | None
    url: str | None
    title: str
    summary: str
    summary_html: str
    published_at: datetime | None
    author: str | None
    language: str | None
    image_url: str | None


@dataclass(frozen=True)
class ParsedFeed:
    kind: str
    title: str
    language: str | None
    link: str | None
    entries: list[FeedEntry]
    child_sitemaps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_feed(
    body: bytes, *, url: str, content_type: str | None = None, now: datetime | None = None
) -> ParsedFeed:
    """Parse a fetched feed or sitemap body; raise ``FeedError`` when nothing usable is in it."""
    if not body or not body.strip():
        raise FeedError("The response body is empty.")
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)  # sitemap.xml.gz files arrive still compressed
    now = now or datetime.now(UTC)
    builder = _EntryBuilder(feed_url=url, now=now)
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, content_type, builder)
    head, root = _sniff_prolog(body)
    _refuse_unsafe_xml(body, head)
    if root in ("urlset", "sitemapindex"):
        return _parse_sitemap(body, root, builder)
    if root == "html":
        raise FeedError(
            "The URL returned an HTML page, not a feed (look for a <link rel=alternate> feed URL)."
        )
    return _parse_syndication(body, content_type, builder)


# --- detection and safety ---------------------------------------------------------------

# The sitemap protocol's own limit; anything larger compressed into a small file is a bomb.
MAX_DECOMPRESSED_BYTES = 50 * 1024 * 1024


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_DECOMPRESSED_BYTES)
    except zlib.error as error:
        raise FeedError(f"The body is gzip-compressed but corrupt ({error}).") from error
    if inflater.unconsumed_tail:
        raise FeedError("Refused: the gzip-compressed body inflates to more than 50 MB.")
    if not data.strip():
        raise FeedError("The response body is empty once decompressed.")
    return data


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8"),
)
_NULL_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_SNIFF_BYTES = 16384
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Same rule as feedparser's replace_doctype: the prolog ends at the first "<" + letter.
_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def _sniff_text(body: bytes, limit: int | None = _SNIFF_BYTES) -> str:
    """Decode the start of the body well enough to see markup (not to read text)."""
    head = body[:limit] if limit else body
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, "ignore")
    for pattern, codec in _NULL_PATTERNS:
        if head.startswith(pattern):
            return head.decode(codec, "ignore")
    # Every ASCII-compatible charset keeps "<", "!" and letters where latin-1 puts them.
    return head.decode("latin-1")


_HEAD_END = re.compile(r"<[A-Za-z_]")


def _sniff_prolog(body: bytes) -> tuple[str, str | None]:
    """The text before the first element, and the root element's local name.

    The head is cut exactly where feedparser cuts it (the first "<" + letter, comments not
    skipped), because feedparser copies entity declarations it finds there, even inside a
    comment, into the document it parses.
    """
    text = _sniff_text(body)
    if not _HEAD_END.search(text) and len(body) > _SNIFF_BYTES:
        text = _sniff_text(body, None)
    end = _HEAD_END.search(text)
    head = text[: end.start()] if end else text
    match = _FIRST_ELEMENT.search(_COMMENT.sub("", text))
    return head, match.group(2).lower() if match else None


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{":
        return True
    return bool(content_type and "json" in content_type.lower() and start != b"<")


def _refuse_unsafe_xml(body: bytes, head: str) -> None:
    upper = head.upper()
    if "<!DOCTYPE" not in upper and "<!ENTITY" not in upper:
        return  # entities and external references can only be declared before the root element
    try:
        DefusedET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FeedError(
            f"Refused: the document declares XML entities or external references ({type(error).__name__}); "
            "feeds do not need them and they are how XML bombs work."
        ) from error
    except Exception:  # noqa: S110 - ill-formed, or an encoding expat lacks: the head is judged below
        pass
    if "<!ENTITY" in upper:
        # Ill-formed, or the declaration sits in a comment: expat would not act on it, but
        # feedparser's doctype handling would.
        raise FeedError(
            "Refused: the document has an XML entity declaration before its root element; "
            "feeds do not need them and they are how XML bombs work."
        )


# --- entries ------------------------------------------------------------------------------


def _http_url(value: str | None, base: str) -> str | None:
    if not value or not isinstance(value, str):
        return None
    value = clean_text(value).strip()
    try:
        absolute = urljoin(base, value) if base else value
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _clean_line(value: Any) -> str:
    if not value:
        return ""
    return " ".join(clean_text(str(value)).split())


def _language(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    value = value.strip().replace("_", "-").lower()
    return value or None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # a date with no zone: UTC is the least wrong guess
    return value.astimezone(UTC)


def _parse_date_text(value: Any) -> datetime | None:
    """W3C/RFC 3339 first (JSON Feed, sitemaps), then RFC 822 (what RSS people actually write)."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    parsed = feedparser.datetimes._parse_date(value)  # its many fallbacks; no public name
    if parsed:
        return datetime(*parsed[:6], tzinfo=UTC)
    return None


class _EntryBuilder:
    """Shared by every format: URLs made absolute, dates checked, GUIDs made, drops counted."""

    def __init__(self, *, feed_url: str, now: datetime) -> None:
        self.feed_url = feed_url
        self.now = _aware(now)
        self.future = 0
        self.ancient = 0
        self.dropped = 0
        self.entries: list[FeedEntry] = []

    def check_date(self, value: datetime | None) -> datetime | None:
        """The entry's date if it is plausible; else None, and the next candidate (the page's
        date, the address's, the fetch time) stands in (articles.published)."""
        if value is None or published.plausible(value, now=self.now):
            return value
        if value > self.now:
            self.future += 1
        else:
            self.ancient += 1
        return None

    def add(
        self,
        *,
        guid: Any,
        url: str | None,
        title: str | None,
        summary_html: str,
        published_at: datetime | None,
        author: str | None,
        language: str | None,
        image_url: str | None,
        base: str | None = None,
    ) -> None:
        base = base or self.feed_url
        url = _http_url(url, base)
        # Plain text here, once for every format: a text/plain title holding "<img onerror>" once
        # its entities are decoded is markup in any reader that shows titles as HTML.
        title = plain_text(title or "")
        summary_html = sanitize_html(summary_html, base_url=base)
        summary = html_to_text(summary_html)
        if not url and not title and not summary:
            self.dropped += 1
            return
        published_at = self.check_date(published_at)
        guid = _clean_line(guid) or None
        if guid is None:
            if url:
                guid = url
            else:
                stamp = published_at.isoformat() if published_at else ""
                digest = hashlib.sha256(f"{title}\n{stamp}\n{summary[:500]}".encode()).hexdigest()
                guid = f"sha256:{digest[:40]}"
        self.entries.append(
            FeedEntry(
                guid=guid,
                url=url,
                title=title,
                summary=summary,
                summary_html=summary_html,
                published_at=published_at,
                author=plain_text(author or "") or None,
                language=language,
                image_url=_http_url(image_url, base),
            )
        )

    def warnings(self) -> list[str]:
        notes = []
        if self.future:
            notes.append(
                f"{self.future} entr{'y' if self.future == 1 else 'ies'} dated more than a day ahead; "
                "date dropped (the page's date, or the time of reading, stands in)."
            )
        if self.ancient:
            notes.append(
                f"{self.ancient} entr{'y' if self.ancient == 1 else 'ies'} dated before "
                f"{published.OLDEST.year}; date dropped (the page's date, or the time of reading, stands in)."
            )
        if self.dropped:
            notes.append(
                f"{self.dropped} entr{'y' if self.dropped == 1 else 'ies'} without URL, title or text "
                "skipped."
            )
        return notes


# --- RSS and Atom through feedparser ---------------------------------------------------

_FEEDPARSER_KINDS = {"atom": "atom", "rss": "rss", "cdf": "rss"}


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_html(entry: Any) -> str:
    """The entry's description, or its content when there is no description."""
    candidates = []
    if entry.get("summary_detail"):
        candidates.append(entry.summary_detail)
    candidates.extend(entry.get("content") or [])
    for detail in candidates:
        value = detail.get("value") or ""
        if not value.strip():
            continue
        if detail.get("type") in ("text/html", "application/xhtml+xml"):
            return value
        return "<p>" + html.escape(value).replace("\n\n", "</p><p>") + "</p>"
    return ""


def _entry_image(entry: Any) -> str | None:
    for thumb in entry.get("media_thumbnail") or []:
        if thumb.get("url"):
            return thumb["url"]
    for media in entry.get("media_content") or []:
        if media.get("url") and (
            media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")
        ):
            return media["url"]
    for link in entry.get("links") or []:
        if (
            link.get("rel") == "enclosure"
            and str(link.get("type", "")).startswith("image/")
            and link.get("href")
        ):
            return link["href"]
    image = entry.get("image")
    if isinstance(image, dict) and image.get("href"):
        return image["href"]
    return None


_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LAST_RESORT_ENCODINGS = frozenset({"windows-1252", "iso-8859-2"})


def _guess_arabic_charset(body: bytes, result: Any) -> str | None:
    """The Arabic charset of a feed that does not name one, when feedparser fell back to a Latin guess.

    feedparser's last resort is windows-1252, which turns Arabic into mojibake. Arabic sites that
    omit the charset almost always mean windows-1256; its Arabic letters sit where windows-1252 has
    accented Latin ones, while French letters keep their places, so "most non-ASCII characters read
    as Arabic" tells the two apart.
    """
    if result.get("encoding") not in _LAST_RESORT_ENCODINGS or not isinstance(
        result.get("bozo_exception"),
        feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown,
    ):
        return None
    try:
        text = body.decode("windows-1256")
    except UnicodeDecodeError:
        return None
    non_ascii = sum(1 for char in text if ord(char) > 127)
    arabic = _ARABIC.findall(text)
    if non_ascii < 8 or len(arabic) < 0.6 * non_ascii:
        return None
    # Cyrillic (KOI8-R) and Thai bytes also land on Arabic letters in windows-1256, but not with
    # Arabic's letter frequencies: alef and lam alone are about a quarter of any Arabic text.
    if sum(1 for char in arabic if char in "\u0627\u0644") < 0.15 * len(arabic):
        return None
    return "application/xml; charset=windows-1256"


# Notes feedparser raises about a feed it read whole (an encoding it had to guess or override).
_ENCODING_NOTES = (
    feedparser.CharacterEncodingOverride,
    feedparser.CharacterEncodingUnknown,
    feedparser.NonXMLContentType,
)


# An entry element: a body holding one had entries to read.
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)


def _unreadable(result: Any) -> bool:
    """Whether feedparser stopped on a syntax error (rather than only noting an encoding)."""
    return bool(result.get("bozo")) and not isinstance(result.get("bozo_exception"), _ENCODING_NOTES)


def _bozo_warning(result: Any) -> str:
    error = result.get("bozo_exception")
    if error is None:
        return "The feed is not well-formed."
    return f"{type(error).__name__}: {error}"


def _parse_syndication(body: bytes, content_type: str | None, builder: _EntryBuilder) -> ParsedFeed:
    # Without a type feedparser flags every feed "no Content-type specified"; application/xml lets
    # the XML declaration and BOM decide the encoding, as an untyped document would.
    headers = {"content-location": builder.feed_url, "content-type": content_type or "application/xml"}
    # BytesIO, not bytes: feedparser would treat a bytes path-like string as a file to open.
    result = feedparser.parse(io.BytesIO(body), response_headers=headers)
    guessed = _guess_arabic_charset(body, result)
    if guessed:
        result = feedparser.parse(io.BytesIO(body), response_headers={**headers, "content-type": guessed})
        result["bozo"] = True
        result["bozo_exception"] = feedparser.CharacterEncodingOverride(
            "the bytes are not valid in the declared or default encoding; "
            "they read as Arabic in windows-1256, so that was used"
        )
    feed = result.get("feed") or {}
    version = result.get("version") or ""
    entries = result.get("entries") or []
    warnings = [_bozo_warning(result)] if result.get("bozo") else []
    feed_language = _language(feed.get("language")) or _language(
        (feed.get("title_detail") or {}).get("language")
    )
    for entry in entries:
        # dict.get, not entry.get: FeedParserDict maps a missing updated_parsed to published_parsed
        # with a DeprecationWarning.
        published = (
            _struct_to_datetime(dict.get(entry, "published_parsed"))
            or _struct_to_datetime(dict.get(entry, "updated_parsed"))
            or _struct_to_datetime(dict.get(entry, "created_parsed"))
        )
        author_detail = entry.get("author_detail") or {}
        language = _language((entry.get("title_detail") or {}).get("language")) or _language(
            (entry.get("summary_detail") or {}).get("language")
        )
        base = (entry.get("title_detail") or {}).get("base") or builder.feed_url
        builder.add(
            guid=entry.get("id"),
            url=entry.get("link"),
            title=entry.get("title"),
            summary_html=_entry_html(entry),
            published_at=published,
            author=author_detail.get("name") or entry.get("author"),
            language=language or feed_language,
            image_url=_entry_image(entry),
            base=base if _http_url(base, "") else builder.feed_url,
        )
    title = plain_text(feed.get("title") or "")
    # An empty but recognised feed is fine (nothing new yet); unrecognised XML with nothing in it is not.
    if not version and not builder.entries and not title:
        reason = f" ({_bozo_warning(result)})" if result.get("bozo") else ""
        raise FeedError(f"No RSS or Atom feed could be read from the body{reason}.")
    # Nor is a feed whose entries are there but none could be read: that poll read nothing, and
    # counting it a success would hide a broken feed behind "no new entries".
    if not builder.entries and _unreadable(result) and _ENTRY_TAG.search(body):
        raise FeedError(
            f"The feed is not well-formed and none of its entries could be read ({_bozo_warning(result)})."
        )
    kind = _FEEDPARSER_KINDS.get(re.sub(r"\d.*$", "", version), "rss")
    return ParsedFeed(
        kind=kind,
        title=title,
        language=feed_language,
        link=_http_url(feed.get("link"), builder.feed_url),
        entries=builder.entries,
        child_sitemaps=[],
        warnings=warnings + builder.warnings(),
    )


# --- JSON Feed ------------------------------------------------------------------------


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:\-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _json_author(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        for author in authors:
            if isinstance(author, dict) and author.get("name"):
                return str(author["name"])
    author = obj.get("author")
    if isinstance(author, dict) and author.get("name"):
        return str(author["name"])
    return None


def _json_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _parse_json_feed(body: bytes, content_type: str | None, builder: _EntryBuilder) -> ParsedFeed:
    warnings = []
    # RFC 8259: JSON on the wire is UTF-8; a declared charset is honoured when it names another.
    encoding = _charset(content_type) or "utf-8"
    try:
        text = body.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        )
    except (LookupError, UnicodeDecodeError):
        text = body.decode("utf-8", "replace")
        warnings.append(f"The JSON body is not valid {encoding}; undecodable bytes replaced.")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise FeedError(f"The body looks like JSON but is not valid JSON ({error}).") from error
    if not isinstance(data, dict) or not (
        "jsonfeed.org/version" in str(data.get("version", "")) or isinstance(data.get("items"), list)
    ):
        raise FeedError("The body is JSON but not a JSON Feed (no version https://jsonfeed.org/version/1.x).")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("The JSON Feed has no items list.")

    feed_language = _language(data.get("language"))
    for item in items:
        if not isinstance(item, dict):
            builder.dropped += 1
            continue
        # The summary is the teaser, as description is in RSS; content_html is the whole article.
        if isinstance(item.get("summary"), str):
            summary_html = "<p>" + html.escape(item["summary"]) + "</p>"
        elif isinstance(item.get("content_html"), str):
            summary_html = item["content_html"]
        elif isinstance(item.get("content_text"), str):
            summary_html = "<p>" + html.escape(item["content_text"]).replace("\n\n", "</p><p>") + "</p>"
        else:
            summary_html = ""
        item_id = item.get("id")
        builder.add(
            guid=str(item_id) if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None,
            url=item.get("url") or item.get("external_url"),
            title=_json_str(item.get("title")),
            summary_html=summary_html,
            published_at=_parse_date_text(item.get("date_published"))
            or _parse_date_text(item.get("date_modified")),
            author=_json_author(item) or _json_author(data),
            language=_language(item.get("language")) or feed_language,
            image_url=item.get("image") or item.get("banner_image"),
        )
    return ParsedFeed(
        kind="json",
        # Plain text, as entries' titles are: publishers leave entities and tags in them.
        title=plain_text(_json_str(data.get("title"))),
        language=feed_language,
        link=_http_url(data.get("home_page_url"), builder.feed_url),
        entries=builder.entries,
        child_sitemaps=[],
        warnings=warnings + builder.warnings(),
    )


# --- sitemaps -------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: Any, *path: str) -> str:
    """Text of the first descendant along ``path`` of local names, namespaces ignored."""
    current = [element]
    for name in path:
        current = [child for parent in current for child in parent if _local(child.tag) == name]
        if not current:
            return ""
    return (current[0].text or "").strip()


def _parse_sitemap(body: bytes, root_name: str, builder: _EntryBuilder) -> ParsedFeed:
    warnings = []
    # Entities were refused above; these settings keep lxml from fetching or expanding anything anyway.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise FeedError(f"The sitemap is not readable XML ({error}).") from error
    if root is None:
        raise FeedError("The sitemap is not readable XML.")
    if parser.error_log:
        warnings.append(f"The sitemap is not well-formed: {parser.error_log[0].message}")

    if root_name == "sitemapindex":
        children = []
        for sitemap in root:
            if _local(sitemap.tag) == "sitemap":
                loc = _http_url(_child_text(sitemap, "loc"), builder.feed_url)
                if loc:
                    children.append(loc)
        return ParsedFeed(
            kind="sitemap_index",
            title="",
            language=None,
            link=None,
            entries=[],
            child_sitemaps=children,
            warnings=warnings,
        )

    languages: Counter[str] = Counter()
    publication = ""
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            builder.dropped += 1
            continue
        language = _language(_child_text(node, "news", "publication", "language"))
        if language:
            languages[language] += 1
        publication = publication or _child_text(node, "news", "publication", "name")
        builder.add(
            guid=None,
            url=loc,
            title=_child_text(node, "news", "title"),
            summary_html="",
            published_at=_parse_date_text(_child_text(node, "news", "publication_date"))
            or _parse_date_text(_child_text(node, "lastmod")),
            author=None,
            language=language,
            image_url=_child_text(node, "image", "loc") or None,
        )
    return ParsedFeed(
        kind="sitemap",
        title=publication,
        language=languages.most_common(1)[0][0] if languages else None,
        link=None,
        entries=builder.entries,
        child_sitemaps=[],
        warnings=warnings + builder.warnings(),
    )
