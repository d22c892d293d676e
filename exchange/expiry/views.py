"""The mailed one-click renewal link, and the staff page of listing lifetimes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from exchange import taxonomy
from exchange.accounts.requirements import can, requires
from exchange.errors import DomainError
from exchange.expiry import reminders
from exchange.expiry.forms import LifetimeForm
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.expiry.lifetimes import set_lifetime
from exchange.listings.lifetimes import lifetimes

bp = Blueprint("expiry", __name__)


@bp.route("/listings/renew/<token>", methods=["GET", "POST"])
def renew(token):
    """The signed link names the listing and the member, no sign-in needed. Like the
    unsubscribe link (matching.unsubscribe), opening it only asks for one click, since mail
    scanners open links; the POST, from that page (with its CSRF token), renews."""
    try:
        listing, member = reminders.renewal_from_token(token)
    except DomainError as exc:
        return render_template("expiry/renewed.html", error=exc.message), 400
    if request.method == "GET":
        return render_template("expiry/renew_confirm.html", listing=listing,
                               revision=listing.approved_revision,
                               new_expiry=lifecycle.renewed_expiry(listing))
    renewed = lifecycle.renew(listing, member.id)
    return render_template("expiry/renewed.html", error=None, listing=listing,
                           renewed=renewed, revision=listing.approved_revision)


@bp.route("/admin/lifetimes", methods=["GET", "POST"])
@requires(can.administer)
def admin_lifetimes():
    form, status = LifetimeForm(), 200
    if form.validate_on_submit():
        try:
            changed = set_lifetime(form.category.data, form.default_days.data,
                                   form.max_days.data, current_user.id)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 400
        else:
            if changed:
                flash(_("Saved. New listings and renewals in this category use it; "
                        "listings already published keep their expiry date."), "success")
            return redirect(url_for(".admin_lifetimes"), 303)
    elif request.method == "POST":
        for errors in form.errors.values():
            flash("; ".join(map(str, errors)), "error")
        status = 400
    rows = [(term, LifetimeForm(formdata=None, category=term.code, default_days=default,
                                max_days=longest))
            for term, (default, longest) in zip(taxonomy.CATEGORIES, lifetimes().values())]
    return render_template("expiry/admin_lifetimes.html", rows=rows), status
