"""The statistics tables as rows, written as CSV (UTF-8 with BOM, for Excel) or XLSX."""
import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook

from exchange import taxonomy
from exchange.stats.figures import Figures, Scope

TABLES = ("summary", "series", "sectors")


def rows(table: str, figures: Figures, scope: Scope) -> list[list]:
    """A header row, then the table's rows; labels in the reader's language."""
    if table == "summary":
        return [[_("Figure"), _("Value")], *summary(figures)]
    if table == "series":
        return [[_("From"), _("To"), _("Offers published"), _("Requests published"),
                 _("Deals concluded"), _("Value of deals (VND)")],
                *[[r["first"].isoformat(), r["last"].isoformat(), r["offers"], r["requests"],
                   r["deals"], r["deal_value_vnd"]] for r in figures.series]]
    return [[_("Sector"), _("Offers published"), _("Requests published")],
            *[[taxonomy.label(taxonomy.SECTORS, r["sector"]), r["offers"], r["requests"]]
              for r in figures.sectors]]


def summary(figures: Figures) -> list[list]:
    return [
        [_("Businesses registered"), figures.businesses_registered],
        [_("Businesses verified"), figures.businesses_verified],
        [_("Offers published"), figures.offers_published],
        [_("Requests published"), figures.requests_published],
        [_("Offers active at the end of the period"), figures.offers_active],
        [_("Requests active at the end of the period"), figures.requests_active],
        [_("Inquiries"), figures.inquiries],
        [_("Proposals"), figures.proposals],
        [_("Deals concluded"), figures.deals],
        [_("Value of deals (VND)"), figures.deal_value_vnd],
    ]


def as_csv(table_rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(table_rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(table_rows, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in table_rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
