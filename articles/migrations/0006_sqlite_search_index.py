"""SQLite only: an FTS5 index of each article's folded words, kept by triggers.

PostgreSQL searches the stored tsvector (0002); SQLite has no such column type, so the
embedded default reads Arabic and English the same way through `silsila_fold`
(articles/search.py), which the triggers call on every write, whatever code path writes.
"""

from __future__ import annotations

from django.db import migrations

from articles.search import install_article_index


def install(apps, schema_editor):
    install_article_index(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from articles.search import drop_sqlite_index

        drop_sqlite_index(schema_editor.connection, table="articles_article")


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_article_image_dimensions")]

    operations = [migrations.RunPython(install, drop, elidable=False)]
