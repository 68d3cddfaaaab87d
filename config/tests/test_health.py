from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_healthz_reports_the_database_broker_and_encoder_in_use(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": "postgresql"}
    assert body["broker"] == {"status": "ok", "transport": "memory", "embedded": True}
    assert body["encoder"] == {"status": "ok", "articles": 0, "failed": 0}


@pytest.fixture
def broken_encoder(monkeypatch):
    """The sentence encoder as a bad install leaves it: loaded, and failing on every text."""
    from articles import embedding

    class Broken:
        def encode(self, texts):
            raise RuntimeError("model weights unreadable")

    monkeypatch.setattr(embedding, "_model", Broken())


def _ingest(count: int, *, title: str = "Harbour talks resume") -> None:
    from articles import services
    from articles.tests.factories import SourceFactory

    source = SourceFactory()
    services.import_articles(
        records=iter(
            (n, {"title": f"{title} {n}", "text": "Negotiators met again on Tuesday in the port city."})
            for n in range(count)
        ),
        source_name=source.name,
    )


@pytest.mark.django_db
def test_healthz_is_degraded_while_the_sentence_encoder_is_broken(client, broken_encoder, caplog):
    _ingest(5)
    from articles.models import Article

    assert Article.objects.filter(embedding__isnull=True).count() == 5  # stored all the same

    with caplog.at_level(logging.ERROR, logger="config.views"):
        response = client.get("/healthz")

    assert response.status_code == 200  # pages are still served
    body = response.json()
    assert body["status"] == "degraded"
    assert body["encoder"] == {"status": "degraded", "articles": 5, "failed": 5}
    assert "model weights" not in response.content.decode()
    assert "sentence encoder failed" in caplog.text


@pytest.mark.django_db
def test_texts_with_nothing_to_encode_do_not_make_the_encoder_look_broken(client):
    _ingest(4, title="2026")
    from articles import services
    from articles.models import Article

    # Titles of digits only and no text: nothing to encode, which is no fault of the encoder.
    for article in Article.objects.all():
        services.store_text(
            article=article, title="2026 - 11", body="", language_hint="en", status="feed_only"
        )
    assert set(Article.objects.values_list("embedding_error", flat=True)) == {
        "EncodingError: no readable text to encode"
    }
    assert client.get("/healthz").json()["encoder"] == {"status": "ok", "articles": 4, "failed": 0}


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
    assert body["broker"] == {"status": "ok", "transport": "redis", "embedded": False}


@pytest.mark.django_db
def test_healthz_says_failing_to_anonymous_callers_and_logs_the_detail(client, settings, caplog):
    # Nothing listens on port 1: the error names the address, which must stay in the log.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_IS_EMBEDDED = False
    from config.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        with caplog.at_level(logging.ERROR, logger="config.views"):
            response = client.get("/healthz")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 200  # reader pages do not need the broker
    body = response.json()
    assert body["broker"] == {"status": "failing", "transport": "redis", "embedded": False}
    assert "127.0.0.1" not in response.content.decode()
    assert "the broker is failing" in caplog.text
    assert "127.0.0.1:1" in caplog.text or "Connection refused" in caplog.text


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails_without_saying_why(client, monkeypatch, caplog):
    def refuse():
        raise OperationalError('connection to server at "10.9.8.7", port 5432 failed')

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.ERROR, logger="config.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["database"] == {"status": "failing", "vendor": "postgresql"}
    assert "10.9.8.7" not in response.content.decode()
    assert "10.9.8.7" in caplog.text


@pytest.mark.django_db
def test_html_lang_and_dir_follow_the_reader_language(client):
    arabic = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english
