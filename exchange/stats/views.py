"""Staff statistics: the report page (printable, with charts) and its tables as CSV or XLSX."""
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_date

from exchange.accounts.requirements import can, requires
from exchange.stats import export
from exchange.stats.charts import bar_chart
from exchange.stats.figures import compute
from exchange.stats.forms import StatsForm

bp = Blueprint("stats", __name__, url_prefix="/moderation/stats")

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _label(row, daily: bool) -> str:
    return format_date(row["first"], "dd/MM" if daily else "MM/yyyy")


@bp.route("")
@requires(can.moderate)
def report():
    form = StatsForm(request.args)
    if not form.validate():
        return render_template("stats/report.html", form=form, figures=None), 400
    scope = form.scope()
    figures = compute(scope)
    daily = bool(figures.series) and figures.series[0]["first"] == figures.series[0]["last"]
    for row in figures.series:
        row["label"] = _label(row, daily)
    return render_template(
        "stats/report.html", form=form, figures=figures, scope=scope,
        summary=export.summary(figures), query=request.query_string.decode(),
        listings_chart=bar_chart(figures.series, (("offers", "bar-offers"),
                                                  ("requests", "bar-requests"))),
        deals_chart=bar_chart(figures.series, (("deals", "bar-deals"),)))


@bp.route("/<any(summary, series, sectors):table>.<any(csv, xlsx):fmt>")
@requires(can.moderate)
def export_table(table, fmt):
    form = StatsForm(request.args)
    if not form.validate():
        abort(400)
    scope = form.scope()
    table_rows = export.rows(table, compute(scope), scope)
    name = f"stats-{table}-{scope.first.isoformat()}-{scope.last_day.isoformat()}.{fmt}"
    body = export.as_csv(table_rows) if fmt == "csv" else export.as_xlsx(table_rows, table)
    return Response(body, mimetype=TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})
