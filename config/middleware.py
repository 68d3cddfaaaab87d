"""A strict Content-Security-Policy on every response (Django 5.2 has no built-in CSP).

The policy allows only what the pages load from this site: our stylesheet, the vendored htmx
and same-origin htmx requests. No inline scripts, no inline styles, no eval, no plugins, no
foreign forms or <base>. So a headline that slips a `<script>` or an `onerror=` past the
template escaping still cannot run: the browser refuses it.

Framing is refused everywhere (`frame-ancestors 'none'`, the CSP twin of X-Frame-Options:
DENY) except on views marked `@xframe_options_exempt` — the story embed, which publishers put
in their own pages. Reading that marker instead of matching URL paths keeps one source of truth
for "this view may be framed" (the same marker XFrameOptionsMiddleware obeys).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

HEADER = "Content-Security-Policy"

# Each directive stated, not left to default-src: a reviewer sees the whole policy here.
DEFAULT_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Articles' lead images are shown from the publishers' own https addresses (with
    # referrerpolicy="no-referrer"); data: covers the SVG icons browsers inline. Nothing else
    # of the publishers' is loaded: no scripts, styles, frames or fonts.
    "img-src": "'self' data: https:",
    "font-src": "'self'",
    # htmx requests go back to this site only.
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The embed is made to sit in other sites' iframes.
EMBED_FRAME_ANCESTORS = "*"


def build_policy(*, frameable: bool = False, overrides: dict[str, str] | None = None) -> str:
    directives = {**DEFAULT_POLICY, **(overrides or {})}
    if frameable:
        directives["frame-ancestors"] = EMBED_FRAME_ANCESTORS
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless the view already set its own header.

    SILSILA_CSP_OVERRIDES (a dict of directive → sources, optional) lets a deployment widen
    one directive, e.g. a CDN in img-src, without editing code. SILSILA_CSP_REPORT_ONLY sends
    the policy as Content-Security-Policy-Report-Only, for trying a change on live traffic.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        overrides = getattr(settings, "SILSILA_CSP_OVERRIDES", None) or {}
        self.header = HEADER + ("-Report-Only" if getattr(settings, "SILSILA_CSP_REPORT_ONLY", False) else "")
        self.policy = build_policy(overrides=overrides)
        self.frameable_policy = build_policy(frameable=True, overrides=overrides)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER in response or f"{HEADER}-Report-Only" in response:
            return response
        frameable = getattr(response, "xframe_options_exempt", False)
        response[self.header] = self.frameable_policy if frameable else self.policy
        return response


# --- Hostile requests --------------------------------------------------------------------------


class RequestSizeLimitMiddleware:
    """413 for a body declared larger than SILSILA_MAX_REQUEST_BYTES, before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE bounds form fields, but Django streams multipart file parts to
    memory or disk whatever their size: 20 MB posted to /admin/login/ was read whole. No form
    of ours takes a file, so one cap on the declared length covers every content type. (A WSGI
    request without Content-Length has, for Django, an empty body.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty too
        if length > settings.SILSILA_MAX_REQUEST_BYTES:
            return HttpResponse(
                "Request body too large.\n", status=413, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


# Date parts the admin turns into dates, as the date hierarchy's datetime(year, month, day) or as
# a plain `__year` lookup's bounds: digits of a real date, and a year with a year on each side
# (a lookup of year 0 asks for datetime(0, 1, 1); the hierarchy's end of year 9999 is 10000).
_DATE_PART_BOUNDS = {"__year": (4, 1, 9998), "__month": (2, 1, 12), "__day": (2, 1, 31)}


# A bigint has at most 19 digits.
_MAX_ID_DIGITS = 19


def admin_parameter_problem(request: HttpRequest) -> str | None:
    """Why an admin request's parameters would crash django.contrib.admin, or None.

    The admin validates most of its parameters, but not these: `_to_field=` (empty) asks for
    a model field named "" (FieldDoesNotExist); `created_at__year=99999999999999999999`
    overflows the date hierarchy (OverflowError); a year of 0 (ValueError in the lookup's
    bounds) and 9999 (the hierarchy's next year) were 500s too.
    """
    to_field = request.POST.get("_to_field") if request.method == "POST" else None
    if to_field == "" or request.GET.get("_to_field") == "":
        return "_to_field must name a field"
    # PostgreSQL refuses a NUL in any text: a filter, search or form value holding one was a
    # 500 wherever the admin reads it.
    for query in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for name, values in query.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return f"{name.replace(chr(0), '')[:40]} holds a NUL character"
    if request.method == "POST":
        # Every model of ours has integer keys; the admin's bulk actions filter by these as
        # given, and "abc" or "²" made the filter raise (a 500).
        for value in request.POST.getlist("_selected_action"):
            if not (value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS):
                return "_selected_action must list object ids"
    for name, value in request.GET.items():
        for suffix, (digits, lowest, highest) in _DATE_PART_BOUNDS.items():
            if not name.endswith(suffix) or not value:
                continue
            if not (value.isascii() and value.isdigit() and len(value) <= digits):
                return f"{name} must be a number of at most {digits} digits"
            if not lowest <= int(value) <= highest:
                return f"{name} must be between {lowest} and {highest}"
    return None


class AdminParameterMiddleware:
    """400 for the admin parameters Django itself parses without bounds (see above).

    Checked in process_view, once the URL is resolved: only the admin's views are concerned,
    wherever the admin is mounted.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        problem = admin_parameter_problem(request)
        if problem:
            return HttpResponseBadRequest(f"{problem}\n", content_type="text/plain; charset=utf-8")
        return None


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes records for a failed login, cut to its column.

    Django's admin login form does not enforce the username's max_length, and axes writes the
    username into a 255-character column: a longer one made the failed login a 500.
    """
    username = (credentials or {}).get("username")
    if username is None:
        username = getattr(request, "POST", {}).get("username")
    return username[:255] if isinstance(username, str) else username


# Django's debug 404 pages (the URL patterns tried, and the welcome page) carry this tag.
_DEBUG_404_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


class SiteNotFoundMiddleware:
    """Under DEBUG (`make run`), a 404 shows the site's own page, as in production.

    Django answers a 404 with its debug page whenever DEBUG is on, whatever `handler404`
    says; a newcomer who mistypes an address should see the site. Only Django's debug page
    is replaced (a view's own 404 body is kept), and the URL patterns it listed are in the
    console log ("Not Found: /path"). 500s keep DEBUG's traceback (README, "Errors").
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not response.streaming
            and _DEBUG_404_MARK in response.content
        ):
            from django.views.defaults import page_not_found

            return page_not_found(request, exception=None)
        return response
