from __future__ import annotations

import dataclasses
import json
import threading
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from articles.models import Article
from articles.tests.factories import BASE_TIME, ArticleFactory, SourceFactory
from stories.clustering import consolidation
from stories.models import AuditEntry, Event, Exclusion, KeyMoment, Membership, Story
from stories.services import clustering, editing, history, locks
from stories.tests.factories import MembershipFactory, StoryFactory

DEMO_FILE = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "demo" / "articles.jsonl"

QUAKE = (
    "A magnitude 6.3 earthquake struck Elazig province in eastern Turkey, collapsing buildings. "
    "Rescue teams searched the rubble of Elazig through the night as the death toll rose."
)
QUAKE_FOLLOW_UP = (
    "Rescuers in Elazig pulled a girl alive from the rubble 30 hours after the earthquake in eastern Turkey, "
    "as the death toll from the magnitude 6.3 quake rose again."
)
SUMMIT = (
    "Delegates at the coastal cities climate summit in Lisbon argued over who should pay into "
    "a five billion dollar adaptation fund for sea walls and flood defences."
)


@pytest.fixture(autouse=True)
def fresh_engines():
    clustering.reset_engines()
    yield
    clustering.reset_engines()


def _article(title: str, text: str, *, hours: int = 0, **kwargs) -> Article:
    return ArticleFactory(title=title, text=text, published_at=BASE_TIME + timedelta(hours=hours), **kwargs)


@pytest.mark.django_db
def test_it_assigns_every_ready_article_to_exactly_one_story():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    follow_up = _article(
        "Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30
    )
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    pending = ArticleFactory(status=Article.Status.PENDING)

    result = clustering.cluster_pending()

    assert result.assigned == 3
    memberships = {m.article_id: m for m in Membership.objects.all()}
    assert set(memberships) == {quake.pk, follow_up.pk, summit.pk}
    assert memberships[quake.pk].story_id == memberships[follow_up.pk].story_id
    assert memberships[summit.pk].story_id != memberships[quake.pk].story_id
    assert pending.pk not in memberships
    story = Story.objects.get(pk=memberships[quake.pk].story_id)
    assert story.article_count == 2
    assert story.first_activity_at == quake.published_at
    assert story.last_activity_at == follow_up.published_at
    assert story.events.count() >= 1
    assert all(m.event_id for m in memberships.values())


@pytest.mark.django_db
def test_clustering_again_is_a_no_op():
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    clustering.cluster_pending()
    assert clustering.cluster_pending().assigned == 0
    assert Membership.objects.count() == 1
    assert Story.objects.count() == 1


