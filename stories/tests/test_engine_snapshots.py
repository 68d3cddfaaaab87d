"""A clustering worker starts warm: its engine restored from a snapshot, never a wrong one.

The engines are compared whole (every attribute of every object they hold, in order), not
by a few assignments: a restore must give exactly the engine a replay of the stored
assignments gives.
"""

from __future__ import annotations

import array
import itertools
import json
import logging
import shutil
from collections import deque
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from articles import services as article_services
from stories.clustering import snapshot
from stories.models import EngineSnapshot, EngineSnapshotChunk, Membership
from stories.services import clustering

DEMO_FILE = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "demo" / "articles.jsonl"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_engines():
    clustering.reset_engines()
    yield
    clustering.reset_engines()


def state(obj: object) -> object:
    """Everything an object holds as plain nested data, in order, for an exact comparison."""
    if obj is None or isinstance(obj, bool | int | float | str | bytes | datetime):
        return obj
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, obj.tobytes())
    if isinstance(obj, np.generic):
        return ("scalar", obj.dtype.str, obj.tobytes())
    if isinstance(obj, array.array):
        return ("array", obj.typecode, obj.tobytes())
    if isinstance(obj, dict):
        return ("dict", [(state(k), state(v)) for k, v in obj.items()])
    if isinstance(obj, list | tuple | deque):
        return (type(obj).__name__, [state(item) for item in obj], getattr(obj, "maxlen", None))
    if isinstance(obj, set | frozenset):
        return ("set", sorted(repr(state(item)) for item in obj))
    if isinstance(obj, itertools.count):
        return repr(obj)
    if isinstance(obj, clustering._IdReserver):
        return ("id factory", obj.model.__name__)  # handed out by the database, not state
    fields = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(obj, name):
                fields[name] = getattr(obj, name)
    assert fields or not callable(obj), f"cannot compare a {type(obj).__name__}"
    return (type(obj).__qualname__, {name: state(value) for name, value in sorted(fields.items())})


def import_demo(first: int | None = None, last: int | None = None) -> None:
    """Demo articles (Arabic and English, several stories) in publication order, then clustered."""
    records = [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines() if line]
    records.sort(key=lambda r: (r.get("published_at") or "", r["id"]))
    part = records[first:last]
    article_services.import_articles(records=iter(enumerate(part, 1)), source_name=None)
    clustering.cluster_pending()


def replayed_engine() -> clustering.Engine:
    """The engine a worker gets with no snapshot to read: every stored assignment replayed."""
    EngineSnapshot.objects.all().delete()
    clustering.reset_engines()
    return clustering.engine_for(clustering.ALL)


def restored_engine(caplog) -> clustering.Engine:
    clustering.reset_engines()
    with caplog.at_level(logging.INFO, logger="stories.services.snapshots"):
        engine = clustering.engine_for(clustering.ALL)
    return engine


def test_a_snapshot_restore_gives_exactly_the_engine_a_replay_gives(caplog):
    import_demo()
    replayed = replayed_engine()
    clustering.save_engine(clustering.ALL)

    restored = restored_engine(caplog)

    assert "restored from snapshot" in caplog.text
    assert restored is not replayed
    assert len(restored) == len(replayed) > 5
    assert state(restored) == state(replayed)


def test_the_first_batch_of_a_worker_that_replayed_leaves_a_snapshot_behind():
    import_demo(0, 30)  # a worker with no snapshot replays, clusters, then writes one

    (row,) = EngineSnapshot.objects.all()

    assert row.complete and row.partition == clustering.ALL
    assert row.watermark == Membership.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert row.fingerprint == snapshot.fingerprint()
    assert row.size == sum(len(chunk) for chunk in EngineSnapshotChunk.objects.values_list("data", flat=True))


def test_a_snapshot_older_than_the_latest_assignments_catches_up(caplog):
    import_demo(0, 30)
    replayed_engine()
    clustering.save_engine(clustering.ALL)
    written = EngineSnapshot.objects.get()
    # Another worker restores it and clusters more; it writes no snapshot yet (one is fresh).
    clustering.reset_engines()
    import_demo(30, None)
    assert EngineSnapshot.objects.get() == written
    assert Membership.objects.filter(pk__gt=written.watermark).count() > 5

    restored = restored_engine(caplog)
    caught_up = state(restored)
    replayed = replayed_engine()

    assert "restored from snapshot" in caplog.text
    assert caught_up == state(replayed)


def test_a_truncated_snapshot_falls_back_to_the_replay_with_a_log_line(caplog):
    import_demo()
    replayed = state(replayed_engine())
    clustering.save_engine(clustering.ALL, chunk_bytes=4096)
    last = EngineSnapshotChunk.objects.order_by("-seq").first()
    last.delete()  # as a write cut short, or a lost row

    with caplog.at_level(logging.WARNING, logger="stories.services.snapshots"):
        engine = restored_engine(caplog)

    assert "is unusable" in caplog.text and "replaying" in caplog.text
    assert state(engine) == replayed


def test_a_corrupt_snapshot_falls_back_to_the_replay(caplog):
    import_demo()
    replayed = state(replayed_engine())
    clustering.save_engine(clustering.ALL, chunk_bytes=4096)
    chunk = EngineSnapshotChunk.objects.order_by("seq")[3]
    data = bytearray(chunk.data)
    data[100] ^= 0xFF  # one flipped bit pattern: a float, a string, a length
    chunk.data = bytes(data)
    chunk.save()

    engine = restored_engine(caplog)

    assert "checksum mismatch" in caplog.text or "unreadable" in caplog.text
    assert state(engine) == replayed


def test_a_snapshot_of_other_engine_code_or_from_before_an_editors_change_is_not_used(caplog, admin_user):
    from stories.services import editing

    import_demo()
    replayed = state(replayed_engine())
    clustering.save_engine(clustering.ALL)
    EngineSnapshot.objects.update(fingerprint="0" * 64)

    engine = restored_engine(caplog)

    assert "other engine code or parameters" in caplog.text
    assert state(engine) == replayed

    clustering.save_engine(clustering.ALL)
    story = clustering.Story.objects.first()
    editing.set_locked(story=story, user=admin_user, locked=True)
    caplog.clear()
    engine = restored_engine(caplog)
    assert "predates editors' changes" in caplog.text
    assert engine.story(story.pk).locked


def test_a_rename_does_not_make_the_snapshot_stale(caplog, admin_user):
    from stories.services import editing

    import_demo(0, 20)
    clustering.save_engine(clustering.ALL)
    editing.rename_story(story=clustering.Story.objects.first(), user=admin_user, title="A better title")

    restored_engine(caplog)

    assert "restored from snapshot" in caplog.text


def test_the_fingerprint_changes_with_the_engine_code_and_its_parameter_files(tmp_path, monkeypatch):
    package = tmp_path / "clustering"
    shutil.copytree(snapshot._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(snapshot, "_PACKAGE", package)
    prints = []
    for change in (None, "linker.json", "engine.py"):
        if change:
            path = package / change
            path.write_bytes(path.read_bytes() + b"\n")
        snapshot.fingerprint.cache_clear()
        prints.append(snapshot.fingerprint())
    snapshot.fingerprint.cache_clear()

    assert len(set(prints)) == 3
