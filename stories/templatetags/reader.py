"""Filters for the reader pages: language names and text direction."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language_info

from articles.models import RTL_LANGUAGES

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """A language's name written in that language ("العربية", "English"); the code if unknown."""
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


@register.filter
def text_direction(code: str) -> str:
    return "rtl" if code in RTL_LANGUAGES else "ltr"


@register.filter
def phrase_text(phrase: object) -> str:
    """A keyphrase as text, whether stored as "phrase", ["phrase", score] or {"text": ...}."""
    if isinstance(phrase, str):
        return phrase
    if isinstance(phrase, list | tuple) and phrase and isinstance(phrase[0], str):
        return phrase[0]
    if isinstance(phrase, dict):
        return str(phrase.get("text") or phrase.get("phrase") or "")
    return ""


@register.filter
def https_url(url: str | None) -> str:
    """`url` when it is an https address, else "": the only pictures the CSP lets pages load."""
    return url if isinstance(url, str) and url.startswith("https://") else ""
