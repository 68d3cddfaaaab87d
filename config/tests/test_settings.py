from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import settings as silsila_settings

REPO = silsila_settings.BASE_DIR


def _clean_environment() -> dict[str, str]:
    """This environment without the variables a newcomer would not have set."""
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"}
    return {k: v for k, v in os.environ.items() if k not in unset}


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings module in a fresh interpreter (not under pytest) with `env`."""
    clean = _clean_environment()
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
    result = _settings_in_subprocess(
        {
            "DEBUG": "0",
            "DATABASE_URL": "postgres://silsila:silsila@postgres:5432/silsila",
            "SILSILA_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_docker_compose_still_demands_a_secret_key():
    compose = (REPO / "docker-compose.yml").read_text()
    assert "SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}" in compose
    assert "DATABASE_URL: postgres://" in compose


def test_embedded_defaults_generate_a_private_key_once_without_debug(tmp_path):
    first = _settings_in_subprocess({"SILSILA_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert key != silsila_settings._DEV_SECRET_KEY

    code = "import config.settings as s; print(s.SECRET_KEY)"
    again = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**_clean_environment(), "SILSILA_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.stdout.strip() == key
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".secret_key")) == []


def test_the_readme_createsuperuser_line_works_on_a_fresh_clone_without_debug(tmp_path):
    readme = (REPO / "README.md").read_text()
    assert "`.venv/bin/python manage.py createsuperuser`" in readme
    environment = {
        **_clean_environment(),
        "SILSILA_VAR_DIR": str(tmp_path),
        "DJANGO_SUPERUSER_PASSWORD": "a long enough passphrase 42",
    }

    def manage(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    # The README's line is interactive; --noinput runs the same command without a terminal.
    created = manage("createsuperuser", "--noinput", "--username", "editor", "--email", "editor@example.org")
    assert created.returncode == 0, created.stderr
    assert "Superuser created successfully" in created.stdout
    assert (tmp_path / "silsila.sqlite3").exists()
    # The README's other commands load the same settings: two of them, as written there.
    assert "`manage.py add_source URL --language ar`" in readme
    added = manage("add_source", "https://news.example.org/rss", "--language", "ar")
    assert added.returncode == 0, added.stderr
    assert "added source" in added.stdout.lower()
    report = manage("cluster_report")
    assert report.returncode == 0, report.stderr


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


def test_the_docker_image_carries_no_local_key():
    ignored = (REPO / ".dockerignore").read_text().split()
    assert "var" in ignored
    # Every build step that loads the settings brings its own throwaway key, so none is generated.
    dockerfile = (REPO / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if "manage.py" in line and not line.lstrip().startswith("#"):
            assert "SECRET_KEY=" in line, line


def test_the_readme_postgres_example_runs_without_a_key_when_debug_is_on(tmp_path):
    # README: `DATABASE_URL=postgres://… make run`, and make run sets DEBUG=1.
    result = _settings_in_subprocess(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/silsila",
            "SILSILA_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()


def _cookie_settings(env: dict[str, str]) -> str:
    code = (
        "import config.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**_clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_cookies_are_secure_by_default_without_debug_as_the_operations_guide_says(tmp_path):
    assert _cookie_settings({"SILSILA_VAR_DIR": str(tmp_path)}) == "True True True"
    assert _cookie_settings({"SILSILA_VAR_DIR": str(tmp_path), "SECURE_COOKIES": "0"}) == "False False False"
    assert _cookie_settings({"SILSILA_VAR_DIR": str(tmp_path), "DEBUG": "1"}) == "False False False"
    guide = " ".join((REPO / "docs" / "operations.md").read_text(encoding="utf-8").split())
    assert "`SECURE_COOKIES` is on by default when `DEBUG` is off" in guide
    assert "behind TLS `SECURE_COOKIES=1`" not in guide
