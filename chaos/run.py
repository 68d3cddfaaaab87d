"""`make chaos`: every fault at full size against real workers, one summary line per fault.

    python -m chaos.run                   # all faults
    python -m chaos.run worker poison     # some: worker, entries, poison, cluster, slowhost, redis, postgres
    CHAOS_SKIP=postgres python -m chaos.run

It uses a database of its own (CHAOS_DATABASE_URL, default silsila_chaos_run, created and
migrated, emptied before each fault) and a redis-server of its own on CHAOS_REDIS_PORT (6391),
so stopping Redis disturbs nothing else. The PostgreSQL fault restarts the local cluster
(`pg_ctlcluster 15 main restart`): every client of that server sees it, so it runs last.
Exit status 1 when any fault lost or duplicated something.
"""

from __future__ import annotations

import os
import sys
import time

REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "6391"))
DATABASE_URL = os.environ.get("CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/silsila_chaos_run")
FAULTS = ["worker", "entries", "poison", "cluster", "slowhost", "redis", "postgres"]


def _configure_environment() -> None:
    os.environ.setdefault("CHAOS_BROKER_URL", f"redis://127.0.0.1:{REDIS_PORT}/0")
    os.environ.setdefault("CHAOS_CACHE_URL", f"redis://127.0.0.1:{REDIS_PORT}/1")
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["CACHE_URL"] = os.environ["CHAOS_CACHE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DEBUG", "1")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["SILSILA_FETCH_ALLOW_PRIVATE"] = "1"
    os.environ["SILSILA_FETCH_HOST_DELAY"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def _create_database() -> None:
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _empty_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    call_command("flush", interactive=False, verbosity=0)


def main(argv: list[str]) -> int:
    _configure_environment()
    chosen = [f for f in (argv or FAULTS) if f not in os.environ.get("CHAOS_SKIP", "").split(",")]
    unknown = set(chosen) - set(FAULTS)
    if unknown:
        print(f"unknown fault(s): {', '.join(sorted(unknown))}; choose from {', '.join(FAULTS)}")
        return 2

    from chaos.scenarios import PrivateRedis

    redis = PrivateRedis(REDIS_PORT).start()
    try:
        _create_database()
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        from chaos import scenarios

        results = []
        for fault in chosen:
            _empty_database()
            started = time.monotonic()
            if fault == "worker":
                result = scenarios.worker_killed_mid_batch(
                    database_url=DATABASE_URL, size=300, page_delay=0.05
                )
            elif fault == "entries":
                result = scenarios.poisoned_entries(database_url=DATABASE_URL, size=200)
            elif fault == "poison":
                result = scenarios.poison_message(database_url=DATABASE_URL, good=200)
            elif fault == "cluster":
                result, _one, _two = scenarios.concurrent_clustering(database_url=DATABASE_URL, chunk=4)
            elif fault == "slowhost":
                result = scenarios.slow_host_backlog(database_url=DATABASE_URL, slow_pages=60)
            elif fault == "redis":
                result = scenarios.redis_stopped(database_url=DATABASE_URL, redis=redis, size=200)
            else:
                result = scenarios.postgres_restarted(database_url=DATABASE_URL, size=200)
            print(f"{result.line()}  [{time.monotonic() - started:.0f} s]", flush=True)
            results.append(result)
    finally:
        redis.stop()
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
