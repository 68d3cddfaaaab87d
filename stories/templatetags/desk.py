"""Filters for the editors' desk templates (templates/admin/)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

from stories.desk.words import language_name

register = template.Library()


@register.filter(name="language_in_words")
def language_in_words(code: str) -> str:
    """A language code as its name in the editor's language ("الإنجليزية" for en)."""
    return language_name(code)


_CELL_START = re.compile(r"^\s*<(td|th)\b")


@register.filter(name="labelled_cells")
def labelled_cells(cells: list[str], headers: list[dict]) -> list[str]:
    """Each result cell with its column's name as `data-label`, for the phone layout's cards."""
    labelled = []
    for cell, header in zip(cells, headers, strict=False):
        name = strip_tags(str(header.get("text", ""))).strip()
        start = _CELL_START.match(cell)
        if name and start:
            cell = format_html('<{} data-label="{}"', start.group(1), name) + cell[start.end() :]
        labelled.append(mark_safe(cell))  # noqa: S308 - Django's own rendered cell; the label is escaped
    return labelled
