from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import settings as silsila_settings

REPO = silsila_settings.BASE_DIR


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings module in a fresh interpreter (not under pytest) with `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    code = "import config.settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _settings_in_subprocess({"DEBUG": "0", "SILSILA_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_published_development_key(tmp_path):
    result = _settings_in_subprocess(
        {"DEBUG": "0", "SECRET_KEY": silsila_settings._DEV_SECRET_KEY, "SILSILA_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "published development key" in result.stderr


def test_embedded_defaults_are_sqlite_and_the_filesystem_broker(tmp_path):
    result = _settings_in_subprocess({"DEBUG": "1", "SILSILA_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "broker" / "queue").is_dir()


def test_a_postgres_url_selects_postgresql(tmp_path):
    result = _settings_in_subprocess(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/silsila",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "SILSILA_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", True)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SILSILA_FLAG", raw)
    assert silsila_settings.env_bool("SILSILA_FLAG", True) is expected


def test_env_helpers_reject_malformed_values(monkeypatch):
    monkeypatch.setenv("SILSILA_FLAG", "maybe")
    monkeypatch.setenv("SILSILA_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SILSILA_FLAG"):
        silsila_settings.env_bool("SILSILA_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="SILSILA_NUMBER"):
        silsila_settings.env_int("SILSILA_NUMBER", 3)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("SILSILA_HOSTS", "news.example, www.news.example ,")
    assert silsila_settings.env_list("SILSILA_HOSTS", []) == ["news.example", "www.news.example"]
