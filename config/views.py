"""Operational endpoints that belong to no app."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe


def _database_status() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:300]}
    return {"ok": True, "vendor": connection.vendor}


def _broker_status() -> dict[str, object]:
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    if settings.CELERY_BROKER_IS_EMBEDDED:
        return {"ok": True, "transport": transport, "embedded": True}
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": transport, "embedded": False, "error": str(exc)[:300]}
    return {"ok": True, "transport": transport, "embedded": False}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the state of the database and broker; 503 when the database is down.

    The broker being down does not fail the probe: reader pages do not need it.
    """
    database = _database_status()
    broker = _broker_status()
    body = {"status": "ok" if database["ok"] else "error", "database": database, "broker": broker}
    return JsonResponse(body, status=200 if database["ok"] else 503)


_FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers, feed readers and crawlers ask for whatever the page says."""
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
