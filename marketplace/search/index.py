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
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term
from whoosh.writing import CLEAR

from marketplace.naics import catalog
from marketplace.search.schema import SCHEMAS, SPELL_FIELDS, plain_words

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


# --- reading -------------------------------------------------------------------------------


class GenerationCache:
    """What is derived from one generation of one index, shared by every thread of the process.

    Term document sets, term score maps, closing-time order and facet arrays depend only on the
    generation, so they are computed once per generation and reused by all requests (dict
    writes are atomic under the GIL; a race only computes a value twice).
    """

    BUDGET = 4_000_000  # cached postings (set members + score entries) before the caches are cleared

    def __init__(self):
        self.terms: dict = {}
        self.scores: dict = {}
        self.values: dict = {}
        self.minute_sets: dict = {}
        self.entries = 0

    def charge(self, n: int) -> None:
        """Count cached entries; past the budget, forget the term caches (not the arrays)."""
        self.entries += n
        if self.entries > self.BUDGET:
            self.terms.clear()
            self.scores.clear()
            self.entries = n


class Snapshot:
    """One open searcher of one kind (used by one thread at a time) and its generation's cache."""

    def __init__(self, build: Path, kind: str, ix, generation: int, searcher, cache: GenerationCache):
        self.build, self.kind, self.ix, self.generation, self.searcher = build, kind, ix, generation, searcher
        self.reader = searcher.reader()
        self.cache = cache

    def close(self) -> None:
        """Release the files."""
        self.searcher.close()

    def _value(self, name: str, compute):
        values = self.cache.values
        if name not in values:
            values[name] = compute()
        return values[name]

    def term_docs(self, field: str, text: str) -> frozenset[int]:
        """The live documents holding `text` in `field` (cached for the generation)."""
        key = (field, text)
        docs = self.cache.terms.get(key)
        if docs is None:
            docs = frozenset(self.searcher.docs_for_query(Term(field, text))) if key in self.reader else frozenset()
            self.cache.charge(len(docs))
            self.cache.terms[key] = docs
        return docs

    def cached_docs(self, key, compute) -> frozenset[int]:
        """A document set cached under `key` for the generation (phrases)."""
        docs = self.cache.terms.get(key)
        if docs is None:
            docs = frozenset(compute())
            self.cache.charge(len(docs))
            self.cache.terms[key] = docs
        return docs

    def term_scores(self, field: str, text: str) -> dict[int, float]:
        """BM25F score of each document holding the term (boosts included), cached for the generation."""
        key = (field, text)
        scores = self.cache.scores.get(key)
        if scores is None:
            scores = {}
            if key in self.reader:
                matcher = self.searcher.postings(field, text)
                while matcher.is_active():
                    scores[matcher.id()] = matcher.score()
                    matcher.next()
            self.cache.charge(len(scores))
            self.cache.scores[key] = scores
        return scores

    def combined_scores(self, key, parts: list[tuple[str, str]]) -> dict[int, float]:
        """The summed score maps of several (field, term) pairs, cached under `key`."""
        scores = self.cache.scores.get(key)
        if scores is None:
            maps = [self.term_scores(f, t) for f, t in parts]
            maps = [m for m in maps if m]
            if len(maps) == 1:
                scores = maps[0]
            else:
                scores = {}
                get = scores.get
                for m in maps:
                    for docnum, value in m.items():
                        scores[docnum] = get(docnum, 0.0) + value
                self.cache.charge(len(scores))
            self.cache.scores[key] = scores
        return scores

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

    @property
    def all_docs(self) -> frozenset[int]:
        """Every live (not deleted) document."""
        return self._value("all_docs", lambda: frozenset(self.reader.all_doc_ids()))

    def column(self, field: str) -> list:
        """A sortable field's values by document number."""
        if self.reader.doc_count_all() == 0:
            return []  # an empty index's reader has no columns
        return list(self.reader.column_reader(field))

    @property
    def closes(self) -> list[int]:
        """Opportunities: closing instant (epoch seconds) by document number."""
        return self._value("closes", lambda: self.column("closes_at"))

    @property
    def by_closing(self) -> tuple[list[int], list[int]]:
        """Opportunities: live document numbers sorted by closing instant, and those instants."""
        def compute():
            closes = self.closes
            order = sorted(self.all_docs, key=closes.__getitem__)
            return order, [closes[d] for d in order]
        return self._value("by_closing", compute)

    def closing_between(self, after: int | None, before: int | None) -> frozenset[int]:
        """Documents closing in (after, before] (epoch seconds; None leaves that end open)."""
        order, keys = self.by_closing
        lo = 0 if after is None else bisect.bisect_right(keys, after)
        hi = len(keys) if before is None else bisect.bisect_right(keys, before)
        return frozenset(order[lo:hi])

    def open_docs(self, now: int) -> frozenset[int]:
        """Live (not awarded) opportunities still open at `now`; the big set is cached per minute."""
        minute = now - now % 60
        sets = self.cache.minute_sets
        base = sets.get(minute)
        if base is None:
            base = self.closing_between(minute, None) & self.term_docs("phase", "live")
            sets.clear()
            sets[minute] = base
        if now == minute:
            return base
        return base - self.closing_between(minute, now)

    @property
    def sort_names(self) -> list[str]:
        """Vendors: lowercased name by document number."""
        return self._value("sort_names", lambda: [v.decode() if isinstance(v, bytes) else v
                                                  for v in self.column("sort_name")])

    def value_array(self, field: str) -> tuple[list[int], list[str]]:
        """A single-valued field as (value index by document number, values); -1 when absent."""
        def compute():
            values = self.field_terms(field)
            array = [-1] * self.reader.doc_count_all()
            for index, value in enumerate(values):
                for docnum in self.term_docs(field, value):
                    array[docnum] = index
            return array, values
        return self._value(("array", field), compute)

    @property
    def vocabulary(self) -> list[str]:
        """The unstemmed words of the spelling fields (for "did you mean")."""
        def compute():
            words: set[str] = set()
            for field in SPELL_FIELDS[self.kind]:
                words.update(self.field_terms(self.searcher.schema[field].spelling_fieldname(field)))
            for code in catalog.codes():
                words.update(plain_words(catalog.title(code) or ""))
            return sorted(words)
        return self._value("vocabulary", compute)


