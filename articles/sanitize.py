"""Making untrusted HTML from feeds safe to show, and turning it into plain text.

Feed summaries are written by strangers, so what we keep is an allow-list: a few text and
structure tags, links and images with web URLs only. nh3 (ammonia) parses like a browser,
so tricks that rely on a lax parser (unclosed tags, odd nesting, entity-encoded schemes)
are normalised before the allow-list is applied.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

from .text import clean_text

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "a",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h2",
        "h3",
        "h4",
        "figure",
        "figcaption",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
LINK_REL = "noopener nofollow ugc"

# Dropped together with everything inside them: their text is code, styling or
# a second document, never part of the article.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "svg", "math", "iframe", "object", "embed", "noscript", "template", "title"}
)
_URL_SCHEMES = {"a": frozenset({"http", "https", "mailto"}), "img": frozenset({"http", "https"})}


def _safe_url(tag: str, value: str, base_url: str | None) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        if base_url:
            value = urljoin(base_url, value)
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return None
    # Relative URLs are dropped when there is no base: shown on our site they would point at us.
    if scheme not in _URL_SCHEMES[tag]:
        return None
    return value


def sanitize_html(html: str, *, base_url: str | None = None) -> str:
    """Return ``html`` reduced to the allowed tags, with only http(s)/mailto links and http(s) images.

    ``base_url`` resolves relative ``href``/``src`` first; without it relative URLs are removed.
    """
    if not html or not html.strip():
        return ""
    html = clean_text(html)

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        # Must never raise: nh3 reports callback errors through sys.unraisablehook.
        if (tag, attribute) in (("a", "href"), ("img", "src")):
            return _safe_url(tag, value, base_url)
        return value

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # An <img> whose src was refused is an empty box; drop it.
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "blockquote",
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "tr",
        "pre",
        "hr",
        "address",
        "main",
        "nav",
    }
)
_LINE_TAGS = frozenset({"br", "li", "dt", "dd"})
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_TAGS:
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            # In HTML a newline in text is a space; only tags break lines.
            self.parts.append(data.replace("\r", " ").replace("\n", " "))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: entities decoded, one blank line between paragraphs."""
    if not html:
        return ""
    if "<" not in html:
        # Already text (perhaps with entities): skip the parser, keep its own line breaks.
        text = html_lib.unescape(html)
    else:
        collector = _TextCollector()
        collector.feed(html)
        collector.close()
        text = "".join(collector.parts)
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [_SPACE.sub(" ", line).strip() for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


# Rounds of decoding a plain-text field may need: "&amp;lt;b&amp;gt;" is markup two decodings
# away. A field that still changes after these is given up on as text (its "<" made inert).
_DECODING_ROUNDS = 4
# What a browser would start a tag with: "<" before a letter, "/", "!" or "?".
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def plain_text(value: str) -> str:
    """A one-line plain-text field (a headline, an author, a source name) that no reader can
    turn into markup.

    Feeds put markup into fields that are plain text by definition: a title of
    ``&lt;img src=x onerror=...&gt;`` decodes to a tag, and a reader that shows titles as HTML
    runs it. Entities are decoded and tags dropped, again while that changes anything (markup
    encoded twice), so what is left is the words; a "<" still opening something tag-like (an
    unclosed ``<img`` at the end) is followed by a space, which no HTML parser reads as a tag.
    "a < b", "x <3" and "AT&T" stay as they are. Output escaping stays the pages' and feeds'
    job: this is what we store, not how we print it.
    """
    text = " ".join(clean_text(value).split())
    for _ in range(_DECODING_ROUNDS):
        decoded = " ".join(html_to_text(text).split())
        if decoded == text:
            break
        text = decoded
    return _TAG_OPEN.sub("< ", text)


def https_url(url: str | None) -> str:
    """`url` when it is an https address, else "": the only pictures the pages' CSP lets load."""
    return url if isinstance(url, str) and url.startswith("https://") else ""
