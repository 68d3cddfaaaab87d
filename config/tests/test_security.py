"""Security headers, the production checklist, CSRF and SSRF, checked on the real stack."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from articles import services
from articles.fetch import Fetcher
from articles.models import Article, Source
from articles.tests.factories import SourceFactory
from articles.tests.httpserver import Response, TestServer, redirect
from config.middleware import ContentSecurityPolicyMiddleware, build_policy
from stories.models import Story
from stories.tests.factories import MembershipFactory

CSP_MIDDLEWARE = "config.middleware.ContentSecurityPolicyMiddleware"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local</title><link>http://127.0.0.1/</link>
<item><title>Internal report</title><link>http://127.0.0.1/a/1</link><guid>a-1</guid>
<pubDate>Tue, 18 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"""


def _directives(header: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in pairs}


@pytest.fixture
def story(db):
    membership = MembershipFactory(event__story__slug="csp-story", event__story__title="A story")
    return membership.story


@pytest.fixture
def csp_installed(settings):
    """The middleware on the stack as settings.py puts it (added here if it is not yet there).

    test_the_csp_middleware_is_installed_after_security_middleware checks settings.py itself.
    """
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        stack = list(settings.MIDDLEWARE)
        stack.insert(stack.index("django.middleware.security.SecurityMiddleware") + 1, CSP_MIDDLEWARE)
        settings.MIDDLEWARE = stack


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")


# --- Content-Security-Policy --------------------------------------------------------------


def test_the_csp_middleware_is_installed_after_security_middleware():
    assert CSP_MIDDLEWARE in settings.MIDDLEWARE
    assert settings.MIDDLEWARE.index(CSP_MIDDLEWARE) > settings.MIDDLEWARE.index(
        "django.middleware.security.SecurityMiddleware"
    )


def test_the_policy_forbids_inline_script_plugins_foreign_forms_and_framing():
    policy = _directives(build_policy())
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.usefixtures("csp_installed")
@pytest.mark.parametrize("url_name", ["stories:home", "stories:search"])
def test_reader_pages_carry_the_strict_policy(client, story, url_name):
    response = client.get(reverse(url_name), {"q": "story"})
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    assert response["Content-Security-Policy"] == build_policy()


@pytest.mark.usefixtures("csp_installed")
def test_a_story_page_carries_the_strict_policy_and_refuses_framing(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == build_policy()
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.usefixtures("csp_installed")
def test_the_embed_may_be_framed_but_keeps_the_rest_of_the_policy(client, story):
    response = client.get(reverse("stories:embed", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "*"
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "X-Frame-Options" not in response


@pytest.mark.usefixtures("csp_installed")
def test_admin_pages_carry_the_policy(client, staff):
    login = client.get(reverse("admin:login"))
    assert login["Content-Security-Policy"] == build_policy()
    client.force_login(staff)
    for url in (reverse("admin:index"), reverse("admin:articles_source_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == build_policy(), url


def test_a_view_that_sets_its_own_policy_keeps_it(rf):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_overrides_widen_one_directive_only(settings, rf):
    from django.http import HttpResponse

    settings.SILSILA_CSP_OVERRIDES = {"img-src": "'self' https://images.example"}
    response = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    policy = _directives(response["Content-Security-Policy"])
    assert policy["img-src"] == "'self' https://images.example"
    assert policy["script-src"] == "'self'"


# --- Production checklist -----------------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    """`manage.py check --deploy` with DEBUG off and the SECURE_* values docs/operations.md gives."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "DJANGO_SETTINGS_MODULE"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "news.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://news.example.org",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
            "BEHIND_TLS_PROXY": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/silsila",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            "SILSILA_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# --- CSRF -----------------------------------------------------------------------------------


def test_an_admin_post_without_a_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(
        reverse("admin:articles_source_add"),
        {"name": "Forged", "url": "https://forged.example/feed.xml", "kind": "auto", "poll_interval": 900},
    )
    assert response.status_code == 403
    assert not Source.objects.filter(name="Forged").exists()


def test_an_htmx_post_needs_the_token_from_hx_headers(staff, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    url = reverse("admin:stories_story_do", args=[story.pk, "lock"])

    refused = client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert not Story.objects.get(pk=story.pk).is_locked

    # What the browser does: the page puts the token in hx-headers, htmx sends it as X-CSRFToken.
    page = client.get(story.get_absolute_url())
    token = (
        page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    )
    accepted = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code in (200, 302)
    assert Story.objects.get(pk=story.pk).is_locked


def test_the_reader_pages_put_the_csrf_token_in_hx_headers(story):
    client = Client(enforce_csrf_checks=True)
    response = client.get(story.get_absolute_url())
    token = response.context["csrf_token"]
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in response.content.decode()


# --- SSRF -----------------------------------------------------------------------------------


@pytest.fixture
def public_fetching(settings):
    """The production fetch policy: private and loopback addresses refused."""
    settings.SILSILA_FETCH_ALLOW_PRIVATE = False
    settings.SILSILA_FETCH_HOST_DELAY = 0
    services.get_fetcher.cache_clear()
    yield
    services.get_fetcher.cache_clear()


def test_a_source_on_a_loopback_address_is_refused_and_recorded(db, public_fetching):
    with TestServer(
        {"/feed.xml": Response(body=RSS, headers={"Content-Type": "application/rss+xml"})}
    ) as server:
        source = SourceFactory(url=server.url("/feed.xml"))
        summary = services.poll_source(source=source)
        assert server.requests == []  # refused before connecting, not after
    source.refresh_from_db()
    assert summary.status == "error"
    assert "127.0.0.1" in source.last_error
    assert source.consecutive_failures == 1
    assert not Article.objects.exists()


def _only_127_0_0_1(address) -> bool:
    # 127.0.0.1 stands in for a public host: it alone may be reached.
    return str(address) == "127.0.0.1"


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/feed.xml", "http://[::1]:9/feed.xml"],
)
def test_a_source_redirecting_to_a_private_address_is_refused_and_recorded(db, location):
    with TestServer({"/feed.xml": redirect(location)}) as server:
        fetcher = Fetcher(
            services.fetch_policy(), address_allowed=lambda address: str(address) == "127.0.0.1"
        )
        source = SourceFactory(url=server.url("/feed.xml"))
        summary = services.poll_source(source=source, fetcher=fetcher)
    source.refresh_from_db()
    assert summary.status == "error"
    assert source.last_error
    assert source.consecutive_failures == 1
    assert not Article.objects.exists()


def test_an_article_page_redirecting_to_a_private_address_falls_back_to_the_feed_summary(db):
    with TestServer({"/a/1": redirect("http://169.254.169.254/latest/meta-data/")}) as server:
        fetcher = Fetcher(
            services.fetch_policy(), address_allowed=lambda address: str(address) == "127.0.0.1"
        )
        source = SourceFactory(url=server.url("/feed.xml"))
        article = Article.objects.create(
            source=source,
            guid="a-1",
            url=server.url("/a/1"),
            canonical_url=server.url("/a/1"),
            url_hash="ssrf-1",
            title="Internal report",
            summary="The summary the feed gave.",
            published_at="2026-11-18T09:00:00Z",
        )
        services.fetch_article(article=article, fetcher=fetcher)
        assert [r.path for r in server.requests] == ["/a/1"]
    article.refresh_from_db()
    assert article.status == Article.Status.FEED_ONLY
    assert "169.254.169.254" in article.last_error
    assert article.text == "The summary the feed gave."
