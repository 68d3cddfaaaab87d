"""Dossiers in the editors' admin: create, rename, merge, split, move stories in and out.

As with stories, nothing is saved through a plain model form: each change goes through
stories.services.dossiers, which audits it (and makes it undoable from the audit trail).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from articles.search import JSONValues, matching
from stories.models import Decider, Dossier, Story
from stories.reader.params import parse_id
from stories.services import dossiers as dossier_service
from stories.services import editing
from stories.services.audit import EditorError

from .pickers import StoriesByNumberOrSlug, StoryPickerMultiple, picker_field

# The remove and split lists of a dossier's form offer at most this many stories.
FORM_STORIES = 200


class _DossierFormBase(forms.ModelForm):
    """Names per language (fields added below, one per site language), and the story moves asked for."""

    add_stories = StoriesByNumberOrSlug(
        label=_("Add stories"),
        queryset=Story.objects.filter(merged_into__isnull=True),
        widget=StoryPickerMultiple(picker_field(), admin.site, attrs={"id": "dossier-add-stories"}),
        required=False,
        help_text=_("Type a story's name, title or number and choose it."),
    )
    remove_stories = forms.ModelMultipleChoiceField(
        label=_("Take out of this dossier"), queryset=Story.objects.none(), required=False
    )
    split_stories = forms.ModelMultipleChoiceField(
        label=_("Split into a new dossier"), queryset=Story.objects.none(), required=False
    )
    split_name = forms.CharField(label=_("Name of the new dossier"), required=False, max_length=200)

    class Meta:
        model = Dossier
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            field = self.fields[f"name_{code}"]
            # Labelled here, in the editor's language (the class is built at import time).
            field.label = gettext("Name (%(language)s)") % {"language": str(name)}
            if self.instance.pk:
                field.initial = self.instance.editor_names.get(code, "")
                field.help_text = gettext("The engine's: %(name)s") % {
                    "name": self.instance.names.get(code, "—")
                }
        members = Story.objects.filter(dossier=self.instance) if self.instance.pk else Story.objects.none()
        language = get_language() or settings.LANGUAGE_CODE
        # Any story of the dossier may be posted; the lists offer the most recently active
        # ones, so that a dossier of thousands of stories is not a form of megabytes.
        listed = list(members.order_by(F("last_activity_at").desc(nulls_last=True), "-pk")[:FORM_STORIES])
        total = members.count() if len(listed) == FORM_STORIES else len(listed)
        for name in ("remove_stories", "split_stories"):
            field = self.fields[name]
            field.queryset = members
            # The story's name, its newest title and its number: what an editor recognises.
            field.label_from_instance = lambda story: (
                f"{story.label_in(language)[0]} — {story.display_title} (#{story.pk})"
            )
            field.widget.choices = [(story.pk, field.label_from_instance(story)) for story in listed]
            if total > len(listed):
                field.help_text = ngettext(
                    "The %(shown)d most recently active of %(total)d story. To take out another, "
                    "choose its dossier on the story's own desk page.",
                    "The %(shown)d most recently active of %(total)d stories. To take out another, "
                    "choose its dossier on the story's own desk page.",
                    total,
                ) % {"shown": len(listed), "total": total}

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"name_{code}", "") for code, _name in settings.LANGUAGES}

    def stories_to_add(self) -> list[Story]:
        return list(self.cleaned_data.get("add_stories") or [])


DossierForm = type(
    "DossierForm",
    (_DossierFormBase,),
    {f"name_{code}": forms.CharField(required=False, max_length=200) for code, name in settings.LANGUAGES},
)


class DeciderFilter(admin.SimpleListFilter):
    """The dossier's `decided_by` under a translated title (the field has no verbose name)."""

    title = _("decided by")
    parameter_name = "decided_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Decider.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
        if self.value() in Decider.values:
            return queryset.filter(decided_by=self.value())
        return queryset


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    form = DossierForm
    list_display = [
        "__str__",
        "story_count",
        "article_count",
        "last_activity_at",
        "decided_by_column",
        "is_published",
    ]
    list_filter = [DeciderFilter, "is_published"]
    search_fields = ["slug", "names", "editor_names"]
    actions = ["merge_selected"]
    # Labelled here: the model's slug, merged_into and decided_by have no translated names.
    readonly_fields = ["address", "story_count", "article_count", "last_activity_at", "merged_into_link"]

    @admin.display(description=_("decided by"), ordering="decided_by")
    def decided_by_column(self, dossier: Dossier) -> str:
        return dossier.get_decided_by_display()

    @admin.display(description=_("slug"))
    def address(self, dossier: Dossier) -> str:
        return dossier.slug

    @admin.display(description=_("merged into"))
    def merged_into_link(self, dossier: Dossier) -> str:
        if dossier.merged_into_id is None:
            return "—"
        url = reverse("admin:stories_dossier_change", args=[dossier.merged_into_id])
        return format_html('<a href="{}" dir="auto">{}</a>', url, dossier.merged_into)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Dossier], search_term: str
    ) -> tuple[QuerySet[Dossier], bool]:
        """Names in every language, read as the reader's search reads them (hamza, clitics)."""
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            # The story desk's dossier picker offers dossiers a story can be filed in: live ones.
            queryset = queryset.filter(merged_into__isnull=True)
        if not search_term.strip():
            return queryset, False
        found = matching(
            queryset, search_term, fields=(JSONValues("editor_names"), JSONValues("names"), "slug")
        )
        return queryset.filter(pk__in=found.values("pk")), False

    def get_fieldsets(self, request: HttpRequest, obj: Dossier | None = None):
        names = [f"name_{code}" for code, _name in settings.LANGUAGES]
        if obj is None:
            return [(None, {"fields": [*names, "add_stories"]})]
        return [
            (
                None,
                {
                    "fields": [
                        "address",
                        *names,
                        "story_count",
                        "article_count",
                        "last_activity_at",
                        "merged_into_link",
                    ]
                },
            ),
            (_("Stories"), {"fields": ["add_stories", "remove_stories", "split_stories", "split_name"]}),
        ]

    def save_model(self, request: HttpRequest, obj: Dossier, form: DossierForm, change: bool) -> None:
        try:
            if not change:
                created = dossier_service.create_dossier(
                    names=form.names(), stories=form.stories_to_add(), user=request.user
                )
                obj.pk = created.pk
                return
            if form.names() != {code: obj.editor_names.get(code, "") for code, _n in settings.LANGUAGES}:
                dossier_service.rename_dossier(dossier=obj, names=form.names(), user=request.user)
            for story in form.stories_to_add():
                dossier_service.move_story(story=story, dossier=obj, user=request.user)
            for story in form.cleaned_data.get("remove_stories") or []:
                dossier_service.move_story(story=story, dossier=None, user=request.user)
            split = list(form.cleaned_data.get("split_stories") or [])
            if split:
                new = dossier_service.split_dossier(
                    dossier=obj,
                    stories=split,
                    names=form.cleaned_data.get("split_name", ""),
                    user=request.user,
                )
                messages.success(request, gettext("Split into “%(name)s”.") % {"name": new})
        except EditorError as exc:
            messages.error(request, str(exc))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # No related rows are saved from the form: everything went through the service.
        return None

    @admin.action(description=_("Merge selected dossiers into the largest"), permissions=["change"])
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Dossier]) -> None:
        dossiers = list(queryset.filter(merged_into__isnull=True).order_by("-article_count", "pk"))
        if len(dossiers) < 2:
            self.message_user(request, _("Choose at least two live dossiers to merge."), messages.WARNING)
            return
        try:
            dossier_service.merge_dossiers(target=dossiers[0], others=dossiers[1:], user=request.user)
        except EditorError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "Merged %(n)d dossier into “%(name)s”.",
                "Merged %(n)d dossiers into “%(name)s”.",
                len(dossiers) - 1,
            )
            % {"n": len(dossiers) - 1, "name": dossiers[0]},
        )


