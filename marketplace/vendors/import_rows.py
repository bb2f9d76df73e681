"""Reading a vendor-list CSV and checking each row on its own (the vendor import's first step)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marketplace.auth.models import User
from marketplace.auth.registration import normalize_business_name
from marketplace.errors import DomainError
from marketplace.models_common import CERTIFICATION_TYPES
from marketplace.naics import catalog
from marketplace.vendors.profile import normalize_ein
from marketplace.vendors.profile_addresses import check_zip, is_po_box

COLUMNS = (
    "legal_name", "dba", "ein", "email", "address_line1", "city", "state", "zip", "naics_codes",
    "certification_type", "certification_agency", "certification_number", "certification_effective",
    "certification_expires",
)
CERT_COLUMNS = COLUMNS[9:]
LIMITS = {"legal_name": 255, "dba": 255, "email": 254, "address_line1": 200, "city": 100,
          "certification_agency": 200, "certification_number": 100}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TYPES = {re.sub(r"[\s-]+", "_", t.lower()): t for t in CERTIFICATION_TYPES}


@dataclass(frozen=True)
class Problem:
    """A bad line: its number as a spreadsheet shows it (header = 1) and the reason."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


class ImportRefused(DomainError):
    """The file cannot be applied; `problems` lists every bad line with its reason."""

    status_code = 422

    def __init__(self, message: str, problems: list[Problem] | tuple = (), extra_columns: list[str] | tuple = ()):
        self.problems = sorted(problems, key=lambda p: p.line)
        self.extra_columns = list(extra_columns)
        super().__init__(message, {"lines": [str(p) for p in self.problems]})


@dataclass(frozen=True)
class Record:
    """One non-blank data row: its line number, its values by column, how many cells it had."""

    line: int
    values: dict[str, str]
    cells: int


@dataclass
class VendorRow:
    """The vendor a row describes (later rows of the same vendor may fill blanks)."""

    line: int
    legal_name: str
    normalized_name: str
    dba: str | None
    ein: str | None
    email: str | None
    line1: str
    city: str
    state: str
    zip: str
    county: str
    naics: tuple[str, ...]


def certification_key(type_: str, agency: str, number: str | None, effective_on: date, expires_on: date) -> tuple:
    """What makes two certifications of a vendor the same one."""
    def fold(text: str | None) -> str:
        return " ".join((text or "").split()).casefold()

    return (type_, fold(agency), fold(number), effective_on, expires_on)


@dataclass(frozen=True)
class CertRow:
    """A certification a row names."""

    line: int
    type: str
    agency: str
    number: str | None
    effective_on: date
    expires_on: date

    @property
    def key(self) -> tuple:
        """The match key (see `certification_key`)."""
        return certification_key(self.type, self.agency, self.number, self.effective_on, self.expires_on)


