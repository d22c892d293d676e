"""Staff pages of payments: the transfer queue, statement import, marking paid, export."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from exchange.accounts.requirements import can, requires
from exchange.core.messages import message
from exchange.core.unitofwork import attempt
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.rules import local_today
from exchange.payments import receipts, transfers
from exchange.payments.blueprint import bp
from exchange.payments.forms import ExportForm, MarkPaidForm, ResolveForm, StatementForm
from exchange.payments.models import BankTransfer, Order
from exchange.payments.statement import import_statement


def _staff():
    return current_user._get_current_object()


@bp.route("/admin/transfers", methods=["GET", "POST"])
@requires(can.administer)
def admin_transfers():
    """The queue of transfers staff must settle, and the statement import."""
    form = StatementForm()
    if form.validate_on_submit():
        upload = form.statement.data
        try:
            result = import_statement(upload.filename or "", upload.read(), _staff())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(message(_("Statement read: %(rows)s credits, %(new)s new, %(dup)s already "
                            "recorded, %(paid)s orders paid, %(queued)s for review."),
                          rows=result.rows, new=result.recorded, dup=result.duplicates,
                          paid=result.fulfilled, queued=result.queued), "success")
            if result.skipped:
                flash(message(_("Lines without a transaction id were skipped: %(lines)s"),
                              lines=", ".join(map(str, result.skipped[:30]))), "warning")
            return redirect(url_for("payments.admin_transfers"), 303)
    elif request.method == "POST":
        for errors in form.errors.values():
            flash("; ".join(map(str, errors)), "error")
    show_all = request.args.get("all") == "1"
    return render_template("payments/admin_transfers.html", form=form, show_all=show_all,
                           transfers=transfers.review_queue(include_resolved=show_all),
                           resolve_form=ResolveForm(formdata=None))


@bp.post("/admin/transfers/<int:transfer_id>/resolve")
@requires(can.administer)
def resolve_transfer(transfer_id):
    transfer = db.session.get(BankTransfer, transfer_id)
    if transfer is None:
        abort(404)
    form = ResolveForm()
    back = url_for("payments.admin_transfers")
    if not form.validate_on_submit():
        flash(_("Choose what to do with this transfer."), "error")
        return redirect(back, 303)
    order = db.session.get(Order, form.order_id.data) if form.order_id.data else None
    if form.order_id.data and order is None:
        flash(_("There is no such order."), "error")
        return redirect(back, 303)
    attempt(transfers.resolve, transfer, _staff(), form.action.data, note=form.note.data or "",
            order=order, done=_("Transfer settled."))
    return redirect(back, 303)


@bp.post("/admin/orders/<int:order_id>/mark-paid")
@requires(can.administer)
def mark_paid(order_id):
    order = db.session.get(Order, order_id)
    if order is None:
        abort(404)
    form = MarkPaidForm()
    back = url_for("payments.receipt", order_id=order.id)
    if not form.validate_on_submit():
        flash(_("Give the bank transaction id."), "error")
        return redirect(back, 303)
    try:
        transfer = transfers.mark_paid(order, _staff(),
                                       bank_transaction_id=form.bank_transaction_id.data,
                                       amount_vnd=form.amount_vnd.data, note=form.note.data or "")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back, 303)
    if transfer.needs_review:
        flash(_("The transfer was recorded and waits in the review queue."), "warning")
    else:
        flash(_("The order is paid."), "success")
    return redirect(back, 303)


@bp.get("/admin/export")
@requires(can.administer)
def admin_export():
    """Orders and receipts of a period, for the accountant."""
    form = ExportForm(request.args)
    if not request.args or not form.validate():
        today = local_today()
        form = ExportForm(formdata=None, start=today.replace(day=1), end=today)
        return render_template("payments/admin_export.html", form=form)
    orders = receipts.period_orders(form.start.data, form.end.data)
    name = f"don-hang-{form.start.data:%Y%m%d}-{form.end.data:%Y%m%d}"
    if form.format.data == "xlsx":
        return Response(receipts.export_xlsx(orders), headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(receipts.export_csv(orders), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})
