"""Search benchmark: the product's search service against SQLite FTS5 on the same documents.

    .venv/bin/python bench/search.py [--opportunities 100000] [--vendors 20000] [--procs 2] [--keep DIR]

1. Builds the large corpus in a fresh SQLite database (migrated to head): 20 institutions,
   100,000 opportunities (open, closed, awarded, plus drafts and cancelled ones that must not
   be indexed) and 20,000 vendors with NAICS codes, addresses and certifications. Rows are
   bulk-inserted (the seeder's pace is not what is measured here).
2. Rebuilds the index through the product (`sync.rebuild`, what `flask search reindex` runs)
   and prints documents/s and the index size.
3. Runs a fixed set of 240 realistic queries (keywords, phrases, OR, exclusions, prefixes,
   NAICS codes and prefixes, set-aside / institution / status filters, closing-date sorts,
   vendor searches with certification and county filters), each computing the page, the
   total and the facet counts, through `service.search_opportunities` / `search_vendors`
   (rows loaded from the database, snippets, suggestions): one warm-up pass, then a timed pass.
4. Runs the same queries on SQLite FTS5 (porter tokenizer, bm25 with the same field weights)
   over the same documents, doing the same work: top 20, count, and the same facets.
5. Measures a publish: another process polls the search service until a newly published
   opportunity is found, while this process's background applier applies the event.
The last line is `search p95 <ms> ms; ratio to fts5 <x>`.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from marketplace import clock, create_app, db, migrate  # noqa: E402
from marketplace.naics import catalog  # noqa: E402

ANCHOR_CODES = [
    "561720", "561730", "238220", "238210", "541330", "541511", "236220", "424210", "423450", "722310",
    "484110", "561612", "541611", "611430", "323111", "238160", "238320", "561210", "562111", "541810",
    "621511", "811210", "532490", "424410", "541380", "541310", "541620", "238350", "561710", "485410",
    "541512", "518210", "339112", "423430", "238910", "237310", "561320", "541219", "524210", "488490",
]
SITES = ["Main Campus", "North Hospital", "Downtown Clinic", "Athletic Stadium", "Central Library",
         "Administration Building", "Science Center", "Elementary Schools", "Water Treatment Plant",
         "Fleet Garage", "Community Health Center", "Parking Garages", "Student Housing", "Research Park",
         "City Hall", "Recreation Centers", "Emergency Department", "Cancer Institute", "High Schools"]
VERBS = ["Provide", "Furnish and install", "Supply", "Perform", "Deliver", "Maintain", "Repair", "Replace"]
SENTENCES = [
    "The contractor shall supply all labor, materials, equipment and supervision.",
    "Work includes scheduled and emergency service calls with a four hour response time.",
    "Bidders must hold a current state license and carry general liability insurance.",
    "Pricing shall be firm for the initial term with two optional one-year renewals.",
    "A non-mandatory pre-bid meeting will be held on site; attendance is encouraged.",
    "Local and small businesses are encouraged to respond to this solicitation.",
    "Services are required nights and weekends to avoid disrupting patient care.",
    "The scope covers approximately 450,000 square feet across several buildings.",
    "Green and sustainable products are preferred where available.",
    "Deliveries are weekly to the central receiving dock.",
    "The institution intends to award to the lowest responsive and responsible bidder.",
    "Proposals will be evaluated on price, experience, references and local participation.",
    "All staff must pass a background check before working on the premises.",
    "Prevailing wage requirements apply to this contract.",
    "Subcontractors must be listed on the utilization form with their certifications.",
]
SURNAMES = ["Rivera", "Johnson", "Nguyen", "Patel", "Garcia", "Smith", "Brown", "Lopez", "Williams", "Davis",
            "Martinez", "Hernandez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "Lee", "Harris", "Clark"]
SUFFIXES = ["LLC", "Inc", "Group", "Co", "Services", "Solutions", "Partners", "Enterprises"]
COUNTIES = [("FL", "Broward"), ("FL", "Miami-Dade"), ("FL", "Palm Beach"), ("FL", "Orange"), ("FL", "Hillsborough"),
            ("FL", "Duval"), ("FL", "Pinellas"), ("FL", "Lee"), ("GA", "Fulton"), ("NY", "Kings")]
CERTS = ["SBE", "MBE", "WBE", "DBE", "VBE", "SDVOB", "employee_owned"]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _code(rng: random.Random, codes: list[str]) -> str:
    return rng.choice(ANCHOR_CODES) if rng.random() < 0.75 else rng.choice(codes)


def _title(rng: random.Random, code: str) -> str:
    title = (catalog.title(code) or "Services").rstrip("T").strip()
    site = rng.choice(SITES)
    form = rng.random()
    if form < 0.4:
        return f"{title} for {site}"
    if form < 0.7:
        return f"{rng.choice(VERBS)} {title.lower()} - {site}"
    return f"{site} {title.lower()} services"


def build_corpus(url: str, n_opps: int, n_vendors: int, seed: int = 7) -> None:
    """Bulk-insert institutions, opportunities and vendors (deterministic for a seed)."""
    rng = random.Random(seed)
    codes = catalog.codes()
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    now = NOW.replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(t["local_rules"].insert(), [{"id": 1, "name": "South Florida"}])
        conn.execute(t["local_rule_counties"].insert(), [
            {"rule_id": 1, "state": "FL", "county": c} for c in ("Broward", "Miami-Dade", "Palm Beach")])
        conn.execute(t["collaboratives"].insert(), [{"name": "Bench", "local_rule_id": 1, "backbone_name": "",
                                                     "enabled_certification_types": CERTS + ["DOBE", "LGBTBE"],
                                                     "expiry_rule": "strict", "grace_days": 0}])
        conn.execute(t["institutions"].insert(), [
            {"id": i, "slug": f"inst-{i}", "name": f"Anchor Institution {i}", "sector": "health",
             "timezone": "America/New_York", "fiscal_year_start_month": 7, "created_at": now,
             "requires_two_openers": False, "addendum_extension_hours": 72} for i in range(1, 21)])
        rows, naics_rows = [], []
        for i in range(1, n_opps + 1):
            code = _code(rng, codes)
            title = _title(rng, code)
            desc = (f"{rng.choice(VERBS)} {(catalog.title(code) or '').lower()} at the {rng.choice(SITES)}. "
                    + " ".join(rng.sample(SENTENCES, rng.randint(3, 6))))
            roll = rng.random()
            closes = now + timedelta(days=rng.randint(-400, 90), minutes=rng.randint(0, 1440))
            published = None if roll < 0.03 else closes - timedelta(days=30)
            rows.append({
                "id": i, "institution_id": rng.randint(1, 20), "reference": f"RFP-{i:06d}", "title": title,
                "description": desc, "type": rng.choice(["RFP", "RFQ", "ITB", "informal_quote"]),
                "set_aside": rng.choices(["none", "small", "local", "mwbe", "diverse"], [6, 2, 2, 1, 1])[0],
                "closes_at": closes, "created_at": now, "updated_at": now, "published_at": published,
                "cancelled_at": now if 0.03 <= roll < 0.05 else None,
                "awarded_at": closes + timedelta(days=20) if roll > 0.85 and closes < now else None})
            naics_rows.append({"opportunity_id": i, "code": code})
            if rng.random() < 0.3:
                extra = rng.choice(codes)
                if extra != code:
                    naics_rows.append({"opportunity_id": i, "code": extra})
            if len(rows) >= 5000:
                conn.execute(t["opportunities"].insert(), rows)
                conn.execute(t["opportunity_naics"].insert(), naics_rows)
                rows, naics_rows = [], []
        if rows:
            conn.execute(t["opportunities"].insert(), rows)
            conn.execute(t["opportunity_naics"].insert(), naics_rows)
        vendors, vnaics, addresses, certs = [], [], [], []
        for i in range(1, n_vendors + 1):
            code = _code(rng, codes)
            words = (catalog.title(code) or "Services").split()
            name = f"{rng.choice(SURNAMES)} {rng.choice(words).strip(',')} {rng.choice(SUFFIXES)}"
            statement = (f"We provide {(catalog.title(code) or '').lower()} to hospitals, universities and cities. "
                         + " ".join(rng.sample(SENTENCES, 2)))
            vendors.append({"id": i, "legal_name": name, "normalized_name": name.lower(), "capability_statement": statement,
                            "created_at": now, "updated_at": now})
            for j, c in enumerate(dict.fromkeys([code] + [rng.choice(codes) for _ in range(rng.randint(0, 2))])):
                vnaics.append({"vendor_id": i, "code": c, "is_primary": j == 0})
            state, county = rng.choice(COUNTIES)
            addresses.append({"vendor_id": i, "kind": "principal", "line1": "1 Main St", "city": "Town", "state": state,
                              "zip": f"{rng.randint(30000, 34999)}", "county": county})
            for ctype in rng.sample(CERTS, rng.choice([0, 0, 1, 1, 2])):
                certs.append({"vendor_id": i, "type": ctype, "agency": "Agency", "status": "verified",
                              "effective_on": date(2025, 1, 1), "expires_on": date(2027, 12, 31), "created_at": now})
        for table, batch in (("vendors", vendors), ("vendor_naics", vnaics), ("vendor_addresses", addresses),
                             ("certifications", certs)):
            for start in range(0, len(batch), 5000):
                conn.execute(t[table].insert(), batch[start:start + 5000])
    engine.dispose()


# --- queries ------------------------------------------------------------------------------------


def make_queries(session, rng: random.Random) -> list[tuple[str, dict]]:
    """A fixed set of realistic queries: (kind, arguments of OpportunityQuery or VendorQuery)."""
    from marketplace.opportunities.models import Opportunity
    from marketplace.search.schema import plain_words

    titles = list(session.scalars(sa.select(Opportunity.title).where(Opportunity.id % 97 == 0).limit(600)))
    queries: list[tuple[str, dict]] = []
    for title in titles[:70]:  # one or two words from a title: what a vendor types
        words = plain_words(title)
        queries.append(("opportunity", {"text": " ".join(rng.sample(words, min(len(words), rng.choice([1, 2, 2]))))}))
    for title in titles[70:110]:  # an exact phrase
        words = plain_words(title)
        start = rng.randrange(max(1, len(words) - 1))
        queries.append(("opportunity", {"text": '"' + " ".join(words[start:start + 2]) + '"'}))
    for word in ["janitorial", "landscaping", "plumbing", "software", "medical", "construction", "security", "printing",
                 "roofing", "consulting", "catering", "trucking", "engineering", "painting", "elevator", "laboratory",
                 "electrical", "hvac", "waste", "training"]:
        queries.append(("opportunity", {"text": word}))
    for code in ANCHOR_CODES[:30]:  # NAICS code or group, with and without words
        queries.append(("opportunity", {"naics": (code,)}))
        queries.append(("opportunity", {"naics": (code[:4],), "text": rng.choice(["services", "maintenance", "repair"])}))
    for title in titles[110:130]:  # filters beside words
        words = plain_words(title)
        queries.append(("opportunity", {"text": words[0], "set_asides": (rng.choice(["small", "local", "none"]),),
                                        "institution_ids": (rng.randint(1, 20),)}))
    for title in titles[130:150]:  # other statuses, closing-date sorts, OR and exclusions
        words = plain_words(title)
        queries.append(("opportunity", {"text": f"{words[0]} OR {words[-1]}", "statuses": ("closed", "awarded"),
                                        "sort": rng.choice(["relevance", "closing_desc"])}))
    queries.append(("opportunity", {"text": "maint* -emergency"}))
    queries.append(("opportunity", {}))
    for code in ANCHOR_CODES[:20]:  # vendor searches
        title = catalog.title(code) or ""
        queries.append(("vendor", {"text": plain_words(title)[0]}))
        queries.append(("vendor", {"naics": (code[:4],), "cert_types": (rng.choice(CERTS),),
                                   "counties": ("FL|broward",) if rng.random() < 0.5 else ()}))
    return queries


def _to_query(kind: str, args: dict):
    from marketplace.search.query import OpportunityQuery, VendorQuery

    return OpportunityQuery(**args) if kind == "opportunity" else VendorQuery(**args)


def time_service(app, queries) -> list[float]:
    """Milliseconds per query through the search service (page, total, facets, rows, snippets)."""
    from marketplace.search import service

    out = []
    with app.app_context():
        for kind, args in queries:
            q = _to_query(kind, args)
            started = time.perf_counter()
            results = (service.search_opportunities(q, now=NOW) if kind == "opportunity" else service.search_vendors(q))
            out.append((time.perf_counter() - started) * 1000)
            assert not results.used_fallback
        db.session.remove()
    return out


# --- FTS5 ---------------------------------------------------------------------------------------

FTS_WEIGHTS = {"opportunity": "3.0, 2.0, 1.5, 1.0", "vendor": "3.0, 1.5, 1.0"}


def build_fts(app, path: Path) -> sqlite3.Connection:
    """The same documents in SQLite FTS5 (porter stemming) with their filter columns."""
    from marketplace.search import documents

    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE VIRTUAL TABLE opp_fts USING fts5(title, reference, naics_text, description, tokenize='porter unicode61');
        CREATE TABLE opp (rowid INTEGER PRIMARY KEY, institution INT, set_aside TEXT, type TEXT, phase TEXT, closes_at INT);
        CREATE TABLE opp_naics (rowid INT, prefix TEXT);
        CREATE INDEX opp_naics_prefix ON opp_naics(prefix);
        CREATE VIRTUAL TABLE ven_fts USING fts5(name, naics_text, capability, tokenize='porter unicode61');
        CREATE TABLE ven (rowid INTEGER PRIMARY KEY, county TEXT, name TEXT);
        CREATE TABLE ven_naics (rowid INT, prefix TEXT);
        CREATE INDEX ven_naics_prefix ON ven_naics(prefix);
        CREATE TABLE ven_certs (rowid INT, type TEXT);
        CREATE INDEX ven_certs_type ON ven_certs(type);
    """)
    with app.app_context():
        for d in documents.opportunity_docs(db.session):
            rid = int(d["id"])
            conn.execute("INSERT INTO opp_fts(rowid, title, reference, naics_text, description) VALUES (?,?,?,?,?)",
                         (rid, d["title"], d["reference"], d["naics_text"], d["description"]))
            conn.execute("INSERT INTO opp VALUES (?,?,?,?,?,?)", (rid, int(d["institution"]), d["set_aside"], d["type"],
                                                                  d["phase"], d["closes_at"]))
            conn.executemany("INSERT INTO opp_naics VALUES (?,?)", [(rid, p) for p in d["naics"].split()])
        for d in documents.vendor_docs(db.session):
            rid = int(d["id"])
            conn.execute("INSERT INTO ven_fts(rowid, name, naics_text, capability) VALUES (?,?,?,?)",
                         (rid, d["name"], d["naics_text"], d["capability"]))
            conn.execute("INSERT INTO ven VALUES (?,?,?)", (rid, d.get("county"), d["sort_name"].decode()))
            conn.executemany("INSERT INTO ven_naics VALUES (?,?)", [(rid, p) for p in d["naics"].split()])
            conn.executemany("INSERT INTO ven_certs VALUES (?,?)", [(rid, c) for c in d["certs"].split()])
        db.session.remove()
    conn.commit()
    return conn


