"""/businesses and /experts: the public directories, registration, review, service requests."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange import taxonomy
from exchange.accounts.limits import by_account, limit, member_actions, too_fast_message
from exchange.accounts.requirements import can, requires
from exchange.core.pagecache import public_page
from exchange.core.unitofwork import attempt
from exchange.directories import queries, services
from exchange.directories.forms import ExpertForm, ReviewForm, ServiceRequestForm, StaffExpertForm
from exchange.directories.models import SERVICES, Expert
from exchange.directories.sitemap import register_experts_section
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.inquiries import services as inquiries
from exchange.seo.structured import expert_data

bp = Blueprint("directories", __name__)
MAX_PAGE = 1000
MAX_QUERY = 200


@bp.record_once
def _sitemap(_state):
    register_experts_section()


@bp.app_context_processor
def directory_helpers():
    return {"expert_services": SERVICES,
            "expert_structured_data": _structured}


def _structured(expert) -> dict:
    return expert_data(expert, [taxonomy.label(SERVICES, code) for code in expert.service_codes])


def _code(name, terms):
    value = request.args.get(name, "")
    return value if value in taxonomy.codes(terms) else None


def _page() -> int:
    value = request.args.get("page", "1")
    return min(MAX_PAGE, int(value)) if value.isdigit() and int(value) > 0 else 1


def _text() -> str:
    return request.args.get("q", "")[:MAX_QUERY].strip()


@bp.route("/businesses")
@public_page
def businesses():
    filters = {"q": _text(), "sector": _code("sector", taxonomy.SECTORS),
               "province": _code("province", taxonomy.PROVINCES),
               "verified": request.args.get("verified") in ("1", "on", "true")}
    found = queries.business_directory(page=_page(), **filters)
    counts = queries.public_listing_counts([b.id for b in found.items])
    args = {key: (1 if value is True else value) for key, value in filters.items() if value}
    return render_template("directories/businesses.html", found=found, counts=counts,
                           filters=filters,
                           page_url=lambda p: url_for(".businesses", page=p, **args))


@bp.route("/experts")
@public_page
def experts():
    filters = {"q": _text(), "service": _code("service", SERVICES),
               "sector": _code("sector", taxonomy.SECTORS),
               "province": _code("province", taxonomy.PROVINCES)}
    found = queries.expert_directory(page=_page(), **filters)
    args = {key: value for key, value in filters.items() if value}
    return render_template("directories/experts.html", found=found, filters=filters,
                           page_url=lambda p: url_for(".experts", page=p, **args))


def _expert(expert_id) -> Expert:
    """The entry if this visitor may see it: public, or their business's, or staff."""
    expert = db.session.get(Expert, expert_id)
    if expert is None or not (expert.is_public or can.edit_expert(current_user, expert)):
        abort(404)
    return expert


@bp.route("/experts/<int:expert_id>")
@public_page
def expert(expert_id):
    entry = _expert(expert_id)
    return _expert_page(entry, ServiceRequestForm())


def _expert_page(entry, form, error=None, status=200):
    can_request = (entry.is_public and inquiries.can_send_messages(current_user)
                   and current_user.business_id != entry.business_id)
    return render_template("directories/expert.html", expert=entry, form=form, error=error,
                           can_request=can_request), status


@bp.route("/experts/<int:expert_id>/request", methods=["POST"])
@login_required
@limit("INQUIRY_RATE_LIMIT", by_account, too_fast_message)
@member_actions(too_fast_message)
def request_service(expert_id):
    entry = db.session.get(Expert, expert_id)
    if entry is None or not entry.is_public:
        abort(404)
    form = ServiceRequestForm()
    if not form.validate_on_submit():
        return _expert_page(entry, form, status=400)
    try:
        thread = inquiries.record_service_request(
            current_user, expert_id=entry.id, business_id=entry.business_id,
            title=entry.name, body=form.message.data,
            idempotency_key=form.idempotency_key.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "duplicate":
            existing = inquiries.find_recent_expert_thread(current_user.business_id, entry.id)
            if existing is not None:
                flash(exc.message, "warning")
                return redirect(url_for("inquiries.thread", thread_id=existing.id))
        return _expert_page(entry, form, error=exc.message, status=exc.status_code)
    flash(_("Your request was sent. You will find the answer in your inquiries."), "success")
    return redirect(url_for("inquiries.thread", thread_id=thread.id))


@bp.route("/experts/new", methods=["GET", "POST"])
@requires(can.moderate | can.register_expert)
def register():
    staff = can.moderate(current_user)
    form = StaffExpertForm() if staff else ExpertForm()
    error = None
    if form.validate_on_submit():
        try:
            if staff:
                entry = services.staff_add_expert(current_user, form.tax_code.data,
                                                  form.content())
            else:
                entry = services.register_expert(current_user, form.content())
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(_("The entry is in the directory.") if staff else
                  _("Thank you. Your entry is public once a moderator has reviewed it."),
                  "success")
            return redirect(url_for("directories.expert", expert_id=entry.id))
    mine = queries.experts_of(current_user.business_id) if current_user.business_id else []
    return render_template("directories/expert_form.html", form=form, expert=None,
                           error=error, mine=mine, staff=staff), 400 if error else 200


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
@login_required
def edit(expert_id):
    entry = db.session.get(Expert, expert_id)
    if entry is None:
        abort(404)
    if not can.edit_expert(current_user, entry):
        abort(403)
    form = ExpertForm(obj=entry if request.method == "GET" else None)
    if request.method == "GET":
        form.services.data, form.sectors.data = entry.service_codes, entry.sector_codes
    error = None
    if form.validate_on_submit():
        try:
            services.update_expert(current_user, entry, form.content())
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("directories.expert", expert_id=entry.id))
    return render_template("directories/expert_form.html", form=form, expert=entry,
                           error=error, mine=[], staff=False), 400 if error else 200


@bp.route("/experts/review")
@requires(can.moderate)
def review_list():
    return render_template("directories/review.html", entries=queries.experts_to_review(),
                           form=ReviewForm())


@bp.route("/experts/<int:expert_id>/review", methods=["POST"])
@requires(can.moderate)
def review(expert_id):
    entry = db.session.get(Expert, expert_id)
    if entry is None:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return redirect(url_for("directories.review_list"))
    attempt(services.review_expert, current_user, entry, form.decision.data == "approve",
            form.reason.data or "", done=_("Decision saved."))
    return redirect(url_for("directories.review_list"))

