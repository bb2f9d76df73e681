"""Running a search on a snapshot: set algebra for filters, counts and facets; Whoosh for ranking.

Why this shape: a facet count needs every matching document, while ranking needs only the
top k. So the matching set is computed from cached per-term document sets (a filter or a
word seen before costs a set intersection, not a posting-list walk), facets are counted on
it, and Whoosh ranks with BM25F inside that set using its block-quality skipping
(`optimize=True`, `limit=k`), so it never scores documents that cannot reach the page.
"""
from __future__ import annotations

import heapq
from html import escape
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.query import Phrase
from whoosh.query.compound import DefaultOr as Or  # a tree of unions: keeps block-quality skipping

from marketplace.search.reader import Snapshot
from marketplace.search.query import Clause, OpportunityQuery, ParsedQuery, VendorQuery
from marketplace.search.schema import HIGHLIGHT_FIELDS, PHRASE_FIELDS, TEXT_FIELDS, WORD, analyze, stem

MAX_DEPTH = 2000  # deepest result ranked (100 pages of 20)


@dataclass
class Hits:
    """Object ids of one page in rank order, the total, and facet counts."""

    ids: list[int]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# --- text -----------------------------------------------------------------------------------


def _clause_parts(snap: Snapshot, clause: Clause) -> tuple[object, dict[int, float]] | None:
    """The documents a clause matches (a set or a dict's keys) and their scores (None: nothing to look for)."""
    kind = snap.kind
    stems = analyze(clause.text)
    if not stems:
        return None
    if clause.kind == "prefix":
        pairs = [(f, t) for f in TEXT_FIELDS[kind] for t in snap.expand_prefix(f, clause.text)]
        scores = snap.combined_scores(("prefix", kind, clause.text), pairs)
        return scores.keys(), scores
    if len(stems) == 1:
        scores = snap.combined_scores(("word", kind, stems[0]), [(f, stems[0]) for f in TEXT_FIELDS[kind]])
        return scores.keys(), scores
    query = Or([Phrase(f, stems) for f in PHRASE_FIELDS[kind]])
    docs = snap.cached_docs(("phrase", kind, " ".join(stems)), lambda: snap.searcher.docs_for_query(query))
    words = [snap.combined_scores(("word", kind, s), [(f, s) for f in TEXT_FIELDS[kind]]) for s in stems]
    return docs, {d: sum(w.get(d, 0.0) for w in words) for d in docs}


def text_match(snap: Snapshot, parsed: ParsedQuery) -> tuple[object | None, list[dict[int, float]]]:
    """(matching documents, one score map per group), or (None, []) when there are no words to look for."""
    sets, groups = [], []
    for group in parsed.groups:
        parts = [p for p in (_clause_parts(snap, c) for c in group) if p is not None]
        if not parts:
            continue
        if len(parts) == 1:
            sets.append(parts[0][0])
            groups.append(parts[0][1])
        else:
            merged: dict[int, float] = {}
            for _, scores in parts:
                for docnum, value in scores.items():
                    merged[docnum] = merged.get(docnum, 0.0) + value
            sets.append(merged.keys())
            groups.append(merged)
    if not sets:
        return None, []
    sets.sort(key=len)
    docs = sets[0]
    for other in sets[1:]:
        docs = docs & other
    for clause in parsed.excluded:
        part = _clause_parts(snap, clause)
        if part is not None:
            docs = docs - part[0]
    return docs, groups


def _intersect(base: frozenset[int], sets: list[frozenset[int]]) -> frozenset[int]:
    for s in sorted(sets, key=len):
        base = base & s
        if not base:
            break
    return base


def _union(snap: Snapshot, field_name: str, values) -> frozenset[int]:
    return frozenset().union(*(snap.term_docs(field_name, str(v)) for v in values))


def _rank(docs, groups: list[dict[int, float]], depth: int) -> list[int]:
    """The top `depth` of `docs` by BM25F: the sum of each group's cached score (ties by document order)."""
    if len(groups) == 1:
        key = groups[0].__getitem__
    else:
        def key(docnum: int) -> float:
            return sum(g[docnum] for g in groups)
    return heapq.nlargest(depth, docs, key=key) if len(docs) > depth else sorted(docs, key=key, reverse=True)


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
    text_docs, groups = text_match(snap, parsed)
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
    if q.sort == "relevance" and groups:
        ranked = _rank(docs, groups, depth)
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
    text_docs, groups = text_match(snap, parsed)
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
    if q.sort == "relevance" and groups:
        ranked = _rank(docs, groups, depth)
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
    """HTML of the part of `text` with the most matched words, escaped, matches in <mark>; '' when none match."""
    if not terms or not text:
        return ""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text) if stem(m.group().lower()) in terms]
    if not spans:
        return ""
    # The window of `maxchars` holding the most matches, starting a little before its first one.
    best, best_count, j = 0, 0, 0
    for i, (start, _) in enumerate(spans):
        while spans[j][0] < start - maxchars + 40:
            j += 1
        if i - j + 1 > best_count:
            best, best_count = j, i - j + 1
    begin = max(0, spans[best][0] - 40)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 20 else begin
    end = min(len(text), begin + maxchars)
    out, pos = [], begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:stop])}</mark>")
        pos = stop
    out.append(escape(text[pos:end]))
    return ("… " if begin else "") + "".join(out) + (" …" if end < len(text) else "")


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
