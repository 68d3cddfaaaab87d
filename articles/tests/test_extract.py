from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from articles.extract import _wrap_bare_text, extract_article
from conftest import eval_path

DATA = Path(__file__).parent / "data" / "extract"


def _page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_it_keeps_the_article_and_drops_navigation_comments_and_footer():
    page = extract_article(_page("english_article.html"), url="https://courier.example/news/x?ref=rss")

    assert page is not None
    lines = page.text.split("\n")
    assert lines[0].startswith("Residents of three villages along the River Lune")
    assert lines[-1].startswith("Forecasters expect a further band of heavy rain on Friday")
    assert len(lines) == 6
    for boilerplate in ("Subscribe today", "floodwatcher77", "shameful", "Most read", "All rights reserved"):
        assert boilerplate not in page.text


def test_it_drops_the_repeated_headline_and_cross_promotion_lines():
    page = extract_article(_page("english_article.html"))

    assert page is not None
    assert "River Lune floods three villages" not in page.text
    assert "Related:" not in page.text
    assert "Flood defences in the valley" not in page.text


def test_it_reads_the_metadata_and_makes_urls_absolute():
    page = extract_article(_page("english_article.html"), url="https://courier.example/news/x?ref=rss")

    assert page is not None
    assert page.title == "River Lune floods three villages after record rainfall"
    assert page.author == "Harriet Calder"
    # 07:30 at +01:00 is 06:30 UTC.
    assert page.published_at == datetime(2024, 3, 14, 6, 30, tzinfo=UTC)
    assert page.canonical_url == "https://courier.example/news/2024/03/river-lune-floods"
    assert page.image_url == "https://courier.example/media/lune-flood.jpg"
    assert page.description == "Residents of three Lancashire villages were evacuated overnight."
    assert page.language == "en"


def test_it_decodes_a_windows_1256_arabic_page_from_its_declared_charset():
    raw = _page("arabic_windows1256.html")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    page = extract_article(raw)

    assert page is not None
    assert page.title == "افتتاح معرض الكتاب الدولي بمشاركة خمسمئة دار نشر"
    assert page.text.startswith("افتتح وزير الثقافة صباح اليوم الدورة الجديدة من معرض الكتاب الدولي")
    assert page.text.endswith("من العاشرة صباحا حتى العاشرة مساء.")
    assert len(page.text.split("\n")) == 5
    assert "الرئيسية" not in page.text
    assert "جميع الحقوق محفوظة" not in page.text
    # The page declares no language: it is detected from the text.
    assert page.language == "ar"


def test_it_falls_back_to_the_json_ld_article_body_when_the_page_renders_it_with_javascript():
    page = extract_article(_page("jsonld_article.html"))

    assert page is not None
    assert page.text.split("\n") == [
        "Dock workers at the container port extended their strike into a second week on Thursday"
        " after talks over pay broke down.",
        "The union said its members would not return until the operator improved its offer"
        " of a four per cent rise.",
        "Shipping lines have begun diverting vessels to neighbouring ports, adding days to"
        " delivery times for importers.",
    ]
    assert page.title == "Port strike enters second week"
    assert page.author == "Tomas Reyes"
    assert page.published_at == datetime(2024, 5, 2, 16, 45, tzinfo=UTC)


def test_a_str_page_reads_the_same_as_its_bytes():
    raw = _page("english_article.html")

    assert extract_article(raw.decode("utf-8")) == extract_article(raw)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        "",
        "   \n\t ",
        b"\x00\x01\xff\xfe" * 500,
        bytes(range(256)) * 50,
        "plain text, not a page",
        "<<<>>><a<b</</div>>>",
        "<html><body><p>Too short.</p></body></html>",
        b"\x1f\x8b\x08\x00garbled gzip header",
        "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>",
    ],
)
def test_it_returns_none_for_input_without_an_article(garbage):
    assert extract_article(garbage) is None


def test_it_reads_the_lead_image_and_its_declared_size():
    body = " ".join(["The council approved the new budget after a long debate."] * 5)
    html = f"""<html lang="en"><head><title>Budget passes</title>
    <meta property="og:image" content="/img/budget.jpg">
    <meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
    </head><body><article><h1>Budget passes</h1><p>{body}</p><p>{body}</p></article></body></html>"""
    page = extract_article(html, url="https://news.example/budget")
    assert page.image_url == "https://news.example/img/budget.jpg"
    assert (page.image_width, page.image_height) == (1200, 630)

    without_size = extract_article(
        html.replace("og:image:width", "x-width"), url="https://news.example/budget"
    )
    assert without_size.image_url and (without_size.image_width, without_size.image_height) == (None, None)


