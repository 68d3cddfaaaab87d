"""Shape of the bundled sample corpus that `make run` loads (articles/fixtures/demo/).

Pure file checks, no database: the corpus must stay loadable by `import_articles` and keep the
properties the demo relies on (two look-alike stories, a wire report carried by several sites).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DEMO_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
CORPUS = DEMO_DIR / "articles.jsonl"

REQUIRED = {
    "id": str,
    "lang": str,
    "title": str,
    "text": str,
    "published_at": str,
    "source": str,
    "url": str,
    "story": str,
}
OPTIONAL = {"summary": str}
START = datetime(2026, 11, 12, tzinfo=UTC)
END = datetime(2026, 11, 23, tzinfo=UTC)  # exclusive: the corpus covers 12 to 22 November

# The look-alike pair: same country, capitals and officials, different stories.
LOOKALIKES = ("iran-us-contacts", "iran-protests")
NEAR_COPY_JACCARD = 0.6

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def test_every_line_is_a_json_object() -> None:
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"line {number} is blank"
        assert isinstance(json.loads(line), dict), f"line {number} is not an object"


def test_it_holds_between_60_and_90_articles(records: list[dict]) -> None:
    assert 60 <= len(records) <= 90


def test_each_record_has_the_required_fields_with_the_right_types(records: list[dict]) -> None:
    for record in records:
        for field, kind in REQUIRED.items():
            assert isinstance(record.get(field), kind), (record.get("id"), field)
            assert record[field].strip(), (record["id"], field)
        for field, kind in OPTIONAL.items():
            if field in record:
                assert isinstance(record[field], kind) and record[field].strip(), (record["id"], field)
        assert set(record) <= set(REQUIRED) | set(OPTIONAL), record["id"]


def test_ids_and_urls_are_unique(records: list[dict]) -> None:
    ids = Counter(r["id"] for r in records)
    urls = Counter(r["url"] for r in records)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [u for u, n in urls.items() if n > 1] == []


def test_urls_use_only_reserved_example_domains(records: list[dict]) -> None:
    for record in records:
        parts = urlsplit(record["url"])
        assert parts.scheme == "https", record["url"]
        assert parts.hostname and parts.hostname.endswith(".example"), record["url"]
        assert parts.path.strip("/"), record["url"]


def test_dates_are_utc_timestamps_inside_the_demo_window(records: list[dict]) -> None:
    for record in records:
        assert "T" in record["published_at"], record["id"]
        when = datetime.fromisoformat(record["published_at"])
        assert when.tzinfo is not None and when.utcoffset().total_seconds() == 0, record["id"]
        assert START <= when < END, record["id"]


def test_the_file_is_sorted_by_publication_time(records: list[dict]) -> None:
    times = [datetime.fromisoformat(r["published_at"]) for r in records]
    assert times == sorted(times)


def test_texts_have_3_to_8_paragraphs_and_120_to_400_words(records: list[dict]) -> None:
    for record in records:
        paragraphs = record["text"].split("\n")
        assert 3 <= len(paragraphs) <= 8, record["id"]
        assert all(p.strip() for p in paragraphs), record["id"]
        assert 120 <= len(record["text"].split()) <= 400, record["id"]


def test_both_languages_are_present_and_written_in_their_script(records: list[dict]) -> None:
    assert {r["lang"] for r in records} == {"ar", "en"}
    for record in records:
        text = record["title"] + " " + record["text"]
        arabic, latin = len(ARABIC_LETTER.findall(text)), len(LATIN_LETTER.findall(text))
        if record["lang"] == "ar":
            assert arabic > 20 * max(latin, 1), record["id"]
        else:
            assert arabic == 0, record["id"]


def test_there_are_6_to_8_stories_of_at_least_6_articles_over_several_days(records: list[dict]) -> None:
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_story[record["story"]].append(record)
    assert 6 <= len(by_story) <= 8
    for story, members in by_story.items():
        assert len(members) >= 6, story
        days = {datetime.fromisoformat(r["published_at"]).date() for r in members}
        assert len(days) >= 3, story


def test_bilingual_stories_have_enough_articles_in_each_language(records: list[dict]) -> None:
    languages: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        languages[record["story"]][record["lang"]] += 1
    bilingual = {story: counts for story, counts in languages.items() if len(counts) == 2}
    assert bilingual, "no story is told in both languages"
    assert any(len(counts) == 1 for counts in languages.values()), "no single-language story"
    for story, counts in bilingual.items():
        assert min(counts.values()) >= 5, (story, counts)


def test_the_lookalike_stories_share_places_and_names(records: list[dict]) -> None:
    stories = {r["story"] for r in records}
    assert set(LOOKALIKES) <= stories
    for story in LOOKALIKES:
        texts = [r["text"] for r in records if r["story"] == story]
        for needles in (("Tehran", "طهران"), ("Washington", "واشنطن"), ("Kamali", "كمالي")):
            assert any(any(n in t for n in needles) for t in texts), (story, needles)


def test_a_wire_report_is_carried_by_three_sites_as_near_copies(records: list[dict]) -> None:
    shingles = [_shingles(r["text"]) for r in records]
    pairs = combinations(range(len(records)), 2)
    close = {(i, j) for i, j in pairs if _jaccard(shingles[i], shingles[j]) >= NEAR_COPY_JACCARD}
    # Near-copies are republications, so they never cross stories.
    assert all(records[i]["story"] == records[j]["story"] for i, j in close)
    triples = [
        (i, j, k)
        for i, j, k in combinations(range(len(records)), 3)
        if {(i, j), (i, k), (j, k)} <= close and len({records[n]["source"] for n in (i, j, k)}) == 3
    ]
    assert triples, "no report is carried by three different sources"
    i, j, k = triples[0]
    assert len({records[n]["title"] for n in (i, j, k)}) == 3
    assert len({records[n]["text"] for n in (i, j, k)}) == 3


def test_the_readme_marks_the_corpus_as_fictional() -> None:
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8").lower()
    assert "fictional" in readme and "sample" in readme
