"""Named permission checks, shared by views and templates."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def can_moderate(member) -> bool:
    return bool(member and member.is_authenticated and member.is_moderator)


def can_administer(member) -> bool:
    return bool(member and member.is_authenticated and member.is_admin)


def can_edit_content(member) -> bool:
    """Editors (and admins) write the department's news and events."""
    return bool(member and member.is_authenticated and member.is_editor)


def can_post(member) -> bool:
    return bool(
        member and member.is_authenticated and member.is_email_verified and member.business_id
    )


def can_invite(member) -> bool:
    """An invitation carries the business's name to an outside mailbox, so only a member
    with a confirmed address, of a business the staff verified, may send one."""
    return bool(
        member and member.is_authenticated and member.is_email_verified and member.business_id
        and member.business.is_verified
    )


def belongs_to(member, business_id) -> bool:
    return bool(member and member.is_authenticated and member.business_id == business_id)


def moderator_required(view):
    """Anonymous visitors go to login; signed-in members without the role get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_moderate(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_administer(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def editor_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_edit_content(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
