from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from articles.models import Article
from stories.services import clustering, dossiers

DEMO_FILE = Path(__file__).resolve().parents[3] / "articles" / "fixtures" / "demo" / "articles.jsonl"


class Command(BaseCommand):
    help = "Load the bundled sample corpus and cluster it, when the database has no articles yet."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load even when articles exist")

    def handle(self, *args, force: bool, **options):
        if Article.objects.exists() and not force:
            self.stdout.write("articles already present; demo data not loaded")
            return
        # The same ingestion path as any bulk import, then clustering right away so the first
        # page view already shows stories.
        call_command("import_articles", str(DEMO_FILE), stdout=self.stdout, stderr=self.stderr)
        result = clustering.cluster_pending()
        refreshed = clustering.refresh_story_texts()
        filed = dossiers.propose_dossiers()
        self.stdout.write(
            f"demo data: {result.assigned} article(s) clustered into {result.new_stories} stor(ies), "
            f"{refreshed} summarised, {filed['proposed']} dossier(s)"
        )
