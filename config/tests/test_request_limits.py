"""Cookies and request bodies: SameSite on every cookie we set, bounded uploads, and admin date
parameters a date can hold."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


def test_the_language_cookie_is_samesite_lax(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["samesite"] == "Lax"


def test_the_session_cookie_is_samesite_lax_and_http_only(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    response = client.post("/admin/login/", {"username": "root", "password": "a-long-password-1"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True


def test_a_multipart_body_over_the_cap_is_refused_before_anything_reads_it(client):
    # The review sent 20 MB to the login page, and it was read whole.
    upload = SimpleUploadedFile("big.bin", b"\0" * (20 * 1024 * 1024))
    response = client.post("/admin/login/", {"username": "root", "password": "x", "file": upload})
    assert response.status_code == 413
    assert "Content-Security-Policy" in response


def test_a_multipart_body_just_over_the_cap_is_refused_and_one_under_it_is_served(client):
    overhead = 1024  # the multipart boundaries and the two small fields
    small = SimpleUploadedFile("small.bin", b"\0" * (settings.SILSILA_MAX_REQUEST_BYTES - 2 * overhead))
    assert (
        client.post("/admin/login/", {"username": "root", "password": "x", "file": small}).status_code == 200
    )
    big = SimpleUploadedFile("big.bin", b"\0" * settings.SILSILA_MAX_REQUEST_BYTES)
    assert client.post("/admin/login/", {"username": "root", "password": "x", "file": big}).status_code == 413


def test_form_fields_over_the_memory_cap_are_a_400(client):
    # Under the whole-body cap, over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses the fields.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < settings.SILSILA_MAX_REQUEST_BYTES
    field = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/admin/login/", {"username": field, "password": "x"})
    assert response.status_code == 400


def test_upload_limits_are_set_explicitly():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    assert settings.SILSILA_MAX_REQUEST_BYTES == 2 * 1024 * 1024
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.LANGUAGE_COOKIE_SAMESITE == "Lax"


ADMIN_LISTS = [
    "/admin/articles/article/",
    "/admin/articles/source/",
    "/admin/stories/story/",
    "/admin/stories/auditentry/",
    "/admin/stories/dossier/",
    "/admin/stories/event/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_LISTS)
@pytest.mark.parametrize("year", ["0", "9999", "00", "10000"])
def test_an_admin_list_asked_for_a_year_no_date_can_hold_is_a_400(admin_client, path, year):
    response = admin_client.get(f"{path}?created_at__year={year}")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_LISTS)
def test_an_admin_list_of_a_real_year_month_and_day_is_served(admin_client, path):
    for query in (
        "created_at__year=1",
        "created_at__year=9998",
        "created_at__year=2026&created_at__month=12",
    ):
        assert admin_client.get(f"{path}?{query}").status_code == 200, query


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "²", "٣", "9" * 5000, "\x00"])
def test_an_admin_bulk_action_on_ids_that_are_no_ids_is_a_400(admin_client, value):
    response = admin_client.post(
        "/admin/stories/story/", {"action": "delete_selected", "_selected_action": [value], "index": "0"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["path_info__exact=%00", "q=%00", "o=%00", "username__exact=a%00b", "%00=1"]
)
def test_a_nul_in_any_admin_parameter_is_a_400(admin_client, query):
    assert admin_client.get(f"/admin/axes/accessattempt/?{query}").status_code == 400
    assert admin_client.get(f"/admin/stories/story/?{query}").status_code == 400
