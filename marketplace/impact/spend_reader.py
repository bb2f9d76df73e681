"""Reading spend extracts (CSV or XLSX) into numbered text rows, and checking each row.

Line numbers are those a person sees: the header is line 1. Every cell becomes text first
(spreadsheet numbers and dates included), so both formats go through the same checks.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marketplace.errors import DomainError

COLUMNS = ("line_id", "vendor_name", "ein", "zip", "amount", "payment_date", "category")
MAX_PROBLEMS = 1000  # a file that is wrong throughout: report this many, and say so
MAX_AMOUNT = Decimal("999999999999.99")  # NUMERIC(14, 2)
_AMOUNT = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
_PLAIN_AMOUNT = re.compile(r"-?\d{1,12}(?:\.\d{1,2})?")  # certainly good: at most 12 digits, two places
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")


@dataclass(frozen=True)
class Problem:
    """A bad row (or a bad file, on line 1) and the reason, in words an officer can act on."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(DomainError):
    """The file has bad rows; nothing was imported."""

    status_code = 422

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"Nothing was imported: {len(problems)} problem(s) in the file.",
            {"rows": [str(p) for p in problems]},
        )


def _text(value: object, column: str) -> str:
    """A cell as text; spreadsheet numbers keep their digits (and EIN/ZIP their leading zeros)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and column != "amount":
        value = int(value)
    if isinstance(value, int):
        width = {"ein": 9, "zip": 5}.get(column, 0)
        return str(value).zfill(width)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_table(filename: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header (lower-cased names) and the numbered data rows of a CSV or XLSX file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise ImportRejected([Problem(1, "the file must be a .csv or .xlsx extract")])


def _read_csv(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Windows ERP exports
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([Problem(1, "the file is empty: it needs a header row")]) from None
    except csv.Error as error:
        raise ImportRejected([Problem(1, f"the header is not valid CSV ({error})")]) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, [f"\0{error}"]
                continue
            yield reader.line_num, row

    return [h.strip().lower() for h in header], rows()


def _read_xlsx(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as error:
        raise ImportRejected([Problem(1, f"the file is not a readable XLSX workbook ({error})")]) from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    header_row = next(cells, None)
    if header_row is None:
        raise ImportRejected([Problem(1, "the workbook's first sheet is empty: it needs a header row")])
    header = [_text(v, "").strip().lower() for v in header_row]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(cells, start=2):
            texts = [_text(v, header[i] if i < len(header) else "") for i, v in enumerate(values)]
            while texts and not texts[-1].strip():
                texts.pop()
            yield number, texts
        book.close()

    return header, rows()


def check_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions and the extra (ignored) column names; a missing column rejects the file."""
    seen: dict[str, int] = {}
    duplicates = []
    for index, name in enumerate(header):
        if name in seen and name in COLUMNS:
            duplicates.append(name)
        seen.setdefault(name, index)
    missing = [c for c in COLUMNS if c not in seen]
    problems = []
    if missing:
        problems.append(Problem(1, f"missing column(s): {', '.join(missing)} (the header must name "
                                   f"{', '.join(COLUMNS)})"))
    if duplicates:
        problems.append(Problem(1, f"column(s) named twice: {', '.join(duplicates)}"))
    if problems:
        raise ImportRejected(problems)
    extra = [h or f"(unnamed column {i + 1})" for i, h in enumerate(header) if h not in COLUMNS]
    return {c: seen[c] for c in COLUMNS}, extra


def parse_amount(text: str) -> tuple[Decimal | None, str | None]:
    """A decimal amount with at most two places (negative for credits), or the reason it is not."""
    if _PLAIN_AMOUNT.fullmatch(text):  # the usual case, without the checks below
        return Decimal(text), None
    raw = text.strip()
    if not raw:
        return None, "amount is missing"
    if not _AMOUNT.match(raw):
        return None, f"amount {raw!r} is not a number (write it like 1234.56 or -20.00, without separators)"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, f"amount {raw!r} is not a number"
    if value != value.quantize(Decimal("0.01")):
        return None, f"amount {raw!r} has more than two decimal places"
    if abs(value) > MAX_AMOUNT:
        return None, f"amount {raw!r} is too large"
    return value.quantize(Decimal("0.01")), None


def parse_date(text: str) -> tuple[date | None, str | None]:
    """An ISO 8601 calendar date (YYYY-MM-DD), or the reason it is not."""
    raw = text.strip()
    if not raw:
        return None, "payment_date is missing"
    if _DATE.match(raw):
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            pass
    return None, f"payment_date {raw!r} is not a date in ISO 8601 form (YYYY-MM-DD)"