def test_it_reads_a_body_cut_into_pieces_around_an_advertisement_whole():
    page = extract_article(_page("split_body.html"))

    assert page is not None
    lines = page.text.split("\n")
    # The first piece, then the piece after the advertisement row, in page order.
    assert lines[0].startswith("Three years after the county cut its evening bus services")
    assert lines[3].startswith("The transport committee will vote next month")
    assert lines[-1] == "The authority expects to publish the full route review before the committee meets."
    assert len(lines) == 6
    # A reader's comment sits in a box of the same class, but under a comment, not the article.
    assert "empty buses" not in page.text
    assert "Advertisement" not in page.text


def test_without_the_pieces_rule_only_the_first_piece_is_read():
    page = extract_article(_page("split_body.html"), pieces=False)

    assert page is not None
    assert len(page.text.split("\n")) == 3
    assert "transport committee" not in page.text


def test_author_and_date_come_from_the_json_ld_article_first():
    page = extract_article(_page("split_body.html"))

    assert page is not None
    # The structured byline keeps the initial's full stop that trafilatura's guess drops ("Maria K
    # Okafor"); a leading "By" is cut; the publisher listed as an Organization is not a byline.
    assert page.author == "Maria K. Okafor; Tomás Ruiz-Reid"
    # The article's date, not the embedded video's (listed first on the page): 05:30 at -04:00.
    assert page.published_at == datetime(2024, 9, 10, 9, 30, tzinfo=UTC)


def test_an_organisation_named_as_author_gives_way_to_the_byline_on_the_page():
    page = extract_article(_page("link_run.html"))

    assert page is not None
    assert page.author == "Dana Whitfield"


def test_a_run_of_links_inside_a_paragraph_is_dropped_and_the_sentence_kept():
    page = extract_article(_page("link_run.html"))

    assert page is not None
    lines = page.text.split("\n")
    # The hover card's headlines go; the name it describes (its first link) stays in the sentence.
    assert lines[0] == (
        "A man from upstate New York pleaded guilty on Tuesday to charges that he threatened to kill"
        " Rep. Jane Doe in a series of phone calls to her office in Washington last spring."
    )
    assert "Senate passes budget" not in page.text
    # Links with words between them are prose.
    assert "citing letters from his employer and his family." in page.text


def test_without_the_link_run_rule_the_hover_card_runs_into_the_sentence():
    page = extract_article(_page("link_run.html"), link_runs=False)

    assert page is not None
    assert "Jane DoeJane DoeSenate passes budget bill" in page.text


# Two pages of the article-extraction benchmark whose first paragraph is bare text in a <div>.
_BARE_LEADS = {
    "232a43fb": "Following the 16-inch MacBook Pro, Apple plans to release a new 13-inch MacBook Pro",
    "4a44ab3e": "Three people have died during protests in Bolivia against the self-declared",
}


@pytest.mark.parametrize("prefix", sorted(_BARE_LEADS))
def test_a_lead_written_as_bare_text_in_a_div_is_read(prefix):
    (path,) = eval_path("extraction", "html").glob(f"{prefix}*.html.gz")
    html = gzip.decompress(path.read_bytes())

    page = extract_article(html)
    without = extract_article(html, bare_text=False)

    assert page is not None and without is not None
    assert _BARE_LEADS[prefix] in page.text
    assert _BARE_LEADS[prefix] not in without.text


def _blog_post(*, article_date: str, page_date: str, author: str, publisher: str) -> str:
    body = "".join(
        f"<p>{sentence}</p>"
        for sentence in (
            "Pears from the orchard go into a spiced jam with honey, cinnamon and a little lemon.",
            "Simmer the fruit slowly until it turns translucent, then add the honey and the spices.",
            "Ladle the jam into warm jars, seal them, and keep them in a cool cupboard until winter.",
        )
    )
    return f"""<html lang="en"><head><title>Spiced honey pear jam</title>
    <script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
      {{"@type": "WebPage", "datePublished": "{page_date}"}},
      {{"@type": "BlogPosting", "headline": "Spiced honey pear jam", "datePublished": "{article_date}",
        "author": {{"@type": "Person", "name": "{author}"}},
        "publisher": {{"@type": "Organization", "name": "{publisher}"}}}}]}}</script>
    <meta name="author" content="Regan Holt">
    </head><body><article><h1>Spiced honey pear jam</h1>{body}</article></body></html>"""


def test_a_bare_day_from_the_article_takes_its_time_from_another_candidate_of_that_day():
    page = extract_article(
        _blog_post(
            article_date="2017-12-06",
            page_date="2017-12-06T16:54:11+00:00",
            author="Regan Holt",
            publisher="Pantry Notes",
        )
    )

    assert page is not None
    assert page.published_at == datetime(2017, 12, 6, 16, 54, 11, tzinfo=UTC)


