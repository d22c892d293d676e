"""Featuring a listing: plans, the choice of provider, Stripe, VietQR transfers, webhooks."""
import json
import time

import stripe
from flask import (Response, abort, current_app, flash, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.dashboard import DASHBOARD
from exchange.accounts.requirements import can, requires
from exchange.core.messages import message
from exchange.core.panels import add_page_part, panel
from exchange.errors import DomainError
from exchange.extensions import csrf, db
from exchange.listings.visibility import listing_for_panel, shared_standing, visible_listing
from exchange.payments import plans, receipts, reports, transfers, vietqr
from exchange.payments.blueprint import bp
from exchange.payments.forms import FeatureForm, PlanForm
from exchange.payments.models import Order, OrderStatus, Plan, Provider
from exchange.payments.permissions import enabled_providers, payments_enabled
from exchange.payments.services import PaymentUnavailable, handle_event, place_order


@bp.record_once
def config_defaults(state):
    state.app.config.setdefault("STRIPE_MAX_NETWORK_RETRIES", 2)
    state.app.config.setdefault("STRIPE_TIMEOUT", 20.0)


@panel(bp, "listing_featuring", shared_by=shared_standing)  # the owner's alone
def featuring_panel(listing_id):
    """The owner's way to feature their listing, on its page."""
    listing = listing_for_panel(listing_id)
    if listing is None or not can.manage_featuring(current_user, listing):
        return ""
    return render_template("payments/_listing_panel.html", listing=listing,
                           refunds=reports.listing_orders(listing.id, ["refund_due"]),
                           plans=plans.plans_on_offer(), providers=enabled_providers())


def dashboard_orders(member, _page, _gathered) -> dict:
    """The business's latest orders on the dashboard, while featuring is offered."""
    if not (payments_enabled() and member.business_id):
        return {"business_orders": []}
    return {"business_orders": reports.business_orders(member.business_id, 5)}


add_page_part(bp, DASHBOARD, dashboard_orders)


@bp.before_request
def hidden_without_providers():
    if not payments_enabled():
        abort(404)


def _order(order_id) -> Order:
    """The order if this member may see it; 404 otherwise, so others' orders stay unknown."""
    order = db.session.get(Order, order_id) if order_id else None
    if order is None or not can.see_order(current_user, order):
        abort(404)
    return order


@bp.post("/feature/<int:listing_id>")
@login_required
def feature(listing_id):
    listing = visible_listing(listing_id)
    if not can.manage_featuring(current_user, listing):
        abort(403)
    back = url_for("listings.show", listing_id=listing.id)
    form = FeatureForm(plans.plans_on_offer(), enabled_providers())
    provider = form.chosen_provider() if form.validate_on_submit() else None
    if provider is None:
        flash(_("Choose one of the plans on offer and a way to pay."), "warning")
        return redirect(back, 303)
    try:
        order, session_url = place_order(
            listing, current_user._get_current_object(), form.plan.data, provider,
            locale=str(get_locale() or "vi"))
    except PaymentUnavailable as exc:
        # not rolled back: the cancelled order is kept, it shows what was attempted
        flash(exc.message, "error")
        return redirect(back, 303)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back, 303)
    if session_url is None:
        return redirect(url_for("payments.pay", order_id=order.id), 303)
    return redirect(session_url, 303)


@bp.get("/orders/<int:order_id>/pay")
@login_required
def pay(order_id):
    """How to pay a transfer order: the VietQR code, the account as text, the expiry."""
    order = _order(order_id)
    if order.provider != Provider.VIETQR:
        return redirect(url_for("payments.receipt", order_id=order.id), 303)
    account = vietqr.receiving_account()
    qr = None
    if account is not None and order.status == OrderStatus.PENDING and not order.is_expired:
        qr = vietqr.qr_svg(vietqr.payload(account, order.amount_vnd, order.reference))
    return render_template("payments/pay.html", order=order, account=account, qr=qr)


@bp.get("/success")
@login_required
def success():
    order = _order(request.args.get("order", type=int))
    return render_template("payments/success.html", order=order)


@bp.get("/orders/<int:order_id>/status")
@login_required
def order_status(order_id):
    """The order's state as a fragment; the success page polls it until the webhook lands."""
    return render_template("payments/_order_status.html", order=_order(order_id))


@bp.get("/cancel")
@login_required
def cancel():
    order_id = request.args.get("order", type=int)
    order = _order(order_id) if order_id else None
    return render_template("payments/cancel.html", order=order)


@bp.get("/orders")
@login_required
def orders():
    rows = reports.business_orders(current_user.business_id) if current_user.business_id else []
    return render_template("payments/orders.html", orders=rows)


@bp.get("/orders/<int:order_id>")
@login_required
def receipt(order_id):
    order = _order(order_id)
    lines = receipts.receipt_lines(order) if order.receipt else []
    # staff see every transfer recorded against the order (an underpayment, a second one)
    recorded = transfers.order_transfers(order.id) if can.administer(current_user) else []
    return render_template("payments/receipt.html", order=order, lines=lines,
                           seller=receipts.seller(), transfers=recorded)