@pytest.mark.django_db
def test_a_restarted_worker_rebuilds_its_engine_and_adds_to_the_existing_story():
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    clustering.cluster_pending()
    clustering.reset_engines()  # as after a restart, or on another worker process
    _article("Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30)

    clustering.cluster_pending()

    assert Story.objects.count() == 1
    assert Story.objects.get().article_count == 2


@pytest.mark.django_db
def test_a_second_worker_catches_up_with_what_the_first_one_wrote():
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    clustering.cluster_pending()  # this process's engine now knows one story
    first_engine = clustering.engine_for(clustering.ALL)
    # Another worker assigns an article this engine has not seen.
    other_worker_article = _article("Turkey earthquake: Elazig search goes on", QUAKE_FOLLOW_UP, hours=5)
    saved = dict(clustering._holders)
    clustering.reset_engines()
    clustering.cluster_pending()
    clustering._holders.update(saved)

    assert clustering.engine_for(clustering.ALL) is first_engine
    assert first_engine.story_of(other_worker_article.pk) == other_worker_article.membership.story_id


@pytest.mark.django_db(transaction=True)
def test_a_partition_held_by_another_worker_is_skipped():
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    held = threading.Event()
    release = threading.Event()

    def other_worker():
        with transaction.atomic():
            assert locks.try_partition_lock(clustering.ALL)
            held.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(10)
        assert clustering.cluster_partition(partition=clustering.ALL) is None
        assert Membership.objects.count() == 0
    finally:
        release.set()
        thread.join()
    assert clustering.cluster_partition(partition=clustering.ALL) == (1, 1)


@pytest.mark.django_db
def test_an_excluded_article_never_returns_to_its_story():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    follow_up = _article(
        "Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30
    )
    clustering.cluster_pending()
    story = Story.objects.get(memberships__article=quake)
    assert follow_up.membership.story == story

    editing.exclude_article(article=follow_up, story=story, user=None)
    clustering.cluster_pending()
    # And a new article on the same event does not pull it back.
    _article("Elazig earthquake: rescuers find survivor in rubble", QUAKE_FOLLOW_UP, hours=31)
    clustering.cluster_pending()

    follow_up.refresh_from_db()
    assert Membership.objects.get(article=follow_up).story_id != story.pk
    assert Exclusion.objects.filter(article=follow_up, story=story).exists()


@pytest.mark.django_db
def test_recluster_keeps_pins_and_exclusions():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    follow_up = _article(
        "Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30
    )
    clustering.cluster_pending()
    quake_story = quake.membership.story
    summit_story = Story.objects.get(memberships__article=summit)
    editing.pin_article(article=summit, story=quake_story, user=None)
    editing.exclude_article(article=follow_up, story=quake_story, user=None)

    call_command("recluster")

    assert Membership.objects.get(article=summit).story_id == quake_story.pk
    assert Membership.objects.get(article=follow_up).story_id != quake_story.pk
    assert Membership.objects.count() == 3
    assert not Story.objects.filter(pk=summit_story.pk, article_count__gt=0).exists()
    # Events the dropped memberships left empty are gone; the others count their articles.
    assert not Event.objects.filter(memberships__isnull=True).exists()
    assert all(e.article_count == e.memberships.count() for e in Event.objects.all())


@pytest.mark.django_db
def test_new_articles_join_the_story_an_editor_merged_into():
    first = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    quake_story = first.membership.story
    summit_story = summit.membership.story

    editing.merge_stories(target=summit_story, others=[quake_story], user=None)
    _article("Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30)
    clustering.cluster_pending()

    quake_story.refresh_from_db()
    assert quake_story.merged_into_id == summit_story.pk
    assert Membership.objects.filter(story=summit_story).count() == 3
    assert not Membership.objects.filter(story=quake_story).exists()


@pytest.mark.django_db
def test_maintenance_marks_quiet_stories_dormant_in_stream_time():
    _article("Lisbon climate summit split over adaptation fund", SUMMIT)
    clustering.cluster_pending()
    summit_story = Story.objects.get()
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE, hours=24 * 60)
    clustering.cluster_pending()

    clustering.maintain_stories()

    summit_story.refresh_from_db()
    assert summit_story.status == Story.Status.DORMANT
    assert Story.objects.exclude(pk=summit_story.pk).get().status == Story.Status.ACTIVE


@pytest.mark.django_db
def test_summaries_and_key_moments_are_written_and_editor_moments_kept():
    source = SourceFactory()
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE, source=source)
    _article("Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30)
    clustering.cluster_pending()
    story = Story.objects.get()
    event = story.events.order_by("occurred_at").first()
    editing.edit_event(event=event, user=None, is_key_moment=True)

    assert clustering.refresh_story_texts() == 1

    story.refresh_from_db()
    assert "Elazig" in story.summary
    assert story.summarized_article_count == 2
    editor_moments = KeyMoment.objects.filter(story=story, decided_by="editor")
    assert [m.text for m in editor_moments] == [event.display_headline]
    assert clustering.refresh_story_texts() == 0  # nothing changed since


@pytest.mark.django_db
def test_the_upkeep_task_leaves_story_texts_to_a_task_of_the_default_queue(monkeypatch):
    from django.conf import settings

    from stories import tasks

    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    _article("Girl rescued alive from Elazig rubble after Turkey earthquake", QUAKE_FOLLOW_UP, hours=30)
    clustering.cluster_pending()
    handed_over = []
    monkeypatch.setattr(tasks.refresh_story_texts, "delay", lambda: handed_over.append(1))

    tasks.maintain_stories()

    # The engine's part ran here (on the clustering queue); the texts wait for their own task.
    assert handed_over == [1] and Story.objects.get().summary == ""
    assert settings.CELERY_TASK_ROUTES["stories.maintain_stories"] == {"queue": "clustering"}
    assert "stories.refresh_story_texts" not in settings.CELERY_TASK_ROUTES  # the default queue
    assert tasks.refresh_story_texts() == 1
    assert "Elazig" in Story.objects.get().summary


def test_every_task_of_the_clustering_queue_has_the_time_to_build_an_engine():
    from django.conf import settings

    from stories import tasks

    # Each of them may be a worker's first and restore or replay its engine (engine_for).
    on_clustering_queue = [
        task
        for task in (tasks.cluster_pending, tasks.maintain_stories, tasks.consolidate_stories)
        if settings.CELERY_TASK_ROUTES[task.name] == {"queue": "clustering"}
    ]
    assert len(on_clustering_queue) == 3
    for task in on_clustering_queue:
        assert task.soft_time_limit == tasks.ENGINE_SOFT_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT, (
            task.name
        )
        assert task.time_limit > task.soft_time_limit, task.name


@pytest.mark.django_db
def test_an_engine_merge_moves_the_rows_is_audited_and_rebuilds_other_engines():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    stale_engine = clustering.engine_for(clustering.ALL)
    source, target = quake.membership.story, Membership.objects.get(article=summit).story

    clustering._persist_engine_merge(source_id=source.pk, target_id=target.pk, similarity=0.7)

    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert set(Membership.objects.filter(story=target).values_list("article_id", flat=True)) == {
        quake.pk,
        summit.pk,
    }
    entry = AuditEntry.objects.get()
    assert entry.user is None
    assert entry.after["by"] == "engine"
    assert [m["article"] for m in entry.before["memberships"]] == [quake.pk]
    assert entry.before["stories"] == {str(source.pk): {"status": "active"}}
    # Another process's engine sees the audit trail move and rebuilds with the merge in it.
    rebuilt = clustering.engine_for(clustering.ALL)
    assert rebuilt is not stale_engine
    assert rebuilt.story_of(quake.pk) == target.pk


@pytest.mark.django_db
def test_undoing_an_engine_merge_splits_and_locks_the_stories():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    source, target = quake.membership.story, Membership.objects.get(article=summit).story
    clustering._persist_engine_merge(source_id=source.pk, target_id=target.pk, similarity=0.7)

    history.undo(entry=AuditEntry.objects.get(action="merge"), user=None)

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into_id is None
    assert Membership.objects.get(article=quake).story_id == source.pk
    assert (source.is_locked, target.is_locked) == (True, True)
    # Locked: even a decision that calls every pair one story leaves them apart.
    assert clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION) == []


