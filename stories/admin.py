from __future__ import annotations

from django.contrib import admin

from .models import Event, Story


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["display_title", "language", "status", "article_count", "last_activity_at"]
    list_filter = ["status", "language", "is_published", "is_locked"]
    search_fields = ["title", "editor_title", "slug"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["display_headline", "story", "occurred_at", "article_count"]
    list_select_related = ["story"]
    raw_id_fields = ["story", "representative_article"]
