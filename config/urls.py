from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Silsila editors' desk")
admin.site.site_title = _("Silsila desk")
admin.site.index_title = _("The desk")
# The sidebar repeats the index and takes a quarter of a 1280 px window from the lists.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("stories.urls")),
]
handler404 = "django.views.defaults.page_not_found"  # templates/404.html, in the site layout
handler500 = "config.views.server_error"
