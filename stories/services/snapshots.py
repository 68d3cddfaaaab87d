"""Clustering engine snapshots in the database: written by a clustering worker, read at start.

A snapshot (``stories.clustering.snapshot``: the pickled engine, fingerprinted and
checksummed) is kept as ``EngineSnapshot`` with its payload in ``EngineSnapshotChunk`` rows of
a few megabytes, written and read one chunk at a time, so neither side holds the whole payload
in memory. In the database every clustering worker on every machine reads the same latest one;
nothing is kept on a worker's disk.

Only the newest snapshot of a partition is kept. Reading one that cannot be used (none yet,
written by other engine code or parameters, older than the editors' last change to the
stories, truncated, corrupt) logs why and returns None: the caller then replays the stored
assignments, which is slower but never wrong.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Hashable

from django.db import transaction

from stories.clustering import snapshot
from stories.clustering.engine import Engine
from stories.models import EngineSnapshot, EngineSnapshotChunk

logger = logging.getLogger(__name__)

CHUNK_BYTES = 8 << 20


def save_snapshot(
    *, partition: str, engine: Engine, watermark: int, marker: int, chunk_bytes: int = CHUNK_BYTES
) -> EngineSnapshot | None:
    """Store ``engine`` as the partition's latest snapshot and drop the older ones.

    It reflects memberships up to ``watermark`` and editors' changes up to ``marker``. Runs in
    a savepoint: a failure (the database refusing, state that will not pickle) is logged and
    undoes only the snapshot, never the caller's work.
    """
    started = time.perf_counter()
    try:
        with transaction.atomic():
            row = EngineSnapshot.objects.create(
                partition=partition,
                fingerprint=snapshot.fingerprint(),
                watermark=watermark,
                marker=marker,
                stories=len(engine),
            )
            seq = itertools.count()

            def store(piece: bytes) -> None:
                EngineSnapshotChunk.objects.create(snapshot=row, seq=next(seq), data=piece)

            written = snapshot.dump(engine, store, buffer_size=chunk_bytes)
            row.size, row.sha256, row.complete = written.size, written.sha256, True
            row.save(update_fields=["size", "sha256", "complete"])
            older = EngineSnapshot.objects.filter(partition=partition).exclude(pk=row.pk)
            EngineSnapshotChunk.objects.filter(snapshot__in=older).delete()
            older.delete()
    except Exception:
        logger.exception("could not write the engine snapshot of %s; the last one stays", partition)
        return None
    logger.info(
        "engine snapshot of %s written: %d stories, %.1f MB, up to membership %d, in %.1f s",
        partition,
        row.stories,
        row.size / 2**20,
        watermark,
        time.perf_counter() - started,
    )
    return row


def load_snapshot(
    *,
    partition: str,
    marker: int,
    story_ids: Callable[[], Hashable] | None = None,
    event_ids: Callable[[], Hashable] | None = None,
) -> tuple[Engine, EngineSnapshot] | None:
    """The engine of the partition's latest usable snapshot (with these id factories) and its
    row, or None with a log line saying why there is none to use."""
    row = EngineSnapshot.objects.filter(partition=partition, complete=True).order_by("-pk").first()
    if row is None:
        logger.info("no engine snapshot of %s yet: replaying the stored assignments", partition)
        return None
    if row.fingerprint != snapshot.fingerprint():
        logger.warning(
            "engine snapshot %s of %s was written by other engine code or parameters: replaying",
            row.pk,
            partition,
        )
        return None
    if row.marker != marker:
        logger.warning(
            "engine snapshot %s of %s predates editors' changes to the stories (%d, now %d): replaying",
            row.pk,
            partition,
            row.marker,
            marker,
        )
        return None
    started = time.perf_counter()
    chunks = (
        bytes(data)
        for data in EngineSnapshotChunk.objects.filter(snapshot=row)
        .order_by("seq")
        .values_list("data", flat=True)
        .iterator(chunk_size=1)
    )
    try:
        engine = snapshot.load(
            chunks, size=row.size, sha256=row.sha256, story_ids=story_ids, event_ids=event_ids
        )
    except snapshot.SnapshotError as exc:
        logger.warning("engine snapshot %s of %s is unusable (%s): replaying", row.pk, partition, exc)
        return None
    logger.info(
        "engine of %s restored from snapshot %s: %d stories, up to membership %d, in %.1f s",
        partition,
        row.pk,
        len(engine),
        row.watermark,
        time.perf_counter() - started,
    )
    return engine, row