@pytest.mark.django_db
def test_the_demo_corpus_keeps_the_look_alike_stories_apart():
    call_command("load_demo")
    gold = {}
    for line in DEMO_FILE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold[record["id"]] = record["story"]
    members: dict[int, list[str]] = defaultdict(list)
    for guid, story_id in Membership.objects.values_list("article__guid", "story_id"):
        members[story_id].append(gold[guid])
    assert Membership.objects.count() == len(gold)
    # Each look-alike has a main story of its own, told in both languages, which holds at
    # most a stray article or two of the other (measured: the judiciary report that quotes
    # Washington, in both languages; docs/evaluation.md).
    main = {}
    for label in ("iran-us-contacts", "iran-protests"):
        main[label] = max(members, key=lambda story_id: members[story_id].count(label))
        labels = members[main[label]]
        assert labels.count(label) >= 0.85 * len(labels)
    assert main["iran-us-contacts"] != main["iran-protests"]
    languages = set(
        Membership.objects.filter(story_id=main["iran-protests"]).values_list("article__language", flat=True)
    )
    assert languages == {"ar", "en"}
    assert KeyMoment.objects.exists()
    assert AuditEntry.objects.count() == 0
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_new_stories_with_the_same_headline_in_one_batch_get_distinct_slugs():
    _article("Breaking news", QUAKE)
    _article("Breaking news", SUMMIT, hours=1)
    StoryFactory(slug="breaking-news")

    assert clustering.cluster_pending().assigned == 2

    slugs = sorted(Story.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 3
    assert all(slug.startswith("breaking-news") for slug in slugs)


@pytest.mark.django_db
def test_a_failed_batch_leaves_no_engine_state_behind(monkeypatch):
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(clustering, "_write_assignments", fail)
    with pytest.raises(RuntimeError):
        clustering.cluster_pending()
    assert clustering.ALL not in clustering._holders
    monkeypatch.undo()

    assert clustering.cluster_pending().assigned == 1
    assert Story.objects.count() == 1


# --- One engine for every language --------------------------------------------------------

AXIOS_EN = (
    "Iran's Foreign Minister Abbas Araghchi sent text messages directly to US special envoy Steve "
    "Witkoff last week, offering to open a direct channel between Tehran and Washington, according to "
    "two sources briefed on the exchange, Axios reports. The messages came as protests spread across Iran."
)
AXIOS_AR = (
    "كشف موقع أكسيوس أن وزير الخارجية الإيراني عباس عراقجي بعث برسائل نصية مباشرة إلى المبعوث الأمريكي "
    "الخاص ستيف ويتكوف الأسبوع الماضي، عارضا فتح قناة اتصال مباشرة بين طهران وواشنطن، وفق مصدرين اطلعا "
    "على المراسلات. المصدر: أكسيوس"
)
PROTESTS_AR = (
    "خرج آلاف المتظاهرين إلى شوارع طهران ومدن إيرانية أخرى لليلة الخامسة على التوالي احتجاجا على انهيار "
    "الريال وغلاء الأسعار، فيما أطلقت قوات الأمن الغاز المسيل للدموع. "
    "ودانت واشنطن القمع، وقالت إن العالم يراقب."
)

QUAKE_AR = (
    "ضرب زلزال بقوة 6.3 درجات ولاية ألازيغ شرق تركيا وأدى إلى انهيار عشرات المباني، فيما تبحث فرق "
    "الإنقاذ عن ناجين تحت الأنقاض ونقلت المستشفيات في ملاطية عشرات الجرحى."
)


@pytest.mark.django_db
def test_an_arabic_rewrite_joins_the_english_report_it_cites_and_the_protests_stay_apart():
    report = _article("Scoop: Iran's foreign minister texted Trump envoy Witkoff", AXIOS_EN, language="en")
    rewrite = _article(
        "أكسيوس: عراقجي راسل ويتكوف مباشرة لفتح قناة اتصال بين طهران وواشنطن",
        AXIOS_AR,
        hours=5,
        language="ar",
    )
    protests = _article(
        "احتجاجات إيران تتسع لليلة الخامسة وواشنطن تدين القمع", PROTESTS_AR, hours=6, language="ar"
    )

    clustering.cluster_pending()
    # The consolidation pass as the beat runs it (the shipped decision) changes none of it.
    clustering.consolidate_partition(partition=clustering.ALL)

    story_of = dict(Membership.objects.values_list("article_id", "story_id"))
    assert story_of[rewrite.pk] == story_of[report.pk]
    assert story_of[protests.pk] != story_of[report.pk]
    story = Story.objects.get(pk=story_of[report.pk])
    assert set(story.titles) == {"ar", "en"}
    assert story.titles["ar"].startswith("أكسيوس")
    assert story.article_count == 2


@pytest.mark.django_db
def test_a_rebuild_reads_the_stored_vectors_and_never_encodes(monkeypatch):
    report = _article("Scoop: Iran's foreign minister texted Trump envoy Witkoff", AXIOS_EN)
    clustering.cluster_pending()
    stored = bytes(Article.objects.get(pk=report.pk).embedding)
    rewrite_vector = stored_rewrite_vector()
    clustering.reset_engines()

    def no_encoder():
        raise AssertionError("a rebuild must not run the encoder")

    monkeypatch.setattr("articles.embedding._encoder", no_encoder)
    rewrite = _article(
        "أكسيوس: عراقجي راسل ويتكوف مباشرة لفتح قناة اتصال بين طهران وواشنطن",
        AXIOS_AR,
        hours=5,
        language="ar",
        embedding=rewrite_vector,
    )
    clustering.cluster_pending()  # rebuilds this process's engine from the database

    assert bytes(Article.objects.get(pk=report.pk).embedding) == stored
    engine = clustering.engine_for(clustering.ALL)
    assert engine.story_of(rewrite.pk) == engine.story_of(report.pk)


def stored_rewrite_vector() -> bytes:
    from articles.embedding import embedding_text, encode_one, to_bytes

    return to_bytes(encode_one(embedding_text("أكسيوس: عراقجي راسل ويتكوف مباشرة لفتح قناة اتصال", AXIOS_AR)))


@pytest.mark.django_db
def test_an_article_the_encoder_failed_on_is_still_clustered_on_its_words():
    first = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    unencoded = _article(
        "Girl rescued alive from Elazig rubble after Turkey earthquake",
        QUAKE_FOLLOW_UP,
        hours=30,
        embedding=None,
        embedding_error="EncodingError: the encoder returned no usable vector",
    )

    assert clustering.cluster_pending().assigned == 2

    assert unencoded.membership.story_id == first.membership.story_id
    unencoded.refresh_from_db()
    assert unencoded.embedding_error.startswith("EncodingError")


@pytest.mark.django_db
def test_key_moments_never_repeat_the_story_summary():
    # A small Arabic story: the summary takes the central lead sentences, which are also the
    # obvious key-moment sentences; the reader must not read them twice.
    story = StoryFactory(language="ar")
    texts = [
        "أعلنت وزارة الصحة أمس ارتفاع عدد ضحايا الزلزال الذي ضرب ولاية ألازيغ شرق تركيا إلى 31 قتيلا. "
        "وتواصل فرق الإنقاذ البحث عن ناجين تحت الأنقاض في المدينة.",
        "قالت السلطات التركية أمس إن الزلزال الذي ضرب ولاية ألازيغ شرق تركيا أدى إلى انهيار عشرات المباني. "
        "وأرسلت الحكومة خياما وأغطية إلى المتضررين في القرى المجاورة.",
        "أنقذت فرق الإنقاذ اليوم طفلة من تحت أنقاض مبنى منهار في ولاية ألازيغ بعد ثلاثين ساعة على الزلزال. "
        "وقال الهلال الأحمر إن آلاف الأسر باتت ليلتها في العراء.",
    ]
    for hours, text in zip((0, 5, 30), texts, strict=True):
        article = _article(text.split(".")[0], text, hours=hours, language="ar")
        MembershipFactory(event__story=story, story=story, article=article)

    clustering.refresh_story_text(story=story)

    story.refresh_from_db()
    moments = list(KeyMoment.objects.filter(story=story))
    assert story.summary and moments
    summary = [s.strip() for s in story.summary.split(". ")]
    for moment in moments:
        assert not any(moment.text.rstrip(".") == sentence.rstrip(".") for sentence in summary)


@pytest.mark.django_db
def test_a_two_language_story_stores_each_day_in_both_languages():
    story = StoryFactory(language="en")
    # More English sentences than the three the summary takes, so some remain for key moments.
    reports = [
        ("en", 0, "A magnitude 6.3 earthquake struck Elazig province in eastern Turkey yesterday, "
                  "collapsing dozens of buildings. Thousands of residents spent the night outside."),
        ("en", 2, "Rescue teams searched the rubble of Elazig yesterday as the death toll from the "
                  "earthquake in eastern Turkey rose to 31. Hospitals in Malatya took in the injured."),
        ("en", 4, "The Turkish government sent tents and blankets to villages around Elazig after "
                  "yesterday's earthquake. Aftershocks kept families from returning to their homes."),
        ("ar", 3, "ضرب زلزال بقوة 6.3 درجات ولاية ألازيغ شرق تركيا أمس وأدى إلى انهيار عشرات "
                  "المباني في المدينة."),
        # Arabic readers get a summary of their own (from these), so the Arabic side too needs
        # more sentences than the summary takes.
        ("ar", 5, "بحثت فرق الإنقاذ التركية طوال الليل عن ناجين تحت أنقاض المباني المنهارة في ألازيغ. "
                  "ونقلت المستشفيات في ملاطية عشرات الجرحى."),
        ("ar", 6, "أرسلت الحكومة التركية خياما وأغطية إلى القرى المحيطة بألازيغ. "
                  "ومنعت الهزات الارتدادية العائلات من العودة إلى منازلها."),
    ]  # fmt: skip
    for language, hours, text in reports:
        article = _article(text.split(",")[0], text, hours=hours, language=language)
        MembershipFactory(event__story=story, story=story, article=article)

    clustering.refresh_story_text(story=story)

    quake_day = (BASE_TIME - timedelta(days=1)).date()
    original = KeyMoment.objects.get(story=story, date=quake_day, alternative_of=None)
    assert original.language == "en"
    assert original.article.language == "en"
    (arabic,) = original.alternatives.all()
    assert (arabic.language, arabic.date, arabic.article.language) == ("ar", quake_day, "ar")
    assert arabic.text in arabic.article.text
    assert [m.language for m in story.key_moments.for_reader("ar") if m.date == quake_day] == ["ar"]
    assert [m.language for m in story.key_moments.for_reader("fr") if m.date == quake_day] == ["en"]


@pytest.mark.django_db
def test_editors_merge_exclude_and_undo_across_languages_and_the_engine_keeps_it():
    report = _article("Scoop: Iran's foreign minister texted Trump envoy Witkoff", AXIOS_EN, language="en")
    # A story of another country altogether: what the engine makes of two Iran stories hours apart
    # is the linker's business (tested above); here the editors' actions are.
    protests = _article("زلزال يضرب ولاية ألازيغ شرق تركيا", QUAKE_AR, hours=6, language="ar")
    clustering.cluster_pending()
    english, arabic = report.membership.story, protests.membership.story
    assert english != arabic

    merge = editing.merge_stories(target=english, others=[arabic], user=None)
    assert Membership.objects.get(article=protests).story == merge
    editing.exclude_article(article=protests, story=merge, user=None)
    assert not Membership.objects.filter(article=protests, story=merge).exists()
    # A new Arabic rewrite of the English report still joins it, across the editors' changes.
    rewrite = _article(
        "أكسيوس: عراقجي راسل ويتكوف مباشرة لفتح قناة اتصال بين طهران وواشنطن",
        AXIOS_AR,
        hours=7,
        language="ar",
    )
    clustering.cluster_pending()  # places the excluded article again, elsewhere, and the rewrite
    assert Membership.objects.get(article=rewrite).story == merge
    assert Membership.objects.get(article=protests).story != merge
    assert Exclusion.objects.filter(article=protests, story=merge).exists()

    undo_merge = AuditEntry.objects.filter(action=AuditEntry.Action.MERGE).latest("pk")
    history.undo(entry=undo_merge, user=None)
    assert Membership.objects.get(article=report).story == english


EAGER_CONSOLIDATION = consolidation.Consolidation(
    weights=(0.0,) * len(consolidation.FEATURES), bias=10.0, threshold=0.5, headline_threshold=0.5
)


def _partition(engine) -> set[frozenset[int]]:
    return {frozenset(engine.members(story_id)) for story_id in engine.story_ids()}


@pytest.mark.django_db
def test_a_consolidation_merge_is_audited_reproduced_by_a_rebuild_and_undone_from_the_desk():
    # A decision that calls every pair it looks at one story: the rules, not the score, are tested.
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    source, target = quake.membership.story, Membership.objects.get(article=summit).story

    merges = clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION)

    assert len(merges) == 1
    live = _partition(clustering.engine_for(clustering.ALL))
    assert live == {frozenset({quake.pk, summit.pk})}
    entry = AuditEntry.objects.get(action="merge")
    assert entry.user is None
    assert (entry.after["by"], entry.after["step"]) == ("engine", clustering.CONSOLIDATION)
    assert entry.after["similarity"] == merges[0].similarity
    # A restarted worker replays the stored memberships into the same stories.
    clustering.reset_engines()
    assert _partition(clustering.engine_for(clustering.ALL)) == live
    stored = defaultdict(set)
    for article_id, story_id in Membership.objects.values_list("article_id", "story_id"):
        stored[story_id].add(article_id)
    assert {frozenset(ids) for ids in stored.values()} == live

    history.undo(entry=entry, user=None)

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into_id is None and target.merged_into_id is None
    assert Membership.objects.get(article=quake).story_id != Membership.objects.get(article=summit).story_id
    assert {source.article_count, target.article_count} == {1}
    # Undone stories are locked: the next pass leaves them apart.
    assert clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION) == []


