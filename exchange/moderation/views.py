"""The moderators' review queue."""
import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time, format_timedelta, gettext as _
from flask_login import current_user

from exchange import taxonomy
from exchange.accounts.models import Member
from exchange.accounts.requirements import can, requires
from exchange.core.messages import message
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.lifecycle import can_transition
from exchange.listings.markdown import render_markdown
from exchange.listings.models import Status
from exchange.moderation import queue as queue_reads
from exchange.moderation import listeners, services
from exchange.moderation.diff import revision_diff
from exchange.moderation.forms import ClaimForm, DecisionForm, RestoreForm, SuspendForm
from exchange.moderation.models import ItemKind
from exchange.timeutil import utcnow

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
bp.record_once(listeners.connect)  # queue items, decisions, the dashboard's review

DECIDED_MESSAGES = {
    "approve": lambda: _("Approved. The owner has been notified."),
    "request_changes": lambda: _("Changes requested. The owner has been notified."),
    "reject": lambda: _("Rejected. The owner has been notified."),
}


@bp.app_template_filter("queue_age")
def queue_age(since, now=None):
    """How long an item has waited, in the largest sensible unit ("3 hours")."""
    return format_timedelta((now or utcnow()) - since, threshold=1.1)


@bp.app_template_filter("duration")
def duration(delta):
    return format_timedelta(delta, threshold=1.1)


@bp.app_template_filter("item_title")
def item_title(item):
    if item.revision is not None:
        return item.revision.title
    if item.business is not None:
        return f"{item.business.name} ({item.business.tax_code})"
    return message(_("Item %(id)d"), id=item.id)


@bp.context_processor
def review_helpers():
    def file_url(listing, revision_file, thumbnail=False):
        # files are served (with their own access check) by the listings feature
        endpoint = "listings.thumbnail" if thumbnail else "listings.file"
        if endpoint not in current_app.view_functions:
            return None
        return url_for(endpoint, listing_id=listing.id, file_id=revision_file.id)

    return {"file_url": file_url, "render_markdown": render_markdown, "format_time": format_time}


def _arg_choice(name, allowed):
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.route("")
@requires(can.moderate)
def queue():
    kind = _arg_choice("kind", {k.value for k in ItemKind})
    sector = _arg_choice("sector", set(taxonomy.codes(taxonomy.SECTORS)))
    province = _arg_choice("province", set(taxonomy.codes(taxonomy.PROVINCES)))
    page = request.args.get("page", 1, type=int) or 1
    items, total = queue_reads.waiting_items(kind=kind, sector=sector, province=province,
                                             page=page)
    filters = {k: v for k, v in (("kind", kind), ("sector", sector), ("province", province)) if v}
    return render_template(
        "moderation/queue.html",
        items=items, total=total, page=page,
        pages=max(1, math.ceil(total / queue_reads.PAGE_SIZE)),
        filters=filters, stats=queue_reads.queue_stats(), now=utcnow(),
        claim_form=ClaimForm(), kinds=list(ItemKind),
        page_url=lambda p: url_for(".queue", page=p, **filters),
    )


@bp.route("/<int:item_id>/claim", methods=["POST"])
@requires(can.moderate)
def claim(item_id):
    form = ClaimForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        item = services.claim_item(item_id, current_user.id)
    except services.ItemNotFound:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return redirect(url_for(".queue"))
    flash(message(_("The item is yours for %(minutes)d minutes."),
                  minutes=services.claim_minutes()),
          "success")
    return redirect(url_for(".review", item_id=item.id))


@bp.route("/<int:item_id>/release", methods=["POST"])
@requires(can.moderate)
def release(item_id):
    form = ClaimForm()
    if not form.validate_on_submit():
        abort(400)
    services.release_item(item_id, current_user.id)
    flash(_("The item is back in the queue."), "info")
    return redirect(url_for(".queue"))


def _review_context(item):
    context = {"item": item, "now": utcnow(), "diff": None, "published": None,
               "history": ([], []), "listing": item.listing, "revision": item.revision}
    if item.kind in (ItemKind.REVISION, ItemKind.LISTING) and item.listing is not None:
        published = item.listing.approved_revision
        if (item.kind == ItemKind.REVISION and published is not None and item.revision
                and published.id != item.revision.id):
            context["published"] = published
            context["diff"] = revision_diff(published, item.revision)
    if item.business_id:
        context["history"] = queue_reads.business_history(item.business_id,
                                                          exclude_item_id=item.id)
    context["claimed_by_other"] = item.is_claimed_by_other(current_user.id, context["now"])
    context["claimed_by_me"] = (
        item.claimed_by_id == current_user.id
        and item.claim_expires_at is not None and item.claim_expires_at > context["now"]
    )
    return context


