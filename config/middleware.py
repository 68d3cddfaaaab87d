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
from django.http import HttpRequest, HttpResponse

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
