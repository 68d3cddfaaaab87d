from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.extract import extract_article

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
