from __future__ import annotations

from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("stories/<str:slug>/", views.story_detail, name="detail"),
]
