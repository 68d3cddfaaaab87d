"""PostgreSQL advisory locks that keep clustering batches and editors' changes apart.

A clustering batch holds its partition's lock (one batch at a time, every language in it) and the
shared side of the editors' lock; an editor's change that moves articles holds the exclusive
side. So an editor's merge never interleaves with a batch writing into the stories it merges:
it waits for the running batches to commit, and the next batches see its result (and rebuild
their engines, since the audit trail moved). All locks are transaction-scoped.
On SQLite (the embedded single-worker mode) writers are serialised by the database itself.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import connection

_NAMESPACE = 0x51151  # first key of every Silsila advisory lock
_EDITORS = 0


def _key(partition: str) -> int:
    # Partition keys are positive; 0 is the editors' lock.
    return (zlib.crc32(partition.encode()) >> 1) or 1


def try_partition_lock(partition: str) -> bool:
    """Take `partition`'s lock, or report at once that another worker holds it."""
    if not settings.DATABASE_IS_POSTGRES:
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_NAMESPACE, _key(partition)])
        return bool(cursor.fetchone()[0])


def hold_partition_lock(partition: str) -> None:
    """Take `partition`'s lock, waiting for the batch that holds it (a re-clustering)."""
    if settings.DATABASE_IS_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, _key(partition)])


def share_editors_lock() -> None:
    """Clustering side: wait while an editor's change is being written."""
    if settings.DATABASE_IS_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_NAMESPACE, _EDITORS])


def hold_editors_lock() -> None:
    """Editor side: wait for running clustering batches, and hold new ones off until commit."""
    if settings.DATABASE_IS_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, _EDITORS])
