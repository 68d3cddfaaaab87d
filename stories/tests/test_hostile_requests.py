"""Every URL pattern, reader and admin, with values no link of ours produces: never a 500.

The walk reads the URL configuration itself, so a view added later is walked too. Each path
capture gets real values (so the view body runs) and hostile ones; each request carries
hostile query parameters, and the admin ones hostile form fields, as an editor's session.
A bad value must come back as a 4xx (or the page ignoring it), never as a server error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from articles.tests.factories import ArticleFactory, SourceFactory
from stories.desk.admin import DESK_ACTIONS
from stories.models import AuditEntry, Membership, Story
from stories.services import editing
from stories.tests.factories import EventFactory, StoryFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "4611686018427387904",  # 2**62: times 20 rows per page overflows a bigint OFFSET
    "99999999999999999999",  # past any bigint
    "9" * 5000,  # past Python's int() digit limit
    "-1",
    "0",
    "abc",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits
    "2026-02-30",
    "\x00",  # a NUL, which PostgreSQL refuses in any text
    "٣",  # an Arabic-Indic digit alone: int() reads it as 3, no link of ours writes it
    "9999",  # the last year a date holds: the admin's year bounds go past it
    "",
]
# Query parameters our views and the admin's read.
QUERY_NAMES = ["page", "since", "after", "order", "lang", "q", "period", "next", "e", "_to_field", "_popup"]
CHANGELIST_NAMES = ["p", "o", "q", "all", "_changelist_filters", "created_at__year"]
# Form fields the admin's forms and desk actions read.
FORM_NAMES = [
    "article",
    "event",
    "others",
    "target",
    "new_title",
    "summary",
    "editor_title",
    "next",
    "username",
    "password",
    "action",
    "_selected_action",
    "index",
    "select_across",
    "apply",
    "date-1",
    "headline-1",
    "_to_field",
]
# Posted bodies take fewer values: one of each kind.
POSTED = ["99999999999999999999", "9" * 5000, "abc", "²", "٣", "\x00", ""]
# The session must survive the walk; logging out is not a hostile value.
SKIPPED_ROUTES = {"admin/logout/"}

_CAPTURE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        else:
            yield route, entry


def _fill(route: str, values: dict[str, str]) -> str:
    return _CAPTURE.sub(lambda m: values[m.group("name") or m.group("group")], route)


def _captures(route: str) -> list[str]:
    return [m.group("name") or m.group("group") for m in _CAPTURE.finditer(route)]


def _model_admin(pattern: URLPattern) -> admin.ModelAdmin | None:
    for model, model_admin in admin.site._registry.items():
        if pattern.name and pattern.name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model_admin
    return None


def _filter_names(model_admin: admin.ModelAdmin) -> list[str]:
    """The query parameters a changelist's filters and date hierarchy read."""
    names = []
    for entry in model_admin.list_filter:
        if isinstance(entry, type):
            names.append(entry.parameter_name)
            continue
        field = entry[0] if isinstance(entry, tuple) else entry
        names += [f"{field}__exact", f"{field}__isnull", f"{field}__gte", f"{field}__lt"]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


@pytest.fixture
def world(db, django_user_model):
    """One of everything the URLs can point at, and an editor with every permission."""
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    source = SourceFactory(name="Outlet")
    story = StoryFactory(slug="walk", is_published=True, article_count=1, source_count=1)
    other = StoryFactory(slug="other", is_published=True)
    article = ArticleFactory(source=source, title="A headline")
    event = EventFactory(story=story, representative_article=article, article_count=1)
    Membership.objects.create(article=article, story=story, event=event, score=0.9)
    editing.rename_story(story=other, title="Renamed", user=superuser)
    return {"superuser": superuser, "story": story, "audit": AuditEntry.objects.first()}


def _real_values(pattern: URLPattern, world: dict) -> dict[str, str]:
    story = world["story"]
    values = {
        "slug": story.slug,
        "app_label": "stories",
        "url": "no/such/page/",
        "content_type_id": str(ContentType.objects.get_for_model(Story).pk),
        "object_id": str(story.pk),
        "id": str(world["superuser"].pk),
        "action": "rename",
    }
    model_admin = _model_admin(pattern)
    if model_admin is not None:
        row = model_admin.model._default_manager.order_by("pk").first()
        values["object_id"] = str(row.pk) if row else "1"
    return values


