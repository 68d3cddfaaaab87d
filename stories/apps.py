from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Importing the desk registers its ModelAdmins: they live in stories/desk/, where the
        # admin's autodiscovery (which imports `<app>.admin`) does not look.
        from .desk import admin  # noqa: F401
        from .reader.search import install_story_index

        # SQLite drops a table's triggers when a migration rebuilds it: put them back.
        post_migrate.connect(install_story_index, sender=self, dispatch_uid="silsila_story_index")
