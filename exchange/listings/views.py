"""Listing pages: create, view, edit, withdraw, submit, files; public business profiles."""
import io

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.accounts.models import Business
from exchange.accounts.dashboard import DASHBOARD
from exchange.accounts.requirements import can
from exchange.core.pagecache import (add_guard, do_not_keep, keep_for_member, note_shown,
                                     public_page, share_with_members)
from exchange.core.panels import add_page_part, page_parts
from exchange.core.unitofwork import attempt
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings import lifecycle, queries, visibility, watermark
from exchange.listings import permissions  # noqa: F401  (the listing rules of `can`)
from exchange.listings.files import file_path, stored, thumbnail_path
from exchange.listings.forms import ListingForm
from exchange.listings.markdown import render_markdown
from exchange.listings.models import Kind, Listing, RevisionFile, Status
from exchange.timeutil import utcnow

bp = Blueprint("listings", __name__, url_prefix="/listings")


# the owner's listings are this feature's part of the member's dashboard
add_page_part(bp, DASHBOARD, queries.owner_listings_part)


@bp.record_once
def _shared_page_guard(state):
    add_guard(state.app, "listings", visibility.shared_page_guard)

businesses_bp = Blueprint("businesses", __name__, url_prefix="/businesses")


@bp.app_context_processor
def listing_helpers():
    # pure functions of what the template already holds
    return {"days_until": days_until, "anonymous_label": visibility.anonymous_label}


