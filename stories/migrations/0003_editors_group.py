"""The "Editors" group: what a newsroom editor needs, and nothing more.

Editors read everything the desk shows and change stories only through the audited
workflows (rename, summary, publish/hide, lock, merge, split, pin, exclude, events); they
add and switch sources but never delete rows or manage accounts. Readers need no account.
"""

from django.db import migrations

EDITOR_PERMISSIONS = {
    "articles": ["view_source", "add_source", "change_source", "view_article"],
    "stories": [
        "view_story",
        "change_story",
        "view_event",
        "change_event",
        "view_membership",
        "change_membership",
        "view_exclusion",
        "add_exclusion",
        "view_keymoment",
        "view_auditentry",
    ],
}


def create_editors_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); a fresh
    # database has none yet, so create them now for the two apps this group uses.
    for label in EDITOR_PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codenames in EDITOR_PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.set(wanted)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0002_audit_trail"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
