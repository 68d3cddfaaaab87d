"""Telling whether two articles are the same: canonical URLs, exact text hashes, SimHash near-copies.

Three levels, cheapest first:

* ``canonical_url`` — one spelling per article URL, so the same page reached through a tracking
  link, an AMP variant or a different query order is stored once.
* ``content_hash`` — the same text modulo whitespace, case, punctuation and (Arabic) diacritics,
  tatweel and alef forms: a copy republished verbatim under another URL.
* ``simhash`` — a 64-bit fingerprint whose Hamming distance tracks how much text two copies share:
  a wire report republished with a new headline, a few words changed or a paragraph added.
  ``simhash_bands`` splits it into four 16-bit bands; fingerprints within distance 3 agree on at
  least one band (pigeonhole), so the database finds candidates with four indexed equality lookups.
  Copies at distance 4..8 share a band often but not always; comparing a new fingerprint against
  every fingerprint of the last few days (an XOR and a popcount each) finds them all.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import numpy as np

# --- URLs -----------------------------------------------------------------------------------

# Parameters that say how a reader arrived, never which page they asked for.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "ocid",
        "icid",
        "ito",
        "s_cid",
        "sr_share",
        "smid",
        "spm",
        "at_medium",
        "at_campaign",
        "wt.mc_id",
        "__twitter_impression",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        # AMP switches: the AMP rendering is the same article.
        "amp",
        "outputtype",
    }
)
TRACKING_PREFIXES = ("utm_", "hsa_", "pk_", "mtm_", "ns_", "ga_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Second-level labels under which country domains sell names (bbc.co.uk, ahram.org.eg): a
# small stand-in for the public suffix list, enough to tell "same site" for news domains.
_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "edu", "ac", "gob", "or", "ne", "go", "info", "news"}
)
_AMP_CACHE = re.compile(r"\.cdn\.ampproject\.org$")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _normalise_escapes(value: str, safe: str) -> str:
    """Percent-encode what must be, decode what need not be, upper-case the rest: one spelling."""
    value = quote(value, safe=safe)

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(0)[1:], 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return _ESCAPE.sub(fix, value)


def _host(netloc_host: str) -> str:
    host = netloc_host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host  # leave an odd host as written rather than guess


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PREFIXES)


def _strip_amp_path(path: str) -> str:
    segments = path.split("/")
    kept = [segment for segment in segments if segment.lower() != "amp"]
    if kept and kept[-1].lower().endswith(".amp"):
        kept[-1] = kept[-1][:-4]
    if kept and kept[-1].lower().endswith(".amp.html"):
        kept[-1] = kept[-1][: -len(".amp.html")] + ".html"
    path = "/".join(kept)
    return path or "/"


def _normalise_path(path: str) -> str:
    if not path:
        return "/"
    # Resolve "." and ".." the way a browser would, without touching repeated slashes' meaning.
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if path == ".":
        path = "/"
    if trailing and path != "/":
        path += "/"
    path = _strip_amp_path(path)
    # One rule for trailing slashes: none, except the root. Article servers answer both forms.
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return _normalise_escapes(path, _PATH_SAFE)


def canonical_url(url: str, *, canonical_hint: str | None = None) -> str:
    """One spelling of an article URL; ``canonical_hint`` is the page's ``<link rel=canonical>``.

    Rules (each idempotent, so the result is a fixed point):
    scheme and host lower-cased (IDN hosts in punycode), default ports, user info and fragments
    dropped; AMP variants folded into the article (``amp.`` host prefix, a path segment ``amp``,
    ``.amp``/``.amp.html`` suffixes, ``?amp``/``outputType=amp``, and Google AMP cache URLs
    ``*.cdn.ampproject.org/c/s/host/path``); tracking parameters removed, the rest sorted;
    ``.``/``..`` segments resolved; no trailing slash except the root path.
    ``www.`` is kept: a few sites serve different things on both hosts, and feeds link one form.

    The hint is used only when it is an http(s) URL on the same site (same registrable domain)
    and is not that site's home page while the article is not: CMS templates often put the home
    page or another site (a syndication partner) in rel=canonical by mistake, and trusting that
    would merge every article of the site into one.
    """
    url = url.strip()
    if canonical_hint:
        hinted = _usable_hint(url, canonical_hint.strip())
        if hinted:
            url = hinted
    # Some rules uncover work for others ("%2e%2e" decodes to "..", "x.amp.amp" loses one suffix
    # at a time), so apply them until nothing changes: that makes the result a fixed point.
    for _ in range(8):
        canonical = _canonical_once(url)
        if canonical == url:
            break
        url = canonical
    return url


def _canonical_once(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = _host(parts.hostname)
    path = parts.path
    if _AMP_CACHE.search(host):
        # /c/s/host/path (https) or /c/host/path (http); /i/ and /v/ are images and viewer pages.
        match = re.match(r"^/c/(s/)?([^/]+)(/.*)?$", path)
        if match:
            scheme = "https" if match.group(1) else "http"
            host = _host(match.group(2))
            path = match.group(3) or "/"
            port = None
    if host.startswith("amp.") and host.count(".") >= 2:
        host = host[4:]
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query_pairs = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(key)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote, safe="-._~!$'()*,;:@/?")
    return urlunsplit((scheme, netloc, _normalise_path(path), query, ""))


def _registrable_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _usable_hint(url: str, hint: str) -> str | None:
    try:
        hint = urljoin(url, hint)
        page, target = urlsplit(url), urlsplit(hint)
    except ValueError:
        return None
    if target.scheme.lower() not in _DEFAULT_PORTS or not target.hostname or not page.hostname:
        return None
    if _registrable_domain(_host(target.hostname)) != _registrable_domain(_host(page.hostname)):
        return None
    if target.path.strip("/") == "" and page.path.strip("/") != "":
        return None
    return hint


# --- text normalisation ---------------------------------------------------------------------

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
# Hamza-above, hamza-below, madda and wasla alefs are written interchangeably in news copy.
_ALEF_FORMS = str.maketrans(dict.fromkeys("\u0623\u0625\u0622\u0671", "\u0627"))
# Arabic-Indic and Persian digits, so "٢٠٢٤" and "2024" are one token.
_DIGITS = str.maketrans({chr(base + i): str(i) for base in (0x0660, 0x06F0) for i in range(10)})
_WORD = re.compile(r"\w+")


def normalise_text(text: str) -> str:
    """Lower-case words separated by single spaces; punctuation, Arabic marks and alef forms unified."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ALEF_FORMS).translate(_DIGITS)
    return " ".join(_WORD.findall(text))


