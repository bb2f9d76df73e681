"""The index on disk: builds, the host's writer lock, writing documents, and read snapshots.

Layout of SEARCH_INDEX_DIR (one per host, on local disk):
  CURRENT          the name of the build in use (replaced atomically after a full rebuild)
  writer.lock      flock()ed by the one process on this host that writes (non-blocking try)
  REBUILD          left by a request that found the index unreadable; the applier rebuilds
  build-<stamp>/   a Whoosh storage with two indexes (opportunities, vendors) and state.json
                   (the last event id applied, the gaps still awaited, the day of the last
                   date roll)

Only the lock holder writes, so Whoosh's own write lock is never contended and no LockError
can reach anyone; requests only read. Readers keep one snapshot per thread and kind, and
reopen it when CURRENT or the index generation changes.
"""
from __future__ import annotations

import bisect
import fcntl
import gc
import json
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term
from whoosh.writing import CLEAR

from marketplace.search.schema import SCHEMAS, SPELL_FIELDS

INDEX_NAMES = {"opportunity": "opportunities", "vendor": "vendors"}
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


@contextmanager
def _quiet_failures():
    """Whoosh leaves a file open when a table of contents is unreadable; close it without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def check_build(build: Path) -> None:
    """Raise IndexUnavailable unless both indexes of the build open and read."""
    problem = None
    with _quiet_failures():
        try:
            for name in INDEX_NAMES.values():
                ix = whoosh_index.open_dir(str(build), indexname=name)
                with ix.searcher() as searcher:
                    searcher.doc_count()
        except Exception as error:  # any failure to open means unusable: rebuild
            problem = f"{type(error).__name__}: {error}"
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


# --- reading -------------------------------------------------------------------------------


class Snapshot:
    """One open searcher of one kind with the derived, per-generation caches searches reuse."""

    TERM_CACHE = 4096

    def __init__(self, build: Path, kind: str, ix, generation: int, searcher):
        self.build, self.kind, self.ix, self.generation, self.searcher = build, kind, ix, generation, searcher
        self.reader = searcher.reader()
        self._terms: dict[tuple[str, str], frozenset[int]] = {}
        self._minute_sets: dict[int, frozenset[int]] = {}

    def close(self) -> None:
        """Release the files."""
        self.searcher.close()

    def term_docs(self, field: str, text: str) -> frozenset[int]:
        """The live documents holding `text` in `field` (cached; the cache is this generation's)."""
        key = (field, text)
        docs = self._terms.get(key)
        if docs is None:
            if len(self._terms) >= self.TERM_CACHE:
                self._terms.clear()
            try:
                docs = frozenset(self.searcher.docs_for_query(Term(field, text)))
            except KeyError:
                docs = frozenset()
            self._terms[key] = docs
        return docs

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold the term (deleted ones included until merged)."""
        try:
            return self.reader.doc_frequency(field, text)
        except KeyError:
            return 0

    def field_terms(self, field: str) -> list[str]:
        """Every term of a field, decoded."""
        return [t.decode() if isinstance(t, bytes) else t for t in self.reader.lexicon(field)]

    def expand_prefix(self, field: str, prefix: str, limit: int = 64) -> list[str]:
        """Up to `limit` of the field's terms starting with `prefix`, the most frequent first."""
        terms = [t.decode() if isinstance(t, bytes) else t for t in self.reader.expand_prefix(field, prefix)]
        if len(terms) > limit:
            terms = sorted(terms, key=lambda t: -self.doc_frequency(field, t))[:limit]
        return terms

    @cached_property
    def all_docs(self) -> frozenset[int]:
        """Every live (not deleted) document."""
        return frozenset(self.reader.all_doc_ids())

    @cached_property
    def ids(self) -> list[int]:
        """Object id by document number (0 for deleted documents)."""
        out = [0] * self.reader.doc_count_all()
        for docnum, fields in self.reader.iter_docs():
            out[docnum] = int(fields["id"])
        return out

    def column(self, field: str) -> list:
        """A sortable field's values by document number."""
        if self.reader.doc_count_all() == 0:
            return []  # an empty index's reader has no columns
        return list(self.reader.column_reader(field))

    @cached_property
    def closes(self) -> list[int]:
        """Opportunities: closing instant (epoch seconds) by document number."""
        return self.column("closes_at")

    @cached_property
    def by_closing(self) -> tuple[list[int], list[int]]:
        """Opportunities: live document numbers sorted by closing instant, and those instants."""
        order = sorted(self.all_docs, key=self.closes.__getitem__)
        return order, [self.closes[d] for d in order]

    def closing_between(self, after: int | None, before: int | None) -> frozenset[int]:
        """Documents closing in (after, before] (epoch seconds; None leaves that end open)."""
        order, keys = self.by_closing
        lo = 0 if after is None else bisect.bisect_right(keys, after)
        hi = len(keys) if before is None else bisect.bisect_right(keys, before)
        return frozenset(order[lo:hi])

    def open_docs(self, now: int) -> frozenset[int]:
        """Live (not awarded) opportunities still open at `now`; the big set is cached per minute."""
        minute = now - now % 60
        base = self._minute_sets.get(minute)
        if base is None:
            self._minute_sets.clear()
            base = self.closing_between(minute, None) & self.term_docs("phase", "live")
            self._minute_sets[minute] = base
        if now == minute:
            return base
        return base - self.closing_between(minute, now)

    @cached_property
    def sort_names(self) -> list[str]:
        """Vendors: lowercased name by document number."""
        return [v.decode() if isinstance(v, bytes) else v for v in self.column("sort_name")]

    def value_array(self, field: str) -> tuple[list[int], list[str]]:
        """A single-valued field as (value index by document number, values); -1 when absent."""
        cache = self.__dict__.setdefault("_arrays", {})
        if field not in cache:
            values = self.field_terms(field)
            array = [-1] * self.reader.doc_count_all()
            for index, value in enumerate(values):
                for docnum in self.term_docs(field, value):
                    array[docnum] = index
            cache[field] = (array, values)
        return cache[field]

    @cached_property
    def vocabulary(self) -> list[str]:
        """The unstemmed words of the spelling fields (for "did you mean")."""
        words: set[str] = set()
        for field in SPELL_FIELDS[self.kind]:
            spell = self.searcher.schema[field].spelling_fieldname(field)
            words.update(self.field_terms(spell))
        return sorted(words)


_local = threading.local()


def snapshot(root: Path, kind: str) -> Snapshot:
    """This thread's up-to-date snapshot of one kind; raises IndexUnavailable."""
    build = current_build(root)
    if build is None:
        raise IndexUnavailable("no index has been built on this host yet")
    cache: dict = _local.__dict__.setdefault("snapshots", {})
    key = (str(root), kind)
    held: Snapshot | None = cache.get(key)
    problem = None
    with _quiet_failures():
        try:
            if held is not None and held.build == build and held.ix.latest_generation() == held.generation:
                return held
            ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
            generation = ix.latest_generation()  # read first: the searcher sees this one or newer
            fresh = Snapshot(build, kind, ix, generation, ix.searcher())
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
    if problem:
        request_rebuild(root)
        raise IndexUnavailable(f"the index could not be opened: {problem}")
    if held is not None:
        held.close()
    cache[key] = fresh
    return fresh


def forget_snapshots() -> None:
    """Close this thread's snapshots (tests, after a rebuild)."""
    for held in getattr(_local, "snapshots", {}).values():
        held.close()
    _local.__dict__["snapshots"] = {}
