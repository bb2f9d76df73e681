"""The index on disk: builds, the host's writer lock, writing documents, and read snapshots.

Layout of SEARCH_INDEX_DIR (one per host, on local disk):
  CURRENT          the name of the build in use (replaced atomically after a full rebuild)
  writer.lock      flock()ed by the one process on this host that writes (non-blocking try)
  REBUILD          left by a request that found the index unreadable; the applier rebuilds
  build-<stamp>/   a Whoosh storage with two indexes (opportunities, vendors) and state.json
                   (the last event id applied, the gaps still awaited, the day of the last
                   date roll)

Only the lock holder writes, so Whoosh's own write lock is never contended and no LockError
can reach anyone; requests only read (see reader.py), reopening their searchers when CURRENT
or the index generation changes.
"""
from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR

from marketplace.search.schema import SCHEMAS

INDEX_NAMES = {"opportunity": "opportunities", "vendor": "vendors"}


def _speed_up_field_lengths() -> None:
    """Two fixes to Whoosh's per-document field lengths, the hottest path of a commit and of BM25.

    1. W3PerDocReader._cached_reader caches a found length column but not a missing one, so
       it stat()s a file for every posting of every unscored field (IDs, keywords, spelling):
       a third of the indexing time in the profile. The absence is now remembered.
    2. doc_field_length reads one byte per call through three layers of file objects; the
       column (one byte per document) is now read once per segment and field, then indexed.
    Segment files never change once written, so both caches are safe.
    """
    from whoosh.codec import whoosh3

    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_marketplace_fast_lengths", False):
        return
    original = reader_class._cached_reader

    def _cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = original(self, fieldname, column)
        return self._readers[fieldname]

    def doc_field_length(self, docnum, fieldname, default=0):
        cache = self.__dict__.setdefault("_marketplace_lengths", {})
        lengths = cache.get(fieldname, False)
        if lengths is False:
            reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            lengths = cache[fieldname] = None if reader is None else bytes(reader[i] for i in range(self._doccount))
        if lengths is None:
            return default
        lbyte = lengths[docnum]
        return whoosh3.byte_to_length(lbyte) if lbyte else None

    reader_class._cached_reader = _cached_reader
    reader_class.doc_field_length = doc_field_length
    reader_class._marketplace_fast_lengths = True


_speed_up_field_lengths()
OLD_BUILD_GRACE_SECONDS = 120
WRITER_TIMEOUT = 30.0


class IndexUnavailable(Exception):
    """The index is missing, being rebuilt, or unreadable: answer from the database instead."""


# --- files and the host lock ----------------------------------------------------------------


def current_build(root: Path) -> Path | None:
    """The build in use, or None when there is none (never built, deleted, or swapped out)."""
    try:
        name = (root / "CURRENT").read_text().strip()
    except OSError:
        return None
    build = root / name
    return build if name and (build / "state.json").exists() else None


def read_state(build: Path) -> dict:
    """The build's applier state."""
    return json.loads((build / "state.json").read_text())


def write_state(build: Path, state: dict) -> None:
    """Save the applier state atomically (write, fsync, rename)."""
    tmp = build / f"state.json.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        json.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, build / "state.json")


def request_rebuild(root: Path) -> None:
    """Leave a note for the applier that the index could not be read."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "REBUILD").touch()
    except OSError:
        pass


def rebuild_requested(root: Path) -> bool:
    """Whether a reader asked for a rebuild."""
    return (root / "REBUILD").exists()


@contextmanager
def host_lock(root: Path, *, wait: float = 0.0):
    """Yield True while holding this host's writer lock, False if another process holds it.

    `wait` seconds are spent retrying (a reindex waits for a running apply; the applier never waits).
    """
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    held = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.1)
        yield held
    finally:
        if held:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _quietly(action):
    """Run `action`, returning (result, None) or (None, problem).

    Whoosh leaves a file open when a table of contents is unreadable; it is closed here,
    after the exception is gone, without a ResourceWarning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return action(), None
        except Exception as error:  # any failure to open means unusable
            problem = f"{type(error).__name__}: {error}"
        gc.collect()
        return None, problem


def check_build(build: Path) -> None:
    """Raise IndexUnavailable unless both indexes of the build open and read."""
    def read_both() -> None:
        for name in INDEX_NAMES.values():
            with whoosh_index.open_dir(str(build), indexname=name).searcher() as searcher:
                searcher.doc_count()

    _, problem = _quietly(read_both)
    if problem:
        raise IndexUnavailable(problem)


# --- writing -------------------------------------------------------------------------------


def new_build(root: Path) -> Path:
    """Create an empty build directory with both indexes (not yet current)."""
    root.mkdir(parents=True, exist_ok=True)
    build = root / f"build-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    build.mkdir()
    for kind, name in INDEX_NAMES.items():
        whoosh_index.create_in(str(build), SCHEMAS[kind](), indexname=name)
    return build


def bulk_load(build: Path, kind: str, docs: Iterable[dict], *, procs: int = 1, limitmb: int = 256,
              progress: Callable[[int], None] | None = None) -> int:
    """Write every document of a kind into a fresh build; several processes when `procs` > 1."""
    ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
    if procs > 1:
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True, batchsize=500)
    else:
        writer = ix.writer(limitmb=limitmb)
    count = 0
    try:
        for doc in docs:
            writer.add_document(**doc)
            count += 1
            if progress and count % 500 == 0:
                progress(500)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    if progress:
        progress(count % 500)
    return count


def apply_changes(build: Path, kind: str, upserts: list[dict], deletes: Iterable[str]) -> None:
    """Replace or remove documents in one commit (small segments are merged as they accrue)."""
    ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
    writer = ix.writer(timeout=WRITER_TIMEOUT)
    try:
        for object_id in deletes:
            writer.delete_by_term("id", object_id)
        for doc in upserts:
            writer.update_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def make_current(root: Path, build: Path) -> None:
    """Point CURRENT at `build` atomically, then forget the rebuild request."""
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(build.name)
    os.replace(tmp, root / "CURRENT")
    (root / "REBUILD").unlink(missing_ok=True)


def remove_old_builds(root: Path, grace: float = OLD_BUILD_GRACE_SECONDS) -> None:
    """Delete builds other than the current one, once readers have had time to move on."""
    keep = current_build(root)
    for path in root.glob("build-*"):
        if path != keep and path.is_dir() and time.time() - path.stat().st_mtime > grace:
            shutil.rmtree(path, ignore_errors=True)


def empty(build: Path, kind: str) -> None:
    """Remove every document of a kind (used by tests of a corrupt index)."""
    ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
    ix.writer().commit(mergetype=CLEAR)


def stored_signatures(build: Path, kind: str) -> dict[int, str]:
    """Every indexed id with its document signature (for `flask search check`)."""
    ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
    with ix.searcher() as searcher:
        return {int(fields["id"]): fields.get("sig", "") for fields in searcher.all_stored_fields()}


def size_bytes(build: Path) -> int:
    """The size of a build on disk."""
    return sum(p.stat().st_size for p in build.iterdir() if p.is_file())
