"""Editors file stories into dossiers: they may view, create and change dossiers (never delete).

Every change still goes through stories.services.dossiers, which audits it.
"""

from django.db import migrations

DOSSIER_PERMISSIONS = ["view_dossier", "add_dossier", "change_dossier"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # As in 0003: on a fresh database the permissions do not exist before post_migrate.
    app_config = apps.get_app_config("stories")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="stories", codename__in=DOSSIER_PERMISSIONS)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="stories", codename__in=DOSSIER_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("stories", "0009_dossiers_and_story_labels")]

    operations = [migrations.RunPython(grant, revoke)]
