"""A session cookie copied before logout, a password reset, a suspension or a role change
opens nothing afterwards; "sign out of all devices" ends every session."""
import re

import pytest
from flask_login.utils import encode_cookie

from exchange.accounts.models import Member, Role
from exchange.extensions import db
from tests.factories import PASSWORD, csrf_token, login, make_member, make_moderator

DOMAIN = "exchange.test"


@pytest.fixture
def member(app):
    return make_member()


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    cookie = client.get_cookie("session", domain=DOMAIN)
    assert cookie is not None
    thief.set_cookie("session", cookie.value, domain=DOMAIN)
    return thief


def opens_account(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return False


def test_a_cookie_copied_before_logout_is_useless_after_it(app, client, member):
    login(client, member)
    thief = copy_of(app, client)
    assert opens_account(thief)  # the copy works while the member is signed in
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert not opens_account(client)
    assert not opens_account(thief)


def test_logout_signs_out_other_devices_too(app, member):
    office, phone = app.test_client(), app.test_client()
    login(office, member)
    login(phone, member)
    office.post("/auth/logout", data={"csrf_token": csrf_token(office, "/account")})
    assert not opens_account(phone)
    login(phone, member)  # signing in again works at once
    assert opens_account(phone)


def test_a_cookie_copied_before_a_password_reset_is_useless_after_it(app, client, member, smtp):
    login(client, member)
    thief = copy_of(app, client)
    visitor = app.test_client()
    visitor.post("/auth/forgot", data={"email": member.email,
                                       "csrf_token": csrf_token(visitor, "/auth/forgot")})
    [mail] = smtp.wait_for(1)
    link = re.search(r"http://exchange\.test(/auth/reset/\S+)", smtp.body(mail)).group(1)
    response = visitor.post(link, data={"password": "New-password-2026",
                                        "password_confirm": "New-password-2026",
                                        "csrf_token": csrf_token(visitor, link)})
    assert response.status_code == 302
    assert not opens_account(thief)
    assert not opens_account(client)
    login(visitor, member, "New-password-2026")
    assert opens_account(visitor)


def test_a_cookie_copied_before_a_suspension_is_useless_after_it(app, client, member):
    from exchange.moderation.services import set_member_suspended
    login(client, member)
    thief = copy_of(app, client)
    moderator = make_moderator()
    set_member_suspended(member.id, moderator.id, "Lừa đảo người mua", suspended=True)
    db.session.commit()
    assert not opens_account(thief)
    assert not opens_account(client)
    # nor can the suspended member sign in again
    response = client.post("/auth/login", data={"email": member.email, "password": PASSWORD,
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    set_member_suspended(member.id, moderator.id, "Đã xác minh lại", suspended=False)
    db.session.commit()
    login(client, member)
    assert opens_account(client)


def test_inquiry_suspension_by_a_moderator_ends_the_members_sessions(app, client, member):
    login(client, member)
    thief = copy_of(app, client)
    staff = app.test_client()
    login(staff, make_moderator())
    response = staff.post(f"/moderation/members/{member.id}/suspend-inquiries", data={
        "csrf_token": csrf_token(staff, "/moderation"), "reason": "Gửi thư rác"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert not member.can_send_inquiries
    assert not opens_account(thief)


def test_a_role_change_ends_the_members_sessions(app, client):
    member = make_member(business=None, role=Role.MODERATOR)
    login(client, member)
    thief = copy_of(app, client)
    result = app.test_cli_runner().invoke(args=["exchange", "create-admin", member.email])
    assert result.exit_code == 0, result.output
    assert not opens_account(thief)
    assert not opens_account(client)


def test_sign_out_of_all_devices_from_the_account_page(app, member):
    office, phone = app.test_client(), app.test_client()
    login(office, member)
    login(phone, member)
    page = office.get("/account").get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in page
    response = office.post("/account/sign-out-everywhere",
                           data={"csrf_token": csrf_token(office, "/account")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert not opens_account(office)
    assert not opens_account(phone)


def test_sign_out_of_all_devices_needs_the_csrf_token(app, client, member):
    login(client, member)
    client.post("/account/sign-out-everywhere", data={})
    assert opens_account(client)


def test_a_remember_cookie_stops_working_with_the_stamp(app, member):
    with app.test_request_context():
        cookie = encode_cookie(member.get_id())
    browser = app.test_client()
    browser.set_cookie("remember_token", cookie, domain=DOMAIN)
    assert opens_account(browser)  # a valid remember cookie signs the member in
    member.end_sessions()
    db.session.commit()
    stale = app.test_client()
    stale.set_cookie("remember_token", cookie, domain=DOMAIN)
    assert not opens_account(stale)


def test_a_session_naming_only_the_member_id_is_refused(app, member):
    """Sessions from before stamps (or forged without one) name the id alone."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(member.id)
        session["_fresh"] = True
    assert not opens_account(browser)


def test_changing_the_password_rotates_the_stamp(app, member):
    stamp = member.session_stamp
    member.set_password("Another-password-9")
    db.session.commit()
    assert member.session_stamp != stamp
    fresh = db.session.get(Member, member.id)
    assert fresh.get_id() == f"{member.id}:{member.session_stamp}"


def test_suspend_member_command_ends_sessions_and_is_audited(app, client, member):
    from sqlalchemy import select

    from exchange.moderation.models import AuditEntry
    login(client, member)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exchange", "suspend-member", member.email.upper(),
                                 "--reason", "Tài khoản bị chiếm đoạt"])
    assert result.exit_code == 0, result.output
    assert not opens_account(client)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member_suspended"))
    assert entry.details["member_id"] == member.id and entry.reason == "Tài khoản bị chiếm đoạt"
    result = runner.invoke(args=["exchange", "restore-member", member.email,
                                 "--reason", "Đã lấy lại tài khoản"])
    assert result.exit_code == 0, result.output
    login(client, member)
    assert opens_account(client)
