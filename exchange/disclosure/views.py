"""Pages of staged disclosure: ask for access, the owner's requests, the requester's list."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.dashboard import DASHBOARD
from exchange.accounts.requirements import can, requires
from exchange.core.panels import add_page_part, panel
from exchange.core.unitofwork import attempt
from exchange.disclosure import services
from exchange.disclosure import visibility  # noqa: F401  (the grant check and the request_access rule)
from exchange.disclosure.agreement import DEFAULT_TEMPLATE, agreement_for, text_version
from exchange.disclosure.forms import (AccessRequestForm, BusinessAgreementForm, RefuseForm,
                                       RevokeForm)
from exchange.disclosure.models import AccessRequest
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.core.panelstate import per_business
from exchange.listings.visibility import listing_for_panel, shared_standing, visible_listing

bp = Blueprint("disclosure", __name__)


def _access_shared_by(member, listing_id):
    # the same card for every member of one standing whose business has not asked access
    return shared_standing(member, listing_id,
                           per_business("requested", member, services.requested_by))


@panel(bp, "listing_access", shared_by=_access_shared_by)
def access_panel(listing_id):
    """Staged disclosure on a listing's page: what this visitor may see or ask for."""
    listing = listing_for_panel(listing_id)
    if listing is None or not listing.is_public:
        return ""
    approved = listing.approved_revision
    revision = (approved or listing.latest_revision) \
        if can.view_private_listing(current_user, listing) else approved
    if not (revision and (revision.has_confidential_parts or revision.is_anonymous)):
        return ""
    latest = None
    if (current_user.is_authenticated and current_user.business_id
            and can.request_access(current_user, listing)):
        latest = services.latest_request(listing, current_user.business_id)
    return render_template("disclosure/_listing_panel.html", listing=listing,
                           owner=can.own_listing(current_user, listing),
                           confidential=can.see_confidential(current_user, listing),
                           latest=latest)


def dashboard_access(member, _page, _gathered) -> dict:
    return {"pending_access_count":
            services.pending_count(member.business_id) if member.business_id else 0}


add_page_part(bp, DASHBOARD, dashboard_access)


@bp.route("/listings/<int:listing_id>/access", methods=["GET", "POST"])
@login_required
def request_access(listing_id):
    listing = visible_listing(listing_id, can.see_public_listing)
    if not can.request_access(current_user, listing):
        abort(403)
    agreement = agreement_for(listing)
    form = AccessRequestForm()
    existing = services.open_request(listing, current_user.business_id)
    if existing is None and form.validate_on_submit():
        if agreement is not None and not form.accept_agreement.data:
            form.accept_agreement.errors = [_("Accept the confidentiality agreement to ask "
                                              "for access.")]
        else:
            try:
                services.request_access(current_user, listing, form.statement.data,
                                        accepted_version=form.agreement_version.data or None,
                                        ip_address=request.remote_addr or "")
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
            else:
                flash(_("Your request was sent. The owner decides whether to share the "
                        "confidential details."), "success")
                return redirect(url_for("disclosure.my_requests"))
    form.agreement_version.data = text_version(agreement) if agreement else ""
    return render_template("disclosure/request.html", listing=listing,
                           revision=listing.approved_revision, form=form, agreement=agreement,
                           existing=existing)


@bp.route("/account/access-requests")
@requires(can.represent_business)
def owner_requests():
    return render_template("disclosure/owner_requests.html",
                           requests=services.requests_for_owner(current_user.business_id))


@bp.route("/account/my-access-requests")
@requires(can.represent_business)
def my_requests():
    return render_template("disclosure/my_requests.html",
                           requests=services.requests_of(current_user.business_id))


def _owned_request(request_id) -> AccessRequest:
    access = db.session.get(AccessRequest, request_id)
    if access is None or not can.own_listing(current_user, access.listing):
        abort(404)
    return access


def _decision(request_id, step, done, form=None):
    access = _owned_request(request_id)
    if form is not None and not form.validate():
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
        return redirect(url_for("disclosure.owner_requests"))
    reason = () if form is None else (form.reason.data,)
    attempt(step, current_user, access, *reason, done=done)
    return redirect(url_for("disclosure.owner_requests"))


@bp.route("/account/access-requests/<int:request_id>/grant", methods=["POST"])
@login_required
def grant(request_id):
    return _decision(request_id, services.grant,
                     _("Access granted. The business now sees the confidential details."))


@bp.route("/account/access-requests/<int:request_id>/refuse", methods=["POST"])
@login_required
def refuse(request_id):
    return _decision(request_id, services.refuse, _("The request was refused."), RefuseForm())


@bp.route("/account/access-requests/<int:request_id>/revoke", methods=["POST"])
@login_required
def revoke(request_id):
    return _decision(request_id, services.revoke, _("Access was revoked."), RevokeForm())


@bp.route("/account/agreement", methods=["GET", "POST"])
@requires(can.post)
def business_agreement():
    business = current_user.business
    form = BusinessAgreementForm(data={"agreement_text": business.agreement_text or ""})
    if form.validate_on_submit():
        services.set_business_agreement(business, form.agreement_text.data)
        flash(_("Your confidentiality agreement was saved."), "success")
        return redirect(url_for("disclosure.business_agreement"))
    return render_template("disclosure/agreement.html", form=form, template=DEFAULT_TEMPLATE)
