"""App configs the project adjusts without forking the app."""

from __future__ import annotations

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(BaseAxesConfig):
    # django-axes names its app "Axes", untranslated; editors see what it is about.
    verbose_name = _("Login attempts")
