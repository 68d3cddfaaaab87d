"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent


def eval_path(*parts: str) -> Path:
    """A path inside the labelled evaluation data, or a skip when this clone has none."""
    base = Path(os.environ.get("SILSILA_EVAL_DIR", REPO_ROOT.parent / "shared" / "eval"))
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (set SILSILA_EVAL_DIR; only CI is sure to have it)")
    return path


@pytest.fixture
def eval_dir() -> Path:
    return eval_path()
