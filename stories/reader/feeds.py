"""Per-story feeds: Atom and RSS through django.contrib.syndication, and JSON Feed 1.1.

An item is a timeline event: its link is the event's place on the story page (a stable
anchor), and the text lists the outlets that carried it, so a feed reader sees the same
dated timeline as the page.

Every summary in the Atom and RSS feeds (entries, and the story's summary as subtitle or
channel description) is HTML made from our plain text: escaped, split into paragraphs, then
passed through the same nh3 policy the pages use. Plain text (Atom `type="text"`) would be
correct for careful readers, but many feed readers render any summary as HTML whatever its
type, and an article whose text is `<img src=x onerror=...>` would then run in them. Escaped
HTML reads the same in both kinds of reader: as the text the outlet wrote. JSON Feed carries
`content_text` only. docs/operations.md ("Security") says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from articles.attribution import outlet_name
from articles.sanitize import plain_text, sanitize_html
from stories.models import Event, Story

from .views import (
    attach_sources,
    get_story_or_404,
    names_a_language,
    redirect_to_survivor,
    story_etag,
    story_last_modified,
    timeline_events,
)

FEED_ITEMS = 50
EXCERPT_CHARS = 280


def _feed_events(story: Story) -> list[Event]:
    events = timeline_events(story, oldest_first=False, offset=0, limit=FEED_ITEMS)
    attach_sources(events, default_language=story.language)
    for event in events:
        event.story_slug = story.slug
    return events


def _event_text(event: Event) -> str:
    excerpt = Truncator(event.excerpt or "").chars(EXCERPT_CHARS)
    names = pgettext("list separator", ", ").join(source.name for source in event.sources)
    sources = _("Sources: %(names)s") % {"names": names} if names else ""
    return "\n\n".join(part for part in (excerpt, _chain_text(event), sources) if part)


def _chain_text(event: Event) -> str:
    """Who reported the event first and how many outlets followed, as the story page says it."""
    first = getattr(event, "first_report", None)
    if first is None:
        return ""
    text = _("First reported by %(outlet)s") % {"outlet": first.name}
    if event.followed_by:
        followed = ngettext(
            "%(counter)s outlet followed", "%(counter)s outlets followed", event.followed_by
        ) % {"counter": event.followed_by}
        text = f"{text}{pgettext('list separator', ', ')}{followed}"
    return text


def inert_text(text: str) -> str:
    """Plain text for a feed's plain-text field, line by line: nothing a reader could run as markup.

    Titles, categories, tags and JSON Feed's text fields are plain text by definition, yet many
    readers put them into a page as HTML. Ingest already stores them as `plain_text`; this is
    the output side, for rows written before that and for what editors type.
    """
    return "\n".join(plain_text(line) if line.strip() else "" for line in text.split("\n"))


def text_as_html(text: str) -> str:
    """Plain text as inert HTML: escaped, one <p> per paragraph, then the pages' nh3 policy.

    The sanitiser is a second lock: whatever the text holds, the result has no tag of its own
    beyond <p> and <br>, no event handler and no script URL.
    """
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    html = "".join(f"<p>{escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)
    return sanitize_html(html)


class HtmlSubtitleAtomFeed(Atom1Feed):
    """Atom whose <subtitle> is HTML like the entries' summaries (Django writes it as text)."""

    def add_root_elements(self, handler) -> None:
        subtitle, self.feed["subtitle"] = self.feed["subtitle"], None
        super().add_root_elements(handler)
        self.feed["subtitle"] = subtitle
        if subtitle:
            handler.addQuickElement("subtitle", subtitle, {"type": "html"})


class EventItems:
    """The Feed item hooks of a timeline event, shared by the story and dossier feeds."""

    def item_description(self, item: Event) -> str:
        # Atom writes it as <summary type="html">, RSS as <description>: HTML in both.
        return text_as_html(_event_text(item))

    def item_guid(self, item: Event) -> str:
        return f"silsila:event:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Event):
        return item.when

    def item_updateddate(self, item: Event):
        return item.when


