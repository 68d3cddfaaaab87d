"""Filters and tags for the reader pages: language names, text direction, relative times."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language_info, gettext, ngettext, pgettext

from articles.models import RTL_LANGUAGES
from articles.sanitize import https_url

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


# Older than this, a date says more than "12 days ago"; static/js/relative-time.js agrees.
RELATIVE_DAYS = 7


def relative_time_text(value: datetime, now: datetime) -> str | None:
    """ "2 hours ago" in the active language, worded as the browser's Intl.RelativeTimeFormat
    words it (the script that refreshes it), or None when `value` is a week old or more."""
    seconds = (now - value).total_seconds()
    if seconds >= RELATIVE_DAYS * 86400:
        return None
    if seconds < 60:
        return pgettext("relative time", "now")
    if seconds < 3600:
        count = int(seconds // 60)
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", count) % {"count": count}
    if seconds < 86400:
        count = int(seconds // 3600)
        return ngettext("%(count)d hour ago", "%(count)d hours ago", count) % {"count": count}
    # Days count calendar days, so "yesterday" means the day before today, not 24-47 hours.
    count = (timezone.localtime(now).date() - timezone.localtime(value).date()).days
    if count == 1:
        return gettext("yesterday")
    return ngettext("%(count)d day ago", "%(count)d days ago", count) % {"count": count}


@register.simple_tag
def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """A <time> that reads "2 hours ago", with the exact time as its title and datetime.

    static/js/relative-time.js rewrites the text as time passes, without a reload.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    text = relative_time_text(value, now or timezone.now()) or date_format(local, "DATE_FORMAT")
    return format_html(
        '<time datetime="{}" title="{}" data-relative>{}</time>',
        local.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        text,
    )


# "" for anything but an https address: the only pictures the CSP lets pages load.
register.filter("https_url", https_url)
