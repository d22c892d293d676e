"""Inquiry pages: send an inquiry, the inbox, a thread, close/archive/report, moderator hooks."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from flask_login import current_user, login_required

from exchange.accounts.dashboard import DASHBOARD
from exchange.accounts.limits import by_account, limit, member_actions, too_fast_message
from exchange.accounts.requirements import can, requires
from exchange.core.panels import add_page_part, add_token, fragment, page_parts, panel
from exchange.core.unitofwork import attempt
from exchange.core.urls import safe_next
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.inquiries import notifications, reports, services
from exchange.inquiries.forms import (ActionForm, InquiryForm, MailSettingForm, ReplyForm,
                                      ReportForm, SuspendForm, new_idempotency_key)
from exchange.inquiries.models import Thread
from exchange.core.panelstate import per_business
from exchange.listings.visibility import (listing_for_panel, party_name, shared_standing,
                                         visible_listing)

bp = Blueprint("inquiries", __name__)


@bp.record_once
def _config_defaults(state):
    state.app.config.setdefault("INQUIRY_DAILY_LIMIT", services.DEFAULT_DAILY_LIMIT)


@panel(bp, "inquiry_badge")
def unread_badge():
    """The header's count of unread messages of the member's business."""
    if not (current_user.is_authenticated and current_user.business_id):
        return ""
    return render_template("inquiries/_nav_badge.html",
                           unread=services.unread_count(current_user))


def _card_shared_by(member, listing_id):
    # the same card for every member of one standing whose business has not asked yet
    return shared_standing(member, listing_id,
                           per_business("inquired", member, services.inquired_listing_ids))


@panel(bp, "listing_inquiry", shared_by=_card_shared_by)
def listing_panel(listing_id):
    """The inquiry card of a listing's page, for this visitor."""
    listing = listing_for_panel(listing_id)
    if listing is None or not listing.is_public:
        return ""
    if not current_user.is_authenticated:
        return render_template("inquiries/_listing_panel.html", listing=listing)
    if can.own_listing(current_user, listing):
        return render_template("inquiries/_listing_panel.html", listing=listing, mine=True)
    can_inquire = can.inquire(current_user, listing)
    can_report = can.report_listing(current_user, listing)
    return render_template(
        "inquiries/_listing_panel.html", listing=listing, mine=False,
        can_inquire=can_inquire, can_report=can_report,
        existing=services.existing_thread(current_user, listing),
        inquiry_form=_filled("inquiry") if can_inquire else None,
        report_form=_filled("report") if can_report else None)


# the forms of a listing's card are the same for every member who may send them and every
# listing (the card writes the form's tag), but for the form token and the idempotency key:
# rendered once per language
_FORMS = {"inquiry": ("inquiries/_inquiry_form.html", InquiryForm,
                      {"csrf": generate_csrf, "key": new_idempotency_key}),
          "report": ("inquiries/_report_form.html", ReportForm, {"csrf": generate_csrf})}
add_token(bp, "key", new_idempotency_key)


def _filled(which: str):
    template, form_class, tokens = _FORMS[which]
    return fragment(
        ("inquiries", which, str(get_locale())),
        lambda placeholders: render_template(
            template, csrf_placeholder=placeholders["csrf"],
            key_placeholder=placeholders.get("key", ""),
            form=form_class(formdata=None, meta={"csrf": False})),
        **tokens)


def dashboard_inquiries(member, _page, _gathered) -> dict:
    return {"inquiry_recent": services.recent_threads(member, 5),
            "inquiry_unread_by_thread": services.unread_by_thread(member)}


add_page_part(bp, DASHBOARD, dashboard_inquiries)


def _my_thread(thread_id) -> Thread:
    """The thread if the member's business is a side of it; 404 for everyone else."""
    thread = services.thread_for(current_user, thread_id)
    if thread is None:
        abort(404)
    return thread


def _listing_url(listing_id):
    return url_for("listings.show", listing_id=listing_id)


@bp.route("/listings/<int:listing_id>/inquire", methods=["POST"])
@login_required
@limit("INQUIRY_RATE_LIMIT", by_account, too_fast_message)
@member_actions(too_fast_message)
def inquire(listing_id):
    listing = visible_listing(listing_id)
    form = InquiryForm()
    error = None
    status = 400
    if form.validate_on_submit():
        try:
            thread = services.record_inquiry(
                current_user, listing, form.message.data, quantity=form.quantity.data,
                budget_vnd=form.budget.data, delivery_date=form.delivery_date.data,
                wants_site_visit=form.site_visit.data, wants_demo=form.demo.data,
                idempotency_key=form.idempotency_key.data,
            )
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status_code
            if exc.code == "duplicate":
                existing = services.find_recent_thread(current_user.business_id, listing.id)
                if existing is not None:
                    flash(exc.message, "warning")
                    return redirect(url_for("inquiries.thread", thread_id=existing.id))
        else:
            flash(_("Your inquiry was sent. You will find the answer here and on your account "
                    "page."), "success")
            return redirect(url_for("inquiries.thread", thread_id=thread.id))
    return render_template("inquiries/new.html", form=form, listing=listing,
                           error=error), status


@bp.route("/account/inquiries")
@login_required
def inbox():
    archived = request.args.get("tab") == "archived"
    page = request.args.get("page", 1, type=int)
    threads = services.threads_for(current_user, archived=archived, page=max(page, 1))
    return render_template(
        "inquiries/inbox.html", threads=threads, archived=archived,
        unread=services.unread_by_thread(current_user),
        # the owner's name as this member may read it (an anonymous listing's stays hidden)
        owner_names={t.id: party_name(t, t.owner_business, current_user) for t in threads.items},
        page_url=lambda p: url_for("inquiries.inbox", tab="archived" if archived else None, page=p),
        mail_form=MailSettingForm(formdata=None,
                                  notify_by_email=notifications.wants_mail(current_user)),
    )


