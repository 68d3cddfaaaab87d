from __future__ import annotations

import gzip
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.extraction_metrics import score_page, score_pages, score_predictions, shingles
from conftest import eval_path

DATA = Path(__file__).parent / "data" / "extract"


def test_it_shingles_word_four_grams_and_keeps_short_texts_whole():
    assert shingles("Hello, world! It's 2024.") == {"Hello world It s": 1, "world It s 2024": 1}
    assert shingles("only three words") == {"only three words": 1}
    assert shingles("") == {}
    assert shingles(None) == {}
    assert shingles("a b c d a b c d") == {"a b c d": 2, "b c d a": 1, "c d a b": 1, "d a b c": 1}


def test_it_scores_a_page_by_overlap_surplus_and_shortfall_of_shingle_counts():
    truncated = score_page("a b c d e", "a b c d")
    assert (truncated.tp, truncated.fp, truncated.fn) == (0.5, 0.0, 0.5)
    assert (truncated.precision, truncated.recall) == (1.0, 0.5)

    # Counts matter: one copy of a shingle the truth has twice is one of five.
    repeated = score_page("a b c d a b c d", "a b c d")
    assert (repeated.tp, repeated.fp, repeated.fn) == (0.2, 0.0, 0.8)

    padded = score_page("a b c d", "a b c d e f")
    assert (padded.tp, padded.fp, padded.fn) == (pytest.approx(1 / 3), pytest.approx(2 / 3), 0.0)
    assert (padded.precision, padded.recall) == (pytest.approx(1 / 3), 1.0)


def test_an_empty_prediction_scores_zero_and_two_empty_sides_score_one():
    missed = score_page("x y z", "")
    assert (missed.precision, missed.recall) == (0.0, 0.0)
    nothing = score_page("", "")
    assert (nothing.precision, nothing.recall) == (1.0, 1.0)
    # Tokens are case-sensitive, as in the benchmark.
    assert score_page("A B C D", "a b c d").precision == 0.0


def test_it_takes_f1_of_the_mean_precision_and_mean_recall():
    score = score_pages([("a b c d e", "a b c d"), ("x y z", ""), ("", "")])

    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(1 / 2)
    assert score.f1 == pytest.approx(4 / 7)
    assert score.pages == 3


def test_a_page_missing_from_the_predictions_counts_as_empty():
    score = score_predictions({"k1": "a b c d", "k2": "e f g h"}, {"k1": "a b c d"})

    assert (score.precision, score.recall) == (0.5, 0.5)


def _eval_dir(tmp_path: Path) -> Path:
    (tmp_path / "html").mkdir(parents=True)
    truth = {}
    for name in ("english_article", "arabic_windows1256"):
        page = gzip.compress((DATA / f"{name}.html").read_bytes())
        (tmp_path / "html" / f"{name}.html.gz").write_bytes(page)
    truth["english_article"] = {
        "url": "https://courier.example/news/x",
        "articleBody": "Residents of three villages along the River Lune were moved to emergency shelters",
    }
    truth["arabic_windows1256"] = {
        "url": None,
        "articleBody": "افتتح وزير الثقافة صباح اليوم الدورة الجديدة من معرض الكتاب الدولي",
    }
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def _figures(output: str, name: str) -> dict[str, float]:
    line = next(line for line in output.splitlines() if line.startswith(f"{name}:"))
    return {key: float(value) for key, value in re.findall(r"(precision|recall|F1) ([\d.]+)", line)}


def test_the_command_writes_predictions_and_prints_scores_beside_the_baseline(tmp_path):
    directory = _eval_dir(tmp_path / "set")
    out = tmp_path / "predictions.json"
    stdout = StringIO()

    call_command("extract_eval", str(directory), predictions=out, baseline=True, stdout=stdout)

    predictions = json.loads(out.read_text(encoding="utf-8"))
    assert set(predictions) == {"english_article", "arabic_windows1256"}
    assert predictions["arabic_windows1256"]["articleBody"].startswith("افتتح وزير الثقافة")
    ours = _figures(stdout.getvalue(), "silsila")
    assert ours["recall"] == 1.0
    assert 0 < ours["precision"] < 1
    assert "F1" in ours
    assert "F1" in _figures(stdout.getvalue(), "trafilatura-defaults")


