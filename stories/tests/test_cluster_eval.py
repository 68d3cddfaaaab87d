from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import eval_path
from stories.clustering.evaluation import evaluate, pair_correlation, read_articles

# Regression floors a little under the measured figures (ECB+ 0.860, chains 0.960, Arabic
# pairs 0.44): they catch a broken engine, not a change in the last decimal.


def test_cluster_eval_scores_ecbplus_and_writes_one_prediction_per_article(tmp_path: Path) -> None:
    out = StringIO()
    predictions = tmp_path / "predictions.jsonl"
    call_command("cluster_eval", str(eval_path("ecbplus-dev.jsonl")), predictions=predictions, stdout=out)
    report = out.getvalue()
    f1 = float(report.split("F1: ")[1].split()[0])
    assert f1 >= 0.84
    assert "gold: 46" in report
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 535
    assert set(rows[0]) == {"id", "story"}


def test_story_chains_cluster_with_high_b_cubed_f1() -> None:
    docs, gold = read_articles(eval_path("gedikli-chains.jsonl"))
    run = evaluate(docs, gold)
    assert run.score is not None
    assert run.score.f1 >= 0.94
    assert run.score.precision >= 0.97


def test_arabic_similarity_correlates_with_human_judgements() -> None:
    assert pair_correlation(eval_path("semeval2022-pairs.jsonl"), "ar", "ar") >= 0.42


def test_a_file_without_gold_labels_gets_predictions_only(tmp_path: Path) -> None:
    source = tmp_path / "articles.jsonl"
    rows = [
        {"id": 1, "title": "Flooding in Valencia", "text": "Floods hit Valencia.", "lang": "en"},
        {"id": 2, "title": "Valencia flooding toll rises", "text": "Floods in Valencia.", "lang": "en"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = StringIO()
    call_command("cluster_eval", str(source), stdout=out)
    assert "no gold labels" in out.getvalue()
    assert "B3" not in out.getvalue()


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("cluster_eval", str(tmp_path / "nope.jsonl"))
