"""The learned linker: its shipped parameters, and the command that reproduces them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from conftest import REPO_ROOT, eval_path
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
    assert {"ecbplus-dev", "gedikli-chains", "og2021-dev", "demo"} <= set(provenance["data"])
    assert all(len(source["sha256"]) == 64 for source in provenance["data"].values())
    assert set(provenance["leave_one_dataset_out"]) == {"ecbplus-dev", "gedikli-chains", "og2021-dev", "demo"}


def test_a_parameter_file_for_other_features_is_refused(tmp_path):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    stale = tmp_path / "linker.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        Linker.load(stale)


def test_train_linker_is_reproducible_and_writes_its_provenance(tmp_path):
    eval_dir = eval_path()  # skips where the clone has no evaluation data
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    for out in (first, second):
        call_command(
            "train_linker",
            eval_dir=eval_dir,
            out=out,
            streams="gedikli-chains,demo",
            no_pairs=True,
            stdout=StringIO(),
        )
    a, b = (json.loads(path.read_text(encoding="utf-8")) for path in (first, second))
    assert a["weights"] == b["weights"] and a["threshold"] == b["threshold"]
    assert set(a["provenance"]["leave_one_dataset_out"]) == {"gedikli-chains", "demo"}
    assert (
        a["provenance"]["data"]["gedikli-chains"]["sha256"]
        == b["provenance"]["data"]["gedikli-chains"]["sha256"]
    )
    linker = Linker.load(first)
    # Whatever features leave-one-out keeps, closeness of meaning raises the probability.
    dense_family = ("dense", "dense_near", "dense_x_other_lang", "dense_margin", "dense_z")
    assert max(linker.weights[FEATURES.index(name)] for name in dense_family) > 0