def content_hash(text: str) -> str:
    """Hex SHA-256 of the normalised text: equal for copies that differ only trivially."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


# --- SimHash --------------------------------------------------------------------------------

# Word bigrams: measured against trigrams and single words on real texts, bigrams caught more
# edited copies than trigrams while keeping different articles on one story as far away
# (closest same-story pair: 17 bits); single words let same-story articles come within 8.
SHINGLE_SIZE = 2
# Measured on 1,000-character texts and full articles (numbers in the report that added this):
# no same-story pair of SemEval-2022 (207 pairs, overall <= 1.5) nor of 2,991 random ECB+ pairs
# falls within 8; every ECB+ same-story pair within 8 is a real (partial) copy with shingle
# Jaccard >= 0.4. At 8, most edited copies of full articles are caught (one word in twenty
# changed: 69%; new headline: 89%); copies of short texts mostly are not: a 64-bit SimHash
# cannot resolve a 10% edit of 150 words. The bands guarantee candidate lookup only up to 3 bits.
NEAR_DUPLICATE_DISTANCE = 8
_BIT_WEIGHTS = (np.uint64(1) << np.arange(64, dtype=np.uint64)).astype(np.uint64)


def _feature_hashes(words: list[str]) -> np.ndarray:
    if len(words) < SHINGLE_SIZE:
        shingles = [" ".join(words)] if words else []
    else:
        shingles = [" ".join(words[i : i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1)]
    # blake2b, not hash(): fingerprints are stored, so they must not change between processes.
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    return np.frombuffer(digests, dtype="<u8")


def simhash(text: str) -> int:
    """64-bit SimHash of word-bigram shingles of the normalised text, as a signed int (a bigint)."""
    hashes = _feature_hashes(normalise_text(text).split())
    if hashes.size == 0:
        return 0
    bits = ((hashes[:, None] & _BIT_WEIGHTS[None, :]) != 0).astype(np.int32)
    # Each feature votes +1 for its set bits and -1 for its clear ones.
    votes = bits.sum(axis=0) * 2 - hashes.size
    unsigned = sum(1 << i for i in range(64) if votes[i] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def simhash_bands(h: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, high to low; each in 0..65535."""
    unsigned = h & 0xFFFFFFFFFFFFFFFF
    return (unsigned >> 48) & 0xFFFF, (unsigned >> 32) & 0xFFFF, (unsigned >> 16) & 0xFFFF, unsigned & 0xFFFF


def hamming_distance(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def is_near_duplicate(a: int, b: int) -> bool:
    """Whether two SimHash fingerprints are copies of one text (distance <= NEAR_DUPLICATE_DISTANCE)."""
    return hamming_distance(a, b) <= NEAR_DUPLICATE_DISTANCE
