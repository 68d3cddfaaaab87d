"""Strip bidi embedding, override and isolate controls from rows stored before ingest did.

One pass over the rows that hold one (a regex filter, so a sequential scan of the articles
table, once). The character table is copied from articles/text.py: a migration must not
change meaning when that module does.
"""

from django.db import migrations
from django.db.models import Q

CONTROLS = "[\u202a-\u202e\u2066-\u2069]"
STRIP = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
BATCH = 500


def strip_controls(model, fields):
    matching = Q()
    for name in fields:
        matching |= Q(**{f"{name}__regex": CONTROLS})
    batch = []
    for row in model.objects.filter(matching).only("pk", *fields).iterator(chunk_size=BATCH):
        for name in fields:
            setattr(row, name, getattr(row, name).translate(STRIP))
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        model.objects.bulk_update(batch, fields)


def forwards(apps, schema_editor):
    strip_controls(apps.get_model("articles", "Source"), ["name"])
    strip_controls(apps.get_model("articles", "Article"), ["title", "summary", "summary_html", "text"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_article_embedding"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
