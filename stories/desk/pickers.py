"""Choosing stories on the desk: the autocomplete (merge, split, move, dossiers) and its labels.

The picker asks StoryAdmin's `stories_story_pick` view, which searches as the story list does
(stories/desk/words.py): `ايران`, `إيران` and `أيران` find the same stories, by the name readers
see in any language, by an editor's names and titles, by headline or by number.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, ngettext

from stories.models import Story
from stories.reader.params import parse_id
from stories.services import history


def story_label(story: Story) -> str:
    """A story as a picker and a confirmation name it: number, the name readers see, the
    newest title when it says something more, and the size."""
    size = ngettext("%(n)d article", "%(n)d articles", story.article_count) % {"n": story.article_count}
    name = story.label_in(get_language() or settings.LANGUAGE_CODE)[0]
    title = story.display_title
    shown = (
        history.isolated(name) if name == title else f"{history.isolated(name)} — {history.isolated(title)}"
    )
    return f"#{story.pk} · {shown} ({size})"


class _StoryChoices:
    def label_from_instance(self, story: Story) -> str:
        return story_label(story)


class StoryChoiceField(_StoryChoices, forms.ModelChoiceField):
    pass


class StoryMultipleChoiceField(_StoryChoices, forms.ModelMultipleChoiceField):
    pass


class StoryPicker(AutocompleteSelect):
    """The admin's autocomplete (select2), asking StoryAdmin's picker view for live stories."""

    url_name = "%s:stories_story_pick"


class StoryPickerMultiple(AutocompleteSelectMultiple):
    url_name = "%s:stories_story_pick"


class StoryPickView(AutocompleteJsonView):
    def serialize_result(self, obj: Story, to_field_name: str) -> dict[str, str]:
        return {"id": str(obj.pk), "text": story_label(obj)}


def picker_field():
    # The widget needs a relation to Story to tell the view which model to search.
    return Story._meta.get_field("merged_into")


class StoriesByNumberOrSlug(StoryMultipleChoiceField):
    """The picker's story numbers; a slug typed or posted instead is read as its story."""

    def clean(self, value):
        values = value if isinstance(value, list | tuple) else [value or ""]
        numbers = []
        for item in (word for text in values for word in str(text).replace(",", " ").split()):
            pk = parse_id(str(item).strip().lstrip("#"))
            if pk is None:
                pk = Story.objects.filter(slug=str(item).strip()).values_list("pk", flat=True).first()
            if pk is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
            numbers.append(str(pk))
        return super().clean(numbers)
