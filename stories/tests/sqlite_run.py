"""Run a test module again on SQLite, in a fresh process: the search tests hold on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def assert_module_passes_on_sqlite(module_file: str, tmp_path: Path) -> None:
    """Every test of `module_file` passes on a new SQLite database; only the caller is skipped."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / (Path(module_file).stem + '.sqlite3')}",
        "SILSILA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", module_file],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert "1 skipped" in result.stdout  # only the test that asked for this run
