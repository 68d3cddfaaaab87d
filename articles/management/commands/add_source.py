from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from articles.models import Source
from articles.sanitize import plain_text

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}$")


class Command(BaseCommand):
    help = "Add a feed or news sitemap as a source (RSS, Atom, JSON Feed or sitemap; detected on first poll)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--name", help="display name (default: the URL's host)")
        parser.add_argument("--language", default="", help="language hint, ISO 639-1 (ar, en, …)")
        parser.add_argument(
            "--interval", type=int, help="seconds between polls, at least 60 (default: SILSILA_POLL_INTERVAL)"
        )

    def handle(self, *args, url: str, name: str | None, language: str, interval: int | None, **options):
        url = url.strip()
        interval = settings.SILSILA_POLL_INTERVAL if interval is None else interval
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise CommandError(f"not an http(s) URL: {url}") from exc
        language = language.strip().lower()
        if language and not LANGUAGE_TAG.match(language):
            raise CommandError(f"--language must be an ISO 639 code such as ar or en, not {language!r}")
        if interval < 60:
            # The beat tick runs every minute; a shorter interval could not be honoured.
            raise CommandError("--interval must be at least 60 seconds")
        existing = Source.objects.filter(url=url).first()
        if existing is not None:
            raise CommandError(f"source {existing.pk} ({existing.name}) already has this URL: {url}")
        source = Source.objects.create(
            url=url,
            name=(plain_text(name or "") or urlsplit(url).hostname or url)[:200],
            language=language,
            poll_interval=interval,
        )
        self.stdout.write(
            f"added source {source.pk}: {source.name} <{source.url}>; it is polled within a minute"
        )
