"""Vendors with realistic names, EINs, dated addresses, NAICS codes, certifications and users."""
from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from functools import lru_cache

import zipcodes

from marketplace.auth.models import User
from marketplace.search.models import SearchIndexEvent
from marketplace.seed.context import REFERENCE_DATE, SeedContext, VendorRecord, random_day, reference_instant
from marketplace.seed.people import VENDOR_EMAIL, user_row
from marketplace.seed_data import certifications as certs
from marketplace.seed_data.industries import INDUSTRIES, Industry
from marketplace.seed_data.names import FIRST_NAMES, GENERIC_WORDS, LAST_NAMES, LOCAL_WORDS, SUFFIXES
from marketplace.seed_data.places import (
    GENERIC_STREETS,
    OTHER_FL_COUNTIES,
    OTHER_STATES,
    REGION_COUNTIES,
    REGION_COUNTY_WEIGHTS,
    REGION_EXTRA_ZIPS,
    SOUTH_FLORIDA_STREETS,
    STATE,
    UNITS,
)
from marketplace.vendors.models import Certification, Vendor, VendorAddress, VendorNaics

ZipRecord = tuple[str, str, str, str]  # zip, city, state, county
LEGAL_SUFFIXES = {"llc", "inc", "corp", "corporation", "co", "company", "ltd", "lp", "llp", "pllc", "pa"}
EIN_PREFIXES = tuple(itertools.chain(range(10, 17), range(20, 28), range(30, 40), range(40, 49),
                                     range(50, 69), range(71, 78), range(80, 89), range(90, 96), (98, 99)))
INDUSTRY_WEIGHTS = list(itertools.accumulate(industry.weight for industry in INDUSTRIES))
DEMO_VENDOR_NAME = "Bayside Janitorial Solutions LLC"


@lru_cache(maxsize=1)
def zip_pools() -> dict[str, list[ZipRecord]]:
    """Street-address ZIP codes (no P.O. boxes) grouped by region county, other FL, other states."""
    pools: dict[str, list[ZipRecord]] = {"other_fl": []}
    wanted = set(OTHER_STATES)
    for record in zipcodes.list_all():
        if record["zip_code_type"] != "STANDARD" or not record["active"]:
            continue
        item = (record["zip_code"], record["city"], record["state"], record["county"])
        if record["state"] == STATE:
            if record["county"] in REGION_COUNTIES:
                pools.setdefault(record["county"], []).append(item)
            elif record["county"] in OTHER_FL_COUNTIES:
                pools["other_fl"].append(item)
        elif record["state"] in wanted:
            pools.setdefault(record["state"], []).append(item)
    return {key: sorted(value) for key, value in sorted(pools.items())}


