"""Login, logout, rate limiting, verification and reset links, invitations."""
import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from exchange.accounts.models import Member
from exchange.effects import wait_for_drains
from exchange.extensions import db
from exchange.mail import OutboxMail
from tests.factories import PASSWORD, csrf_token, login, make_member, make_moderator


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English; Vietnamese rendering is tested in test_site."""
    client.get("/?lang=en")


def post_login(client, email, password):
    return client.post("/auth/login", data={"email": email, "password": password,
                                            "csrf_token": csrf_token(client)})


def test_login_and_logout(client):
    member = make_member()
    response = post_login(client, member.email.upper(), PASSWORD)
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert member.full_name in page
    token = csrf_token(client, "/account")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302  # back to login


def test_logout_needs_csrf(client):
    member = make_member()
    login(client, member)
    client.post("/auth/logout", data={})
    assert client.get("/account").status_code == 200


def test_wrong_password_and_unknown_email_say_the_same(client):
    member = make_member()
    wrong = post_login(client, member.email, "Wrong-password-1")
    unknown = post_login(client, "nobody@example.vn", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 400
    message = "email or password is not correct"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_login_is_rate_limited(client):
    member = make_member()
    statuses = [post_login(client, member.email, "Wrong-password-1").status_code
                for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    # even the right password is refused while limited
    assert post_login(client, member.email, PASSWORD).status_code == 429


def test_open_redirect_after_login_is_ignored(client):
    member = make_member()
    response = client.post("/auth/login?next=//evil.example/x", data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"].endswith("/account")


def _verify_link(app, member, **kw):
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="exchange-verify")
    return "/auth/verify/" + serializer.dumps({"m": member.id, "e": member.email}, **kw)


def test_verification_link_is_single_use(client, app):
    member = make_member(verified=False)
    link = _verify_link(app, member)
    assert client.get(link).status_code == 302
    reused = client.get(link)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_tampered_verification_link_is_refused(client, app):
    member = make_member(verified=False)
    link = _verify_link(app, member)
    assert client.get(link[:-2] + "xx").status_code == 400
    db.session.refresh(member)
    assert not member.is_email_verified


def test_expired_verification_link_is_refused(client, app, clock):
    member = make_member(verified=False)
    link = _verify_link(app, member)
    clock.advance(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 1)
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert not member.is_email_verified


def test_password_reset_by_mail_is_single_use(client, smtp):
    member = make_member()
    client.post("/auth/forgot", data={"email": member.email,
                                      "csrf_token": csrf_token(client, "/auth/forgot")})
    [mail] = smtp.wait_for(1)
    link = re.search(r"http://exchange\.test(/auth/reset/\S+)", smtp.body(mail)).group(1)
    token = csrf_token(client, link)
    response = client.post(link, data={"password": "New-password-2026",
                                       "password_confirm": "New-password-2026",
                                       "csrf_token": token})
    assert response.status_code == 302
    assert post_login(client, member.email, "New-password-2026").status_code == 302
    assert client.get(link).status_code == 400  # used


def test_reset_for_unknown_email_reveals_nothing(client, smtp):
    response = client.post("/auth/forgot", data={"email": "ghost@example.vn",
                                                 "csrf_token": csrf_token(client, "/auth/forgot")})
    assert response.status_code == 302
    assert wait_for_drains()
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0  # none queued
    assert smtp.messages == []


def test_invite_a_colleague(client, smtp):
    member = make_member()
    login(client, member)
    response = client.post("/account/invite", data={
        "email": "dongnghiep@example.vn", "csrf_token": csrf_token(client, "/account/invite")})
    assert response.status_code == 302
    [mail] = smtp.wait_for(1)
    link = re.search(r"http://exchange\.test(/auth/invitation/\S+)", smtp.body(mail)).group(1)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account")})
    response = client.post(link, data={"full_name": "Đồng Nghiệp", "password": "Colleague-pass-1",
                                       "password_confirm": "Colleague-pass-1",
                                       "csrf_token": csrf_token(client, link)})
    assert response.status_code == 302
    colleague = db.session.scalar(select(Member).where(Member.email == "dongnghiep@example.vn"))
    assert colleague.business_id == member.business_id
    assert colleague.is_email_verified
    assert client.get(link).status_code == 400  # an invitation is used once


def test_member_cannot_reach_moderator_pages(client):
    member = make_member()
    login(client, member)
    assert client.get("/moderation").status_code == 403


def test_anonymous_is_sent_to_login_from_private_pages(client):
    for url in ("/account", "/account/invite", "/moderation"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_moderator_reaches_moderation(client):
    login(client, make_moderator())
    assert client.get("/moderation").status_code == 200