@pytest.mark.django_db
def test_a_merge_step_that_fails_to_write_leaves_no_engine_state_behind(monkeypatch):
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()

    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(clustering, "_persist_engine_merge", fail)
    with pytest.raises(RuntimeError):
        clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION)

    # The merge rolled back with the transaction; this process's next engine holds two stories.
    assert clustering.ALL not in clustering._holders
    assert Membership.objects.get(article=quake).story_id != Membership.objects.get(article=summit).story_id
    assert len(_partition(clustering.engine_for(clustering.ALL))) == 2


@pytest.mark.django_db
def test_a_consolidation_pass_never_crosses_an_editors_lock_or_exclusion():
    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    flood = _article("Floods close Lisbon's riverside roads", SUMMIT.replace("summit", "flood"), hours=3)
    clustering.cluster_pending()
    quake_story = quake.membership.story
    editing.set_locked(story=quake_story, user=None, locked=True)
    summit_story = Membership.objects.get(article=summit).story
    editing.exclude_article(article=flood, story=summit_story, user=None)
    clustering.cluster_pending()  # the flood report, if it was there, is placed anew

    clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION)

    assert Membership.objects.get(article=quake).story_id == quake_story.pk
    assert Membership.objects.filter(story=quake_story).count() == 1
    assert Membership.objects.get(article=flood).story_id != Membership.objects.get(article=summit).story_id


