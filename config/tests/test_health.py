from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_reports_the_database_and_broker_in_use(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True
    assert body["broker"]["transport"] == "memory"


@pytest.mark.django_db
def test_healthz_checks_a_real_redis_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/14"
    settings.CELERY_BROKER_IS_EMBEDDED = False
    from config.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        body = client.get("/healthz").json()
    finally:
        app.conf.broker_url = "memory://"
    assert body["broker"] == {"ok": True, "transport": "redis", "embedded": False}


@pytest.mark.django_db
def test_html_lang_and_dir_follow_the_reader_language(client):
    arabic = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english