class StoryAtomFeed(EventItems, Feed):
    feed_type = HtmlSubtitleAtomFeed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        story = get_story_or_404(kwargs["slug"])
        if story.merged_into_id:
            return redirect_to_survivor(request, story, request.resolver_match.view_name)
        # The story and its events are read once here; the Feed hooks below only format.
        request.silsila_feed = (story, _feed_events(story))
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, slug: str) -> tuple[Story, list[Event]]:
        return request.silsila_feed

    def title(self, obj: tuple[Story, list[Event]]) -> str:
        return inert_text(obj[0].label_in(obj[0].language)[0])

    def link(self, obj: tuple[Story, list[Event]]) -> str:
        return obj[0].get_absolute_url()

    def subtitle(self, obj: tuple[Story, list[Event]]) -> str:
        return text_as_html(obj[0].display_summary)

    description = subtitle

    def feed_url(self, obj: tuple[Story, list[Event]]) -> str:
        return reverse("stories:feed_atom", kwargs={"slug": obj[0].slug})

    # Atom requires an author; the entries are Silsila's compilation, the outlets are credited in each.
    def author_name(self, obj: tuple[Story, list[Event]]) -> str:
        return _("Silsila")

    def get_feed(self, obj: tuple[Story, list[Event]], request: HttpRequest):
        feed = super().get_feed(obj, request)
        # Feed.language is a static attribute; a story's feed speaks the story's language.
        feed.feed["language"] = obj[0].language
        feed.feed["author_link"] = request.build_absolute_uri(reverse("stories:home"))
        return feed

    def items(self, obj: tuple[Story, list[Event]]) -> list[Event]:
        return obj[1]

    def item_title(self, item: Event) -> str:
        return inert_text(item.display_headline)

    def item_link(self, item: Event) -> str:
        return f"{reverse('stories:detail', kwargs={'slug': item.story_slug})}#event-{item.pk}"

    def item_categories(self, item: Event) -> list[str]:
        return [inert_text(source.name) for source in item.sources]


class StoryRssFeed(StoryAtomFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self, obj: tuple[Story, list[Event]]) -> str:
        return reverse("stories:feed_rss", kwargs={"slug": obj[0].slug})


_validators = condition(etag_func=story_etag, last_modified_func=story_last_modified)
_feed_cache = cache_control(public=True, max_age=300)


def _in_the_storys_language_unless_asked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A feed speaks its story's language to a client that names none (most feed readers).

    Inside `_validators`, which has read the story's language with its ETag.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = getattr(request, "silsila_story_language", None)
        if names_a_language(request) or language not in dict(settings.LANGUAGES):
            return view(request, *args, **kwargs)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        return response

    return wrapped


def _feed_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return require_safe(_feed_cache(_validators(_in_the_storys_language_unless_asked(view))))


story_atom_feed = _feed_view(StoryAtomFeed())
story_rss_feed = _feed_view(StoryRssFeed())


def chain_fields(chain: dict, *, language: str) -> dict[str, Any]:
    """The chain of an event's reports for a feed item: who first, who followed, whom each credits."""
    first = chain["first"]
    return {
        "first_reported_by": {
            "name": inert_text(outlet_name(first["outlet"], language) or first["source"]),
            "url": first["url"] or None,
            "date_published": first["published_at"],
        },
        "followed_by": chain.get("followed_by", 0),
        "followers": [
            {
                "source": inert_text(follower["source"]),
                "url": follower["url"],
                "language": follower["language"],
                "how": follower["how"],
                "credits": inert_text(
                    outlet_name(follower["credit_outlet"], follower["language"]) or follower["credit"]
                )
                or None,
                "original_url": follower["original_url"] or None,
            }
            for follower in chain.get("followers", [])
        ],
    }


@_feed_view
def story_json_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1): one item per timeline event."""
    story = get_story_or_404(slug)
    if story.merged_into_id:
        return redirect_to_survivor(request, story, "stories:feed_json")
    page_url = request.build_absolute_uri(story.get_absolute_url())
    items = []
    for event in _feed_events(story):
        representative = event.representative_article
        text = _event_text(event)
        item: dict[str, Any] = {
            "id": f"silsila:event:{event.pk}",
            "url": f"{page_url}#event-{event.pk}",
            "title": inert_text(event.display_headline),
            "content_text": inert_text(text),
            "content_html": text_as_html(text),
            "date_published": event.when.isoformat(),
            "language": event.headline_language,
            "tags": [inert_text(source.name) for source in event.sources],
        }
        if representative is not None:
            item["external_url"] = representative.url
        if event.chain:
            item["_silsila"] = chain_fields(event.chain, language=event.headline_language)
        items.append(item)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": inert_text(story.label_in(story.language)[0]),
        "home_page_url": page_url,
        "feed_url": request.build_absolute_uri(reverse("stories:feed_json", kwargs={"slug": story.slug})),
        "description": inert_text(story.display_summary),
        "language": story.language,
        "items": items,
    }
    return JsonResponse(
        body, content_type="application/feed+json; charset=utf-8", json_dumps_params={"ensure_ascii": False}
    )
