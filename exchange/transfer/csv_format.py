"""The listings CSV: its columns, streaming reader and the validation of one row."""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from stdnum.vn import mst

from exchange import taxonomy
from exchange.listings import rules
from exchange.listings.models import Kind
from exchange.listings.rules import (DESCRIPTION_MAX, SUMMARY_MAX, TITLE_MAX, TITLE_MIN,
                                     RuleError, default_expiry, end_of_day)

# the order export writes; import reads them by name, in any order
COLUMNS = (
    "external_id", "kind", "title", "summary", "description", "category", "sector",
    "province", "price_vnd", "budget_min_vnd", "price_negotiable", "keywords", "trl",
    "ip_status", "transfer_modes", "quantity", "unit", "expires_at", "business_tax_code",
    "business_name", "contact_email",
)
REQUIRED_COLUMNS = (
    "external_id", "kind", "title", "category", "sector", "province", "business_tax_code",
)
LIST_SEPARATOR = ";"
EXTERNAL_ID_MAX = 100
# a cell starting with one of these is a formula to a spreadsheet; export quotes it with "'"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", ""}
# a cell larger than this is an error in the file (a quote never closed), not a listing:
# the record is reported instead of being read on into memory
FIELD_LIMIT = 1 << 20


# control characters other than tab and newline (a carriage return included)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FormatError(Exception):
    """The file as a whole cannot be read (header, encoding)."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class RowError:
    column: str
    reason: str


@dataclass
class ListingRow:
    """A row that passed validation: plain values, ready for the importer."""

    line: int
    external_id: str
    kind: str
    content: dict
    tax_code: str
    business_name: str
    contact_email: str
    cells: dict = field(repr=False)


@dataclass
class RejectedRow:
    line: int
    errors: list[RowError]
    cells: dict = field(repr=False)

    @property
    def external_id(self) -> str:
        return self.cells.get("external_id", "")


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def sniff_delimiter(header_line: str) -> str:
    """Spreadsheets in a Vietnamese (or any comma-decimal) locale save with semicolons;
    column names contain neither separator, so counting them on the header is enough."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


class _Lines:
    """The physical lines of a file, decoded one by one and counted.

    Decoding each line on its own (rather than the file through a TextIOWrapper, which
    decodes ahead in chunks) ties a byte that is not UTF-8 to its true line and lets the
    rest of the file be read: the line is decoded with replacement characters and its
    number kept in `bad`, for the record it belongs to to be rejected.
    """

    def __init__(self, stream):
        if isinstance(stream, io.TextIOWrapper):
            stream = stream.buffer  # nothing was read through the wrapper yet
        self._lines = iter(stream)
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.number += 1
        if isinstance(raw, str):
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.bad[self.number] = (
                f"line {self.number} is not UTF-8 text (byte 0x{raw[exc.start]:02X} at "
                f"byte {exc.start + 1} of the line); save the file as “CSV UTF-8”")
            return raw.decode("utf-8", errors="replace")

    def problems_since(self, line: int) -> list[str]:
        found = [reason for number, reason in sorted(self.bad.items()) if number >= line]
        self.bad.clear()
        return found


def read_rows(stream):
    """Yield (line, cells) for each record of a stream of bytes (or text), never holding the
    whole file.

    `line` is the physical line the record starts on (quoted cells may span lines). A
    record that cannot be read (bytes that are not UTF-8, a cell beyond FIELD_LIMIT) is
    still yielded, its reasons under the key "__problems__", so that it is reported and
    the rest of the file goes on.
    """
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    lines = _Lines(stream)
    try:
        header_line = next(lines, "")
    except UnicodeDecodeError:  # a text stream opened by the caller
        raise FormatError("the file is not UTF-8 text; save it as “CSV UTF-8”") from None
    if lines.bad:
        raise FormatError("the first line is not UTF-8 text; save the file as “CSV UTF-8”")
    header_line = header_line.lstrip("\ufeff")
    if not header_line.strip():
        raise FormatError("the file is empty; the first line must name the columns")
    delimiter = sniff_delimiter(header_line)
    header = [name.strip().lower() for name in next(csv.reader([header_line],
                                                                delimiter=delimiter))]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FormatError(f"missing column(s): {', '.join(missing)} "
                          f"(found: {', '.join(header) or 'nothing'})")
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        line = lines.number + 1
        problems = []
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise FormatError("not UTF-8 text; save the file as “CSV UTF-8”",
                              line=lines.number) from None
        except csv.Error as exc:
            # the reader starts afresh on the next line; what is left of this record (the
            # rest of a runaway quoted cell) is reported row by row as it is read
            record, problems = [], [f"unreadable CSV ({exc})"]
        problems += lines.problems_since(line)
        if not problems and not any(cell.strip() for cell in record):
            continue
        cells = dict(zip(header, record))
        if len(record) > len(header):
            cells["__extra__"] = record[len(header):]
        if problems:
            cells["__problems__"] = problems
        yield line, cells