def normalize_name(name: str) -> str:
    """Lowercase, '&' as 'and', no punctuation, no legal suffix: the key spend lines match on."""
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and ")).split()
    while words and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class VendorFactory:
    """Generates one vendor at a time, keeping names, EINs and e-mail domains unique."""

    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.rng = ctx.rng("vendors")
        self.pools = zip_pools()
        self.names: set[str] = {DEMO_VENDOR_NAME}
        self.eins: set[str] = set()
        self.slugs: set[str] = set()
        self.rows: dict[str, list[dict]] = {name: [] for name in
                                            ("vendors", "addresses", "naics", "certifications", "search")}

    def is_local(self, state: str, county: str, zip_code: str) -> bool:
        """Whether an address lies in the collaborative's region."""
        return (state, county) in self.ctx.region_counties or zip_code in self.ctx.region_zips

    def pick_zip(self, where: str) -> ZipRecord:
        """A ZIP code in the region, elsewhere in Florida, or in another state."""
        rng = self.rng
        if where == "region":
            if rng.random() < 0.01:
                return next(r for r in self.pools["other_fl"] if r[0] in REGION_EXTRA_ZIPS)
            county = rng.choices(REGION_COUNTIES, weights=REGION_COUNTY_WEIGHTS)[0]
            return rng.choice(self.pools[county])
        if where == "other_fl":
            return rng.choice(self.pools["other_fl"])
        return rng.choice(self.pools[rng.choice(OTHER_STATES)])

    def legal_name(self, industry: Industry, local: bool) -> str:
        """A unique, plausible business name."""
        rng = self.rng
        for attempt in itertools.count():
            word = rng.choice(industry.words)
            pattern = rng.randrange(5)
            if pattern == 0:
                name = f"{rng.choice(LAST_NAMES)} {word} {rng.choice(SUFFIXES)}"
            elif pattern == 1:
                name = f"{rng.choice(LOCAL_WORDS if local else GENERIC_WORDS)} {word} {rng.choice(SUFFIXES)}"
            elif pattern == 2:
                name = f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)} {word}, {rng.choice(SUFFIXES)}"
            elif pattern == 3:
                letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((2, 3))))
                name = f"{letters} {word} Group LLC"
            else:
                name = f"{rng.choice(GENERIC_WORDS)} {rng.choice(LOCAL_WORDS)} {word} {rng.choice(SUFFIXES)}"
            if attempt > 20:
                name = f"{name.rsplit(' ', 1)[0]} {attempt} {name.rsplit(' ', 1)[1]}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise AssertionError("unreachable")

    def ein(self) -> str:
        """A unique EIN in the NN-NNNNNNN format with a real IRS prefix."""
        while True:
            value = f"{self.rng.choice(EIN_PREFIXES):02d}-{self.rng.randrange(10**7):07d}"
            if value not in self.eins:
                self.eins.add(value)
                return value

    def slug(self, name: str) -> str:
        """A unique e-mail/website domain label for a business name."""
        base = normalize_name(name).replace(" and ", " ").replace(" ", "")[:40] or "vendor"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}{n}"
        self.slugs.add(slug)
        return slug

    def address_row(self, vendor_id: int, kind: str, record: ZipRecord, start: date | None,
                    end: date | None) -> dict:
        """A vendor_addresses row; the county comes from the `zipcodes` record of the ZIP."""
        rng = self.rng
        zip_code, city, state, county = record
        streets = SOUTH_FLORIDA_STREETS if self.is_local(state, county, zip_code) else GENERIC_STREETS
        return dict(id=self.ctx.writer.new_id(VendorAddress.__table__), vendor_id=vendor_id, kind=kind,
                    line1=f"{rng.randrange(100, 19999)} {rng.choice(streets)}",
                    line2=rng.choice(UNITS) if rng.random() < 0.3 else None,
                    city=city, state=state, zip=zip_code, county=county,
                    effective_from=start, effective_to=end)

    def make(self, index: int) -> VendorRecord:
        """Generate vendor number `index` (0 is the demo vendor) and queue its rows."""
        rng, writer = self.rng, self.ctx.writer
        demo = index == 0
        industry = INDUSTRIES[0] if demo else rng.choices(INDUSTRIES, cum_weights=INDUSTRY_WEIGHTS)[0]
        roll = rng.random()
        where = "region" if demo or roll < 0.68 else "other_fl" if roll < 0.82 else "other_state"
        local = where == "region"
        name = DEMO_VENDOR_NAME if demo else self.legal_name(industry, local)
        vendor_id = writer.new_id(Vendor.__table__)
        slug = self.slug(name)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        employees = max(1, int(rng.lognormvariate(2.6 if local else 4.2, 1.2)))
        bands = ((10, "under_1m"), (40, "1m_5m"), (80, "5m_10m"), (200, "10m_25m"), (800, "25m_100m"))
        band = next((label for limit, label in bands if employees < limit), "over_100m")
        year = rng.randrange(1968, 2024)
        created = reference_instant(random_day(rng, date(2024, 1, 8), REFERENCE_DATE - timedelta(days=7)), rng)
        completed = demo or rng.random() > 0.04
        dba = f"{name.split(' ')[0]} {industry.words[0]}" if rng.random() < 0.08 and not demo else None
        ein = None if rng.random() < 0.03 and not demo else self.ein()
        area = ("across Miami-Dade, Broward and Palm Beach counties" if local
                else "throughout Florida" if where == "other_fl" else "nationwide")
        phrases = rng.sample(industry.phrases, k=min(len(industry.phrases), rng.choice((1, 2))))
        statement = (f"{name} provides {' and '.join(phrases)} to hospitals, universities, schools and "
                     f"local governments {area}. Established in {year}, the firm employs {employees} people.")
        phone_area = rng.choice(("305", "786", "954", "561")) if local else str(rng.randrange(201, 990))
        self.rows["vendors"].append(dict(
            id=vendor_id, legal_name=name, normalized_name=normalize_name(name), dba=dba, ein=ein,
            website=f"https://www.{slug}.example", contact_name=f"{first} {last}",
            contact_email=f"{_ascii(first)}@{slug}.example",
            contact_phone=f"({phone_area}) {rng.randrange(200, 999)}-{rng.randrange(10000):04d}",
            year_established=year, employees=employees, revenue_band=band, capability_statement=statement,
            registration_completed_at=created if completed else None, created_at=created,
            updated_at=created + timedelta(days=rng.randrange(0, 120)) if completed else created,
        ))
        self.rows["search"].append(dict(id=writer.new_id(SearchIndexEvent.__table__), doc_type="vendor",
                                        object_id=vendor_id, op="upsert", created_at=self.ctx.now))
        record = VendorRecord(id=vendor_id, legal_name=name, dba=dba, ein=ein, codes=[], completed=completed,
                              weight=employees ** 0.6)
        self.addresses(record, where, demo)
        self.naics(record, industry)
        self.certifications(record, local, demo)
        self.users(record, first, last, slug, created, demo)
        return record

    def addresses(self, record: VendorRecord, where: str, demo: bool) -> None:
        """A principal address since always, sometimes a dated move, sometimes another office."""
        rng = self.rng
        first = self.pick_zip(where)
        moves = not demo and rng.random() < (0.08 if where == "region" else 0.12)
        if moves:
            moved_on = random_day(rng, date(2022, 1, 3), date(2026, 9, 30))
            target = "region" if where != "region" else rng.choice(("region", "region", "other_fl"))
            second = self.pick_zip(target)
            spans = [(first, None, moved_on - timedelta(days=1)), (second, moved_on, None)]
        else:
            spans = [(first, None, None)]
        for zip_record, start, end in spans:
            row = self.address_row(record.id, "principal", zip_record, start, end)
            self.rows["addresses"].append(row)
            local = self.is_local(row["state"], row["county"], row["zip"])
            record.addresses.append((start, end, row["zip"], row["county"], local))
        if rng.random() < 0.08:
            self.rows["addresses"].append(self.address_row(record.id, "office", self.pick_zip("other_state"),
                                                           None, None))

    def naics(self, record: VendorRecord, industry: Industry) -> None:
        """The primary code of the vendor's industry and up to two more (related or same category)."""
        rng = self.rng
        codes = [industry.code]
        extra = rng.choices((0, 1, 2), weights=(35, 45, 20))[0]
        codes.extend(code for code in industry.related[:extra] if code not in codes)
        if len(codes) < 3 and rng.random() < 0.1:
            other = rng.choice([i.code for i in INDUSTRIES if i.category == industry.category])
            if other not in codes:
                codes.append(other)
        record.codes = codes
        self.rows["naics"].extend(dict(vendor_id=record.id, code=code, is_primary=n == 0)
                                  for n, code in enumerate(codes))

    def certifications(self, record: VendorRecord, local: bool, demo: bool) -> None:
        """Certificate histories: renewals chained by `renews_id`, some lapsed, some unverified."""
        rng = self.rng
        for kind, (in_region, elsewhere) in certs.PREVALENCE.items():
            if demo:
                if kind not in ("MBE", "SBE"):
                    continue
            elif rng.random() >= (in_region if local else elsewhere):
                continue
            verified_track = demo or rng.random() < 0.78
            start = date(2020, 3, 2) if demo else random_day(rng, date(2019, 1, 2), date(2026, 8, 31))
            previous_id = None
            agency = rng.choice(certs.AGENCIES[kind])
            while True:
                expires = add_years(start, certs.TERM_YEARS[kind]) - timedelta(days=1)
                renewal = add_years(start, certs.TERM_YEARS[kind])
                if demo:
                    last = renewal > REFERENCE_DATE
                else:
                    renews = rng.random() < (0.8 if verified_track else 0.6)
                    last = not renews or renewal > REFERENCE_DATE - timedelta(days=20)
                status = self.certificate_status(verified_track, last, start, demo)
                cert_id = self.ctx.writer.new_id(Certification.__table__)
                verified_at = (reference_instant(start + timedelta(days=rng.randrange(7, 40)), rng)
                               if status == "verified" else None)
                self.rows["certifications"].append(dict(
                    id=cert_id, vendor_id=record.id, type=kind, agency=agency,
                    number=f"{certs.NUMBER_PREFIX[kind]}-{rng.randrange(10000, 99999)}",
                    effective_on=start, expires_on=expires, document_id=None, status=status,
                    rejection_reason=rng.choice(certs.REJECTION_REASONS) if status == "rejected" else None,
                    verified_by_id=self.ctx.backbone_id if status == "verified" else None,
                    verified_at=verified_at, renews_id=previous_id,
                    created_at=reference_instant(start - timedelta(days=rng.randrange(10, 60)), rng),
                ))
                if status == "verified":
                    record.verified.setdefault(kind, []).append((start, expires))
                if last:
                    break
                previous_id, start = cert_id, renewal

    def certificate_status(self, verified_track: bool, last: bool, start: date, demo: bool) -> str:
        """Earlier links of a verified history are verified; the latest may be pending or rejected."""
        rng = self.rng
        if demo:
            return "verified"
        recent = start > REFERENCE_DATE - timedelta(days=45)
        if not verified_track:
            return "pending" if last and rng.random() < 0.3 else "self_attested"
        if not last:
            return "verified"
        if recent:
            return rng.choice(("pending", "verified"))
        return rng.choices(("verified", "rejected", "self_attested"), weights=(82, 8, 10))[0]

    def users(self, record: VendorRecord, first: str, last: str, slug: str, created, demo: bool) -> None:
        """The vendor's contact as a user, sometimes a colleague too."""
        people = [(first, last)]
        if self.rng.random() < 0.12:
            colleague = (self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES))
            if colleague != people[0]:
                people.append(colleague)
        for n, (given, family) in enumerate(people):
            user_id = self.ctx.writer.new_id(User.__table__)
            email = VENDOR_EMAIL if demo and n == 0 else f"{_ascii(given)}.{_ascii(family)}@{slug}.example"
            self.ctx.users.append(user_row(self.ctx, user_id, email, f"{given} {family}", "vendor",
                                           vendor_id=record.id, created_at=created))
            record.user_ids.append(user_id)


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def seed_vendors(ctx: SeedContext) -> None:
    """Write the vendors, their addresses and NAICS codes (users and certificates come later)."""
    factory = VendorFactory(ctx)
    with ctx.writer.bar("vendors", ctx.scale.vendors) as bar:
        for index in range(ctx.scale.vendors):
            ctx.vendors.append(factory.make(index))
            bar.update()
    writer = ctx.writer
    writer.insert(Vendor.__table__, factory.rows["vendors"])
    writer.insert(VendorAddress.__table__, factory.rows["addresses"])
    writer.insert(VendorNaics.__table__, factory.rows["naics"])
    writer.insert(SearchIndexEvent.__table__, factory.rows["search"])
    ctx.pending_certifications = factory.rows["certifications"]


def seed_certifications(ctx: SeedContext) -> None:
    """Write the certificates (after the users, since the backbone verified them)."""
    ctx.writer.insert(Certification.__table__, ctx.pending_certifications)
    ctx.pending_certifications = []
