"""Re-read who every stored article credits for its report (articles/attribution.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles import services
from articles.models import Article, Source


class Command(BaseCommand):
    help = (
        "Re-read the credit lines and phrases of stored articles and resolve them to outlets and "
        "sources (after the outlet table or the list of sources changed); editors' corrections are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="only the articles of this source id")
        parser.add_argument("--language", help="only articles in this language (ar, en, …)")

    def handle(self, *args, source: int | None, language: str | None, **options):
        articles = Article.objects.ready().filter(credit_by_editor=False).order_by("pk")
        if source is not None:
            if not Source.objects.filter(pk=source).exists():
                raise CommandError(f"no source with id {source}")
            articles = articles.filter(source_id=source)
        if language:
            # Stored as lower-case primary subtags ("ar"), as add_source stores a source's.
            articles = articles.filter(language=language.strip().lower())
        fields = ["pk", "source_id", "title", "text", "summary", *services.CREDIT_FIELDS, "credit_by_editor"]
        read, changed = services.attribute_articles(articles=articles.only(*fields).iterator(chunk_size=500))
        credited = Article.objects.ready().exclude(credit_name="").count()
        self.stdout.write(
            f"read {read} article(s), credit changed on {changed}; {credited} article(s) credit an outlet"
        )