# --------------------------------------------------------------------------
# Validation of one row
# --------------------------------------------------------------------------

def _text(cells: dict, name: str) -> str:
    value = (cells.get(name) or "").strip()
    if value[:1] == "'" and value[1:2] in FORMULA_START:
        value = value[1:]  # undo the quoting export adds against spreadsheet formulas
    return _CONTROL.sub("", value)


def _single_line(value: str) -> str:
    return " ".join(value.split())


# the report's own wording for these refusals, kept as operators have always read it;
# every other refusal of the content rules is reported in the rule's words, in English
REPORT_WORDING = {
    "not_a_number": "not a number: write the amount in VND with digits only",
    "in_the_past": "expiry date in the past",
    "unit_missing": "unit missing for the quantity",
}


def report_reason(error: RuleError) -> str:
    """Why a content rule refused a cell, as the rejects report says it."""
    if error.code in REPORT_WORDING:
        return REPORT_WORDING[error.code]
    with force_locale("en"):
        return str(error.message)


def parse_date(text: str) -> date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date: use YYYY-MM-DD (or DD/MM/YYYY)")


def parse_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False if word else None
    raise ValueError("write yes or no")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def _summary_from(description: str, title: str) -> str:
    """Old exchanges often have no summary: the description's opening stands in."""
    text = _single_line(description) or title
    if len(text) <= SUMMARY_MAX:
        return text
    return text[:SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"


TAXONOMIES = {
    "kind": taxonomy.KINDS, "category": taxonomy.CATEGORIES, "sector": taxonomy.SECTORS,
    "province": taxonomy.PROVINCES, "ip_status": taxonomy.IP_STATUSES,
    "transfer_modes": taxonomy.TRANSFER_MODES, "unit": taxonomy.UNITS,
}


@lru_cache(maxsize=4096)
def resolve(column: str, value: str) -> taxonomy.Term | None:
    """taxonomy.resolve, remembered: a file repeats the same few labels on every row."""
    return taxonomy.resolve(TAXONOMIES[column], value)


def _term(cells, errors, name, what, required=True) -> str | None:
    value = _text(cells, name)
    if not value:
        if required:
            errors.append(RowError(name, f"{what} missing"))
        return None
    term = resolve(name, value)
    if term is None:
        errors.append(RowError(name, f"unknown {what} “{value}”"))
        return None
    return term.code


def validate_row(line: int, cells: dict) -> ListingRow | RejectedRow:
    """Check one row the way the listing form and sign-up check what people type."""
    if "__problems__" in cells:
        # the cells of a record that could not be read are not worth checking one by one
        return RejectedRow(line, [RowError("", reason) for reason in cells["__problems__"]],
                           cells)
    errors: list[RowError] = []
    if "__extra__" in cells:
        errors.append(RowError("", f"{len(cells['__extra__'])} cell(s) more than the header "
                                   "has columns (a separator inside an unquoted cell?)"))

    external_id = _single_line(_text(cells, "external_id"))
    if not external_id:
        errors.append(RowError("external_id", "external_id missing (the old exchange's id)"))
    elif len(external_id) > EXTERNAL_ID_MAX:
        errors.append(RowError("external_id", f"longer than {EXTERNAL_ID_MAX} characters"))

    kind = _term(cells, errors, "kind", "kind (offer/request)")
    title = _single_line(_text(cells, "title"))
    if not title:
        errors.append(RowError("title", "title missing"))
    elif not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors.append(RowError("title", f"title must have {TITLE_MIN} to {TITLE_MAX} "
                                        f"characters (has {len(title)})"))
    description = _text(cells, "description")
    if len(description) > DESCRIPTION_MAX:
        errors.append(RowError("description", f"longer than {DESCRIPTION_MAX} characters"))
    summary = _single_line(_text(cells, "summary"))
    if len(summary) > SUMMARY_MAX:
        errors.append(RowError("summary", f"summary longer than {SUMMARY_MAX} characters "
                                          f"(has {len(summary)})"))
    summary = summary or _summary_from(description, title)

    category = _term(cells, errors, "category", "category")
    sector = _term(cells, errors, "sector", "sector")
    province = _term(cells, errors, "province", "province")
    ip_status = _term(cells, errors, "ip_status", "IP status",
                      required=False) or "none"
    unit = _term(cells, errors, "unit", "unit", required=False)

    modes = []
    for value in split_list(_text(cells, "transfer_modes")):
        term = resolve("transfer_modes", value)
        if term is None:
            errors.append(RowError("transfer_modes", f"unknown transfer mode “{value}”"))
        elif term.code not in modes:
            modes.append(term.code)

    amounts = {}
    for name in ("price_vnd", "budget_min_vnd"):
        try:
            amounts[name] = rules.parse_money(_text(cells, name))
        except RuleError as error:
            reason = report_reason(error)
            if name == "price_vnd" and error.code == "not_a_number":
                reason = f"price {reason}"
            errors.append(RowError(name, reason))
            amounts[name] = None
    try:
        negotiable = parse_bool(_text(cells, "price_negotiable"))
    except ValueError as exc:
        errors.append(RowError("price_negotiable", str(exc)))
        negotiable = None

    trl = _whole_number(cells, errors, "trl", rules.TRL_MIN, rules.TRL_MAX)
    quantity = _whole_number(cells, errors, "quantity", rules.QUANTITY_MIN,
                             rules.QUANTITY_MAX)
    if not any(e.column == "unit" for e in errors):
        try:
            rules.check_unit(quantity, unit)
        except RuleError as error:
            errors.append(RowError("unit", report_reason(error)))

    expires_at = None
    try:
        expiry = parse_date(_text(cells, "expires_at"))
    except ValueError as exc:
        errors.append(RowError("expires_at", str(exc)))
    else:
        if expiry is not None:
            try:
                rules.check_expiry(expiry, category)
            except RuleError as error:
                errors.append(RowError("expires_at", report_reason(error)))
            else:
                expires_at = end_of_day(expiry)

    raw_tax_code = _text(cells, "business_tax_code")
    tax_code = ""
    if not raw_tax_code:
        errors.append(RowError("business_tax_code", "tax code missing"))
    elif not (tax_code := checked_tax_code(raw_tax_code)):
        errors.append(RowError("business_tax_code", f"bad tax code “{raw_tax_code}”: not a "
                                                    "valid MST (10 or 13 digits, check digit)"))
    business_name = _single_line(_text(cells, "business_name"))[:200]
    contact_email = _text(cells, "contact_email")
    if contact_email:
        normalized = checked_email(contact_email)
        if not normalized:
            errors.append(RowError("contact_email", f"bad email address “{contact_email}”"))
        contact_email = normalized

    if errors:
        return RejectedRow(line, errors, cells)

    is_offer = kind == Kind.OFFER
    price, budget_min = amounts["price_vnd"], amounts["budget_min_vnd"]
    if not is_offer:
        # a request's price_vnd is the upper end of its budget
        try:
            rules.check_budget(budget_min, price)
        except RuleError as error:
            return RejectedRow(line, [RowError("budget_min_vnd", report_reason(error))], cells)
    has_amount = price is not None or (not is_offer and budget_min is not None)
    content = {
        "title": title,
        "summary": summary,
        "description": description,
        "category": category,
        "sector": sector,
        "province": province,
        "trl": trl if is_offer else None,
        "ip_status": ip_status,
        "transfer_modes": modes,
        "price_vnd": price if is_offer else None,
        "budget_min_vnd": None if is_offer else budget_min,
        "budget_max_vnd": None if is_offer else price,
        # an empty price means negotiable, as on the old exchanges
        "price_negotiable": (not has_amount) if negotiable is None else negotiable,
        "quantity": quantity,
        "unit": unit,
        "keywords": rules.keyword_list(split_list(_text(cells, "keywords"))),
    }
    if expires_at is not None:
        content["expires_at"] = expires_at
    return ListingRow(line=line, external_id=external_id, kind=kind, content=content,
                      tax_code=tax_code, business_name=business_name,
                      contact_email=contact_email, cells=cells)


# a business's tax code and address repeat on each of its rows: check each once
@lru_cache(maxsize=4096)
def checked_tax_code(value: str) -> str:
    """The compact MST, or "" when it is not one (as sign-up checks it)."""
    return mst.compact(value) if mst.is_valid(value) else ""


@lru_cache(maxsize=4096)
def checked_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""


def _whole_number(cells, errors, name, low, high) -> int | None:
    text = _text(cells, name)
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        errors.append(RowError(name, f"{name} must be a whole number from {low} to {high}"))
        return None
    return int(text)


def new_listing_expiry():
    return end_of_day(default_expiry())


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def safe_cell(value) -> str:
    """Text as a spreadsheet shows it, never run as a formula (import strips the quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def format_money(amount) -> str:
    return "" if amount is None else str(int(amount))
