"""Telling whether two articles are the same: canonical URLs, exact text hashes, MinHash near-copies.

Three levels, cheapest first:

* ``canonical_url`` — one spelling per article URL, so the same page reached through a tracking
  link, an AMP variant or a different query order is stored once.
* ``content_hash`` — the same text modulo whitespace, case, punctuation and (Arabic) diacritics,
  tatweel and alef forms: a copy republished verbatim under another URL.
* ``minhash`` — a 128-value MinHash signature of the text's word 3-shingles, whose share of
  equal values estimates the Jaccard similarity of two texts: a wire report republished with a
  new headline, a rewritten lead, a trimmed tail or paragraphs added. ``MinHash.bands`` cuts
  it into 42 LSH band keys of 3 values; copies share a key with near certainty (0.996 at
  Jaccard 0.5), unrelated texts almost never, so the database finds candidates with one
  indexed overlap probe and ``MinHash.is_near_copy`` confirms them (Jaccard, or containment
  for a trimmed or extended copy). Measured in docs/evaluation.md ("Near-copies").

``simhash`` is the previous near-copy test (a 64-bit fingerprint; 0.47 recall on the same
edited copies), kept as the benchmark's reference.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from dataclasses import dataclass
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
    return hash_normalised(normalise_text(text))


def hash_normalised(normalised: str) -> str:
    """content_hash of a text already passed through normalise_text."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- MinHash --------------------------------------------------------------------------------

# Word 3-shingles: a changed word breaks three of them, so the similarity of two copies tracks
# the share of text they have in common, while two reports of one event (same names, same
# stock phrases) share few 3-word runs. Measured in docs/evaluation.md ("Near-copies").
MINHASH_SHINGLE = 3
MINHASH_PERMUTATIONS = 128
# LSH: the signature cut into bands of MINHASH_ROWS values; two texts become candidates when
# one whole band agrees. The chance of that is 1 - (1 - J^rows)^bands for Jaccard J: with
# 42 bands of 3 rows, 0.94 at J = 0.4, 0.996 at J = 0.5, 0.00004 at J = 0.01 (unrelated texts).
MINHASH_ROWS = 3
MINHASH_BANDS = 42
# A near-copy: most of the two texts is common (estimated Jaccard), or the shorter text is
# almost wholly inside the longer one (a trimmed or extended copy: estimated containment).
NEAR_COPY_JACCARD = 0.5
NEAR_COPY_CONTAINMENT = 0.8
# Containment is estimated from the Jaccard and the two shingle counts; below this Jaccard
# the estimate is too noisy to trust (and nothing that short of the longer text is a copy).
NEAR_COPY_MIN_JACCARD = 0.3

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
# Fixed multiply-shift hash functions: signatures are stored, so they must never change
# (derived with blake2b rather than a random generator, whose stream numpy may change).


def _constants(name: str, count: int) -> np.ndarray:
    digests = b"".join(
        hashlib.blake2b(f"silsila-minhash-{name}-{i}".encode(), digest_size=8).digest() for i in range(count)
    )
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


_PERM_A = _constants("a", MINHASH_PERMUTATIONS) | np.uint64(1)  # odd multipliers
_PERM_B = _constants("b", MINHASH_PERMUTATIONS)
_BAND_SALT = _constants("band", MINHASH_BANDS)
_ROW_MIX = _constants("row", MINHASH_ROWS) | np.uint64(1)
_SLICE = 4096