def test_the_command_scores_the_extraction_benchmark_above_its_measured_floor(tmp_path):
    directory = eval_path("extraction")
    stdout = StringIO()

    call_command("extract_eval", str(directory), predictions=tmp_path / "p.json", stdout=stdout)

    figures = _figures(stdout.getvalue(), "silsila")
    # Measured 0.9791 (precision 0.9742, recall 0.9840); trafilatura defaults score 0.9545.
    assert figures["F1"] >= 0.97
    assert figures["precision"] >= 0.96
    assert figures["recall"] >= 0.96


def test_cross_validation_predicts_each_fold_with_the_candidate_best_on_the_others():
    from articles.management.commands.extract_eval import cross_validate, fold_of

    truth = {f"page{i}": f"the true body of page number {i} here" for i in range(12)}
    good = dict(truth)
    bad = {key: "something else entirely was extracted" for key in truth}
    # "mixed" is right only on the pages of fold 0: the best on fold 0 alone, never on the others.
    mixed = {key: truth[key] if fold_of(key, 3) == 0 else "" for key in truth}

    held_out, chosen = cross_validate(truth, {"bad": bad, "mixed": mixed, "good": good}, 3)

    assert chosen == ["good", "good", "good"]
    assert held_out == truth


def test_the_cross_validated_report_prints_the_held_out_score_beside_trafilatura(tmp_path):
    from articles.extract import SafetyNet, load_net
    from articles.management.commands.extract_eval import CANDIDATES, NET_CANDIDATES

    directory = eval_path("extraction")
    out = StringIO()
    shipped = tmp_path / "net.json"

    call_command(
        "extract_eval", str(directory), "--cv", "4", "--baseline", "--write-net", str(shipped), stdout=out
    )

    lines = out.getvalue().splitlines()
    assert sum(line.startswith("in sample") for line in lines) == len(CANDIDATES) + len(NET_CANDIDATES)
    cv = next(line for line in lines if line.startswith("4-fold cross-validation"))
    assert float(re.search(r"F1 ([\d.]+)", cv).group(1)) > 0.96
    assert any(line.startswith("trafilatura-defaults") for line in lines)
    # The safety net: its held-out figure beside the figure without it, and the choice written
    # with where it came from.
    net_cv = next(line for line in lines if line.startswith("safety net, 4-fold cross-validation"))
    held_out, without = (float(x) for x in re.findall(r"F1 ([\d.]+); without it ([\d.]+)", net_cv)[0])
    assert held_out > 0.96 and abs(held_out - without) < 0.01
    written = json.loads(shipped.read_text(encoding="utf-8"))
    assert written["pages"] == 88 and written["held_out_f1"] == round(held_out, 4)
    assert written["chosen"] in NET_CANDIDATES
    assert load_net(shipped) == NET_CANDIDATES[written["chosen"]]
    assert load_net(shipped) is None or isinstance(load_net(shipped), SafetyNet)


def test_the_eval_counts_the_dates_that_fell_through(tmp_path):
    directory = _eval_dir(tmp_path / "set")
    page = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "0001-01-01T00:00:00Z"}</script>'
        '<meta property="article:published_time" content="2024-03-14T06:30:00Z"></head><body><article>'
        + "<p>The river rose through the night and the villages were moved to shelters by morning.</p>" * 3
        + "</article></body></html>"
    )
    (directory / "html" / "placeholder.html.gz").write_bytes(gzip.compress(page.encode()))
    out = StringIO()

    call_command("extract_eval", str(directory), stdout=out)

    line = next(line for line in out.getvalue().splitlines() if line.startswith("dates:"))
    assert "1 fell through an implausible candidate" in line
    assert line.endswith("0 dated before 1995")


@pytest.mark.parametrize("folds", ["0", "1"])
def test_the_command_refuses_fewer_than_two_folds(tmp_path, folds):
    # --cv 0 once ran the plain evaluation as if no --cv had been given.
    with pytest.raises(CommandError, match="K >= 2"):
        call_command("extract_eval", str(_eval_dir(tmp_path / "set")), "--cv", folds, stdout=StringIO())
