"""Strip bidi controls from what the engine wrote from article titles and text before ingest
stripped them (articles 0003): story titles and summaries, event headlines, key moments.

Editors' own fields are left as they typed them.
"""

import importlib

from django.db import migrations

articles_0003 = importlib.import_module("articles.migrations.0004_strip_bidi_controls")


def forwards(apps, schema_editor):
    Story = apps.get_model("stories", "Story")
    articles_0003.strip_controls(apps.get_model("stories", "Event"), ["headline"])
    articles_0003.strip_controls(apps.get_model("stories", "KeyMoment"), ["text"])
    # Titles per language live in JSON: every story is read (far fewer than articles).
    changed = []
    for story in Story.objects.only("pk", "title", "titles", "summary").iterator(chunk_size=500):
        clean = {
            "title": story.title.translate(articles_0003.STRIP),
            "summary": story.summary.translate(articles_0003.STRIP),
            "titles": {
                language: title.translate(articles_0003.STRIP) if isinstance(title, str) else title
                for language, title in (story.titles or {}).items()
            },
        }
        if any(getattr(story, name) != value for name, value in clean.items()):
            for name, value in clean.items():
                setattr(story, name, value)
            changed.append(story)
    Story.objects.bulk_update(changed, ["title", "summary", "titles"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0006_key_moment_languages"),
        ("articles", "0004_strip_bidi_controls"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
