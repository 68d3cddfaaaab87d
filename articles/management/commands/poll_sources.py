from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles import services, tasks
from articles.models import Article, Source


class Command(BaseCommand):
    help = (
        "Poll sources now, synchronously, and fetch their new articles' pages: the same services the "
        "worker runs. One summary line per source."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="poll only this source id")
        parser.add_argument("--now", action="store_true", help="poll every enabled source, due or not")
        parser.add_argument(
            "--no-pages", action="store_true", help="store entries, leave pages to the worker"
        )

    def handle(self, *args, source: int | None, now: bool, no_pages: bool, **options):
        if source is not None:
            sources = list(Source.objects.filter(pk=source))
            if not sources:
                raise CommandError(f"no source with id {source}")
        elif now:
            sources = list(
                Source.objects.filter(enabled=True).exclude(kind=Source.Kind.IMPORT).order_by("pk")
            )
        else:
            sources = list(Source.objects.filter(pk__in=services.claim_due_sources()).order_by("pk"))
        failures = 0
        for row in sources:
            summary = services.poll_source(source=row)
            failures += summary.status == "error"
            self.stdout.write(summary.line(row.name))
            if no_pages:
                for article_id in summary.new_article_ids:
                    tasks.fetch_article.delay_on_commit(article_id)
                continue
            articles = Article.objects.select_related("source").filter(pk__in=summary.new_article_ids)
            counts = {"extracted": 0, "feed_only": 0, "failed": 0, "pending": 0}
            for article in articles.order_by("pk"):
                try:
                    article = services.fetch_article(article=article)
                except services.FetchError as exc:
                    # Left pending: the worker's sweep retries it with backoff.
                    self.stderr.write(f"  page {article.url}: {exc} (left pending, retried later)")
                counts[article.status] = counts.get(article.status, 0) + 1
            if summary.new_article_ids:
                self.stdout.write(
                    "  pages: " + ", ".join(f"{n} {status}" for status, n in counts.items() if n)
                )
        self.stdout.write(f"{len(sources)} source(s) polled, {failures} failed")
