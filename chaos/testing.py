"""What the pytest integration tests share: the test database's URL for the worker processes."""

from __future__ import annotations

import pytest
import redis

from .harness import BROKER_URL


def worker_database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test_… database)."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("fault scenarios need PostgreSQL (set DATABASE_URL)")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def require_redis() -> None:
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"fault scenarios need Redis at {BROKER_URL}")