@bp.get("/orders/<int:order_id>/receipt.pdf")
@login_required
def receipt_pdf(order_id):
    order = _order(order_id)
    if order.receipt is None:
        abort(404)
    with force_locale("vi"):  # the receipt is a Vietnamese business document
        pdf = receipts.receipt_pdf(order)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="bien-lai-{order.receipt.number}.pdf"'})


@bp.get("/admin/orders")
@requires(can.administer)
def admin_orders():
    page = max(request.args.get("page", 1, type=int), 1)
    status = request.args.get("status")
    if status not in {s.value for s in OrderStatus}:
        status = None
    rows, total = reports.all_orders(page=page, status=status)
    return render_template("payments/admin_orders.html", orders=rows, total=total, page=page,
                           per_page=50, status=status, months=reports.monthly_totals(),
                           statuses=list(OrderStatus))


@bp.route("/admin/plans", methods=["GET", "POST"])
@requires(can.administer)
def admin_plans():
    plans.ensure_default_plans()
    form = PlanForm()
    if form.validate_on_submit():
        plan = db.session.get(Plan, int(form.plan_id.data)) if form.plan_id.data else None
        if form.plan_id.data and plan is None:
            abort(404)
        try:
            with db.session.begin_nested():  # a refusal keeps the default plans just seeded
                plans.save_plan(
                    plan, code=plan.code if plan else form.code.data, days=form.days.data,
                    price_vnd=form.price_vnd.data, label_vi=form.label_vi.data,
                    label_en=form.label_en.data, active=form.active.data,
                    position=form.position.data or 0)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Plan saved. Orders already placed keep their price."), "success")
            return redirect(url_for("payments.admin_plans"), 303)
    elif request.method == "POST":
        # validators' messages may be lazy strings, which str.join refuses
        problems = "; ".join(f"{form[name].label.text}: {', '.join(map(str, errs))}"
                             for name, errs in form.errors.items())
        flash(message(_("Please correct the plan: %(errors)s"), errors=problems), "error")
    edit_forms = [PlanForm(obj=plan, plan_id=plan.id, formdata=None) for plan in plans.all_plans()]
    new_form = form if request.method == "POST" and not form.plan_id.data else PlanForm(
        formdata=None)
    return render_template("payments/admin_plans.html", edit_forms=edit_forms,
                           new_form=new_form)


@bp.post("/stripe/webhook")
@csrf.exempt  # Stripe cannot send our CSRF token; the signature check replaces it
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        current_app.logger.error("STRIPE_WEBHOOK_SECRET is not set: webhook refused")
        return jsonify(error={"code": "not_configured",
                              "message": "webhook secret not configured"}), 503
    payload = request.get_data()
    try:
        # the signature first: only a payload Stripe signed is worth reading
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature"), secret,
            stripe.Webhook.DEFAULT_TOLERANCE)
    except stripe.SignatureVerificationError as exc:
        current_app.logger.warning("stripe webhook refused: %s", exc)
        return jsonify(error={"code": "bad_signature", "message": "invalid signature"}), 400
    except UnicodeDecodeError:
        return _malformed_webhook("payload is not UTF-8")
    try:
        data = json.loads(payload)
    except ValueError as exc:
        return _malformed_webhook(f"payload is not JSON: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return _malformed_webhook("payload is not a Stripe event (an object with a type)")
    outcome = handle_event(stripe.Event.construct_from(data, None))
    return jsonify(received=True, outcome=outcome)


def _malformed_webhook(reason: str):
    """A correctly signed delivery that cannot be read: say so, so it is not taken for a
    wrong secret (Stripe shows this answer in its dashboard and retries)."""
    current_app.logger.warning("stripe webhook refused: %s", reason)
    return jsonify(error={"code": "malformed_payload",
                          "message": f"malformed payload: {reason}"}), 400


@bp.post("/vietqr/webhook")
@csrf.exempt  # bank-notification services cannot send our token; the HMAC replaces it
def vietqr_webhook():
    """A signed transfer notice: recorded once per bank transaction, matched to its order."""
    cfg = current_app.config
    secret = cfg.get("VIETQR_WEBHOOK_SECRET")
    account = vietqr.receiving_account()
    if not secret or account is None:
        current_app.logger.error("VietQR webhook refused: secret or account not configured")
        return jsonify(error={"code": "not_configured",
                              "message": "webhook not configured"}), 503
    body = request.get_data()
    try:
        transfers.verify_notice(
            body, request.headers.get("X-Exchange-Timestamp"),
            request.headers.get("X-Exchange-Signature"), secret,
            tolerance=cfg["VIETQR_WEBHOOK_TOLERANCE"], now=time.time())
        credit = transfers.parse_notice(body, account.number)
    except transfers.BadNotice as exc:
        current_app.logger.warning("VietQR notice refused: %s", exc)
        return jsonify(error={"code": "bad_notice", "message": str(exc)}), 400
    if credit is None:
        return jsonify(received=True, outcome="ignored")
    transfer = transfers.record_transfer(credit, source="webhook")
    outcome = "duplicate" if transfer is None else str(transfer.outcome)
    current_app.logger.info("VietQR notice %s: %s", credit.bank_transaction_id, outcome)
    return jsonify(received=True, outcome=outcome)


from exchange.payments import admin_views  # noqa: E402,F401  (staff routes on this blueprint)