def _render_review(item, form, status=200):
    if item.kind == ItemKind.BUSINESS:
        form.decision.choices = [c for c in form.decision.choices
                                 if c.value != "request_changes"]
    return render_template("moderation/review.html", form=form, claim_form=ClaimForm(),
                           **_review_context(item)), status


@bp.route("/<int:item_id>")
@requires(can.moderate)
def review(item_id):
    item = services.get_item(item_id)
    return _render_review(item, DecisionForm())


@bp.route("/<int:item_id>/decision", methods=["POST"])
@requires(can.moderate)
def decide(item_id):
    item = services.get_item(item_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please correct the marked fields."), "error")
        return _render_review(item, form, 400)
    try:
        services.decide_item(item.id, current_user.id, form.decision.data, form.full_reason())
    except DomainError as exc:
        db.session.rollback()
        item = services.get_item(item_id)
        db.session.refresh(item)
        flash(str(exc.message), "error")
        return _render_review(item, form, exc.status_code)
    flash(DECIDED_MESSAGES[form.decision.data](), "success")
    return redirect(url_for(".queue"))


def _render_listing(listing, suspend_form=None, restore_form=None, status=200):
    entries, _total = queue_reads.audit_entries(listing_id=listing.id, per_page=100)
    return render_template(
        "moderation/listing.html", listing=listing, entries=entries,
        revision=listing.approved_revision or listing.latest_revision,
        suspend_form=suspend_form or SuspendForm(), restore_form=restore_form or RestoreForm(),
        can_suspend=can_transition(listing, Status.SUSPENDED),
        can_restore=listing.status == Status.SUSPENDED,
    ), status


@bp.route("/listings/<int:listing_id>")
@requires(can.moderate)
def listing(listing_id):
    """A listing as moderators see it, with suspend/restore and its audit trail."""
    return _render_listing(services.get_listing(listing_id))


def _listing_action(listing_id, form, operation, done_message):
    listing = services.get_listing(listing_id)
    forms = {"suspend_form": form} if isinstance(form, SuspendForm) else {"restore_form": form}
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please correct the marked fields."), "error")
        return _render_listing(listing, status=400, **forms)
    try:
        operation(listing.id, current_user.id, form.full_reason())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render_listing(services.get_listing(listing_id), status=exc.status_code, **forms)
    flash(done_message, "success")
    return redirect(url_for(".listing", listing_id=listing.id))


@bp.route("/listings/<int:listing_id>/suspend", methods=["POST"])
@requires(can.moderate)
def suspend(listing_id):
    return _listing_action(listing_id, SuspendForm(), services.suspend_listing,
                           _("The listing is suspended and hidden from the public."))


@bp.route("/listings/<int:listing_id>/restore", methods=["POST"])
@requires(can.moderate)
def restore(listing_id):
    return _listing_action(listing_id, RestoreForm(), services.restore_listing,
                           _("The listing is published again."))


@bp.route("/audit")
@requires(can.moderate)
def audit():
    listing_id = request.args.get("listing_id", type=int)
    actor_id = request.args.get("actor_id", type=int)
    business_id = request.args.get("business_id", type=int)
    page = request.args.get("page", 1, type=int) or 1
    entries, total = queue_reads.audit_entries(listing_id=listing_id, actor_id=actor_id,
                                               business_id=business_id, page=page)
    moderators = db.session.scalars(
        db.select(Member).where(Member.role.in_(("moderator", "admin"))).order_by(Member.full_name)
    ).all()
    filters = {k: v for k, v in (("listing_id", listing_id), ("actor_id", actor_id),
                                  ("business_id", business_id)) if v}
    return render_template(
        "moderation/audit.html", entries=entries, total=total, page=page,
        pages=max(1, math.ceil(total / queue_reads.PAGE_SIZE)), filters=filters,
        moderators=moderators, page_url=lambda p: url_for(".audit", page=p, **filters),
    )
