"""Admins grant and revoke roles from the web; every change is audited, every role of the
enum is offered, and the last admin cannot be removed."""
from sqlalchemy import select

from exchange.accounts.models import Member, Role
from exchange.extensions import db
from exchange.moderation.models import AuditEntry
from tests.factories import csrf_token, login, make_member, make_moderator


def _admin_client(app, admin):
    client = app.test_client()
    login(client, admin)
    return client


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/staff"), **data})


def test_an_admin_grants_and_revokes_the_moderator_role(app):
    admin = make_member(business=None, role=Role.ADMIN)
    member = make_member(email="ky.thuat@example.vn")
    client = _admin_client(app, admin)
    page = client.get("/admin/staff").get_data(as_text=True)
    for role in Role:  # a role added to the enum is offered without more code
        assert f'value="{role.value}"' in page

    assert _post(client, "/admin/staff/grant", email="KY.THUAT@example.vn",
                 role="moderator").status_code == 302
    assert db.session.get(Member, member.id).role == Role.MODERATOR
    assert f'data-member-id="{member.id}"' in client.get("/admin/staff").get_data(as_text=True)

    assert _post(client, f"/admin/staff/{member.id}/role", role="member").status_code == 302
    assert db.session.get(Member, member.id).role == Role.MEMBER
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.details["member_id"], e.details["old"], e.details["new"])
            for e in entries] == [("role_changed", admin.id, member.id, "member", "moderator"),
                                  ("role_changed", admin.id, member.id, "moderator", "member")]


def test_a_role_change_ends_the_members_sessions(app):
    admin = make_member(business=None, role=Role.ADMIN)
    moderator = make_moderator()
    their_client = app.test_client()
    login(their_client, moderator)
    assert their_client.get("/moderation").status_code == 200
    _post(_admin_client(app, admin), f"/admin/staff/{moderator.id}/role", role="member")
    assert their_client.get("/moderation").status_code == 302  # signed out


def test_the_last_admin_cannot_remove_their_own_role(app):
    admin = make_member(business=None, role=Role.ADMIN)
    client = _admin_client(app, admin)
    response = _post(client, f"/admin/staff/{admin.id}/role", role="moderator")
    assert response.status_code == 302
    assert db.session.get(Member, admin.id).role == Role.ADMIN
    assert db.session.scalar(select(AuditEntry)) is None
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "at least one administrator" in page or "ít nhất một quản trị viên" in page

    second = make_member(business=None, role=Role.ADMIN)
    _post(client, f"/admin/staff/{admin.id}/role", role="moderator")
    assert db.session.get(Member, admin.id).role == Role.MODERATOR
    assert db.session.get(Member, second.id).role == Role.ADMIN


def test_unknown_roles_and_addresses_are_refused(app):
    admin = make_member(business=None, role=Role.ADMIN)
    member = make_member()
    client = _admin_client(app, admin)
    _post(client, f"/admin/staff/{member.id}/role", role="superuser")
    _post(client, "/admin/staff/grant", email="nobody@example.vn", role="admin")
    assert db.session.get(Member, member.id).role == Role.MEMBER
    assert db.session.scalar(select(AuditEntry)) is None


def test_staff_activity_shows_a_members_recent_audit_entries(app):
    from exchange.moderation.models import record_audit
    admin = make_member(business=None, role=Role.ADMIN)
    moderator = make_moderator(full_name="Phạm Kiểm Duyệt")
    record_audit("suspended", actor_id=moderator.id, reason="Tin giả mạo <b>x</b>")
    record_audit("approved", actor_id=admin.id, reason="Không thuộc người này")
    db.session.commit()
    client = _admin_client(app, admin)
    page = client.get(f"/admin/staff/{moderator.id}").get_data(as_text=True)
    assert "Tin giả mạo &lt;b&gt;x&lt;/b&gt;" in page
    assert "Không thuộc người này" not in page
    assert client.get("/admin/staff/2147483647").status_code == 404


def test_moderators_cannot_change_roles(app):
    moderator = make_moderator()
    member = make_member()
    client = app.test_client()
    login(client, moderator)
    assert client.get("/admin/staff").status_code == 403
    response = client.post(f"/admin/staff/{member.id}/role", data={
        "csrf_token": csrf_token(client, "/"), "role": "admin"})
    assert response.status_code == 403
    assert db.session.get(Member, member.id).role == Role.MEMBER
