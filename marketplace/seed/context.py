"""What the seed stages share: scale, clocks, one RNG per stage, and compact records."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from marketplace.seed.writer import Writer
from marketplace.seed_data.institutions import InstitutionSpec

# Fixed "today" the generated history is laid out around (spend, certificates, addresses),
# so that a seed gives the same data whenever it runs. Opportunities are the exception:
# their timeline is laid out around the real clock at seed time so that open ones are open.
REFERENCE_DATE = date(2026, 11, 1)
TIMEZONE = "America/New_York"
TZ = ZoneInfo(TIMEZONE)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    vendors: int
    opportunities: int
    spend_lines: int
    batch: int  # opportunities generated and written per batch


SCALES = {
    "small": Scale(vendors=300, opportunities=150, spend_lines=50_000, batch=500),
    "large": Scale(vendors=20_000, opportunities=100_000, spend_lines=1_000_000, batch=2_000),
}


@dataclass(slots=True, eq=False)
class InstitutionRecord:
    """An institution as later stages need it."""

    id: int
    spec: InstitutionSpec
    officer_id: int
    officer_name: str
    officer_email: str


@dataclass(slots=True, eq=False)
class VendorRecord:
    """A vendor as later stages need it: codes, dated addresses, verified certificate spans."""

    id: int
    legal_name: str
    dba: str | None
    ein: str | None
    codes: list[str]
    completed: bool
    # (effective_from or None, effective_to or None, zip, county, is_local)
    addresses: list[tuple[date | None, date | None, str, str, bool]] = field(default_factory=list)
    # certificate type -> verified (effective_on, expires_on) spans
    verified: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    user_ids: list[int] = field(default_factory=list)
    weight: float = 1.0
    spans: list[tuple[date, date]] | None = None  # cache of impact_spans(), once the vendor is complete

    def address_on(self, day: date) -> tuple[date | None, date | None, str, str, bool]:
        """The principal address in force on `day` (the first one for earlier days)."""
        for address in self.addresses:
            start, end = address[0], address[1]
            if (start is None or start <= day) and (end is None or day <= end):
                return address
        return self.addresses[0]

    def local_on(self, day: date) -> bool:
        """Whether the principal place of business on `day` is in the region."""
        return self.address_on(day)[4]

    def verified_on(self, types: tuple[str, ...], day: date) -> bool:
        """Whether a verified certificate of one of `types` is valid on `day` (strict rule)."""
        return any(start <= day <= end for kind in types for start, end in self.verified.get(kind, ()))

    def qualifies_on(self, day: date) -> bool:
        """Local or a verified MBE/WBE on `day`: the share the demo's spend shift is about."""
        return self.local_on(day) or self.verified_on(("MBE", "WBE"), day)

    def impact_spans(self) -> list[tuple[date, date]]:
        """Merged spans on which the vendor is local or holds a verified MBE/WBE (computed once)."""
        if self.spans is None:
            self.spans = self._impact_spans()
        return self.spans

    def _impact_spans(self) -> list[tuple[date, date]]:
        spans = [(start or date.min, end or date.max) for start, end, _z, _c, local in self.addresses if local]
        for kind in ("MBE", "WBE"):
            spans.extend(self.verified.get(kind, ()))
        spans.sort()
        merged: list[tuple[date, date]] = []
        for start, end in spans:
            if merged and (merged[-1][1] == date.max or start <= merged[-1][1] + timedelta(days=1)):
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def coverage(self, start: date, end: date) -> str:
        """'always', 'never' or 'mixed': how the vendor qualifies as local/MWBE over [start, end]."""
        for span_start, span_end in self.impact_spans():
            if span_start <= start and end <= span_end:
                return "always"
            if span_start <= end and start <= span_end:
                return "mixed"
        return "never"


@dataclass(slots=True, eq=False)
class ContractRecord:
    """A contract, for the spend lines paid under it."""

    id: int
    institution: InstitutionRecord
    vendor: VendorRecord
    number: str
    amount: Decimal
    start_on: date
    end_on: date
    category: str


@dataclass
class SeedContext:
    """The state passed from stage to stage."""

    seed: int
    scale: Scale
    now: datetime
    writer: Writer
    password_hash: str
    region_counties: tuple[tuple[str, str], ...] = ()
    region_zips: tuple[str, ...] = ()
    institutions: list[InstitutionRecord] = field(default_factory=list)
    backbone_id: int = 0
    vendors: list[VendorRecord] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    pending_certifications: list[dict] = field(default_factory=list)
    contracts: list[ContractRecord] = field(default_factory=list)

    def rng(self, stage: str) -> random.Random:
        """A generator for one stage, so stages do not shift each other's draws."""
        return random.Random(f"{self.seed}/{stage}")


def reference_instant(day: date, rng: random.Random) -> datetime:
    """A UTC instant during office hours (Eastern) on `day`."""
    local = datetime.combine(day, time(8), tzinfo=TZ) + timedelta(minutes=rng.randrange(0, 9 * 60))
    return local.astimezone(UTC)


def local_closing(day: date, hour: int = 14) -> datetime:
    """A closing time: `hour`:00 Eastern on `day`, as a UTC instant."""
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second instant in [start, end) (`start` when the span is empty)."""
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(seconds)) if seconds > 0 else start


def random_day(rng: random.Random, start: date, end: date) -> date:
    """A day in [start, end]."""
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def money(cents: int) -> Decimal:
    """Cents as a Decimal dollar amount."""
    return (Decimal(cents) / 100).quantize(CENT)
