"""Sign-up, verification, login, password reset, invitations and the dashboard."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from exchange.accounts import services
from exchange.accounts.dashboard import dashboard_context
from exchange.accounts.requirements import can
from exchange.accounts.forms import (AcceptInviteForm, ForgotPasswordForm, InviteForm, LoginForm,
                                     RegisterForm, ResendVerificationForm, ResetPasswordForm)
from exchange.accounts.limits import (by_account, by_address, by_email, invite_message, limit,
                                      member_actions, resend_message, reset_message,
                                      sign_in_message, sign_up_message)
from exchange.core.messages import message
from exchange.core.urls import safe_next
from exchange.errors import DomainError
from exchange.extensions import db

bp = Blueprint("accounts", __name__)




@bp.route("/auth/register", methods=["GET", "POST"])
@limit("SIGNUP_RATE_LIMIT", by_address, sign_up_message)
@limit("SIGNUP_EMAIL_RATE_LIMIT", by_email, sign_up_message)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_business(
                business_name=form.business_name.data, tax_code=form.tax_code.data,
                province=form.province.data, address=form.address.data,
                sector=form.sector.data, website=form.website.data, phone=form.phone.data,
                full_name=form.full_name.data, email=form.email.data,
                password=form.password.data, locale=str(get_locale() or "vi"),
            )
        except DomainError as exc:
            db.session.rollback()
            field = form.tax_code if exc.code == "tax_code_taken" else form.email
            field.errors = [*field.errors, exc.message]
        else:
            # the same answer whether the address was new or already had an account (its
            # owner is told by mail): nobody is signed in here, so the page does not reveal
            # which addresses are registered
            flash(message(_("Thank you! We sent a message to %(email)s. Open the link in it to "
                            "confirm your address, then sign in."), email=form.email.data),
                  "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/auth/verify/<token>")
def verify(token):
    try:
        member = services.verify_email(token)
    except DomainError as exc:
        return render_template("accounts/link_problem.html", message=exc.message), 400
    flash(_("Thank you, your email address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == member.id:
        return redirect(url_for("accounts.dashboard"))
    return redirect(url_for("accounts.login"))


@bp.route("/auth/verify/resend", methods=["POST"])
@login_required
@limit("VERIFY_RESEND_RATE_LIMIT", by_account, resend_message)
@member_actions(resend_message)
def resend_verification():
    form = ResendVerificationForm()
    if form.validate_on_submit() and not current_user.is_email_verified:
        services.send_verification(current_user)
        flash(message(_("We sent a new confirmation link to %(email)s."),
                      email=current_user.email), "info")
    return redirect(url_for("accounts.dashboard"))


@bp.route("/auth/login", methods=["GET", "POST"])
@limit("LOGIN_RATE_LIMIT", by_address, sign_in_message)
# failed attempts only (a refused form is a 400), so guessing one account's password from
# many addresses stops, while its owner signing in now and then never counts
@limit("LOGIN_EMAIL_RATE_LIMIT", by_email, sign_in_message,
       deduct_when=lambda response: response.status_code == 400)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        member = services.authenticate(form.email.data, form.password.data)
        if member is not None:
            login_user(member)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = [_("The email or password is not correct.")]
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.route("/auth/logout", methods=["POST"])
def logout():
    form = ResendVerificationForm()  # an empty form: only the CSRF token is checked
    if form.validate_on_submit():
        _end_sessions()
        flash(_("You have signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    form = ResendVerificationForm()
    if form.validate_on_submit():
        _end_sessions()
        flash(_("You have signed out on every device. Sign in again to continue."), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.dashboard"))


def _end_sessions():
    """The session cookie is signed, not stored: a copy of it stays valid until the stamp it
    carries changes. So signing out here ends every session of the member, on any device,
    rather than leave a copied cookie working for the rest of its lifetime."""
    if current_user.is_authenticated:
        services.end_all_sessions(current_user)
    logout_user()


@bp.route("/auth/forgot", methods=["GET", "POST"])
@limit("RESET_RATE_LIMIT", by_address, reset_message)
@limit("RESET_EMAIL_RATE_LIMIT", by_email, reset_message)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account exists for this email, a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.member_for_reset(token)
    except DomainError as exc:
        return render_template("accounts/link_problem.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        logout_user()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account/invite", methods=["GET", "POST"])
@login_required
@limit("INVITE_RATE_LIMIT", by_account, invite_message)
@limit("INVITE_EMAIL_RATE_LIMIT", by_email, invite_message)
@member_actions(invite_message)
def invite():
    if not can.invite(current_user):
        return render_template("accounts/invite.html", form=None,
                               refused=services.INVITE_REFUSED), 403
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_colleague(current_user, form.email.data)
        except DomainError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, exc.message]
        else:
            flash(message(_("Invitation sent to %(email)s."), email=form.email.data), "success")
            return redirect(url_for("accounts.dashboard"))
    return render_template("accounts/invite.html", form=form)


@bp.route("/auth/invitation/<token>", methods=["GET", "POST"])
def accept_invite(token):
    try:
        invitation = services.read_invitation(token)
    except DomainError as exc:
        return render_template("accounts/link_problem.html", message=exc.message), 400
    form = AcceptInviteForm()
    if form.validate_on_submit():
        member = services.accept_invitation(token, form.full_name.data, form.password.data)
        logout_user()
        login_user(member)
        flash(message(_("Welcome to %(name)s!"), name=invitation["business"].name), "success")
        return redirect(url_for("accounts.dashboard"))
    return render_template("accounts/accept_invite.html", form=form, invitation=invitation)


@bp.route("/account")
@login_required
def dashboard():
    page = request.args.get("page", 1, type=int)
    return render_template("accounts/dashboard.html",
                           **dashboard_context(current_user, max(page, 1)))
