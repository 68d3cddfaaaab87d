"""Per-dossier feeds: Atom and JSON Feed 1.1 of the combined timeline of a dossier's stories.

They follow the story feeds (stories/reader/feeds.py): one item per timeline event, linked to its
place on its story's page; the item title is prefixed with the story's label, since a dossier
feed mixes several stories.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from articles.sanitize import https_url
from stories.models import Dossier, Event

from .dossier_views import dossier_events, get_dossier_or_404, redirect_to_surviving_dossier
from .feeds import FEED_ITEMS, EventItems, _event_text, inert_text, text_as_html
from .views import attach_sources

_feed_cache = cache_control(public=True, max_age=300)


def _feed_language(dossier: Dossier) -> str:
    names = dossier.editor_names or dossier.names
    return next((code for code in sorted(names) if code), settings.LANGUAGE_CODE)


def _feed_events(dossier: Dossier, language: str) -> list[Event]:
    events = dossier_events(dossier, offset=0, limit=FEED_ITEMS)
    attach_sources(events, default_language=language)
    for event in events:
        event.story_label = event.story.label_in(language)[0]
    return events


def _item_title(event: Event) -> str:
    return inert_text(f"{event.story_label}: {event.display_headline}")


def _item_link(event: Event) -> str:
    return f"{reverse('stories:detail', kwargs={'slug': event.story.slug})}#event-{event.pk}"


class DossierAtomFeed(EventItems, Feed):
    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dossier = get_dossier_or_404(kwargs["slug"])
        if dossier.merged_into_id:
            return redirect_to_surviving_dossier(request, dossier, "stories:dossier_feed_atom")
        language = _feed_language(dossier)
        request.silsila_feed = (dossier, language, _feed_events(dossier, language))
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, slug: str) -> tuple[Dossier, str, list[Event]]:
        return request.silsila_feed

    def title(self, obj: tuple[Dossier, str, list[Event]]) -> str:
        return inert_text(obj[0].name_in(obj[1]))

    def link(self, obj: tuple[Dossier, str, list[Event]]) -> str:
        return obj[0].get_absolute_url()

    def subtitle(self, obj: tuple[Dossier, str, list[Event]]) -> str:
        return ""

    def feed_url(self, obj: tuple[Dossier, str, list[Event]]) -> str:
        return reverse("stories:dossier_feed_atom", kwargs={"slug": obj[0].slug})

    # Atom requires an author; the entries are Silsila's compilation, the outlets are credited in each.
    def author_name(self, obj: tuple[Dossier, str, list[Event]]) -> str:
        return _("Silsila")

    def get_feed(self, obj: tuple[Dossier, str, list[Event]], request: HttpRequest):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj[1]
        feed.feed["author_link"] = request.build_absolute_uri(reverse("stories:home"))
        return feed

    def items(self, obj: tuple[Dossier, str, list[Event]]) -> list[Event]:
        return obj[2]

    def item_title(self, item: Event) -> str:
        return _item_title(item)

    def item_link(self, item: Event) -> str:
        return _item_link(item)

    def item_categories(self, item: Event) -> list[str]:
        return [inert_text(item.story_label)]


dossier_atom_feed = require_safe(_feed_cache(DossierAtomFeed()))


@require_safe
@_feed_cache
def dossier_json_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1): one item per event of the dossier's stories."""
    dossier = get_dossier_or_404(slug)
    if dossier.merged_into_id:
        return redirect_to_surviving_dossier(request, dossier, "stories:dossier_feed_json")
    language = _feed_language(dossier)
    items = []
    for event in _feed_events(dossier, language):
        text = _event_text(event)
        item: dict[str, Any] = {
            "id": f"silsila:event:{event.pk}",
            "url": request.build_absolute_uri(_item_link(event)),
            "title": _item_title(event),
            "content_text": inert_text(text),
            "content_html": text_as_html(text),
            "date_published": event.when.isoformat(),
            "language": event.headline_language,
            "tags": [inert_text(event.story_label)],
        }
        if event.representative_article is not None:
            item["external_url"] = event.representative_article.url
            # https only, as on the pages: a javascript:, data: or http: address is left out.
            image = https_url(event.representative_article.image_url)
            if image:
                item["image"] = image
        items.append(item)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": inert_text(dossier.name_in(language)),
        "home_page_url": request.build_absolute_uri(dossier.get_absolute_url()),
        "feed_url": request.build_absolute_uri(
            reverse("stories:dossier_feed_json", kwargs={"slug": dossier.slug})
        ),
        "language": language,
        "items": items,
    }
    return JsonResponse(
        body, content_type="application/feed+json; charset=utf-8", json_dumps_params={"ensure_ascii": False}
    )
