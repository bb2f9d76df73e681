"""Reading the index: pooled searchers and the per-generation caches every search reuses."""
from __future__ import annotations

import bisect
import threading
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from marketplace.naics import catalog
from marketplace.search.index import INDEX_NAMES, IndexUnavailable, _quietly, current_build, request_rebuild
from marketplace.search.schema import SPELL_FIELDS, plain_words

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