_pool_lock = threading.Lock()
_idle: dict[tuple, list[Snapshot]] = {}
_caches: dict[tuple, GenerationCache] = {}


def _open(root: Path, build: Path, kind: str) -> Snapshot:
    def open_one():
        ix = whoosh_index.open_dir(str(build), indexname=INDEX_NAMES[kind])
        generation = ix.latest_generation()  # read first: the searcher sees this one or newer
        return ix, generation, ix.searcher()

    opened, problem = _quietly(open_one)
    if problem:
        request_rebuild(root)
        raise IndexUnavailable(f"the index could not be opened: {problem}")
    ix, generation, searcher = opened
    key = (str(root), kind, build.name, generation)
    with _pool_lock:
        cache = _caches.get(key)
        if cache is None:
            for old in [k for k in _caches if k[:2] == key[:2]]:
                del _caches[old]  # a newer generation replaces the older ones
            cache = _caches[key] = GenerationCache()
    return Snapshot(build, kind, ix, generation, searcher, cache)


@contextmanager
def snapshot(root: Path, kind: str):
    """Lend this thread an up-to-date snapshot of one kind; raises IndexUnavailable.

    Searchers are pooled per process (one thread uses a searcher at a time) and reopened when
    CURRENT or the index generation changes; the derived caches are shared per generation.
    """
    build = current_build(root)
    if build is None:
        raise IndexUnavailable("no index has been built on this host yet")
    pool_key = (str(root), kind)
    snap = None
    with _pool_lock:
        idle = _idle.setdefault(pool_key, [])
        while idle and snap is None:
            candidate = idle.pop()
            fresh = candidate.build == build
            if fresh:
                try:
                    fresh = candidate.ix.latest_generation() == candidate.generation
                except OSError:
                    fresh = False
            if fresh:
                snap = candidate
            else:
                candidate.close()
    if snap is None:
        snap = _open(root, build, kind)
    try:
        yield snap
    except BaseException:
        snap.close()  # maybe broken: never lend it again
        raise
    with _pool_lock:
        _idle.setdefault(pool_key, []).append(snap)


def forget_snapshots() -> None:
    """Close every pooled snapshot (tests, after a failure)."""
    with _pool_lock:
        for idle in _idle.values():
            for snap in idle:
                snap.close()
        _idle.clear()
        _caches.clear()
