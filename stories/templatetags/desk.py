"""Filters for the editors' desk templates (templates/admin/)."""

from __future__ import annotations

from django import template

from stories.desk.words import language_name

register = template.Library()


@register.filter(name="language_in_words")
def language_in_words(code: str) -> str:
    """A language code as its name in the editor's language ("الإنجليزية" for en)."""
    return language_name(code)