def read_csv(data: bytes) -> tuple[list[Record], list[str], int]:
    """Decode and split the file; return (records, extra columns, header width); refuse a bad header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused("The file is empty: the first line must be the header.")
        names = [h.strip().lower() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise ImportRefused(f"The header lacks the required column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)}. The header must name: {', '.join(COLUMNS)}.")
        doubled = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
        if doubled:
            raise ImportRefused(f"The header names {', '.join(doubled)} more than once.")
        extra = [h.strip() or f"(unnamed column {i + 1})" for i, h in enumerate(header) if names[i] not in COLUMNS]
        position = {name: names.index(name) for name in COLUMNS}
        records: list[Record] = []
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # a blank row still takes a line number, as in a spreadsheet
            values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in position.items()}
            records.append(Record(line, values, len(cells)))
    except csv.Error as error:
        raise ImportRefused(f"Line {line + 1} cannot be read as CSV ({error}).") from None
    return records, extra, len(header)


def _date(values: dict[str, str], column: str, problems: list[str]) -> date | None:
    raw = values[column]
    if not raw:
        problems.append(f"{column} is empty; give the date as YYYY-MM-DD.")
        return None
    try:
        if _DATE.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    problems.append(f"{column} “{raw}” is not a date; write dates as YYYY-MM-DD, like 2026-03-31.")
    return None


def _certification(record: Record, enabled: tuple[str, ...], problems: list[str]) -> CertRow | None:
    values = record.values
    raw_type = values["certification_type"]
    if not raw_type:
        filled = [c for c in CERT_COLUMNS if values[c]]
        if filled:
            problems.append(f"{', '.join(filled)} given without a certification_type.")
        return None
    cert_type = _TYPES.get(re.sub(r"[\s-]+", "_", raw_type.lower()))
    if cert_type is None:
        problems.append(f"unknown certification type “{raw_type}”; use one of {', '.join(CERTIFICATION_TYPES)}.")
    elif cert_type not in enabled:
        problems.append(f"certification type {cert_type} is disabled in this collaborative.")
    if not values["certification_agency"]:
        problems.append("certification_agency is empty; name the agency that issued the certificate.")
    effective_on = _date(values, "certification_effective", problems)
    expires_on = _date(values, "certification_expires", problems)
    if effective_on and expires_on and expires_on < effective_on:
        problems.append(f"the certification expires ({expires_on.isoformat()}) before it takes effect "
                        f"({effective_on.isoformat()}).")
    if cert_type is None or cert_type not in enabled or not effective_on or not expires_on:
        return None
    return CertRow(record.line, cert_type, values["certification_agency"],
                   values["certification_number"] or None, effective_on, expires_on)


def check_row(record: Record, enabled: tuple[str, ...], width: int) -> tuple[VendorRow | None, CertRow | None, list[Problem]]:
    """Check one row on its own; return the vendor and certification it names and its problems."""
    values = {k: " ".join(v.split()) for k, v in record.values.items()}
    record = Record(record.line, values, record.cells)
    problems: list[str] = []
    if record.cells > width:
        problems.append(f"the row has {record.cells} cells but the header has {width}; "
                        "put any value containing a comma in double quotes.")
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            problems.append(f"{column} is longer than {limit} characters.")
    if not values["legal_name"]:
        problems.append("legal_name is empty.")
    ein = None
    try:
        ein = normalize_ein(values["ein"])
    except DomainError:
        problems.append(f"malformed EIN “{values['ein']}”; write it as 9 digits, like 12-3456789.")
    email = values["email"].lower() or None
    if email and not _EMAIL.match(email):
        problems.append(f"email “{values['email']}” is not an email address.")
    if not values["address_line1"]:
        problems.append("address_line1 is empty; give the street address of the principal place of business.")
    elif is_po_box(values["address_line1"]):
        problems.append(f"address_line1 “{values['address_line1']}” is a P.O. box; the principal place of "
                        "business must be a street address.")
    if not values["city"]:
        problems.append("city is empty.")
    zip_code = state = county = ""
    try:
        zip_code, state, county = check_zip(values["zip"], values["state"])
    except DomainError as error:
        reason = next(iter(error.errors.values()), [error.message])[0]
        problems.append(f"zip “{values['zip']}”: {reason}" if values["zip"] else f"zip is empty. {reason}")
    codes = tuple(dict.fromkeys(c.strip() for c in values["naics_codes"].split(";") if c.strip()))
    for code in codes:
        if not catalog.is_valid(code):
            problems.append(f"unknown NAICS code “{code}” (use 6-digit NAICS 2022 codes separated by ;).")
    cert = _certification(record, enabled, problems)
    found = [Problem(record.line, p) for p in problems]
    if found:
        return None, None, found
    legal_name = values["legal_name"]
    vendor = VendorRow(record.line, legal_name, normalize_business_name(legal_name), values["dba"] or None, ein,
                       email, values["address_line1"], values["city"], state, zip_code, county, codes)
    return vendor, cert, []


def _fold(text: str | None) -> str:
    return (text or "").casefold()


def merge(target: VendorRow, row: VendorRow, *, first_line: int) -> Problem | None:
    """Fold a later row of the same vendor into `target`; blanks inherit, differences are refused."""
    if target.ein and target.normalized_name != row.normalized_name:
        return Problem(row.line, f"EIN {row.ein} is given to “{target.legal_name}” on line {first_line}; "
                                 f"this row names “{row.legal_name}”.")
    different = []
    if (_fold(target.line1), _fold(target.city), target.zip) != (_fold(row.line1), _fold(row.city), row.zip):
        different.append("address")
    for name, label in (("dba", "dba"), ("email", "email"), ("naics", "naics_codes")):
        mine, theirs = getattr(target, name), getattr(row, name)
        if mine and theirs and (_fold(mine) if isinstance(mine, str) else mine) != (
                _fold(theirs) if isinstance(theirs, str) else theirs):
            different.append(label)
        elif theirs and not mine:
            setattr(target, name, theirs)
    if different:
        return Problem(row.line, f"this row is the same vendor as line {first_line} but its "
                                 f"{', '.join(different)} differ{'s' if len(different) == 1 else ''}; "
                                 "repeat the same values or leave them empty.")
    return None


def vendor_values(row: VendorRow, now: datetime) -> dict[str, Any]:
    """The new vendor's columns."""
    return {"legal_name": row.legal_name, "normalized_name": row.normalized_name, "dba": row.dba,
            "ein": row.ein, "contact_email": row.email, "capability_statement": "",
            "created_at": now, "updated_at": now}


def address_values(row: VendorRow, vendor_id: int) -> dict[str, Any]:
    """The principal place of business, with no start date: the first known address."""
    return {"vendor_id": vendor_id, "kind": "principal", "line1": row.line1, "line2": None, "city": row.city,
            "state": row.state, "zip": row.zip, "county": row.county, "effective_from": None,
            "effective_to": None}


def certification_values(cert: CertRow, vendor_id: int, *, status: str, actor: User | None,
                         now: datetime) -> dict[str, Any]:
    """The certification's columns: pending, or verified by `actor` now."""
    verified = status == "verified"
    return {"vendor_id": vendor_id, "type": cert.type, "agency": cert.agency, "number": cert.number,
            "effective_on": cert.effective_on, "expires_on": cert.expires_on, "status": status,
            "verified_by_id": actor.id if verified and actor else None, "verified_at": now if verified else None,
            "created_at": now}