def _walk(client, world: dict, routes: list[tuple[str, URLPattern]]) -> tuple[list[str], int]:
    """Every hostile request for `routes`; the ones answered with a 5xx, and how many were sent."""
    client.force_login(world["superuser"])
    client.raise_request_exception = False
    failures: list[str] = []
    requests = 0

    def check(method: str, url: str, data: dict | None = None) -> None:
        nonlocal requests
        requests += 1
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        if response.status_code >= 500:
            fields = sorted({value[:20] for value in (data or {}).values()})
            failures.append(f"{method} {url[:120]} {fields} -> {response.status_code}")

    for route, pattern in routes:
        real = _real_values(pattern, world)
        captures = _captures(route)
        actions = list(DESK_ACTIONS) if "action" in captures else [real["action"]]
        base = "/" + _fill(route, real)
        model_admin = _model_admin(pattern)
        is_changelist = bool(pattern.name and pattern.name.endswith("_changelist"))

        # The real page with hostile query parameters: all at once, then one at a time
        # (the admin refuses unknown filters before it reads the rest).
        names = CHANGELIST_NAMES + _filter_names(model_admin) if is_changelist else QUERY_NAMES
        for value in HOSTILE:
            check("GET", f"{base}?{urlencode(dict.fromkeys(names, value))}")
            if is_changelist or not route.startswith("admin/"):
                for name in names:
                    check("GET", f"{base}?{urlencode({name: value})}")
        if is_changelist and model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            check("GET", f"{base}?{field}__year=2026&{field}__month=2&{field}__day=30")
        # 5,000 repeated parameters.
        check("GET", f"{base}?" + "&".join(["page=2"] * 5000))

        # Hostile values in the path, by GET and by POST.
        for name in captures:
            if name in {"url", "app_label"}:
                continue
            for value in HOSTILE:
                if name != "action" and not value:
                    continue
                url = "/" + _fill(route, {**real, name: value})
                check("GET", url)
                check("POST", url, {"_selected_action": value, "article": value, "event": value})

        # Hostile form fields posted to the real page (never to a delete confirmation:
        # the walk needs its rows).
        if not route.endswith("delete/"):
            for action in actions:
                url = "/" + _fill(route, {**real, "action": action})
                for value in POSTED:
                    check("POST", url, dict.fromkeys(FORM_NAMES, value))
    return failures, requests


def _all_routes() -> list[tuple[str, URLPattern]]:
    return [(route, p) for route, p in _routes(get_resolver()) if route not in SKIPPED_ROUTES]


def test_every_reader_url_answers_hostile_values_without_a_server_error(client, world):
    routes = [(route, p) for route, p in _all_routes() if not route.startswith("admin/")]
    assert len(routes) >= 10  # pages, fragments, feeds, health, language switch
    failures, requests = _walk(client, world, routes)
    assert failures == [], f"{len(failures)} of {requests} requests failed"


def test_every_admin_url_answers_hostile_values_without_a_server_error(client, world):
    routes = [(route, p) for route, p in _all_routes() if route.startswith("admin/")]
    assert len(routes) > 60  # every model's pages, the desk and its actions, review, quality
    failures, requests = _walk(client, world, routes)
    assert failures == [], f"{len(failures)} of {requests} requests failed"


# --- The requests the security review reported, one by one -----------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/?page=4611686018427387904", 404),
        ("/stories/walk/?page=99999999999999999999", 404),
        ("/stories/walk/?page=0", 404),
        ("/?page=abc", 400),
        ("/?page=", 200),
        ("/stories/walk/?page=2", 200),
    ],
)
def test_a_page_number_out_of_bounds_is_a_404_and_a_non_number_a_400(client, world, path, status):
    assert client.get(path).status_code == status


@pytest.mark.parametrize("since", ["-1000", "²", "abc", "9" * 40])
def test_the_updates_poll_stops_on_a_count_our_page_never_wrote(client, world, since):
    # A negative count would announce a thousand new articles that do not exist.
    response = client.get(f"/stories/walk/updates/?since={since}", headers={"HX-Request": "true"})
    assert response.status_code == 286


def test_a_timeline_fragment_with_an_impossible_date_is_a_400(client, world):
    response = client.get("/stories/walk/?page=2&after=2026-02-30", headers={"HX-Request": "true"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/admin/stories/story/abc/do/lock/", 404),
        ("POST", "/admin/stories/story/99999999999999999999/do/lock/", 404),
        ("GET", "/admin/stories/auditentry/abc/undo/", 404),
        ("POST", "/admin/stories/auditentry/abc/undo/", 404),
        ("GET", "/admin/stories/event/abc/change/", 404),
        ("GET", "/admin/stories/story/quality/?since=2026-02-30", 400),
        ("GET", "/admin/stories/story/quality/?since=2026-02-28", 200),
        ("GET", "/admin/stories/auditentry/?created_at__year=99999999999999999999", 400),
        ("GET", "/admin/stories/story/1/change/?_to_field=", 400),
    ],
)
def test_admin_ids_and_dates_are_parsed_with_bounds(client, world, method, path, status):
    client.force_login(world["superuser"])
    response = client.get(path) if method == "GET" else client.post(path)
    assert response.status_code == status


def test_a_desk_action_with_a_superscript_digit_for_an_article_is_an_editor_error(client, world):
    client.force_login(world["superuser"])
    story = world["story"]
    response = client.post(
        f"/admin/stories/story/{story.pk}/do/pin/", {"article": "²"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == ["no article chosen"]


def test_a_failed_login_with_a_username_longer_than_axes_column_is_refused_not_a_500(client, db):
    response = client.post("/admin/login/", {"username": "u" * 5000, "password": "wrong"})
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
