"""Running a search on a snapshot: set algebra for filters, counts and facets; Whoosh for ranking.

Why this shape: a facet count needs every matching document, while ranking needs only the
top k. So the matching set is computed from cached per-term document sets (a filter or a
word seen before costs a set intersection, not a posting-list walk), facets are counted on
it, and Whoosh ranks with BM25F inside that set using its block-quality skipping
(`optimize=True`, `limit=k`), so it never scores documents that cannot reach the page.
"""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.idsets import DocIdSet
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.query import And, Or, Phrase, Term

from marketplace.search.index import Snapshot
from marketplace.search.query import Clause, OpportunityQuery, ParsedQuery, VendorQuery
from marketplace.search.schema import HIGHLIGHT_FIELDS, PHRASE_FIELDS, TEXT_FIELDS, WORDS, analyze

MAX_DEPTH = 2000  # deepest result ranked (100 pages of 20)


@dataclass
class Hits:
    """Object ids of one page in rank order, the total, and facet counts."""

    ids: list[int]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# --- text -----------------------------------------------------------------------------------


def _clause_parts(snap: Snapshot, clause: Clause) -> tuple[frozenset[int], object] | None:
    """The documents a clause matches and the Whoosh query that scores it (None: nothing to look for)."""
    kind = snap.kind
    stems = analyze(clause.text)
    if not stems:
        return None
    if clause.kind == "prefix":
        pairs = [(f, t) for f in TEXT_FIELDS[kind] for t in snap.expand_prefix(f, clause.text)]
        docs = frozenset().union(*(snap.term_docs(f, t) for f, t in pairs))
        return docs, Or([Term(f, t) for f, t in pairs])
    if len(stems) == 1:
        docs = frozenset().union(*(snap.term_docs(f, stems[0]) for f in TEXT_FIELDS[kind]))
        return docs, Or([Term(f, stems[0]) for f in TEXT_FIELDS[kind]])
    query = Or([Phrase(f, stems) for f in PHRASE_FIELDS[kind]])
    key = ("\x00phrase", " ".join(stems))
    docs = snap._terms.get(key)
    if docs is None:
        docs = frozenset(snap.searcher.docs_for_query(query))
        snap._terms[key] = docs
    return docs, query


def text_match(snap: Snapshot, parsed: ParsedQuery) -> tuple[frozenset[int] | None, object | None]:
    """(matching documents, scoring query), or (None, None) when there are no words to look for."""
    sets, queries = [], []
    for group in parsed.groups:
        parts = [p for p in (_clause_parts(snap, c) for c in group) if p is not None]
        if not parts:
            continue
        sets.append(frozenset().union(*(docs for docs, _ in parts)))
        queries.append(parts[0][1] if len(parts) == 1 else Or([q for _, q in parts]))
    if not sets:
        return None, None
    sets.sort(key=len)
    docs = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
    for clause in parsed.excluded:
        part = _clause_parts(snap, clause)
        if part is not None:
            docs = docs - part[0]
    return docs, And(queries) if len(queries) > 1 else queries[0]


def _intersect(base: frozenset[int], sets: list[frozenset[int]]) -> frozenset[int]:
    for s in sorted(sets, key=len):
        base = base & s
        if not base:
            break
    return base


def _union(snap: Snapshot, field_name: str, values) -> frozenset[int]:
    return frozenset().union(*(snap.term_docs(field_name, str(v)) for v in values))


class _Allowed(DocIdSet):
    """A frozenset seen through Whoosh's filter interface (without copying it)."""

    def __init__(self, docs: frozenset[int]):
        self.docs = docs

    def __contains__(self, docnum: int) -> bool:
        return docnum in self.docs

    def __iter__(self):
        return iter(sorted(self.docs))

    def __len__(self) -> int:
        return len(self.docs)

    def __bool__(self) -> bool:
        return bool(self.docs)


def _rank(snap: Snapshot, docs: frozenset[int], query, depth: int) -> list[int]:
    """The top `depth` documents of `docs` by BM25F."""
    if not docs:
        return []
    results = snap.searcher.search(query, limit=depth, filter=_Allowed(docs), optimize=True)
    return [hit.docnum for hit in results]


