"""Reader pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Story


def _get_story_or_404(slug: str) -> Story:
    return get_object_or_404(Story.objects.filter(is_published=True), slug=slug)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    stories = Story.objects.active()[:30]
    return render(request, "stories/home.html", {"stories": stories})


@require_GET
def story_detail(request: HttpRequest, slug: str) -> HttpResponse:
    story = _get_story_or_404(slug)
    if story.merged_into_id:
        return HttpResponsePermanentRedirect(story.merged_into.get_absolute_url())
    events = story.events.all()[:50]
    return render(request, "stories/detail.html", {"story": story, "events": events})