@pytest.mark.django_db
def test_the_review_queue_lists_a_consolidation_merge_and_an_editor_undoes_it_from_there(client):
    from django.urls import reverse

    from stories.tests.test_admin import make_editor

    quake = _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    summit = _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    stories = {Membership.objects.get(article=a).story_id for a in (quake, summit)}
    assert len(stories) == 2
    # The pass as the beat runs it, with a decision that merges every pair it looks at.
    (merge,) = clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.MERGE)
    client.force_login(make_editor())
    queue = reverse("admin:stories_review_queue")

    page = client.get(queue, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'data-entry="{entry.pk}"' in page
    assert "The engine merged" in page
    undo = reverse("admin:stories_auditentry_undo", args=[entry.pk])
    assert f'href="{undo}"' in page
    client.post(undo, HTTP_ACCEPT_LANGUAGE="en")
    assert {Membership.objects.get(article=a).story_id for a in (quake, summit)} == stories
    assert Story.objects.get(pk=merge.source_id).merged_into_id is None
    page = client.get(queue, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-entry="{entry.pk}"' not in page
    assert "The engine has merged no stories." in page


@pytest.mark.django_db
def test_a_decision_that_never_merges_is_not_run_and_holds_no_engine():
    _article("Earthquake hits eastern Turkey's Elazig", QUAKE)
    _article("Lisbon climate summit split over adaptation fund", SUMMIT, hours=2)
    clustering.cluster_pending()
    clustering.reset_engines()
    never = dataclasses.replace(
        EAGER_CONSOLIDATION, threshold=consolidation.NEVER, headline_threshold=consolidation.NEVER
    )

    assert clustering.consolidate_partition(partition=clustering.ALL, model=never) == []
    # No engine was built for it (a worker's first engine is a snapshot restore or a replay)...
    assert clustering.ALL not in clustering._holders
    # ...while a decision that can merge runs on the partition's engine.
    assert len(clustering.consolidate_partition(partition=clustering.ALL, model=EAGER_CONSOLIDATION)) == 1
    assert clustering.ALL in clustering._holders
