"""/admin/staff: admins grant and revoke roles and read each staff member's activity."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from exchange.accounts.models import Member
from exchange.core.unitofwork import attempt
from exchange.accounts.requirements import can, requires
from exchange.extensions import db
from exchange.staff import services
from exchange.staff.forms import GrantForm, RoleForm, role_label

bp = Blueprint("staff", __name__, url_prefix="/admin/staff")


@bp.app_context_processor
def staff_helpers():
    return {"role_label": role_label}


@bp.route("")
@requires(can.administer)
def index():
    return render_template("staff/index.html", staff=services.staff_members(),
                           grant_form=GrantForm(), role_form=RoleForm())


def _done(action):
    attempt(action, done=_("Role saved."))
    return redirect(url_for("staff.index"))


@bp.route("/grant", methods=["POST"])
@requires(can.administer)
def grant():
    form = GrantForm()
    if not form.validate_on_submit():
        flash(_("Enter an email address and choose a role."), "error")
        return redirect(url_for("staff.index"))
    return _done(lambda: services.grant_by_email(current_user, form.email.data,
                                                 form.role.data))


@bp.route("/<int:member_id>/role", methods=["POST"])
@requires(can.administer)
def set_role(member_id):
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("staff.index"))
    return _done(lambda: services.set_role(current_user, member, form.role.data))


@bp.route("/<int:member_id>")
@requires(can.administer)
def activity(member_id):
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return render_template("staff/activity.html", member=member,
                           entries=services.activity(member_id), role_form=RoleForm(
                               role=str(member.role)))
