"""Properties of the pure ingestion helpers over generated input (hypothesis).

The inputs come from strangers: any URL a feed links, any text a page holds, any bytes a
server sends. These hold for all of them, not only for the examples in the other tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from articles import dedup, text
from articles.feeds import FeedError, parse_feed

# The suite runs on 2 shared cores: enough examples to find edge cases, few enough to be quick.
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-") and not s.endswith("-")
)
_host = st.one_of(
    st.lists(_label, min_size=2, max_size=4).map(".".join),
    st.sampled_from(
        ["amp.news.example", "www.ahram.org.eg", "news-example.cdn.ampproject.org", "الجزيرة.نت"]
    ),
)
_segment = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"), max_size=10),
    st.sampled_from([".", "..", "amp", "index.amp.html", "%41%2f", "%E2%80%99", "c", "s"]),
)
_tracking_key = st.one_of(
    st.sampled_from(sorted(dedup.TRACKING_PARAMETERS)),
    st.builds(lambda p, s: p + s, st.sampled_from(dedup.TRACKING_PREFIXES), _label),
).flatmap(lambda key: st.sampled_from([key, key.upper(), key.title()]))
_plain_key = _label.filter(lambda k: not dedup._is_tracking(k))
_value = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="&#="), max_size=8)


@st.composite
def article_urls(draw) -> tuple[str, list[str]]:
    """An http(s) URL with a path, a mix of tracking and real parameters, maybe a port and fragment."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = draw(_host)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    userinfo = draw(st.sampled_from(["", "user:pw@"]))
    path = "/" + "/".join(draw(st.lists(_segment, max_size=5)))
    real = draw(st.lists(st.tuples(_plain_key, _value), max_size=3))
    tracking = draw(st.lists(st.tuples(_tracking_key, _value), max_size=3))
    params = draw(st.permutations(real + tracking))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    url = f"{scheme}://{userinfo}{host}{port}{path}" + (f"?{query}" if query else "") + fragment
    return url, [k for k, _v in real]


@FAST
@given(article_urls())
@example(("https://amp.news.example/a/b/amp?utm_source=x&id=3#frag", ["id"]))
@example(("https://news-example.cdn.ampproject.org/c/s/news.example/a/./../b?amp=1", []))
def test_canonical_url_is_a_fixed_point(case):
    url, _keys = case
    once = dedup.canonical_url(url)
    assert dedup.canonical_url(once) == once


@FAST
@given(article_urls())
def test_canonical_url_drops_every_tracking_parameter_and_keeps_the_others(case):
    url, real_keys = case
    canonical = dedup.canonical_url(url)
    parts = urlsplit(canonical)
    kept = [key for key, _value in parse_qsl(parts.query, keep_blank_values=True)]
    assert not any(dedup._is_tracking(key) for key in kept), canonical
    assert sorted(kept) == sorted(real_keys), canonical
    assert parts.fragment == ""
    assert "@" not in parts.netloc


@FAST
@given(st.text(max_size=300))
def test_canonical_url_never_raises_on_any_string(value):
    assert isinstance(dedup.canonical_url(value), str)


_arabic = st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=60)
_any_text = st.one_of(
    st.text(max_size=200), _arabic, st.builds(lambda a, b: a + b, _arabic, st.text(max_size=40))
)
_language = st.sampled_from([None, "ar", "en", "fa", "ur", "fr", "xx"])


@FAST
@given(_any_text, _language)
@example("ﷺ ﻻ ﺍﻟﻠﻪ", "ar")  # presentation forms: NFKC expands them
@example("İstanbul ǰ ΐ", "en")  # casefold makes sequences that NFKC would recompose
def test_normalize_is_idempotent(value, language):
    once = text.normalize(value, language)
    assert text.normalize(once, language) == once


@FAST
@given(_any_text, _language)
def test_text_helpers_never_raise(value, language):
    assert isinstance(text.tokenize(value, language), list)
    assert isinstance(text.terms(value, language), list)
    detected = text.detect_language(value, hint=language)
    assert detected is None or isinstance(detected, str)
    assert len(dedup.content_hash(value)) == 64
    signature = dedup.minhash(value)
    assert len(signature.to_bytes()) == 4 * dedup.MINHASH_PERMUTATIONS
    # The band keys are stored in a signed 64-bit column.
    assert all(-(2**63) <= key < 2**63 for key in signature.bands())


_NOW = datetime(2026, 11, 20, tzinfo=UTC)
_prefixes = st.sampled_from(
    [
        b"",
        b'<?xml version="1.0"?>',
        b'<?xml version="1.0" encoding="windows-1256"?><rss version="2.0"><channel>',
        b'<feed xmlns="http://www.w3.org/2005/Atom">',
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
        b"\xef\xbb\xbf<rss>",
        b"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
        b"<!DOCTYPE rss [<!ENTITY a 'b'>]>",
    ]
)


@FAST
@given(
    _prefixes,
    st.binary(max_size=2000),
    st.sampled_from([None, "application/rss+xml", "application/json", "text/html"]),
)
def test_the_feed_parser_raises_nothing_but_feed_error_on_any_bytes(prefix, body, content_type):
    try:
        parsed = parse_feed(
            prefix + body, url="https://news.example/feed.xml", content_type=content_type, now=_NOW
        )
    except FeedError as error:
        assert str(error)
        return
    for entry in parsed.entries:
        assert entry.url is None or entry.url.startswith(("http://", "https://"))
        assert entry.published_at is None or entry.published_at.tzinfo is not None


_item = st.builds(
    lambda title, link, date, guid: (
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate><guid>{guid}</guid></item>"
    ),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="<&"), max_size=30
    ),
    st.sampled_from(
        ["https://news.example/a", "javascript:alert(1)", "/relative", "", "http://[::1", "ftp://x/y"]
    ),
    st.sampled_from(["Tue, 18 Nov 2026 09:00:00 GMT", "31 Dec 9999", "0000-00-00", "", "yesterday"]),
    st.text(alphabet="abc/:.", max_size=12),
)


@FAST
@given(st.lists(_item, max_size=8))
def test_well_formed_feeds_with_wild_values_parse_to_safe_entries(items):
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    body = f"{head}{''.join(items)}</channel></rss>"
    try:
        parsed = parse_feed(body.encode(), url="https://news.example/feed.xml", now=_NOW)
    except FeedError:
        return
    for entry in parsed.entries:
        assert entry.url is None or entry.url.startswith(("http://", "https://"))
        if entry.published_at is not None:
            assert datetime(1995, 1, 1, tzinfo=UTC) <= entry.published_at <= _NOW.replace(year=2026, day=21)
