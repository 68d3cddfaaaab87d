from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from stories.curation import quality
from stories.models import Membership
from stories.services import editing
from stories.tests.factories import EventFactory, MembershipFactory, StoryFactory

MONDAY = datetime(2026, 11, 23, 10, tzinfo=UTC)


def row(
    action: str, *, at: datetime = MONDAY, story: int | None = None, before=None, after=None, undone=None
):
    return {
        "id": 1,
        "action": action,
        "story_id": story,
        "article_id": None,
        "before": before or {},
        "after": after or {},
        "created_at": at,
        "undone_at": undone,
    }


def members(*pairs: tuple[int, int | None]) -> list[dict]:
    return [
        {"article": a, "story": s, "event": None, "decided_by": "engine", "is_pinned": False, "score": 0.5}
        for a, s in pairs
    ]


def test_bcubed_of_identical_clusterings_is_perfect():
    clusters = {1: "a", 2: "a", 3: "b"}
    assert quality.bcubed(clusters, clusters) == quality.BCubed(precision=1.0, recall=1.0, items=3)


def test_bcubed_matches_the_worked_example():
    # Gold: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}.
    predicted = {1: "x", 2: "x", 3: "y", 4: "y", 5: "y"}
    gold = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B"}
    score = quality.bcubed(predicted, gold)
    assert score.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert score.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert score.f1 == pytest.approx(2 * score.precision * score.recall / (score.precision + score.recall))


def test_bcubed_refuses_different_item_sets():
    with pytest.raises(ValueError):
        quality.bcubed({1: "a"}, {2: "a"})


def test_a_merge_labels_both_stories_as_one_gold_cluster():
    merge = row(
        "merge",
        story=10,
        before={"memberships": members((1, 20), (2, 20)), "target_memberships": members((3, 10), (4, 10))},
        after={"into": 10},
    )
    labels, _ = quality.labels_from_audit([merge])
    assert {(lb.article, lb.predicted, lb.gold) for lb in labels} == {
        (1, "story:20", "story:10"),
        (2, "story:20", "story:10"),
        (3, "story:10", "story:10"),
        (4, "story:10", "story:10"),
    }
    (report,) = quality.report([merge], period="week")
    # The engine kept two halves apart: perfectly precise, half the recall.
    assert report.score.precision == 1.0
    assert report.score.recall == pytest.approx(0.5)
    assert (report.labels, report.corrections) == (4, 1)


def test_an_exclusion_costs_the_story_precision_through_its_unlabelled_members():
    exclusion = row("exclude", story=7, before={"memberships": members((1, 7)), "sizes": {"7": 4}})
    (report,) = quality.report([exclusion], period="day")
    # Story 7 had four members; one does not belong: it is 1/4 precise, the three others 3/4.
    assert report.score.precision == pytest.approx((1 / 4 + 3 * 3 / 4) / 4)
    assert report.score.recall == 1.0


def test_an_accept_is_a_correct_prediction():
    accept = row(
        "accept", story=7, before={"memberships": members((1, 7)), "sizes": {"7": 3}}, after={"story": 7}
    )
    (report,) = quality.report([accept], period="day")
    assert (report.score.precision, report.score.recall, report.corrections) == (1.0, 1.0, 0)


def test_the_latest_label_sets_the_gold_and_the_earliest_the_prediction():
    first = row("pin", story=2, before={"memberships": members((1, 1))})
    second = row("pin", story=3, at=MONDAY.replace(hour=11), before={"memberships": members((1, 2))})
    labels, _ = quality.labels_from_audit([first, second])
    score = quality.score_labels(labels, [])
    assert score.items == 1
    (label_first, label_second) = labels
    assert (label_first.predicted, label_second.gold) == ("story:1", "story:3")


def test_undone_actions_and_undo_entries_are_not_labels():
    undone = row("pin", story=2, before={"memberships": members((1, 1))}, undone=MONDAY)
    labels, _ = quality.labels_from_audit([undone, row("undo", story=2)])
    assert labels == []


