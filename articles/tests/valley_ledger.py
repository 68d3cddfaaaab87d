"""Seven article pages of one local news site, for the per-site boilerplate tests.

The template and the stories live in data/boilerplate. Every page ends its story with the site's
tip line and newsletter pitch inside the article container; two stories share a background
paragraph.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data" / "boilerplate"
TIP = "Have a news tip? Email the newsroom at tips@valleyledger.example or call 555-0142."
BRIEFING = "The Ledger's morning briefing brings the county's news to your inbox by 7 a.m. every weekday."
BACKGROUND = (
    "The county's transport budget was cut by a quarter in 2021, when falling fares and rising fuel"
    " prices left a gap the council chose not to fill from reserves."
)


def valley_ledger_pages() -> list[tuple[str, str, list[str]]]:
    """(url, html, the article's own paragraphs) of each page, in publication order."""
    template = (DATA / "page.html").read_text(encoding="utf-8")
    pages = []
    for story in json.loads((DATA / "stories.json").read_text(encoding="utf-8")):
        paragraphs = "\n".join(f"<p>{paragraph}</p>" for paragraph in story["paragraphs"])
        html = template.replace("{title}", story["title"]).replace("{paragraphs}", paragraphs)
        pages.append((f"https://www.valleyledger.example/news/{story['slug']}", html, story["paragraphs"]))
    return pages
