"""Where an article's date came from (feed, page, address, fetch time), instead of a yes/no
"estimated" flag.

Rows stored before knew only whether the date was estimated: an estimated one came from the
fetch time; any other came from the feed entry or the page, which the old rows do not tell
apart, so they are recorded as the feed's (the first candidate).
"""

from django.db import migrations, models


def from_the_flag(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(published_at_estimated=False).update(published_from="feed")


def to_the_flag(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.exclude(published_from="fetched").update(published_at_estimated=False)
    Article.objects.filter(published_from="fetched").update(published_at_estimated=True)


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_article_credit")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="published_from",
            field=models.CharField(
                choices=[
                    ("feed", "the feed entry"),
                    ("page", "the page's metadata"),
                    ("url", "the address"),
                    ("fetched", "the time it was fetched"),
                ],
                default="fetched",
                max_length=10,
                verbose_name="publication date from",
            ),
        ),
        migrations.RunPython(from_the_flag, to_the_flag),
        migrations.RemoveField(model_name="article", name="published_at_estimated"),
    ]