# --- On the story desk (stories/desk/admin.py): the story's label and its dossier -------------------


def desk_context(story: Story) -> dict:
    """What the desk's label and dossier forms show (templates/admin/stories/story/_desk_labels.html)."""
    languages = sorted(
        (set(story.language_counts) | set(story.labels) | set(story.editor_labels) | {"ar", "en"}) - {"und"}
    )
    # The admin's autocomplete over DossierAdmin's search (names folded as the reader's search
    # folds them): `ايران` finds «إيران». An empty choice takes the story out of its dossier.
    picker = AutocompleteSelect(
        Story._meta.get_field("dossier"),
        admin.site,
        attrs={
            "id": "dossier-picker",
            "aria-label": gettext("Dossier:"),
            "data-placeholder": gettext("(in no dossier)"),
        },
    )
    picker.is_required = False
    picker.choices = forms.ModelChoiceField(queryset=Dossier.objects.all(), required=False).choices
    return {
        "label_fields": [
            (language, story.editor_labels.get(language, ""), story.labels.get(language, ""))
            for language in languages
        ],
        "dossier_picker": picker.render("dossier", story.dossier_id),
    }


def label_desk_action(request: HttpRequest, story: Story) -> str:
    labels = {
        key.removeprefix("label_"): value for key, value in request.POST.items() if key.startswith("label_")
    }
    editing.set_labels(story=story, user=request.user, labels=labels)
    return gettext("Labels saved.")


def dossier_desk_action(request: HttpRequest, story: Story) -> str:
    value = request.POST.get("dossier", "")
    pk = parse_id(value)
    dossier = Dossier.objects.filter(pk=pk).first() if pk is not None else None
    if value and dossier is None:
        raise EditorError(gettext("No such dossier."))
    dossier_service.move_story(story=story, dossier=dossier, user=request.user)
    if dossier is None:
        return gettext("Taken out of its dossier; the engine will not file it again.")
    return gettext("Filed in “%(name)s”.") % {"name": dossier}
