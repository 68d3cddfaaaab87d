from __future__ import annotations

from django.urls import path

from .reader import dossier_feeds, dossier_views, feeds, views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("stories/<str:slug>/", views.story_detail, name="detail"),
    path("stories/<str:slug>/updates/", views.story_updates, name="updates"),
    path("stories/<str:slug>/embed/", views.story_embed, name="embed"),
    path("stories/<str:slug>/feed.atom", feeds.story_atom_feed, name="feed_atom"),
    path("stories/<str:slug>/feed.rss", feeds.story_rss_feed, name="feed_rss"),
    path("stories/<str:slug>/feed.json", feeds.story_json_feed, name="feed_json"),
    path("dossiers/", dossier_views.dossier_list, name="dossiers"),
    path("dossiers/<str:slug>/", dossier_views.dossier_detail, name="dossier"),
    path("dossiers/<str:slug>/feed.atom", dossier_feeds.dossier_atom_feed, name="dossier_feed_atom"),
    path("dossiers/<str:slug>/feed.json", dossier_feeds.dossier_json_feed, name="dossier_feed_json"),
]