def test_an_article_date_is_not_replaced_by_another_days_time():
    page = extract_article(
        _blog_post(
            article_date="2017-12-06",
            page_date="2019-01-01T08:00:00+00:00",
            author="Regan Holt",
            publisher="Pantry Notes",
        )
    )

    assert page is not None
    assert page.published_at == datetime(2017, 12, 6, tzinfo=UTC)


def test_a_person_with_the_publishers_name_is_the_publisher_not_a_byline():
    page = extract_article(
        _blog_post(
            article_date="2017-12-06",
            page_date="2017-12-06",
            author="Pantry Notes",
            publisher="Pantry Notes",
        )
    )

    assert page is not None
    # trafilatura's guess, which reads the page's author meta, goes first; taken as a person the
    # publisher's name alone would have been the byline.
    assert page.author == "Regan Holt; Pantry Notes"


def test_wrapping_bare_text_keeps_every_word_in_order_on_a_div_of_thousands_of_inline_elements():
    runs = " ".join(f"word{i} <b>bold{i}</b> <a href='/{i}'>link{i}</a> more text" for i in range(3000))
    tree = document_fromstring(
        f"<html><body><div>{runs}<ul><li>item</li></ul>closing words of it</div></body></html>"
    )
    before = tree.text_content()
    _wrap_bare_text(tree)
    assert tree.text_content() == before
    div = tree.find(".//div")
    assert [child.tag for child in div] == ["p", "ul"]
    assert len(div[0]) == 6000  # every inline element moved into the paragraph, in order
    assert div[0][-1].text == "link2999" and div[0][-1].tail == " more text"
    assert div[1].tail == "closing words of it"


# --- Dates that are no dates, site names in titles, the safety net --------------------------

_PROSE = (
    "<p>The harbour council voted on Tuesday to approve the new budget for the district after a long"
    " debate about repairs to the sea wall and the ferry terminal, which residents say is overdue.</p>"
)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _article_page(
    *, head: str = "", title: str = "Harbour council approves the budget", body: str = ""
) -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
        f"{body or _PROSE * 4}</article></body></html>"
    )


def _json_ld(**fields: object) -> str:
    import json

    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def test_a_placeholder_date_in_json_ld_falls_through_to_the_next_candidate():
    head = _json_ld(datePublished="0001-01-01T00:00:00Z") + (
        '<meta property="article:published_time" content="2019-11-19T08:30:00Z">'
    )
    page = extract_article(_article_page(head=head), now=NOW)

    assert page.published_at == datetime(2019, 11, 19, 8, 30, tzinfo=UTC)
    assert page.dates_refused == 1


def test_a_date_more_than_a_day_ahead_is_no_date_and_one_within_a_day_is():
    ahead = _json_ld(datePublished="2026-11-22T12:00:00Z")
    page = extract_article(_article_page(head=ahead), now=NOW)
    assert page.published_at is None
    assert page.dates_refused >= 1

    tomorrow = _json_ld(datePublished="2026-11-21T06:00:00Z")
    assert extract_article(_article_page(head=tomorrow), now=NOW).published_at == datetime(
        2026, 11, 21, 6, tzinfo=UTC
    )


def test_a_date_before_1995_is_no_date_even_when_it_is_the_only_one():
    page = extract_article(_article_page(head=_json_ld(datePublished="1970-01-01T00:00:00Z")), now=NOW)

    assert page.published_at is None
    assert page.dates_refused == 1


