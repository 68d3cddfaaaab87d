"""The embedded default (SQLite, filesystem broker) migrates and serves pages with no services."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from config.settings import BASE_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_sqlite_default_migrates_and_serves_the_home_page(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update({"DEBUG": "1", "SILSILA_VAR_DIR": str(tmp_path)})
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    assert (tmp_path / "silsila.sqlite3").is_file()

    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the embedded server did not start")
        health = json.loads(body)
        assert health["database"] == {"status": "ok", "vendor": "sqlite"}
        assert health["broker"] == {"status": "ok", "transport": "filesystem", "embedded": True}
        status, home = _get(f"{base}/")
        assert status == 200
        assert "Silsila" in home or "سلسلة" in home
        status, login = _get(f"{base}/admin/login/")
        assert status == 200
        assert 'name="password"' in login
    finally:
        server.terminate()
        server.wait(timeout=10)
