from __future__ import annotations

from django.contrib import admin

from .models import Article, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "kind", "language", "enabled", "last_success_at", "consecutive_failures"]
    list_filter = ["enabled", "kind", "language"]
    search_fields = ["name", "url"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "language", "published_at", "status"]
    list_filter = ["status", "language"]
    list_select_related = ["source"]
    search_fields = ["title", "url"]
    raw_id_fields = ["duplicate_of"]
