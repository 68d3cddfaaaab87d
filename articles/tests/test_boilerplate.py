from __future__ import annotations

from articles.boilerplate import SiteLines, drop_lines, host_of, page_keys, repeated_lines
from articles.extract import extract_article
from articles.tests.valley_ledger import BACKGROUND, BRIEFING, TIP, valley_ledger_pages


def test_the_extractor_alone_keeps_the_sites_lines_inside_the_article():
    for url, html, _ in valley_ledger_pages():
        page = extract_article(html, url=url)
        assert page is not None
        assert page.text.split("\n")[-2:] == [TIP, BRIEFING]


def test_lines_a_site_repeats_go_once_enough_of_its_pages_carried_them():
    memory = SiteLines()
    cleaned = []
    for url, html, paragraphs in valley_ledger_pages():
        page = extract_article(html, url=url)
        cleaned.append((memory.clean(url, page.text), paragraphs))

    # The first five pages come before five earlier pages have shown the lines: they keep them.
    for text, paragraphs in cleaned[:5]:
        assert text.split("\n") == [*paragraphs, TIP, BRIEFING]
    # From the sixth page on, the article's own paragraphs and nothing else.
    for text, paragraphs in cleaned[5:]:
        assert text.split("\n") == paragraphs


def test_a_background_paragraph_follow_ups_share_is_kept_and_the_pitch_goes():
    memory = SiteLines()
    pages = valley_ledger_pages()
    for url, html, _ in pages:
        memory.clean(url, extract_article(html, url=url).text)
    # A third story on the bus routes reuses the background paragraph of two earlier ones.
    follow_up = ["The first restored evening bus ran on Monday night with 31 passengers aboard.", BACKGROUND]
    html = pages[0][1].replace(pages[0][2][0], follow_up[0]).replace(pages[0][2][1], "")
    url = "https://www.valleyledger.example/news/first-night-bus"

    text = memory.clean(url, extract_article(html, url=url).text)

    assert text.split("\n") == follow_up


def test_a_line_on_five_of_thirty_pages_is_not_the_sites():
    history = [frozenset({f"story {n}", "shared background"} if n < 5 else {f"story {n}"}) for n in range(30)]

    assert repeated_lines(history, {"shared background", "story 31"}) == set()
    # On half of them it is.
    history = [
        frozenset({f"story {n}", "shared background"} if n < 15 else {f"story {n}"}) for n in range(30)
    ]
    assert repeated_lines(history, {"shared background", "story 31"}) == {"shared background"}


def test_hosts_are_kept_apart_and_www_is_the_same_site():
    memory = SiteLines(min_pages=2)
    for n in range(3):
        memory.clean(f"https://www.valleyledger.example/news/{n}", f"Story {n} of the day.\n{TIP}")

    other = memory.clean("https://hilltimes.example/news/1", f"A story from the hills.\n{TIP}")
    same = memory.clean("https://valleyledger.example/news/9", f"Story nine.\n{TIP}")

    assert other == f"A story from the hills.\n{TIP}"
    assert same == "Story nine."
    assert host_of("https://WWW.ValleyLedger.example:8443/x") == "valleyledger.example"


def test_a_page_fetched_again_does_not_count_twice():
    memory = SiteLines(min_pages=2)
    for _ in range(5):
        memory.clean("https://valleyledger.example/news/1", f"Story one.\n{TIP}")

    assert memory.clean("https://valleyledger.example/news/2", f"Story two.\n{TIP}") == f"Story two.\n{TIP}"


def test_the_memory_is_bounded_per_host_and_in_hosts():
    memory = SiteLines(hosts=2, pages_per_host=3, min_pages=2)
    for n in range(10):
        memory.clean(f"https://a.example/{n}", f"Story {n}.\n{TIP}")
    memory.clean("https://b.example/1", "Story b.")
    memory.clean("https://c.example/1", "Story c.")

    # a.example, the least recently seen of three hosts, is forgotten: its line is new again.
    assert memory.clean("https://a.example/99", f"Story 99.\n{TIP}") == f"Story 99.\n{TIP}"


def test_lines_match_by_their_words_whatever_the_case_and_punctuation():
    keys = page_keys(TIP)

    assert (
        drop_lines(
            "Story.\nHAVE A NEWS TIP — email the newsroom at tips@valleyledger.example or call 555 0142", keys
        )
        == "Story."
    )