@bp.route("/account/inquiries/settings", methods=["POST"])
@login_required
def mail_settings():
    form = MailSettingForm()
    if form.validate_on_submit():
        notifications.set_mail_preference(current_user, form.notify_by_email.data)
        flash(_("Your mail settings were saved."), "success")
    return redirect(url_for("inquiries.inbox"))


def _render_thread(thread, form, status=200, error=None):
    return render_template(
        "inquiries/thread.html", thread=thread, form=form, action_form=ActionForm(formdata=None),
        error=error,
        report_form=ReportForm(formdata=None), moderator_view=False,
        contacts=services.visible_contacts(current_user, thread),
        owner_name=party_name(thread, thread.owner_business, current_user),
        my_business_id=current_user.business_id, **page_parts("inquiry_thread", thread),
    ), status


@bp.route("/account/inquiries/<int:thread_id>", methods=["GET", "POST"])
@login_required
@limit("REPLY_RATE_LIMIT", by_account, too_fast_message)
@member_actions(too_fast_message)
def thread(thread_id):
    thread = _my_thread(thread_id)
    form = ReplyForm()
    if request.method == "GET":
        services.mark_read(current_user, thread)
        return _render_thread(thread, form)
    if not form.validate_on_submit():
        return _render_thread(thread, form, 400)
    try:
        services.reply(current_user, thread, form.message.data,
                       idempotency_key=form.idempotency_key.data)
    except DomainError as exc:
        db.session.rollback()
        form.message.errors = [*form.message.errors, exc.message]
        return _render_thread(_my_thread(thread_id), form, exc.status_code, exc.message)
    flash(_("Your message was sent."), "success")
    return redirect(url_for("inquiries.thread", thread_id=thread_id, _anchor="latest"))


def _thread_action(thread_id, action, done_message):
    thread = _my_thread(thread_id)
    if ActionForm().validate_on_submit():
        action(current_user, thread)
        flash(done_message, "success")
    return thread


@bp.route("/account/inquiries/<int:thread_id>/close", methods=["POST"])
@login_required
def close(thread_id):
    _thread_action(thread_id, services.close, _("The conversation is closed."))
    return redirect(url_for("inquiries.thread", thread_id=thread_id))


@bp.route("/account/inquiries/<int:thread_id>/archive", methods=["POST"])
@login_required
def archive(thread_id):
    _thread_action(thread_id, services.archive,
                   _("The conversation was moved to the archive. A new message brings it back."))
    return redirect(url_for("inquiries.inbox"))


@bp.route("/account/inquiries/<int:thread_id>/unarchive", methods=["POST"])
@login_required
def unarchive(thread_id):
    _thread_action(thread_id, lambda member, thread: services.archive(member, thread, False),
                   _("The conversation is back in your open inquiries."))
    return redirect(url_for("inquiries.thread", thread_id=thread_id))


@bp.route("/account/inquiries/<int:thread_id>/report", methods=["POST"])
@login_required
def report_thread(thread_id):
    thread = _my_thread(thread_id)
    _file_report(reports.report_thread, thread,
                 _("Thank you. The exchange staff will review this conversation."))
    return redirect(url_for("inquiries.thread", thread_id=thread_id))


@bp.route("/listings/<int:listing_id>/report", methods=["POST"])
@login_required
def report_listing(listing_id):
    listing = visible_listing(listing_id)
    _file_report(reports.report_listing, listing,
                 _("Thank you. The exchange staff will review this listing."))
    return redirect(_listing_url(listing_id))


def _file_report(operation, subject, thanks):
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Please choose why you report this."), "error")
        return
    attempt(operation, current_user, subject, form.reason.data, form.text.data, done=thanks,
            refused="warning")


# --- moderator hooks ---

@bp.route("/moderation/inquiries/<int:thread_id>")
@requires(can.moderate)
def moderator_thread(thread_id):
    """A read-only view of a reported conversation for the exchange staff."""
    try:
        thread = reports.reported_thread_for_staff(current_user, thread_id)
    except DomainError as exc:
        if exc.code == "not_found":
            abort(404)
        raise
    return render_template("inquiries/thread.html", thread=thread, moderator_view=True,
                           owner_name=party_name(thread, thread.owner_business, current_user),
                           suspend_form=SuspendForm(formdata=None), contacts=None,
                           my_business_id=None)


def _moderate_member(member_id, operation, done_message):
    form = SuspendForm()
    back = safe_next(request.form.get("next"), url_for("moderation.queue", kind="report"))
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(back)
    try:
        operation(current_user.id, member_id, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "not_found":
            abort(404)
        flash(exc.message, "error")
    else:
        flash(done_message, "success")
    return redirect(back)


@bp.route("/moderation/members/<int:member_id>/suspend-inquiries", methods=["POST"])
@requires(can.moderate)
def suspend_inquiries(member_id):
    return _moderate_member(member_id, reports.suspend_member_inquiries,
                            _("The member can no longer send inquiries or messages."))


@bp.route("/moderation/members/<int:member_id>/restore-inquiries", methods=["POST"])
@requires(can.moderate)
def restore_inquiries(member_id):
    return _moderate_member(member_id, reports.restore_member_inquiries,
                            _("The member can send inquiries again."))