def _page_ids(snap: Snapshot, docnums: list[int], page: int, per_page: int) -> list[int]:
    start = (page - 1) * per_page
    stored = snap.searcher.stored_fields
    return [int(stored(d)["id"]) for d in docnums[start:start + per_page]]


def _count(snap: Snapshot, field_name: str, docs: frozenset[int]) -> dict[str, int]:
    array, values = snap.value_array(field_name)
    counts = Counter(map(array.__getitem__, docs))
    return {values[i]: n for i, n in counts.most_common() if i >= 0}


# --- opportunities --------------------------------------------------------------------------


def _epoch(value) -> int | None:
    return None if value is None else int(value.timestamp())


def _status_docs(snap: Snapshot, status: str, now: int) -> frozenset[int]:
    if status == "open":
        return snap.open_docs(now)
    if status == "closed":
        return snap.term_docs("phase", "live") - snap.open_docs(now)
    return snap.term_docs("phase", "awarded")


def search_opportunities(snap: Snapshot, parsed: ParsedQuery, q: OpportunityQuery, *, now: int,
                         page: int, per_page: int, facets: bool = True) -> Hits:
    """One page of opportunity ids, the total and the facet counts."""
    text_docs, text_query = text_match(snap, parsed)
    base = snap.all_docs if text_docs is None else text_docs
    filters: list[frozenset[int]] = []
    if q.naics:
        filters.append(_union(snap, "naics", q.naics))
    if q.institution_ids:
        filters.append(_union(snap, "institution", q.institution_ids))
    if q.set_asides:
        filters.append(_union(snap, "set_aside", q.set_asides))
    if q.types:
        filters.append(_union(snap, "type", q.types))
    if q.closes_after or q.closes_before:
        filters.append(snap.closing_between(_epoch(q.closes_after), _epoch(q.closes_before)))
    without_status = _intersect(base, filters)
    statuses = q.statuses or ("open", "closed", "awarded")
    status_set = frozenset().union(*(_status_docs(snap, s, now) for s in statuses))
    docs = without_status & status_set
    depth = min(page * per_page, MAX_DEPTH)
    if q.sort == "relevance" and text_query is not None:
        ranked = _rank(snap, docs, text_query, depth)
    elif q.sort == "closing_desc":
        ranked = heapq.nlargest(depth, docs, key=snap.closes.__getitem__)
    else:
        ranked = heapq.nsmallest(depth, docs, key=snap.closes.__getitem__)
    counts: dict[str, dict[str, int]] = {}
    if facets:
        open_n = len(without_status & snap.open_docs(now))
        live_n = len(without_status & snap.term_docs("phase", "live"))
        counts["status"] = {"open": open_n, "closed": live_n - open_n,
                            "awarded": len(without_status & snap.term_docs("phase", "awarded"))}
        for name in ("set_aside", "type", "institution"):
            counts[name] = _count(snap, name, docs)
    return Hits(_page_ids(snap, ranked, page, per_page), len(docs), counts)


# --- vendors --------------------------------------------------------------------------------


def local_docs(snap: Snapshot, counties: tuple[str, ...], zips: tuple[str, ...]) -> frozenset[int]:
    """Vendors whose principal place of business today is in the counties or ZIPs."""
    return _union(snap, "county", counties) | _union(snap, "zip", zips)


