from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Sources and articles")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from config.views import register_health_check

        from .health import encoder_status
        from .search import install_article_index, register_sqlite_functions

        register_health_check("encoder", encoder_status)

        connection_created.connect(register_sqlite_functions, dispatch_uid="silsila_sqlite_functions")
        # SQLite drops a table's triggers when a migration rebuilds it: put them back.
        post_migrate.connect(install_article_index, sender=self, dispatch_uid="silsila_article_index")
