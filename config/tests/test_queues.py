"""`make run`'s workers on the embedded default: the filesystem broker carries three queues.

Each worker line of the Procfile reads one queue (config/settings.py, CELERY_TASK_QUEUES), so a
backlog of page fetches never delays a feed poll or a clustering batch. The test starts those
very lines against SQLite and kombu's filesystem transport, sends one task of each queue the
way Silsila's producers route them, and checks which worker ran which.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from conftest import REPO_ROOT

pytestmark = pytest.mark.integration

# The task each queue's worker must run, and only that worker.
EXPECTED = {
    "worker": "articles.poll_due_sources",
    "fetcher": "articles.fetch_article",
    "clusterer": "stories.cluster_pending",
}


def procfile_workers() -> dict[str, list[str]]:
    """The worker lines of the Procfile as argument lists, run by this interpreter."""
    commands = {}
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name in EXPECTED:
            argv = shlex.split(command)
            assert argv[0].endswith("celery"), line
            commands[name] = [sys.executable, "-m", "celery", *argv[1:]]
    return commands


def embedded_producer(var: Path) -> Celery:
    """A producer on the filesystem broker under `var`, routing as config/settings.py does."""
    broker = var / "broker"
    app = Celery("queues-test", broker="filesystem://")
    app.conf.broker_transport_options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "control_folder": str(broker / "control"),
        "store_processed": False,
    }
    app.conf.task_queues = settings.CELERY_TASK_QUEUES
    app.conf.task_routes = settings.CELERY_TASK_ROUTES
    return app


def test_each_procfile_worker_runs_the_tasks_of_its_own_queue(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update({"DEBUG": "1", "SILSILA_VAR_DIR": str(tmp_path), "LOG_LEVEL": "INFO"})
    migrate = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), "migrate", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr
    commands = procfile_workers()
    assert set(commands) == set(EXPECTED)
    logs = {name: tmp_path / f"{name}.log" for name in commands}
    processes = []
    try:
        for name, argv in commands.items():
            with logs[name].open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        argv,
                        cwd=REPO_ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        wait_for(
            lambda: all(b" ready." in path.read_bytes() for path in logs.values()), logs, "workers to start"
        )

        app = embedded_producer(tmp_path)
        app.send_task("articles.poll_due_sources")
        app.send_task("articles.fetch_article", args=[10**9])  # no such row: returns quietly
        app.send_task("stories.cluster_pending")

        def ran(name: str, task: str) -> bool:
            return f"Task {task}[" in logs[name].read_text(errors="replace")

        wait_for(lambda: all(ran(name, task) for name, task in EXPECTED.items()), logs, "each task to run")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=5)
    for name in commands:
        others = set(EXPECTED.values()) - {EXPECTED[name]}
        assert not any(ran(name, task) for task in others), logs[name].read_text(errors="replace")[-2000:]


def wait_for(check, logs: dict[str, Path], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {n}\n{p.read_text(errors='replace')[-1500:]}" for n, p in logs.items())
            pytest.fail(f"gave up waiting for {what}:\n{tails}")
        time.sleep(0.2)
