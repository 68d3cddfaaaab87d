from __future__ import annotations

import pytest

from articles.sanitize import html_to_text, sanitize_html


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<img src="https://x.example/a.png" onerror="alert(1)">', '<img src="https://x.example/a.png">'),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)">click</a>', '<a rel="noopener nofollow ugc">click</a>'),
        ('<a href="jav&#x61;script:alert(1)">click</a>', '<a rel="noopener nofollow ugc">click</a>'),
        ('<a href=" JAVASCRIPT:alert(1)">click</a>', '<a rel="noopener nofollow ugc">click</a>'),
        ('<svg onload="alert(1)"><circle r="1"/></svg>ok', "ok"),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', ""),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a rel="noopener nofollow ugc">x</a>'),
        ('<p style="background:url(javascript:alert(1))" onclick="x()">t</p>', "<p>t</p>"),
        ("<style>p{color:red}</style><p>t</p>", "<p>t</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>t</p>', "<p>t</p>"),
        ('<form action="https://evil.example/"><input name="q"></form>t', "t"),
        (
            '<img src="https://x.example/a.png" alt="x" width="1" srcset="javascript:1">',
            ('<img src="https://x.example/a.png" alt="x">'),
        ),
    ],
)
def test_it_removes_hostile_markup(hostile, expected):
    assert sanitize_html(hostile) == expected


def test_it_keeps_the_allowed_structure_and_marks_links():
    html = (
        "<h2>Title</h2><p><strong>Bold</strong> <em>it</em> <b>b</b> <i>i</i><br>"
        '<a href="https://example.com/a" target="_blank" rel="opener">link</a> '
        '<a href="mailto:desk@example.com">mail</a></p><ul><li>one</li></ul><ol><li>two</li></ol>'
        '<blockquote>quote</blockquote><figure><img src="http://example.com/i.jpg" alt="d">'
        "<figcaption>cap</figcaption></figure><h4>small</h4>"
    )
    assert sanitize_html(html) == (
        "<h2>Title</h2><p><strong>Bold</strong> <em>it</em> <b>b</b> <i>i</i><br>"
        '<a href="https://example.com/a" rel="noopener nofollow ugc">link</a> '
        '<a href="mailto:desk@example.com" rel="noopener nofollow ugc">mail</a></p><ul><li>one</li></ul>'
        "<ol><li>two</li></ol><blockquote>quote</blockquote><figure>"
        '<img src="http://example.com/i.jpg" alt="d"><figcaption>cap</figcaption></figure><h4>small</h4>'
    )


def test_it_unwraps_tags_outside_the_allow_list_but_keeps_their_text():
    assert sanitize_html(
        "<div><span>kept</span> <h1>big</h1> <table><tr><td>cell</td></tr></table></div>"
    ) == ("kept big cell")


def test_it_resolves_relative_urls_against_a_base_and_drops_them_without_one():
    html = '<a href="/story">s</a><img src="pic.jpg">'
    assert sanitize_html(html, base_url="https://news.example.com/ar/index.html") == (
        '<a href="https://news.example.com/story" rel="noopener nofollow ugc">s</a>'
        '<img src="https://news.example.com/ar/pic.jpg">'
    )
    assert sanitize_html(html) == '<a rel="noopener nofollow ugc">s</a>'


def test_mailto_is_allowed_on_links_but_not_on_images():
    assert sanitize_html('<img src="mailto:a@b.c">') == ""


def test_it_returns_empty_for_empty_input():
    assert sanitize_html("") == ""
    assert sanitize_html("   ") == ""


def test_html_to_text_keeps_paragraphs_and_decodes_entities():
    html = "<p>One &amp; two&nbsp;three</p><p>Four<br>five</p><ul><li>a</li><li>b</li></ul>tail"
    assert html_to_text(html) == "One & two three\n\nFour\nfive\n\na\nb\n\ntail"


def test_html_to_text_drops_script_and_style_text():
    assert (
        html_to_text("<p>keep</p><script>var x = 1;</script><style>p{}</style><p>this</p>") == "keep\n\nthis"
    )


def test_html_to_text_handles_arabic_and_plain_text_with_entities():
    assert html_to_text("<p>قال الوزير &laquo;لا تراجع&raquo;</p>") == "قال الوزير «لا تراجع»"
    assert html_to_text("Tom &amp; Jerry") == "Tom & Jerry"
    # Text without tags keeps its own line breaks.
    assert html_to_text("line one\nline two\n\nnext") == "line one\nline two\n\nnext"
    assert html_to_text("") == ""


def test_html_to_text_collapses_whitespace_inside_paragraphs():
    assert html_to_text("<p>  many \n\t spaces   here </p>\n\n\n<p>next</p>") == "many spaces here\n\nnext"
