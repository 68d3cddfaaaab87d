"""The learned linker: its shipped parameters, and the command that reproduces them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import REPO_ROOT, eval_path
from stories.clustering import training
from stories.clustering.linker import FEATURES, SHIPPED, Linker


def test_the_shipped_linker_loads_without_the_evaluation_data_and_says_where_it_came_from():
    code = "from stories.clustering.linker import shipped; l = shipped(); print(len(l.weights), l.threshold)"
    env = {**os.environ, "SILSILA_EVAL_DIR": "/nonexistent", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True
    )
    count, threshold = result.stdout.split()
    assert int(count) == len(FEATURES)
    assert 0.0 < float(threshold) < 1.0
    provenance = json.loads(SHIPPED.read_text(encoding="utf-8"))["provenance"]
    assert provenance["command"].startswith("manage.py train_linker")
    streams = {"ecbplus-dev", "gedikli-chains", "og2021-dev", "demo", "ar-en-stories-dev"}
    assert streams <= set(provenance["data"])
    assert all(len(source["sha256"]) == 64 for source in provenance["data"].values())
    assert set(provenance["leave_one_dataset_out"]) == streams


def test_a_parameter_file_for_other_features_is_refused(tmp_path):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    stale = tmp_path / "linker.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        Linker.load(stale)


def test_train_linker_is_reproducible_and_writes_its_provenance(tmp_path):
    eval_dir = eval_path()  # skips where the clone has no evaluation data
    runs = []
    for name in ("first", "second"):
        out, projection = tmp_path / f"{name}.json", tmp_path / f"{name}.npz"
        call_command(
            "train_linker",
            eval_dir=eval_dir,
            out=out,
            projection_out=projection,
            streams="gedikli-chains,demo",
            compare="1,4",
            no_pairs=True,
            stdout=StringIO(),
        )
        runs.append((json.loads(out.read_text(encoding="utf-8")), projection.read_bytes()))
    (a, a_projection), (b, b_projection) = runs
    assert a["weights"] == b["weights"] and a["threshold"] == b["threshold"]
    assert a["headline_threshold"] == b["headline_threshold"]
    assert a_projection == b_projection  # the same bytes: the sha256 in the provenance is stable
    assert a["provenance"]["projection"]["sha256"] == b["provenance"]["projection"]["sha256"]
    assert set(a["provenance"]["leave_one_dataset_out"]) == {"gedikli-chains", "demo"}
    assert set(a["provenance"]["settings_compared"]) == {training.SETTINGS[0].name, training.SETTINGS[3].name}
    assert (
        a["provenance"]["data"]["gedikli-chains"]["sha256"]
        == b["provenance"]["data"]["gedikli-chains"]["sha256"]
    )
    linker = Linker.load(tmp_path / "first.json")
    # Whatever features leave-one-out keeps, closeness of meaning raises the probability.
    dense_family = ("dense", "dense_near", "dense_x_other_lang", "centred", "centred_near", "projected")
    assert max(linker.weights[FEATURES.index(name)] for name in dense_family) > 0


def test_train_linker_refuses_an_unknown_stream(tmp_path):
    with pytest.raises(CommandError, match="unknown streams: nowhere"):
        call_command(
            "train_linker", eval_dir=tmp_path, out=tmp_path / "x.json", streams="nowhere", stdout=StringIO()
        )
    assert not (tmp_path / "x.json").exists()
