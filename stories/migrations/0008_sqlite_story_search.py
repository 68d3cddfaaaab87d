"""SQLite only: an FTS5 index of each story's folded title and summary, kept by triggers.

PostgreSQL builds story vectors per query (stories/reader/search.py); SQLite reads the same words
through `silsila_fold` (articles/search.py), which these triggers call on every write.
"""

from __future__ import annotations

from django.db import migrations

from stories.reader.search import install_story_index


def install(apps, schema_editor):
    install_story_index(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from articles.search import drop_sqlite_index

        drop_sqlite_index(schema_editor.connection, table="stories_story")


class Migration(migrations.Migration):
    dependencies = [("stories", "0007_strip_bidi_controls"), ("articles", "0006_sqlite_search_index")]

    operations = [migrations.RunPython(install, drop, elidable=False)]