def days_until(moment) -> int:
    """Whole days from now until `moment`, rounded up (negative once it has passed)."""
    from datetime import timedelta

    return -(-(moment - utcnow()) // timedelta(days=1))


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


def _owned(listing_id, check) -> Listing:
    listing = visibility.visible_listing(listing_id)
    if not check(current_user, listing):
        abort(403)
    return listing


def _cannot_post_page():
    return render_template("listings/cannot_post.html"), 403


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can.post(current_user):
        return _cannot_post_page()
    kind = request.args.get("kind")
    form = ListingForm(kind=kind if kind in tuple(Kind) else Kind.OFFER)
    if form.validate_on_submit():
        prepared = form.prepared_images + form.prepared_pdfs
        try:
            with stored(prepared) as files:
                for added in files:
                    added.is_confidential = bool(form.new_files_confidential.data)
                listing = lifecycle.create_listing(current_user.business_id, current_user.id,
                                                   form.kind.data, form.content(), files)
                listing.set_agreement(form.agreement_mode.data, form.agreement_text.data)
                if not form.is_draft:
                    lifecycle.submit(listing, current_user.id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            if form.is_draft:
                flash(_("Draft saved. Submit it for review when it is ready."), "success")
            else:
                flash(_("Submitted for review. It becomes public once a moderator approves it."),
                      "success")
            return redirect(url_for("listings.show", listing_id=listing.id))
    return render_template("listings/form.html", form=form, listing=None)


@bp.route("/<int:listing_id>")
@public_page
def show(listing_id):
    listing = visibility.visible_listing(listing_id)
    private = can.view_private_listing(current_user, listing)
    approved = listing.approved_revision
    if private:
        # the owner reads what the public sees (or saw) first, then the version under review
        main = approved or listing.latest_revision
        other = listing.pending_revision if approved else None
    else:
        main, other = approved, None
    if not private:
        # owners and staff reading it are not the audience the owner wants to hear about
        note_shown("views", [listing.id])
    confidential = can.see_confidential(current_user, listing)
    visibility.keep_for_panels(listing)
    # what features add (core.panels.page_parts); a part that lists other listings names
    # them (visibility.note_listed), so the shared page goes to members who read them as
    # the public does
    parts = page_parts("listing", listing)
    page = render_template("listings/show.html", listing=listing, revision=main,
                           pending=other, private=private, confidential=confidential,
                           show_identity=can.see_identity(current_user, listing, main),
                           owner=can.own_listing(current_user, listing), **parts)
    if visibility.reads_as_public(current_user, listing):
        # what is not a panel is what any visitor reads: shared with the members who read
        # this listing and the ones it lists as the public does
        share_with_members(("listings", visibility.shared_page_guard_arguments(listing)))
    else:
        # the owner's, staff's or a granted business's view: never kept for anyone else;
        # kept for the owner or the granted member alone while what it shows of theirs
        # holds (their listing's rows, their grants: tracked for panels); staff's never
        do_not_keep()
        if current_user.business_id and not can.moderate(current_user):
            keep_for_member()
    if not current_user.is_authenticated:
        return page
    response = make_response(page)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id):
    listing = _owned(listing_id, can.edit_listing)
    revision = listing.latest_revision
    if request.method == "GET":
        form = ListingForm(data=ListingForm.data_from(listing, revision),
                           existing_files=revision.files)
    else:
        form = ListingForm(existing_files=revision.files)
    form.kind.data = listing.kind  # the kind of a listing never changes
    if form.validate_on_submit():
        removed = set(form.remove_files.data or ())
        confidential = form.confidential_ids()
        kept = [f for f in revision.files if f.id not in removed]
        copies = [RevisionFile(sha256=f.sha256, kind=f.kind, filename=f.filename,
                               position=position, is_confidential=f.id in confidential)
                  for position, f in enumerate(kept)]
        was_draft = listing.status == Status.DRAFT
        try:
            with stored(form.prepared_images + form.prepared_pdfs,
                        first_position=len(copies)) as added:
                for new_file in added:
                    new_file.is_confidential = bool(form.new_files_confidential.data)
                listing.set_agreement(form.agreement_mode.data, form.agreement_text.data)
                lifecycle.save_edit(listing, current_user.id, form.content(), copies + added)
                if was_draft and not form.is_draft:
                    lifecycle.submit(listing, current_user.id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            if listing.status == Status.DRAFT:
                flash(_("Draft saved."), "success")
            elif listing.approved_revision_id and listing.is_public:
                flash(_("Your changes were sent for review. The approved version stays "
                        "public until they are approved."), "success")
            else:
                flash(_("Saved and waiting for review."), "success")
            return redirect(url_for("listings.show", listing_id=listing.id))
    return render_template("listings/form.html", form=form, listing=listing,
                           revision=revision)


@bp.route("/<int:listing_id>/withdraw", methods=["POST"])
@login_required
def withdraw(listing_id):
    return _owner_step(listing_id, can.withdraw_listing, lifecycle.withdraw,
                       _("The listing was withdrawn."))


@bp.route("/<int:listing_id>/submit", methods=["POST"])
@login_required
def submit(listing_id):
    return _owner_step(listing_id, can.submit_listing, lifecycle.submit,
                       _("Submitted for review."))


@bp.route("/<int:listing_id>/renew", methods=["POST"])
@login_required
def renew(listing_id):
    """Renew from the dashboard or the listing's page (the mailed link is expiry.renew)."""
    listing = _owned(listing_id, can.renew_listing)
    try:
        renewed = lifecycle.renew(listing, current_user.id)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The listing was renewed.") if renewed else
              _("The listing has changes waiting for review; the new expiry date was added "
                "to them and applies once they are approved."), "success")
    return redirect(url_for("accounts.dashboard"))


def _owner_step(listing_id, allowed, step, done: str):
    """One lifecycle step the owner takes from the listing's page, then back to it."""
    listing = _owned(listing_id, allowed)
    attempt(step, listing, current_user.id, done=done)
    return redirect(url_for("listings.show", listing_id=listing_id))


def _visible_file(listing_id, file_id) -> tuple[Listing, RevisionFile]:
    # a file of a visible listing is still checked on its own (confidential, unapproved)
    listing = visibility.visible_listing(listing_id,
                                         load=lambda key: db.session.get(Listing, key))
    revision_file = db.session.get(RevisionFile, file_id)
    if (revision_file is None or revision_file.revision.listing_id != listing.id
            or not can.see_file(current_user, listing, revision_file)):
        abort(404)
    return listing, revision_file


def _send(path, mimetype, listing, revision_file, **kwargs):
    if not path.is_file():
        abort(404)
    if revision_file.is_confidential:
        return _send_confidential(path, mimetype, listing, revision_file, **kwargs)
    public = listing.is_public and revision_file.revision_id == listing.approved_revision_id
    response = send_file(path, mimetype=mimetype, conditional=True,
                         max_age=300 if public else None, **kwargs)
    if not public:
        # private content must not linger in shared caches after the owner's session ends
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _send_confidential(path, mimetype, listing, revision_file, **kwargs):
    """A confidential file: never cached, and marked with the recipient's name unless the
    owner reads their own file."""
    data = path.read_bytes()
    if not can.own_listing(current_user, listing):
        line = watermark.recipient_line(current_user)
        if mimetype == "application/pdf":
            data = watermark.watermark_pdf(data, line)
        elif mimetype.startswith("image/"):
            data = watermark.watermark_image(data, line)
    response = send_file(io.BytesIO(data), mimetype=mimetype, max_age=None, etag=False,
                         **kwargs)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:listing_id>/files/<int:file_id>")
def file(listing_id, file_id):
    listing, revision_file = _visible_file(listing_id, file_id)
    is_pdf = revision_file.kind == "pdf"
    return _send(file_path(revision_file.sha256), revision_file.stored.content_type, listing,
                 revision_file,
                 as_attachment=is_pdf, download_name=revision_file.filename)


@bp.route("/<int:listing_id>/files/<int:file_id>/thumb")
def thumbnail(listing_id, file_id):
    listing, revision_file = _visible_file(listing_id, file_id)
    if revision_file.kind != "image":
        abort(404)
    return _send(thumbnail_path(revision_file.sha256), "image/jpeg", listing, revision_file)


@businesses_bp.route("/<int:business_id>")
@public_page
def profile(business_id):
    business = db.session.get(Business, business_id)
    if business is None:
        abort(404)
    listings = queries.public_listings_of(business_id)
    return render_template("listings/business.html", business=business,
                           offers=[x for x in listings if x.kind == Kind.OFFER],
                           requests=[x for x in listings if x.kind == Kind.REQUEST],
                           **page_parts("business", business))