def _fts_match(text: str) -> str | None:
    from marketplace.search.query import parse

    parsed = parse(text)

    def one(c) -> str:
        if c.kind == "prefix":
            return f'"{c.text}"*'
        return '"' + c.text.replace('"', "") + '"'

    parts = ["(" + " OR ".join(one(c) for c in g) + ")" for g in parsed.groups]
    if not parts:
        return None
    match = " AND ".join(parts)
    for c in parsed.excluded:
        match += f" NOT {one(c)}"
    return match


def _in(column: str, values, params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' * len(values))})"


def fts_opportunity(conn: sqlite3.Connection, args: dict, now: int) -> None:
    """Top 20, count and facets (status, set-aside, type, institution), like the service."""
    match = _fts_match(args.get("text", ""))
    where, params = ["1"], []
    src = "opp o"
    if match:
        src = "opp_fts f JOIN opp o ON o.rowid = f.rowid"
        where.append("opp_fts MATCH ?")
        params.append(match)
    if args.get("naics"):
        where.append("o.rowid IN (SELECT rowid FROM opp_naics WHERE " + _in("prefix", args["naics"], params) + ")")
    for key, column in (("set_asides", "o.set_aside"), ("institution_ids", "o.institution"), ("types", "o.type")):
        if args.get(key):
            where.append(_in(column, args[key], params))
    base_where, base_params = list(where), list(params)
    status_sql = {"open": "(o.phase = 'live' AND o.closes_at > ?)", "closed": "(o.phase = 'live' AND o.closes_at <= ?)",
                  "awarded": "(o.phase = 'awarded' AND ? IS NOT NULL)"}
    statuses = args.get("statuses", ("open",))
    where.append("(" + " OR ".join(status_sql[s] for s in statuses) + ")")
    params.extend([now] * len(statuses))
    sql_where = " AND ".join(where)
    sort = args.get("sort", "relevance")
    order = (f"bm25(opp_fts, {FTS_WEIGHTS['opportunity']})" if match and sort == "relevance"
             else "o.closes_at DESC" if sort == "closing_desc" else "o.closes_at")
    conn.execute(f"SELECT o.rowid FROM {src} WHERE {sql_where} ORDER BY {order} LIMIT 20", params).fetchall()
    conn.execute(f"SELECT count(*) FROM {src} WHERE {sql_where}", params).fetchall()
    for column in ("o.set_aside", "o.type", "o.institution"):
        conn.execute(f"SELECT {column}, count(*) FROM {src} WHERE {sql_where} GROUP BY {column}", params).fetchall()
    conn.execute(f"SELECT CASE WHEN o.phase = 'awarded' THEN 'awarded' WHEN o.closes_at > ? THEN 'open' ELSE 'closed' END s,"
                 f" count(*) FROM {src} WHERE {' AND '.join(base_where)} GROUP BY s", [now, *base_params]).fetchall()


def fts_vendor(conn: sqlite3.Connection, args: dict) -> None:
    """Top 20, count and facets (certification types, county), like the service."""
    match = _fts_match(args.get("text", ""))
    where, params = ["1"], []
    src = "ven v"
    if match:
        src = "ven_fts f JOIN ven v ON v.rowid = f.rowid"
        where.append("ven_fts MATCH ?")
        params.append(match)
    if args.get("naics"):
        where.append("v.rowid IN (SELECT rowid FROM ven_naics WHERE " + _in("prefix", args["naics"], params) + ")")
    if args.get("cert_types"):
        where.append("v.rowid IN (SELECT rowid FROM ven_certs WHERE " + _in("type", args["cert_types"], params) + ")")
    if args.get("counties"):
        where.append(_in("v.county", args["counties"], params))
    sql_where = " AND ".join(where)
    order = f"bm25(ven_fts, {FTS_WEIGHTS['vendor']})" if match else "v.name"
    conn.execute(f"SELECT v.rowid FROM {src} WHERE {sql_where} ORDER BY {order} LIMIT 20", params).fetchall()
    conn.execute(f"SELECT count(*) FROM {src} WHERE {sql_where}", params).fetchall()
    conn.execute(f"SELECT c.type, count(*) FROM {src} JOIN ven_certs c ON c.rowid = v.rowid WHERE {sql_where} GROUP BY c.type",
                 params).fetchall()
    conn.execute(f"SELECT v.county, count(*) FROM {src} WHERE {sql_where} GROUP BY v.county", params).fetchall()


def time_fts(conn: sqlite3.Connection, queries) -> list[float]:
    """Milliseconds per query on FTS5."""
    out, now = [], int(NOW.timestamp())
    for kind, args in queries:
        started = time.perf_counter()
        fts_opportunity(conn, args, now) if kind == "opportunity" else fts_vendor(conn, args)
        out.append((time.perf_counter() - started) * 1000)
    return out


# --- publish latency ----------------------------------------------------------------------------

WATCHER = """
import sys, time
sys.path.insert(0, {root!r})
from marketplace import clock, create_app, db
from marketplace.search import service
from marketplace.search.query import OpportunityQuery
app = create_app({{"DATABASE_URL": {url!r}, "SEARCH_INDEX_DIR": {index!r}, "SEARCH_APPLIER": False}})
clock.freeze(__import__("datetime").datetime.fromisoformat({now!r}))
with app.app_context():
    service.search_opportunities(OpportunityQuery(text="warmup"))
    print("ready", flush=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if service.search_opportunities(OpportunityQuery(text={word!r})).total:
            print(time.time(), flush=True)
            break
        db.session.rollback()
        time.sleep(0.05)
    else:
        print("never", flush=True)
"""


def publish_latency(app, url: str, index_dir: str) -> float:
    """Seconds from a publish's commit until another process's search finds it."""
    from marketplace.opportunities.models import Opportunity
    from marketplace.search import sync

    word = f"zebrafish{int(time.time())}"  # new each run, also when --keep reuses the database
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER.format(root=str(ROOT), url=url, index=index_dir,
                                                                      now=NOW.isoformat(), word=word)],
                               stdout=subprocess.PIPE, text=True)
    assert watcher.stdout.readline().strip() == "ready"
    sync.start_applier(app, interval=1.0)
    with app.app_context():
        db.session.add(Opportunity(institution_id=1, reference=word[:60], title=f"Publish test {word}", description="",
                                   type="RFP", set_aside="none", closes_at=NOW + timedelta(days=9), created_at=NOW,
                                   updated_at=NOW, published_at=NOW))
        db.session.commit()
        committed = time.time()
        db.session.remove()
    line = watcher.stdout.readline().strip()
    watcher.wait(timeout=10)
    return float("inf") if line == "never" else float(line) - committed


