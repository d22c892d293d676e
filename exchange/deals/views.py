"""Proposal pages (send, compare, decide, thread, files) and deal pages (record, confirm)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.requirements import can, requirement, requires
from exchange.core.panels import add_page_part, panel
from exchange.core.unitofwork import attempt
from exchange.deals import proposals, services, trust
from exchange.deals.forms import (ActionForm, ConfirmDealForm, DealForm, DeclineForm,
                                  DisputeForm, MessageForm, OfflineDealForm, ProposalForm,
                                  ShortlistForm)
from exchange.deals.models import Deal, Proposal, ProposalFile
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.listings.files import file_path, stored
from exchange.listings.models import Kind, Listing
from exchange.core.panelstate import per_business
from exchange.listings.visibility import (can_view, listing_for_panel, shared_standing,
                                         visible_listing)

bp = Blueprint("deals", __name__)

SORTS = {
    "price": lambda p: (p.sort_price is None, p.sort_price or 0),
    "lead_time": lambda p: (p.lead_time_days is None, p.lead_time_days or 0),
    "received": lambda p: p.created_at,
}


# what the deals add to other features' pages (core.panels.page_parts)
add_page_part(bp, "listing", lambda listing: {
    "deal_stories": services.public_stories(listing.id)})
add_page_part(bp, "business", lambda business: {
    "track_record": trust.track_record(business.id)})
add_page_part(bp, "inquiry_thread", lambda thread: {
    "thread_deal": services.deal_for_thread(thread.id)})


def _proposals_shared_by(member, listing_id):
    # the same card for every member of one standing whose business has not proposed
    return shared_standing(member, listing_id,
                           per_business("proposed", member, proposals.proposed_to))


@panel(bp, "listing_proposals", shared_by=_proposals_shared_by)
def proposal_panel(listing_id):
    """What a request's page shows about proposals: the count for everyone, and what
    the visitor may do."""
    listing = listing_for_panel(listing_id)
    if listing is None or listing.kind != Kind.REQUEST or not listing.is_public:
        return ""
    open_ = proposals.is_open(listing)
    mine = proposals.proposal_of(getattr(current_user, "business_id", None), listing.id) \
        if current_user.is_authenticated else None
    return render_template("deals/_request_panel.html", listing=listing, panel={
        "count": proposals.public_count(listing.id), "is_open": open_,
        "closes_at": proposals.closes_at(listing),
        # an open request has no closure: asked only of one no longer taking proposals
        "closure": None if open_ else proposals.closure_of(listing.id),
        "can_propose": can.propose(current_user, listing, open_),
        "can_see_all": can.see_proposals(current_user, listing),
        "mine": mine})


# --- loaders: what this visitor may see, else 404 ---

@requirement
def _a_request(member, listing) -> bool:
    return listing.kind == Kind.REQUEST


def _request(listing_id) -> Listing:
    return visible_listing(listing_id, _a_request & can_view)


def _proposal(proposal_id) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can.view_proposal(current_user, proposal):
        abort(404)
    return proposal


def _deal(deal_id) -> Deal:
    deal = db.session.get(Deal, deal_id)
    if deal is None or not can.view_deal(current_user, deal):
        abort(404)
    return deal


# --- the proposer ---

@bp.route("/listings/<int:listing_id>/proposals/new", methods=["GET", "POST"])
@login_required
def propose(listing_id):
    listing = _request(listing_id)
    mine = proposals.proposal_of(current_user.business_id, listing.id)
    if mine is not None and mine.state != "withdrawn":
        return redirect(url_for("deals.revise", proposal_id=mine.id))
    if not can.propose(current_user, listing, proposals.is_open(listing)):
        return render_template("deals/cannot_propose.html", listing=listing), 403
    form = ProposalForm(offers=proposals.offers_to_link(current_user.business_id),
                        data=ProposalForm.data_from(mine) if mine and request.method == "GET"
                        else None)
    if form.validate_on_submit():
        try:
            with stored(form.prepared_pdfs) as rows:
                proposal = proposals.submit_proposal(current_user, listing, form.details(), rows)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your proposal was sent. Only the requester and the exchange staff can "
                    "read it."), "success")
            return redirect(url_for("deals.proposal", proposal_id=proposal.id))
    return render_template("deals/proposal_form.html", form=form, listing=listing,
                           proposal=None), 200 if request.method == "GET" else 400


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def revise(proposal_id):
    proposal = _proposal(proposal_id)
    if not can.revise_proposal(current_user, proposal, proposals.is_open(proposal.request)):
        abort(403)
    offers = proposals.offers_to_link(current_user.business_id)
    if request.method == "GET":
        form = ProposalForm(offers=offers, existing_files=proposal.files,
                            data=ProposalForm.data_from(proposal))
    else:
        form = ProposalForm(offers=offers, existing_files=proposal.files)
    if form.validate_on_submit():
        try:
            with stored(form.prepared_pdfs) as rows:
                proposals.revise_proposal(current_user, proposal, form.details(), rows,
                                          form.remove_files.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your proposal was updated."), "success")
            return redirect(url_for("deals.proposal", proposal_id=proposal_id))
    return render_template("deals/proposal_form.html", form=form, listing=proposal.request,
                           proposal=proposal), 200 if request.method == "GET" else 400


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id):
    proposal = _proposal(proposal_id)
    if ActionForm().validate_on_submit():
        attempt(proposals.withdraw_proposal, current_user, proposal,
               done=_("Your proposal was withdrawn. You can send it again while the request "
                      "is open."))
    return redirect(url_for("deals.proposal", proposal_id=proposal_id))


# --- one proposal and its thread ---

@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def proposal(proposal_id):
    proposal = _proposal(proposal_id)
    form = MessageForm()
    if request.method == "POST":
        if form.validate_on_submit() and attempt(proposals.post_message, current_user, proposal,
                                                 form.message.data,
                                                 done=_("Your message was sent.")):
            return redirect(url_for("deals.proposal", proposal_id=proposal_id, _anchor="thread"))
        proposal = _proposal(proposal_id)
    is_open = proposals.is_open(proposal.request)
    return render_template(
        "deals/proposal.html", proposal=proposal, listing=proposal.request, form=form,
        is_open=is_open, action_form=ActionForm(formdata=None),
        decline_form=DeclineForm(formdata=None),
        record=trust.track_record(proposal.business_id),
        deal=services.deal_for_proposal(proposal.id),
    ), 200 if request.method == "GET" else 400


@bp.route("/proposals/<int:proposal_id>/files/<int:file_id>")
@login_required
def proposal_file(proposal_id, file_id):
    proposal = _proposal(proposal_id)
    attached = db.session.get(ProposalFile, file_id)
    if attached is None or attached.proposal_id != proposal.id:
        abort(404)
    path = file_path(attached.sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=attached.filename, conditional=True)
    # private to two businesses: never kept by a shared cache
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the requester ---

@bp.route("/listings/<int:listing_id>/proposals")
@login_required
def compare(listing_id):
    listing = _request(listing_id)
    if not can.see_proposals(current_user, listing):
        abort(403)
    sort = request.args.get("sort", "received")
    rows = sorted(proposals.proposals_for(listing.id), key=SORTS.get(sort, SORTS["received"]))
    return render_template(
        "deals/compare.html", listing=listing, rows=rows, sort=sort,
        records=trust.track_records(p.business_id for p in rows),
        is_open=proposals.is_open(listing), closure=proposals.closure_of(listing.id),
        closes_at=proposals.closes_at(listing),
        action_form=ActionForm(formdata=None), decline_form=DeclineForm(formdata=None))


def _decision(proposal_id, operation, done, *args):
    proposal = _proposal(proposal_id)
    attempt(operation, current_user, proposal, *args, done=done)
    return redirect(url_for("deals.compare", listing_id=proposal.request_id,
                            _anchor=f"proposal-{proposal.id}"))


@bp.route("/proposals/<int:proposal_id>/shortlist", methods=["POST"])
@login_required
def shortlist(proposal_id):
    form = ShortlistForm()
    if not form.validate_on_submit():
        abort(400)
    return _decision(proposal_id, proposals.set_shortlisted,
                     _("The shortlist was updated."), form.shortlisted.data)


@bp.route("/proposals/<int:proposal_id>/award", methods=["POST"])
@login_required
def award(proposal_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    return _decision(proposal_id, proposals.award,
                     _("The proposal was selected; its business is told."))


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"])
@login_required
def decline(proposal_id):
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    return _decision(proposal_id, proposals.decline,
                     _("The proposal was declined; its business sees your reason."),
                     form.reason.data, form.text.data)


@bp.route("/listings/<int:listing_id>/proposals/close", methods=["POST"])
@login_required
def close(listing_id):
    listing = _request(listing_id)
    if not can.own_listing(current_user, listing):
        abort(403)
    if ActionForm().validate_on_submit():
        attempt(proposals.close_request, listing, actor=current_user,
               done=_("The request takes no more proposals; every business that answered is "
                      "told."))
    return redirect(url_for("deals.compare", listing_id=listing_id))


@bp.route("/account/proposals")
@login_required
def my_proposals():
    from sqlalchemy import select
    sent = db.session.scalars(
        select(Proposal).where(Proposal.business_id == current_user.business_id)
        .order_by(Proposal.updated_at.desc())).all() if current_user.business_id else []
    received = db.session.scalars(
        select(Listing).where(Listing.business_id == current_user.business_id,
                              Listing.kind == Kind.REQUEST,
                              Listing.id.in_(select(Proposal.request_id)))
        .order_by(Listing.id.desc())).all() if current_user.business_id else []
    return render_template("deals/my_proposals.html", sent=sent, received=received,
                           counts={x.id: proposals.public_count(x.id) for x in received})


# --- deals ---

def _record(form_listings, source_kwargs, back_url, title):
    form = DealForm(listings=form_listings)
    if request.method == "GET":
        form.listing_ids.data = [x.id for x in form_listings]
    if form.validate_on_submit():
        deal = attempt(services.record_deal, current_user, **source_kwargs, kind=form.kind.data,
                      value_vnd=form.value_vnd, concluded_on=form.concluded_on.data,
                      listing_ids=form.listing_ids.data, story=form.story.data,
                      story_public=form.story_public.data,
                      done=_("The deal was recorded. It counts once the other business "
                             "confirms it."))
        if deal:
            return redirect(url_for("deals.deal", deal_id=deal.id))
    return render_template("deals/record.html", form=form, back_url=back_url,
                           title=title), 200 if request.method == "GET" else 400


@bp.route("/account/inquiries/<int:thread_id>/deal", methods=["GET", "POST"])
@login_required
def record_from_thread(thread_id):
    thread = db.session.get(Thread, thread_id)
    if thread is None or not can.read_thread(current_user, thread):
        abort(404)
    if not can.record_deal_from_thread(current_user, thread):
        abort(403)
    existing = services.deal_for_thread(thread.id)
    if existing is not None:
        return redirect(url_for("deals.deal", deal_id=existing.id))
    return _record(services.listings_of_thread(thread), {"thread": thread},
                   url_for("inquiries.thread", thread_id=thread_id), thread.listing_title)


@bp.route("/proposals/<int:proposal_id>/deal", methods=["GET", "POST"])
@login_required
def record_from_proposal(proposal_id):
    proposal = _proposal(proposal_id)
    if not can.record_deal_from_proposal(current_user, proposal):
        abort(403)
    existing = services.deal_for_proposal(proposal.id)
    if existing is not None:
        return redirect(url_for("deals.deal", deal_id=existing.id))
    title = proposal.request.approved_revision.title if proposal.request.approved_revision \
        else f"#{proposal.request_id}"
    return _record(services.listings_of_proposal(proposal), {"proposal": proposal},
                   url_for("deals.proposal", proposal_id=proposal_id), title)


@bp.route("/deals/<int:deal_id>")
@login_required
def deal(deal_id):
    deal = _deal(deal_id)
    return render_template("deals/deal.html", deal=deal,
                           confirm_form=ConfirmDealForm(formdata=None),
                           dispute_form=DisputeForm(formdata=None))


@bp.route("/deals/<int:deal_id>/confirm", methods=["POST"])
@login_required
def confirm(deal_id):
    deal = _deal(deal_id)
    form = ConfirmDealForm()
    if form.validate_on_submit():
        attempt(services.confirm_deal, current_user, deal, form.story_public.data,
               done=_("Thank you: the deal is confirmed and now counts."))
    return redirect(url_for("deals.deal", deal_id=deal_id))


@bp.route("/deals/<int:deal_id>/dispute", methods=["POST"])
@login_required
def dispute(deal_id):
    deal = _deal(deal_id)
    form = DisputeForm()
    if form.validate_on_submit():
        attempt(services.dispute_deal, current_user, deal, form.reason.data,
               done=_("The record is marked as disputed; it does not count."))
    else:
        flash(_("Say what is wrong with this record."), "error")
    return redirect(url_for("deals.deal", deal_id=deal_id))


@bp.route("/account/deals")
@login_required
def my_deals():
    deals = services.deals_of(current_user.business_id) if current_user.business_id else []
    return render_template("deals/my_deals.html", deals=deals, staff_view=False)


@bp.route("/moderation/deals")
@requires(can.moderate)
def staff_deals():
    from sqlalchemy import select
    deals = db.session.scalars(select(Deal).order_by(Deal.created_at.desc()).limit(200)).all()
    return render_template("deals/my_deals.html", deals=deals, staff_view=True)


@bp.route("/moderation/deals/new", methods=["GET", "POST"])
@requires(can.moderate)
def record_offline():
    form = OfflineDealForm()
    if form.validate_on_submit():
        deal = attempt(services.record_offline, current_user,
                      recorder_tax_code=form.recorder_tax_code.data,
                      counterpart_tax_code=form.counterpart_tax_code.data, kind=form.kind.data,
                      value_vnd=form.value_vnd, concluded_on=form.concluded_on.data,
                      source=form.source.data, listing_ids=form.parsed_listing_ids,
                      story=form.story.data, done=_("The deal was recorded and counts."))
        if deal:
            return redirect(url_for("deals.deal", deal_id=deal.id))
    return render_template("deals/record_offline.html", form=form), \
        200 if request.method == "GET" else 400