def search_vendors(snap: Snapshot, parsed: ParsedQuery, q: VendorQuery, *, page: int, per_page: int,
                   facets: bool = True) -> Hits:
    """One page of vendor ids, the total and the facet counts."""
    text_docs, text_query = text_match(snap, parsed)
    base = snap.all_docs if text_docs is None else text_docs
    local = local_docs(snap, q.local_counties, q.local_zips) if q.local_counties is not None else None
    filters: list[frozenset[int]] = []
    if q.naics:
        filters.append(_union(snap, "naics", q.naics))
    if q.cert_types:
        filters.append(_union(snap, "certs", q.cert_types))
    if q.counties:
        filters.append(_union(snap, "county", q.counties))
    if q.local_only and local is not None:
        filters.append(local)
    docs = _intersect(base, filters)
    depth = min(page * per_page, MAX_DEPTH)
    if q.sort == "relevance" and text_query is not None:
        ranked = _rank(snap, docs, text_query, depth)
    else:
        ranked = heapq.nsmallest(depth, docs, key=snap.sort_names.__getitem__)
    counts: dict[str, dict[str, int]] = {}
    if facets:
        counts["certs"] = {t: n for t in snap.field_terms("certs")
                           if (n := len(docs & snap.term_docs("certs", t)))}
        counts["county"] = _count(snap, "county", docs)
        if local is not None:
            counts["local"] = {"local": len(docs & local)}
    return Hits(_page_ids(snap, ranked, page, per_page), len(docs), counts)


# --- snippets and spelling ------------------------------------------------------------------


def highlight_terms(parsed: ParsedQuery) -> frozenset[str]:
    """The indexed terms a snippet marks."""
    return frozenset(t for c in parsed.clauses() if c.kind != "prefix" for t in analyze(c.text))


def snippet(text: str, terms: frozenset[str], *, maxchars: int = 240) -> str:
    """An HTML fragment of `text` (escaped) with the matched words in <mark>; '' when none match."""
    if not terms or not text:
        return ""
    return highlight(text, terms, WORDS, ContextFragmenter(maxchars=maxchars, surround=60),
                     HtmlFormatter(tagname="mark", between=" … "), top=2)


def highlight_fields(kind: str) -> tuple[str, ...]:
    """Which fields of a kind get snippets."""
    return HIGHLIGHT_FIELDS[kind]


def _known(snap: Snapshot, word: str) -> bool:
    stems = analyze(word)
    return not stems or any(snap.doc_frequency(f, stems[0]) for f in TEXT_FIELDS[snap.kind])


def suggest(snap: Snapshot, parsed: ParsedQuery) -> str | None:
    """The query with each unknown word replaced by the closest indexed word, or None."""
    replaced: dict[str, str] = {}
    for clause in parsed.clauses():
        for word in clause.text.split() if clause.kind != "prefix" else ():
            if word in replaced or word.isdigit() or _known(snap, word):
                continue
            cutoff = 1 if len(word) <= 4 else 2
            matches = process.extract(word, snap.vocabulary, scorer=Levenshtein.distance,
                                      score_cutoff=cutoff, limit=8)
            if matches:
                best = min(matches, key=lambda m: (m[1], -sum(
                    snap.doc_frequency(f, analyze(m[0])[0]) for f in TEXT_FIELDS[snap.kind] if analyze(m[0]))))
                replaced[word] = best[0]
    if not replaced:
        return None

    def fix(clause: Clause) -> Clause:
        return Clause(clause.kind, " ".join(replaced.get(w, w) for w in clause.text.split()))

    return ParsedQuery(tuple(tuple(fix(c) for c in g) for g in parsed.groups),
                       tuple(fix(c) for c in parsed.excluded)).display()


# --- one document ----------------------------------------------------------------------------


def _has_run(terms: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(terms[i:i + n] == run for i in range(len(terms) - n + 1))


def doc_matches(parsed: ParsedQuery, doc: dict, kind: str = "opportunity") -> bool:
    """Whether a document (as built for the index) matches the keywords, evaluated without the index."""
    by_field = {f: analyze(str(doc.get(f, ""))) for f in TEXT_FIELDS[kind]}
    every = set().union(*by_field.values())

    def hit(clause: Clause) -> bool | None:
        stems = analyze(clause.text)
        if not stems:
            return None
        if clause.kind == "prefix":
            return any(t.startswith(clause.text) for t in every)
        if len(stems) == 1:
            return stems[0] in every
        return any(_has_run(by_field[f], stems) for f in PHRASE_FIELDS[kind])

    for group in parsed.groups:
        results = [r for r in (hit(c) for c in group) if r is not None]
        if results and not any(results):
            return False
    return not any(hit(c) for c in parsed.excluded)
