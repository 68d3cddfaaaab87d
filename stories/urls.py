from __future__ import annotations

from django.urls import path

from . import feeds, views

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
]