@pytest.mark.parametrize(
    ("title", "head", "url", "expected"),
    [
        # og:site_name, with an en dash
        (
            "New York State Attorney General investigating WeWork \u2013 TechCrunch",
            '<meta property="og:site_name" content="TechCrunch">',
            None,
            "New York State Attorney General investigating WeWork",
        ),
        # an Arabic site name, as og:site_name
        (
            "مقتل خمسة في غارة على مخيم النصيرات - الجزيرة نت",
            '<meta property="og:site_name" content="الجزيرة نت">',
            None,
            "مقتل خمسة في غارة على مخيم النصيرات",
        ),
        # the host the page is served from
        (
            "The Early Reviews For Google's Stadia Are Here - Digg",
            "",
            "https://digg.com/2019/stadia-reviews",
            "The Early Reviews For Google's Stadia Are Here",
        ),
        # the JSON-LD publisher, written as an address
        (
            "Best tech gadgets of 2019 | ZDNet",
            _json_ld(publisher={"@type": "Organization", "name": "ZDNet.com"}),
            None,
            "Best tech gadgets of 2019",
        ),
        # a site name holding a separator itself, and one set before the headline
        (
            "Black Friday per nostalgici - Remember 80/90 - Memorabilia anni 80/90",
            '<meta property="og:site_name" content="Remember 80/90 - Memorabilia anni 80/90">',
            None,
            "Black Friday per nostalgici",
        ),
        (
            "LinkNaija | Nigeria's popular news platform: Kate Henshaw stuns in new photos",
            """<meta property="og:site_name" content="LinkNaija | Nigeria's popular news platform">""",
            None,
            "Kate Henshaw stuns in new photos",
        ),
        # a section is no site name, and a headline of one word keeps its tail
        (
            "The Guardian view on Hong Kong | Editorial",
            '<meta property="og:site_name" content="the Guardian">',
            None,
            "The Guardian view on Hong Kong | Editorial",
        ),
        ("Home - Reuters", '<meta property="og:site_name" content="Reuters">', None, "Home - Reuters"),
    ],
)
def test_a_title_loses_the_name_the_page_gives_its_site(title, head, url, expected):
    page = extract_article(_article_page(title=title, head=head), url=url, now=NOW)

    assert page.title == expected


def test_the_headline_repeated_with_its_site_name_is_not_kept_as_the_first_line():
    title = "Harbour council approves the budget \u2013 Harbour Times"
    page = extract_article(
        _article_page(title=title, head='<meta property="og:site_name" content="Harbour Times">'), now=NOW
    )

    assert page.title == "Harbour council approves the budget"
    assert not page.text.startswith("Harbour council approves")


def test_the_safety_net_takes_another_method_when_the_text_is_implausibly_short_for_the_page():
    from articles.extract import SafetyNet

    notice = (
        "<p>This article is reprinted with permission of the Harbour Courier. All rights reserved."
        " Do not copy it without asking the publisher first.</p>"
    )
    # The page's prose is all in a comment box trafilatura leaves out; the publisher's own body
    # is in its JSON-LD.
    comments = f'<div class="comments">{_PROSE * 6}</div>'
    head = _json_ld(articleBody=" ".join([_PROSE[3:-4]] * 5))
    html = _article_page(head=head, body=notice + comments)

    without = extract_article(html, now=NOW, net=None)
    assert without.method == "precision"
    assert len(without.text.split()) < 30
    assert without.page_words > 150

    caught = extract_article(html, now=NOW, net=SafetyNet(ratio=0.5, method="json-ld"))
    assert caught.method == "json-ld"
    assert caught.text.startswith("The harbour council voted on Tuesday")
    assert len(caught.text.split()) > 100

    # A text long enough for its page is left alone.
    assert extract_article(_article_page(), now=NOW, net=SafetyNet(ratio=0.5, method="json-ld")).method == (
        "precision"
    )


def test_production_applies_the_net_extract_eval_chose():
    from articles.extract import PRODUCTION_NET, load_net

    shipped = load_net()
    assert shipped == PRODUCTION_NET
    assert shipped is not None and shipped.method in {"default", "recall", "json-ld"}


def test_extraction_runs_under_the_shipped_net_unless_told_otherwise():
    import inspect

    from articles.extract import load_net

    assert inspect.signature(extract_article).parameters["net"].default == load_net()


_SEPARATED = re.compile(r"\s+[|\-\u2013\u2014]\s+")


def test_no_page_of_the_extraction_benchmark_is_dated_before_1995_or_keeps_its_site_name():
    directory = eval_path("extraction")
    import json

    from articles.titles import name_key

    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    titles = {}
    for path in sorted((directory / "html").glob("*.html.gz")):
        key = path.name.removesuffix(".html.gz")
        page = extract_article(gzip.decompress(path.read_bytes()), url=truth[key].get("url"))
        if page is None:
            continue
        assert page.published_at is None or page.published_at.year >= 1995, key
        parts = _SEPARATED.split(page.title or "")
        if len(parts) > 1:
            assert name_key(parts[-1]) not in {name_key(name) for name in page.site_names}, page.title
        titles[key] = page.title
    # Some of the pages whose title kept their site's name before the rule.
    by_prefix = {key[:10]: title for key, title in titles.items()}
    assert by_prefix["1ace8c85aa"] == "New York State Attorney General reportedly investigating WeWork"
    assert by_prefix["5fbc7ccb50"] == "Best tech gadgets of 2019"
    assert by_prefix["63db31a161"] == (
        "Star Wars Jedi: Fallen Order review - shoots for the moon, lands among the stars"
    )
    assert by_prefix["680c2848e9"].endswith("And They're Not Great")