def test_reports_are_grouped_per_iso_week_and_count_corrections_per_day():
    rows = [
        row("split", story=1, at=MONDAY, before={"memberships": members((1, 1))}, after={"into": 5}),
        row("lock", story=1, at=datetime(2026, 11, 29, 23, tzinfo=UTC)),  # Sunday, same week
        row(
            "exclude",
            story=1,
            at=datetime(2026, 11, 30, 1, tzinfo=UTC),
            before={"memberships": members((2, 1))},
        ),
    ]
    reports = quality.report(rows, period="week")
    assert [r.start for r in reports] == [date(2026, 11, 23), date(2026, 11, 30)]
    assert [r.actions for r in reports] == [{"split": 1, "lock": 1}, {"exclude": 1}]
    assert quality.corrections_per_day(rows) == {date(2026, 11, 23): 1, date(2026, 11, 30): 1}


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError):
        quality.period_start(MONDAY, "month")


@pytest.mark.django_db
def test_the_report_reads_real_editor_actions_from_the_audit_trail():
    story, other = StoryFactory(), StoryFactory()
    event = EventFactory(story=story)
    moved, *_ = [MembershipFactory(event=event) for _ in range(4)]
    editing.split_story(story=story, user=None, article_ids=[moved.article_id], target=other)
    (report,) = quality.report(editing.audit_rows(), period="day")
    # One article of four split off into an empty story: precision (1/4 + 3·3/4)/4, recall 1.
    assert report.score.precision == pytest.approx((1 / 4 + 3 * 3 / 4) / 4)
    assert report.score.recall == 1.0
    assert Membership.objects.get(article_id=moved.article_id).story == other


@pytest.mark.django_db
def test_cluster_report_prints_a_row_per_period():
    story = StoryFactory()
    MembershipFactory(event=EventFactory(story=story))
    membership = Membership.objects.get()
    editing.accept_assignment(article=membership.article, user=None)
    out = StringIO()
    call_command("cluster_report", "--by", "day", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:5] == ["day", "labels", "B3-P", "B3-R", "F1"]
    assert lines[1].split()[1:5] == ["1", "1.000", "1.000", "1.000"]
    out = StringIO()
    call_command("cluster_report", "--since", "2999-01-01", stdout=out)
    assert out.getvalue().strip() == "No editor actions in this period."


def test_the_engines_own_merges_are_not_labels():
    engine_merge = row(
        "merge",
        story=10,
        before={"memberships": {"20": [1, 2]}, "stories": [20]},
        after={"into": 10, "by": "engine"},
    )
    labels, _ = quality.labels_from_audit([engine_merge])
    assert labels == []


def test_a_period_counts_the_labelled_articles_that_were_already_right():
    accept = row("accept", story=7, before={"memberships": members((1, 7))}, after={"story": 7})
    pin = row("pin", story=8, before={"memberships": members((2, 7))})
    moved_back = row("pin", story=7, before={"memberships": members((3, 7))})
    (report,) = quality.report([accept, pin, moved_back], period="day")
    assert (report.labels, report.right) == (3, 2)


def test_the_report_page_words_say_whether_the_engine_did_better_than_the_week_before():
    from django.utils import translation

    from stories.desk import quality_text

    last_week = MONDAY.replace(day=16)
    rows = [
        # Week 1: an article pinned away from a story of four: the engine was partly wrong.
        row("pin", story=9, at=last_week, before={"memberships": members((1, 7)), "sizes": {"7": 4}}),
        # Week 2: an editor confirms the engine's choice: it was right.
        row(
            "accept", story=7, before={"memberships": members((2, 7)), "sizes": {"7": 4}}, after={"story": 7}
        ),
    ]
    with translation.override("en"):
        newest, oldest = quality_text.describe(quality.report(rows, period="week"))
    assert newest.report.start == date(2026, 11, 23)
    assert (
        newest.sentences[0]
        == "Of the 1 article editors corrected or confirmed, 1 was already in the right story."
    )
    assert newest.trend.startswith("Better than the period before (F1 ")
    assert oldest.trend == ""
    assert "Pin article: 1" in oldest.actions
