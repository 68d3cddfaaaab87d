from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conftest import eval_path
from stories.timeline.metrics import concat_rouge1, date_prf, rouge1


def test_date_f1_compares_sets_of_dates():
    # Gold has two entries on 1 January: that day counts once.
    gold = [date(2011, 1, 1), date(2011, 1, 1), date(2011, 1, 4)]
    score = date_prf([date(2011, 1, 1), date(2011, 1, 2), date(2011, 1, 3)], gold)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 2)
    assert score.f1 == pytest.approx(0.4)


def test_date_f1_accepts_iso_strings_and_is_zero_without_overlap():
    assert date_prf(["2011-01-25"], [date(2011, 1, 25)]).f1 == 1.0
    assert date_prf([date(2011, 1, 26)], [date(2011, 1, 25)]).f1 == 0.0
    assert date_prf([], [date(2011, 1, 25)]).f1 == 0.0


def test_rouge1_clips_repeated_words():
    # Overlap: the (twice), cat, on, mat = 5 of 6 predicted and 7 gold tokens.
    score = rouge1("the cat sat on the mat", "the cat lay on the mat today")
    assert score.precision == pytest.approx(5 / 6)
    assert score.recall == pytest.approx(5 / 7)
    assert score.f1 == pytest.approx(50 / 65)


def test_rouge1_of_the_concatenation_is_case_blind_and_reads_arabic():
    assert concat_rouge1(["The Cat", "sat."], ["cat SAT", "dog"]).f1 == pytest.approx(2 / 3)
    assert rouge1("خرج الناس", "خرج الناس اليوم").f1 == pytest.approx(0.8)
    assert rouge1("", "anything").f1 == 0.0


def test_timeline_eval_writes_predictions_for_one_topic(tmp_path):
    articles = eval_path("ml-crisis", "es-yemen.articles.jsonl")
    out = tmp_path / "yemen.jsonl"
    call_command("timeline_eval", str(articles), "--dates", "5", "--predictions", str(out), stdout=StringIO())
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert all(set(row) == {"date", "text"} for row in rows)
    assert [row["date"] for row in rows] == sorted(row["date"] for row in rows)
    assert all(row["text"] for row in rows)


def test_key_moments_beat_the_busiest_days_out_of_sample_on_the_ml_crisis_timelines():
    folder = eval_path("ml-crisis")
    stdout = StringIO()
    call_command("timeline_eval", str(folder), "--loto", "--baseline", "--json", stdout=stdout)
    summary = json.loads(stdout.getvalue())
    ours, baseline = summary["key_moments"], summary["busiest_days"]
    assert ours["ranker"] == "nested leave-one-topic-out"
    assert set(ours["topics"]) == set(baseline["topics"]) >= {"es-egypt", "es-libya", "es-syria", "es-yemen"}
    # Each topic was scored by a ranker whose setting was chosen without it.
    assert set(ours["settings"]) == set(ours["topics"])
    # Floors a little under the figures measured when this was written (LOTO date F1 0.347,
    # ROUGE-1 0.484; the baseline 0.302 and 0.401), to catch regressions, not to chase them.
    assert ours["mean_date_f1"] >= 0.32
    assert ours["mean_rouge1_f"] >= 0.46
    assert ours["mean_date_f1"] > baseline["mean_date_f1"] + 0.02
    assert ours["mean_rouge1_f"] > baseline["mean_rouge1_f"] + 0.04


def test_timeline_eval_loto_needs_gold_timelines(tmp_path):
    (tmp_path / "a.articles.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="at least three topics"):
        call_command("timeline_eval", str(tmp_path), "--loto", stdout=StringIO())