# --- main ---------------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    """Build, index, query both engines, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--vendors", type=int, default=20_000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limitmb", type=int, default=768)
    parser.add_argument("--keep", help="Work in this directory and keep it (default: a temporary one).")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url, index_dir = f"sqlite:///{work / 'bench.db'}", str(work / "index")
    try:
        if not (work / "bench.db").exists():
            started = time.perf_counter()
            migrate.upgrade(url)
            build_corpus(url, args.opportunities, args.vendors)
            print(f"corpus: {args.opportunities:,} opportunities, {args.vendors:,} vendors "
                  f"in {time.perf_counter() - started:.1f} s")
        app = create_app({"DATABASE_URL": url, "SEARCH_INDEX_DIR": index_dir, "SEARCH_APPLIER": False})
        clock.freeze(NOW)
        from marketplace.search import documents, index, sync

        with app.app_context():
            shutil.rmtree(index_dir, ignore_errors=True)
            counts = documents.count_all(db.session)
            started = time.perf_counter()
            sync.rebuild(db.session, Path(index_dir), procs=args.procs, limitmb=args.limitmb)
            elapsed = time.perf_counter() - started
            total = sum(counts.values())
            size = index.size_bytes(index.current_build(Path(index_dir)))
            queries = make_queries(db.session, random.Random(11))
            db.session.remove()
        print(f"reindex: {total:,} documents ({counts['opportunity']:,} opportunities, {counts['vendor']:,} vendors) "
              f"in {elapsed:.1f} s = {total / elapsed:,.0f} documents/s with procs={args.procs}, limitmb={args.limitmb}; "
              f"index size {size / 2**20:.1f} MiB")
        print(f"queries: {len(queries)} ({sum(k == 'opportunity' for k, _ in queries)} opportunity, "
              f"{sum(k == 'vendor' for k, _ in queries)} vendor), each with page, total and facets")
        cold = time_service(app, queries)
        warm = time_service(app, queries)
        fts_path = work / "fts.db"
        fts_path.unlink(missing_ok=True)
        fts = build_fts(app, fts_path)
        time_fts(fts, queries)
        fts_ms = time_fts(fts, queries)
        fts.close()
        print(f"service first pass: median {statistics.median(cold):.1f} ms, p95 {_pct(cold, 95):.1f} ms")
        print(f"service:            median {statistics.median(warm):.1f} ms, p95 {_pct(warm, 95):.1f} ms, "
              f"max {max(warm):.1f} ms")
        print(f"fts5:               median {statistics.median(fts_ms):.1f} ms, p95 {_pct(fts_ms, 95):.1f} ms, "
              f"max {max(fts_ms):.1f} ms")
        clock.freeze(None)
        latency = publish_latency(app, url, index_dir)
        print(f"publish searchable in another process after {latency:.2f} s")
        ratio = _pct(warm, 95) / _pct(fts_ms, 95)
        print(f"search p95 {_pct(warm, 95):.1f} ms; ratio to fts5 {ratio:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("MARKETPLACE_ENV", "development")
    main()
