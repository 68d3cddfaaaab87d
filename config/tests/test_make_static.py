"""`make run` with DEBUG=0: static files are collected first, so pages are not 500s.

With DEBUG off the pages name hashed files from WhiteNoise's manifest; until collectstatic
has written it every HTML page failed with "Missing staticfiles manifest entry".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from django.db import connection

from conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

# Renders the home page in a fresh process with DEBUG off, as `make run DEBUG=0` serves it.
RENDER_HOME = """
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
print(client.get("/").status_code)
"""


def _production_env(static_root) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "PYTEST_CURRENT_TEST", "PYTEST_VERSION"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="test-only-" + "k" * 40,
        ALLOWED_HOSTS="testserver",
        STATIC_ROOT=str(static_root),
        # The test database, which has the tables.
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    )
    return env


def _make_static(env: dict[str, str]) -> subprocess.CompletedProcess:
    # -o install: the virtualenv is this one; checking it is `make install`'s business.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "static"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _home_status(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", RENDER_HOME],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_make_static_with_debug_off_collects_the_files_the_pages_need(tmp_path):
    env = _production_env(tmp_path / "static")
    # Without the collected manifest, a page is a 500: the failure `make run` used to hit.
    assert _home_status(env) == 500

    made = _make_static(env)
    assert made.returncode == 0, made.stderr
    assert f"DEBUG=0: collecting static files into {tmp_path / 'static'}" in made.stdout
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert _home_status(env) == 200


def test_make_static_with_debug_on_says_it_serves_static_as_it_is(tmp_path):
    env = {**os.environ, "DEBUG": "1", "STATIC_ROOT": str(tmp_path / "static")}
    made = _make_static(env)
    assert made.returncode == 0, made.stderr
    assert "DEBUG on: static files are served from static/ as they are" in made.stdout
    assert not (tmp_path / "static").exists()


def test_make_run_collects_static_files_before_it_starts_the_processes():
    plan = subprocess.run(
        ["make", "-n", "-o", "install", "run"],
        cwd=REPO_ROOT,
        env={**os.environ, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "collectstatic" in plan
    assert plan.index("collectstatic") < plan.index("honcho start")
