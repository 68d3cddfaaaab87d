"""Operational endpoints that belong to no app."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# /healthz is public: a failure says "failing" and which backend, while the error itself
# (host:port, driver messages) goes to the log only. "degraded": the site works, less well.
OK, FAILING, DEGRADED = "ok", "failing", "degraded"

# What the apps add to /healthz, by name: each check returns {"status": OK or DEGRADED, ...}.
# Config imports no app; an app registers its own check from its AppConfig.ready.
HEALTH_CHECKS: dict[str, Callable[[], dict[str, object]]] = {}


def register_health_check(name: str, check: Callable[[], dict[str, object]]) -> None:
    HEALTH_CHECKS[name] = check


def _database_status() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: the database is failing")
        return {"status": FAILING, "vendor": connection.vendor}
    return {"status": OK, "vendor": connection.vendor}


def _broker_status() -> dict[str, object]:
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    if settings.CELERY_BROKER_IS_EMBEDDED:
        return {"status": OK, "transport": transport, "embedded": True}
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("healthz: the broker is failing")
        return {"status": FAILING, "transport": transport, "embedded": False}
    return {"status": OK, "transport": transport, "embedded": False}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with "ok"/"failing" for the database and the broker, and "ok"/"degraded" for what
    the apps registered (the sentence encoder); 503 when the database fails.

    The broker failing does not fail the probe: reader pages do not need it. A registered
    check failing makes the whole "degraded" (still 200: pages are served, ingest goes on).
    """
    database = _database_status()
    broker = _broker_status()
    database_ok = database["status"] == OK
    if not database_ok:
        body = {"status": FAILING, "database": database, "broker": broker}
        return JsonResponse(body, status=503)
    checks = {name: check() for name, check in sorted(HEALTH_CHECKS.items())}
    healthy = broker["status"] == OK and all(result["status"] == OK for result in checks.values())
    body = {"status": OK if healthy else DEGRADED, "database": database, "broker": broker, **checks}
    return JsonResponse(body, status=200)


_FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers, feed readers and crawlers ask for whatever the page says."""
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")


_BARE_500 = (
    '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
    "<title>{title}</title></head><body><h1>{title}</h1></body></html>"
)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site layout, or a bare page when the layout itself cannot render.

    The layout names static files; when what broke is the static manifest (production
    before collectstatic), rendering it would raise again inside the error handler.
    """
    from django.template import loader
    from django.utils import translation
    from django.utils.translation import gettext

    try:
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:
        logger.exception("the 500 page could not render; serving a bare one")
        language = translation.get_language() or settings.LANGUAGE_CODE
        body = _BARE_500.format(
            lang=language,
            dir="rtl" if translation.get_language_bidi() else "ltr",
            title=gettext("Something went wrong"),
        )
        return HttpResponseServerError(body)