@dataclass(frozen=True)
class MinHash:
    """A text's MinHash signature (MINHASH_PERMUTATIONS uint32) and its number of distinct shingles."""

    signature: np.ndarray
    shingles: int

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes | memoryview, shingles: int) -> MinHash:
        return cls(np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32), shingles)

    def bands(self) -> list[int]:
        """LSH band keys, as signed 64-bit ints (a bigint[] column): equal keys, equal band."""
        rows = self.signature[: MINHASH_BANDS * MINHASH_ROWS].astype(np.uint64).reshape(MINHASH_BANDS, -1)
        with np.errstate(over="ignore"):
            mixed = (rows * _ROW_MIX[None, :]).sum(axis=1, dtype=np.uint64) ^ _BAND_SALT
            mixed = (mixed ^ (mixed >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)
        return (mixed ^ (mixed >> np.uint64(32))).view(np.int64).tolist()

    def jaccard(self, other: MinHash) -> float:
        """Estimated Jaccard similarity of the two shingle sets (share of equal signature values)."""
        return float(np.count_nonzero(self.signature == other.signature)) / MINHASH_PERMUTATIONS

    def containment(self, other: MinHash, jaccard: float | None = None) -> float:
        """Estimated share of the smaller shingle set that is in the larger one."""
        j = self.jaccard(other) if jaccard is None else jaccard
        smaller = min(self.shingles, other.shingles)
        if smaller == 0:
            return 0.0
        # |A n B| = J (|A| + |B|) / (1 + J)
        return min(1.0, j * (self.shingles + other.shingles) / (1 + j) / smaller)

    def is_near_copy(self, other: MinHash) -> bool:
        j = self.jaccard(other)
        if j >= NEAR_COPY_JACCARD:
            return True
        return j >= NEAR_COPY_MIN_JACCARD and self.containment(other, j) >= NEAR_COPY_CONTAINMENT


def closest_copy(signature: MinHash, candidates: list[MinHash]) -> int | None:
    """Index of the candidate `signature` is a near-copy of with the highest estimated Jaccard
    (the first of equals), or None."""
    best, best_jaccard = None, -1.0
    for index, candidate in enumerate(candidates):
        jaccard = signature.jaccard(candidate)
        if jaccard > best_jaccard and signature.is_near_copy(candidate):
            best, best_jaccard = index, jaccard
    return best


def _word_hashes(words: list[str]) -> np.ndarray:
    unique = {word: None for word in words}
    digests = b"".join(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest() for w in unique)
    table = dict(zip(unique, np.frombuffer(digests, dtype="<u8").tolist(), strict=True))
    return np.fromiter((table[w] for w in words), dtype=np.uint64, count=len(words))


def shingle_hashes(normalised: str, size: int = MINHASH_SHINGLE) -> np.ndarray:
    """Distinct 64-bit hashes of the word `size`-shingles of an already normalised text."""
    words = normalised.split()
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes = _word_hashes(words)
    if len(words) < size:
        hashes = hashes[:1]
        size = 1
    with np.errstate(over="ignore"):
        combined = np.zeros(len(words) - size + 1, dtype=np.uint64)
        for offset in range(size):
            combined = (combined * np.uint64(0x9E3779B97F4A7C15)) ^ hashes[offset : len(combined) + offset]
            combined ^= combined >> np.uint64(31)
    return np.unique(combined)


def minhash(text: str) -> MinHash:
    """MinHash of the word 3-shingles of the normalised text (see normalise_text)."""
    return minhash_of_normalised(normalise_text(text))


def minhash_of_normalised(normalised: str) -> MinHash:
    shingles = shingle_hashes(normalised)
    if shingles.size == 0:
        return MinHash(np.full(MINHASH_PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint32), 0)
    signature = np.full(MINHASH_PERMUTATIONS, 0xFFFFFFFF, dtype=np.uint64)
    # In slices, so a huge page never needs a huge matrix.
    for start in range(0, shingles.size, _SLICE):
        part = shingles[start : start + _SLICE]
        with np.errstate(over="ignore"):
            # Multiply-shift: (a x + b) mod 2^64, top 32 bits; one column per hash function.
            values = (part[:, None] * _PERM_A[None, :] + _PERM_B[None, :]) >> np.uint64(32)
        np.minimum(signature, values.min(axis=0), out=signature)
    return MinHash(signature.astype(np.uint32), int(shingles.size))


# --- SimHash (the benchmark's reference; not used by ingest) ---------------------------------

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