def parse_ein(text: str) -> tuple[str | None, str | None]:
    """An optional EIN as NN-NNNNNNN, or the reason it is not one."""
    raw = text.strip()
    if not raw:
        return None, None
    digits = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"\d{9}", digits):
        return None, f"ein {raw!r} is not 9 digits (like 12-3456789)"
    return f"{digits[:2]}-{digits[2:]}", None


def parse_zip(text: str) -> tuple[str | None, str | None]:
    """An optional 5-digit ZIP (ZIP+4 accepted, kept as 5 digits), or the reason it is not."""
    raw = text.strip()
    if not raw:
        return None, None
    match = _ZIP.match(raw)
    if not match:
        return None, f"zip {raw!r} is not a 5-digit ZIP code"
    return match.group(1), None


class _Memo(dict):
    """`function`'s results kept per argument, read as `memo[raw]` (extracts repeat dates, ZIPs,
    EINs, names and categories): a hit is a plain dictionary lookup, no Python call."""

    def __init__(self, function: Callable[[str], Any]):
        super().__init__()
        self.function = function

    def __missing__(self, raw: str) -> Any:
        found = self[raw] = self.function(raw)
        return found


class RowChecker:
    """Checks rows one at a time, keeping every problem; a good row comes back as a tuple.

    Extracts repeat dates, ZIPs, EINs, names and categories, so each distinct text is parsed once.
    """

    def __init__(self, known: dict[str, str], positions: dict[str, int], *, allow_new_categories: bool):
        self.known = known  # the institution's categories: lower-cased name -> name
        self.allow_new_categories = allow_new_categories
        self.new: dict[str, str] = {}  # lower-cased name -> the name as first written
        self.first_seen: dict[str, int] = {}
        self.problems: list[Problem] = []
        self.width = max(positions.values()) + 1
        self.at = tuple(positions[c] for c in COLUMNS)
        self.ein_of, self.zip_of, self.date_of = _Memo(parse_ein), _Memo(parse_zip), _Memo(parse_date)
        self.name_of, self.category_of = _Memo(lambda raw: " ".join(raw.split())), _Memo(self._category)

    def _category(self, raw: str) -> tuple[str, str | None]:
        category = " ".join(raw.split())
        if not category:
            return category, "category is missing"
        if category.lower() in self.known:
            return self.known[category.lower()], None
        if self.allow_new_categories and len(category) <= 100:
            return self.new.setdefault(category.lower(), category), None
        names = ", ".join(sorted(self.known.values(), key=str.lower)) or "none yet"
        return category, f"category {category!r} is not one of this institution's spend categories ({names})"

    @property
    def full(self) -> bool:
        """Enough problems reported: the file is wrong throughout."""
        return len(self.problems) > MAX_PROBLEMS

    def check(self, line: int, cells: list[str]) -> tuple | None:
        """(line_id, vendor_name, ein, zip, amount, payment_date, category), or None for a blank or bad row."""
        if not "".join(cells).strip():
            return None  # blank lines are not rows
        if cells and cells[0].startswith("\0"):
            return self._problem(line, [f"not valid CSV ({cells[0][1:]})"])
        if len(cells) < self.width:
            cells = [*cells, *[""] * (self.width - len(cells))]
        at_line_id, at_name, at_ein, at_zip, at_amount, at_date, at_category = self.at
        reasons = []
        line_id = cells[at_line_id].strip()
        if not line_id:
            reasons.append("line_id is missing")
        elif len(line_id) > 100:
            reasons.append("line_id is longer than 100 characters")
        elif line_id in self.first_seen:
            reasons.append(f"line_id {line_id!r} already appears on line {self.first_seen[line_id]}")
        else:
            self.first_seen[line_id] = line
        vendor_name = self.name_of[cells[at_name]]
        if not vendor_name:
            reasons.append("vendor_name is missing")
        elif len(vendor_name) > 255:
            reasons.append("vendor_name is longer than 255 characters")
        (ein, why_ein), (zip_code, why_zip) = self.ein_of[cells[at_ein]], self.zip_of[cells[at_zip]]
        amount, why_amount = parse_amount(cells[at_amount])
        (day, why_date), (category, why_category) = self.date_of[cells[at_date]], self.category_of[cells[at_category]]
        if why_ein or why_zip or why_amount or why_date or why_category:
            reasons += [why for why in (why_ein, why_zip, why_amount, why_date, why_category) if why]
        if reasons:
            return self._problem(line, reasons)
        return line_id, vendor_name, ein, zip_code, amount, day, category

    def _problem(self, line: int, reasons: list[str]) -> None:
        self.problems.append(Problem(line, "; ".join(reasons)))
        if len(self.problems) == MAX_PROBLEMS:
            self.problems.append(Problem(line, f"stopped checking after {MAX_PROBLEMS} bad rows"))
        return None
