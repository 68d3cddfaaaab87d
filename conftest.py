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


def pytest_configure(config: pytest.Config) -> None:
    is_xdist_worker = hasattr(config, "workerinput")
    if is_xdist_worker and not config.pluginmanager.has_plugin("config.pytest_workers"):
        raise pytest.UsageError(
            "pytest-xdist workers would share one Redis database: "
            "run `python -m pytest -p config.pytest_workers` (as the Makefile does)"
        )


def pytest_itemcollected(item: pytest.Item) -> None:
    """Groups that pytest-xdist keeps on one worker (--dist loadgroup; marked as each test is
    collected, before xdist reads the groups).

    The tests that start worker processes run one after another on one worker: they flush their
    fixed Redis broker databases (chaos/harness.py, test_worker_integration) and each starts
    several processes of its own, which two at once would starve. A module's tests that use a
    module-scoped fixture (the demo corpus loaded once, a corpus built once) stay together, or
    each worker would build it again.
    """
    if item.get_closest_marker("integration"):
        item.add_marker(pytest.mark.xdist_group("worker-processes"))
    elif any(
        definition.scope == "module"
        for definitions in item._fixtureinfo.name2fixturedefs.values()
        for definition in definitions
    ):
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Name each grouped test "nodeid@group", which is how --dist loadgroup finds its group.

    pytest-xdist 3.8 does it by setting `item._nodeid`, which pytest 9.2 no longer reads (a
    node's id is `item._id`), so without this every group would be spread over the workers.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


CHROMIUM = Path("/usr/bin/chromium")
# Headless Debian Chromium without the background services this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads itself)."""
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"  # git-ignored, for a person to look at

# The marks of every browser test module: `pytestmark = [*BROWSER_TESTS, ...]`.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def live_server_connections(monkeypatch):
    """No database connection outlives a request; returns `connections.close_all`.

    The live server answers each request in a new thread (and Playwright's greenlet gives a
    test its own connection context): a persistent connection left open in one of them would
    keep the test database from being dropped. Ask for it in the fixture that writes the data.
    """
    from django.db import connections

    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    return connections.close_all
