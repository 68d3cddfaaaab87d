"""Language centring, the learned projection, the per-regime threshold and the Arabic index words."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import subprocess
import sys
from datetime import datetime, timedelta

import numpy as np
import pytest

from articles.search import fold
from articles.text import stem_tokens, tokenize
from conftest import REPO_ROOT
from stories.clustering import ArticleDoc, Engine, arabic
from stories.clustering.linker import SHIPPED, shipped
from stories.clustering.metrics import joined_pairs
from stories.clustering.projection import SHIPPED as SHIPPED_PROJECTION
from stories.clustering.projection import LanguageMeans, Projection, fit

DAY = datetime(2024, 3, 1, 9, 0)


def test_language_means_centre_on_the_running_mean_shrunk_while_few() -> None:
    means = LanguageMeans(prior=2.0, window=3)
    assert means.mean("en") is None
    assert np.allclose(means.centre(np.ones(4), "en"), np.ones(4))  # nothing to centre on yet
    means.add(np.array([1.0, 0.0, 0.0, 0.0]), "en")
    means.add(np.array([0.0, 1.0, 0.0, 0.0]), "en")
    # Two articles, a prior of two: the plain mean (0.5, 0.5) counts half.
    assert np.allclose(means.mean("en"), [0.25, 0.25, 0.0, 0.0])
    assert means.mean("ar") is None
    for _ in range(50):  # past the window the mean moves: old articles fade
        means.add(np.array([0.0, 0.0, 1.0, 0.0]), "en")
    assert means.mean("en")[2] > 0.9


def test_the_projection_keeps_what_separates_stories_and_drops_what_varies_within_them() -> None:
    rng = np.random.default_rng(0)
    story_axis, noise_axis = np.eye(512)[0], np.eye(512)[1]
    stories = []
    for story in range(20):
        offset = (story - 10) * story_axis
        stories.append(np.vstack([offset + rng.normal(0, 3) * noise_axis for _ in range(4)]))
    projection = fit([stories], dimensions=2, shrinkage=0.1)
    weights = np.abs(projection.matrix[:, 0])
    assert weights[0] > 10 * weights[1]  # the first direction is the one stories differ along
    assert projection.matrix.shape == (512, 2)
    refit = fit([stories], dimensions=2, shrinkage=0.1)
    assert np.array_equal(projection.matrix, refit.matrix)  # signs fixed: the same file twice


def test_the_shipped_projection_loads_offline_without_the_evaluation_data() -> None:
    code = (
        "from stories.clustering.projection import shipped; p = shipped(); "
        "print(p.dimensions, p is shipped())"
    )
    env = {**os.environ, "SILSILA_EVAL_DIR": "/nonexistent", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True
    )
    dimensions, once = result.stdout.split()
    assert int(dimensions) > 0 and once == "True"
    recorded = json.loads(SHIPPED.read_text(encoding="utf-8"))["provenance"]["projection"]
    assert recorded["file"] == SHIPPED_PROJECTION.name
    # The linker was trained with exactly this projection.
    assert recorded["sha256"] == hashlib.sha256(SHIPPED_PROJECTION.read_bytes()).hexdigest()
    assert Projection.load(SHIPPED_PROJECTION).provenance["command"].startswith("manage.py train_linker")


def test_a_projection_of_the_wrong_size_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="512"):
        Projection(np.zeros((300, 8), dtype=np.float32))


def test_an_engine_with_its_stream_state_pickles() -> None:
    engine = Engine()
    vector = np.zeros(512, dtype=np.float32)
    vector[3] = 1.0
    engine.assign(ArticleDoc("a", "Quake hits Chile", "", "en", DAY, vector=vector))
    copy = pickle.loads(pickle.dumps(engine))  # noqa: S301 - our own bytes, made one line above
    assert np.allclose(copy._language_means.mean("en"), engine._language_means.mean("en"))


def _doc(article_id: str, text: str, hours: int, vector: np.ndarray) -> ArticleDoc:
    return ArticleDoc(
        article_id, "Talks resume in Doha", text, "en", DAY + timedelta(hours=hours), vector=vector
    )


def test_a_bare_headline_is_judged_against_the_headline_threshold() -> None:
    vector = np.zeros(512, dtype=np.float32)
    vector[0] = 1.0
    linker = shipped()
    # Both regimes see the same evidence here; only the bar differs.
    strict_headlines = dataclasses.replace(linker, threshold=0.0, headline_threshold=1.0)
    engine = Engine(linker=strict_headlines)
    first = engine.assign(_doc("a", "Negotiators met again in Doha.", 0, vector))
    body = engine.assign(_doc("b", "Negotiators met again in Doha.", 1, vector))
    headline = engine.assign(_doc("c", "", 2, vector))
    assert body.story_id == first.story_id
    assert headline.new_story


def test_the_clustering_index_keeps_arabic_place_names_whole() -> None:
    words = tokenize("إيران وإيران بإيران لإيران الإيرانية طهران بطهران السودان للسودان", "ar")
    assert arabic.stems(words, "ar") == ["ايران"] * 5 + ["طهران"] * 2 + ["سودان"] * 2
    # Other words are stemmed as before (light10): the plural and the accusative meet the singular.
    assert arabic.stems(tokenize("الاحتجاجات احتجاجا", "ar"), "ar") == ["احتجاج", "احتجاج"]
    assert arabic.stems(["protesters"], "en") == ["protest"]


def test_search_folding_and_the_shared_stemmer_are_unchanged() -> None:
    # The clustering index reads names its own way; search and labels read words as before.
    assert fold("إيران بإيران الإيرانية طهران السودان") == "ايران ايران ايران طهران سودان"
    assert stem_tokens(tokenize("إيران بإيران السودان", "ar"), "ar") == ["اير", "باير", "سود"]


def test_joined_pairs_counts_cross_and_same_language_pairs() -> None:
    gold = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b"}
    predicted = {1: "x", 2: "x", 3: "y", 4: "z", 5: "z"}
    languages = {1: "en", 2: "ar", 3: "en", 4: "fr", 5: "fr"}
    joined = joined_pairs(predicted, gold, languages)
    # Across languages: (1, 2) joined, (2, 3) not; in one language: (1, 3) not, (4, 5) joined.
    assert (joined.cross_language, joined.cross_language_pairs) == (0.5, 2)
    assert (joined.same_language, joined.same_language_pairs) == (0.5, 2)
