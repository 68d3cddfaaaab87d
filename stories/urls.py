from __future__ import annotations

from django.urls import path, register_converter

from .reader import dossier_feeds, dossier_views, feeds, views


class SlugConverter:
    """A story's or dossier's slug as an address may carry it: any text but a "/" or a control
    character. A NUL (`/stories/%00/`) reached the database, which refuses it: a 500 for anyone;
    now such an address matches no route, a 404."""

    regex = "[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SlugConverter, "slug_text")

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("stories/<slug_text:slug>/", views.story_detail, name="detail"),
    path("stories/<slug_text:slug>/updates/", views.story_updates, name="updates"),
    path("stories/<slug_text:slug>/embed/", views.story_embed, name="embed"),
    path("stories/<slug_text:slug>/feed.atom", feeds.story_atom_feed, name="feed_atom"),
    path("stories/<slug_text:slug>/feed.rss", feeds.story_rss_feed, name="feed_rss"),
    path("stories/<slug_text:slug>/feed.json", feeds.story_json_feed, name="feed_json"),
    path("dossiers/", dossier_views.dossier_list, name="dossiers"),
    path("dossiers/<slug_text:slug>/", dossier_views.dossier_detail, name="dossier"),
    path("dossiers/<slug_text:slug>/feed.atom", dossier_feeds.dossier_atom_feed, name="dossier_feed_atom"),
    path("dossiers/<slug_text:slug>/feed.json", dossier_feeds.dossier_json_feed, name="dossier_feed_json"),
]
