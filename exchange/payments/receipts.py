"""Receipts of paid orders (HTML data, PDF) and the accountant's export of a period."""
import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from exchange.core.messages import message
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.payments.models import Order, Receipt

FONT = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"


def seller() -> dict:
    cfg = current_app.config
    return {"name": cfg.get("EXCHANGE_LEGAL_NAME") or "", "tax_code": cfg.get("EXCHANGE_TAX_CODE"),
            "address": cfg.get("EXCHANGE_ADDRESS")}


def vat_split(receipt: Receipt) -> tuple[int, int] | None:
    """(amount before VAT, VAT) when a VAT rate applies; prices are VAT-inclusive."""
    if not receipt.vat_percent:
        return None
    before = round(receipt.amount_vnd * 100 / (100 + receipt.vat_percent))
    return before, receipt.amount_vnd - before


def receipt_lines(order: Order) -> list[tuple[str, str]]:
    """The rows a receipt shows, in the reader's language (label, value)."""
    receipt = order.receipt
    title = order.listing.approved_revision.title if order.listing.approved_revision else ""
    plan = order.plan.label(str(get_locale() or "vi")) if order.plan else order.plan_code
    rows = [
        (_("Receipt number"), receipt.number),
        (_("Issued"), format_datetime(receipt.issued_at, "short")),
        (_("Customer"), order.business.name),
        (_("Customer tax code"), order.business.tax_code or "—"),
        (_("Order"), f"#{order.id}"),
        (_("Service"), f"{plan} — {title}"),
        (_("Payment method"), _("Bank transfer (VietQR)") if order.provider == "vietqr"
         else _("Card (Stripe)")),
    ]
    if order.stripe_payment_intent_id:
        rows.append((_("Payment reference"), order.stripe_payment_intent_id))
    if order.bank_transaction_id:
        rows.append((_("Bank transaction id"), order.bank_transaction_id))
    if order.reference:
        rows.append((_("Transfer reference"), order.reference))
    split = vat_split(receipt)
    if split:
        rows.append((_("Amount before VAT"), f"{format_decimal(split[0])} ₫"))
        rows.append((message(_("VAT (%(rate)s%%)"), rate=receipt.vat_percent),
                     f"{format_decimal(split[1])} ₫"))
    rows.append((_("Total paid"), f"{format_decimal(receipt.amount_vnd)} ₫"))
    return rows


def font_dir() -> Path:
    return Path(current_app.config.get("RECEIPT_FONT_DIR") or "/usr/share/fonts/truetype/dejavu")


def receipt_pdf(order: Order) -> bytes:
    """The receipt as a PDF; DejaVu Sans carries every Vietnamese letter."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creator("exchange")
    pdf.set_title(f"{_('Receipt')} {order.receipt.number}")
    pdf.add_font("DejaVu", "", str(font_dir() / FONT))
    pdf.add_font("DejaVu", "B", str(font_dir() / FONT_BOLD))
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    width = pdf.w - 40
    who = seller()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(width, 7, who["name"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    if who["tax_code"]:
        pdf.multi_cell(width, 6, f"{_('Tax code')}: {who['tax_code']}", new_x="LMARGIN",
                       new_y="NEXT")
    if who["address"]:
        pdf.multi_cell(width, 6, f"{_('Address')}: {who['address']}", new_x="LMARGIN",
                       new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(width, 10, _("PAYMENT RECEIPT"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in receipt_lines(order):
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(55, 7, label)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - 55, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 5, _("This receipt confirms the payment for featuring a listing on "
                               "the exchange. It is not a VAT invoice."),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- the accountant's export ---------------------------------------------------------------

EXPORT_HEADER = ("receipt_number", "issued_at", "order_id", "created_at", "status", "provider",
                 "business", "business_tax_code", "listing_id", "plan", "days", "price_vnd",
                 "amount_paid_vnd", "receipt_amount_vnd", "vat_percent", "vat_vnd",
                 "reference", "bank_transaction_id", "stripe_payment_intent_id", "paid_at")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")


def period_orders(start: date, end: date) -> list[Order]:
    """Orders placed or paid between two local dates, both included."""
    zone = _zone()
    low = datetime.combine(start, time.min, zone)
    high = datetime.combine(end + timedelta(days=1), time.min, zone)
    stmt = (select(Order)
            .where(((Order.created_at >= low) & (Order.created_at < high))
                   | ((Order.paid_at >= low) & (Order.paid_at < high)))
            .options(joinedload(Order.business), joinedload(Order.receipt),
                     joinedload(Order.listing).joinedload(Listing.approved_revision))
            .order_by(Order.id))
    return list(db.session.scalars(stmt).unique())


# a cell starting with one of these is a formula to Excel and LibreOffice (and openpyxl
# writes such a string as a formula): business names and titles are typed by members
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_rows(orders: list[Order]) -> list[tuple]:
    zone = _zone()

    def local(value):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    rows = []
    for order in orders:
        receipt = order.receipt
        split = vat_split(receipt) if receipt else None
        rows.append((
            receipt.number if receipt else "", local(receipt.issued_at) if receipt else "",
            order.id, local(order.created_at), str(order.status), str(order.provider),
            order.business.name, order.business.tax_code, order.listing_id, order.plan_code,
            order.days, order.amount_vnd, order.amount_paid_vnd or "",
            receipt.amount_vnd if receipt else "", receipt.vat_percent or "" if receipt else "",
            split[1] if split else "", order.reference or "", order.bank_transaction_id or "",
            order.stripe_payment_intent_id or "", local(order.paid_at)))
    return [tuple(_cell(value) for value in row) for row in rows]


def export_csv(orders: list[Order]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(export_rows(orders))
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def export_xlsx(orders: list[Order]) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "orders"
    sheet.append(EXPORT_HEADER)
    for row in export_rows(orders):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
