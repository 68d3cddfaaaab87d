"""An engine's whole state as bytes, and back: how a clustering worker starts warm.

Rebuilding an engine by replaying every stored assignment re-analyses every article's text
(tokens, stems, TF-IDF): minutes at 100,000 stories. A snapshot is the engine object itself,
pickled, so it stays generic over whatever state the engine grows (new indexes, linker
features, a consolidation pass's bookkeeping): nothing here names an attribute of it.

What guards a restore against a wrong state:

- **Fingerprint**: a hash of the snapshot format, the Python and library versions pickles
  depend on, and the bytes of every file of this package (code and parameter files such as
  ``linker.json``) and of the text analysis the representation uses. A snapshot written by
  other code or other parameters is refused: the worker replays instead.
- **Checksum**: SHA-256 and length of the payload, checked while it is read; a truncated or
  altered payload is refused (the object unpickled from it is thrown away before any use).
- The id factories (callables that hand out story and event ids) are replaced on ``load`` by
  the ones the caller passes: ids reserved from a database sequence must come from it anew.

Where snapshots are kept, and whether one is stale for the stored assignments, is the
caller's business (``stories.services.snapshots``). Snapshots are read only from that
storage, which is as trusted as the database: a pickle runs code when loaded.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import pickle
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import articles.text

from .engine import Engine

__all__ = ["FORMAT", "SnapshotError", "Written", "dump", "fingerprint", "load", "no_cyclic_gc"]

# Bump when the way a snapshot is laid out changes (the fingerprint sees the engine's code too,
# but a bump also says so where it is read). 2: stories and members carry character n-grams and
# the engine the stream's n-gram frequencies (chargrams.py).
FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent
# Libraries whose classes or data end up inside the pickled state.
_LIBRARIES = ("numpy", "babel")


class SnapshotError(Exception):
    """The snapshot cannot be used: another fingerprint, a checksum mismatch, truncated, unreadable."""


@dataclass(frozen=True)
class Written:
    size: int
    sha256: str


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What a snapshot must have been written by to be read: this format, these library
    versions, and these exact files (the engine's code and parameters, the text analysis)."""
    digest = hashlib.sha256()
    digest.update(f"format {FORMAT}; python {sys.version_info[0]}.{sys.version_info[1]}\n".encode())
    for library in _LIBRARIES:
        digest.update(f"{library} {metadata.version(library)}\n".encode())
    files = sorted(
        path
        for path in _PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and "tests" not in path.relative_to(_PACKAGE).parts
    )
    for path in [*files, Path(articles.text.__file__).resolve()]:
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _HashingWriter(io.RawIOBase):
    def __init__(self, sink: Callable[[bytes], None]) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        data = bytes(data)
        self.digest.update(data)
        self.size += len(data)
        self._sink(data)
        return len(data)


class _HashingReader(io.RawIOBase):
    """Reads the payload from an iterator of chunks, hashing what it hands out."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = memoryview(b"")
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self.digest.update(self._buffer[:n])
        self.size += n
        self._buffer = self._buffer[n:]
        return n

    def drain(self) -> None:
        """Read what is left (a payload longer than its pickle is corrupt too)."""
        scratch = bytearray(1 << 20)
        while self.readinto(scratch):
            pass


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cycle collector paused: (un)pickling or replaying an engine makes millions of
    objects, and each of its passes would walk every one made so far (loading a 4,000-story
    engine: 3.3 s with it, 1.1 s without). Reference counting still frees what is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dump(engine: Engine, sink: Callable[[bytes], None], *, buffer_size: int = 8 << 20) -> Written:
    """Write ``engine``'s state to ``sink``, called with pieces of about ``buffer_size`` bytes
    in order (so the whole payload never sits in memory)."""
    raw = _HashingWriter(sink)
    with no_cyclic_gc(), io.BufferedWriter(raw, buffer_size=buffer_size) as stream:
        pickle.Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL).dump(engine)
    return Written(size=raw.size, sha256=raw.digest.hexdigest())


def load(
    chunks: Iterable[bytes],
    *,
    size: int,
    sha256: str,
    story_ids: Callable[[], Hashable] | None = None,
    event_ids: Callable[[], Hashable] | None = None,
) -> Engine:
    """The engine stored as ``chunks`` (in order), with these id factories when given;
    SnapshotError if the payload is not exactly ``size`` bytes with this ``sha256``, or is no
    engine."""
    raw = _HashingReader(chunks)
    try:
        with no_cyclic_gc(), io.BufferedReader(raw, buffer_size=8 << 20) as stream:
            # Read only from the snapshot table, as trusted as the database (module docstring).
            engine = pickle.Unpickler(stream).load()  # noqa: S301
            raw.drain()
    except SnapshotError:
        raise
    except Exception as exc:  # a corrupt pickle fails in many ways; each means "replay"
        raise SnapshotError(
            f"unreadable after {raw.size} of {size} bytes: {type(exc).__name__}: {exc}"
        ) from exc
    if raw.size != size or raw.digest.hexdigest() != sha256:
        raise SnapshotError(
            f"checksum mismatch: read {raw.size} of {size} bytes, sha256 {raw.digest.hexdigest()[:12]}…"
        )
    if not isinstance(engine, Engine):
        raise SnapshotError(f"the snapshot holds a {type(engine).__name__}, not an Engine")
    # The constructor's arguments of the same names (engine.py); a snapshot is of this package.
    if story_ids is not None:
        engine._story_ids = story_ids
    if event_ids is not None:
        engine._event_ids = event_ids
    return engine
