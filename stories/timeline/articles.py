"""An article as the key-moment engine reads it: what both the moments and the ranker take in."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class StoryArticle:
    id: Hashable
    title: str
    text: str
    language: str | None
    published_at: datetime
    source: str | None = None

    @property
    def day(self) -> date:
        # The publication day in the article's own offset: the writer's "yesterday" is relative to it.
        return self.published_at.date()
