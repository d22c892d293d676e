"""Bank statements (CSV or XLSX exports of the receiving account) read into credits."""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from exchange.errors import DomainError
from exchange.payments.transfers import Credit, clean_transaction_id, record_transfer

# Accepted column headers, compared without accents, case or punctuation. The first row
# that names a transaction id, a credit amount and a description is the header row, so the
# bank's title lines above the table are skipped.
COLUMNS = {
    "transaction_id": ("transaction id", "transaction no", "transaction number",
                       "reference", "reference number", "ref no", "ma giao dich", "ma gd",
                       "so tham chieu", "so but toan", "so ct", "so chung tu", "ma tham chieu"),
    "credit": ("credit", "credit amount", "amount in", "so tien ghi co", "ghi co", "co",
               "ps co", "phat sinh co", "so tien co", "tien vao"),
    "amount": ("amount", "so tien", "so tien giao dich"),
    "description": ("description", "transaction details", "details", "remark", "narrative",
                    "noi dung", "noi dung giao dich", "dien giai", "mo ta", "chi tiet giao dich",
                    "noi dung chi tiet"),
    "date": ("date", "transaction date", "value date", "ngay", "ngay giao dich", "ngay gd",
             "thoi gian", "ngay hieu luc", "thoi gian giao dich"),
}
HEADER_SCAN_ROWS = 30
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _key(text) -> str:
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    text = re.sub(r"\(.*?\)", " ", text)  # "Ghi có (VND)"
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_LOOKUP = {_key(name): column for column, names in COLUMNS.items() for name in names}


@dataclass
class ImportResult:
    rows: int = 0                 # credit lines read
    recorded: int = 0             # new bank transactions
    duplicates: int = 0           # already recorded (a notice, an earlier import)
    fulfilled: int = 0
    queued: int = 0               # waiting for staff
    skipped: list[int] = field(default_factory=list)  # line numbers with no id or amount


def read_rows(filename: str, data: bytes) -> list[list]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a corrupt or renamed file: say so, never a 500
            raise DomainError(_l("The file could not be read as XLSX."),
                              code="bad_statement") from exc
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "cp1258", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _header(rows) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {}
        for position, cell in enumerate(row):
            column = _LOOKUP.get(_key(cell))
            if column and column not in found:
                found[column] = position
        has_amount = "credit" in found or "amount" in found
        if "transaction_id" in found and "description" in found and has_amount:
            return index, found
    raise DomainError(_l("No header row found: the statement needs columns for the "
                         "transaction id, the credit amount and the description."),
                      code="bad_statement")


def parse_amount(value) -> int:
    """Whole dong from 1.500.000 / 1,500,000 / 1500000.00 / a spreadsheet number."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float)):
        return int(round(value))
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    text = re.sub(r"[.,]\d{2}$", "", text) if re.search(r"\d[.,]\d{3}[.,]\d{2}$|^\d+[.,]\d{2}$",
                                                        text) else text
    negative = text.startswith("-") or text.startswith("(")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return 0
    return -int(digits) if negative else int(digits)


def parse_when(value) -> datetime | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=VN)).astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(12), VN).astimezone(timezone.utc)
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=VN).astimezone(timezone.utc)
        except ValueError:
            continue
    return None


def credits(rows) -> tuple[list[tuple[int, Credit]], list[int]]:
    """The credit lines of a statement as (line number, Credit); lines lacking an id."""
    start, columns = _header(rows)
    found, skipped = [], []
    for offset, row in enumerate(rows[start + 1:], start=start + 2):
        def cell(name):
            position = columns.get(name)
            return row[position] if position is not None and position < len(row) else None
        if not any(c not in (None, "") for c in row):
            continue
        amount = parse_amount(cell("credit") if "credit" in columns else cell("amount"))
        if amount <= 0:
            continue  # a debit, a balance line or a total
        tx_id = clean_transaction_id(cell("transaction_id"))
        if not tx_id:
            skipped.append(offset)
            continue
        found.append((offset, Credit(tx_id, amount, str(cell("description") or ""),
                                     parse_when(cell("date")))))
    return found, skipped


def import_statement(filename: str, data: bytes, staff) -> ImportResult:
    """Record every credit of the statement; each bank transaction counts once, ever."""
    lines, skipped = credits(read_rows(filename, data))
    result = ImportResult(rows=len(lines), skipped=skipped)
    for _line, credit in lines:
        transfer = record_transfer(credit, source="statement", recorded_by=staff)
        if transfer is None:
            result.duplicates += 1
            continue
        result.recorded += 1
        if transfer.needs_review:
            result.queued += 1
        if transfer.outcome in ("fulfilled", "overpaid"):
            result.fulfilled += 1
    return result
