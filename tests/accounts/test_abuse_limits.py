"""Abuse limits: per address, per account and per target email, shared by every worker."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from config import BASE_DIR
from exchange.accounts.models import Member
from exchange.extensions import db
from exchange.inquiries.models import Message, Thread
from tests.factories import (PASSWORD, csrf_token, login, make_business, make_listing,
                             make_member, publish)

LIMITS = {
    "LOGIN_RATE_LIMIT": "3 per minute",
    "LOGIN_EMAIL_RATE_LIMIT": "3 per hour",
    "SIGNUP_RATE_LIMIT": "2 per hour",
    "SIGNUP_EMAIL_RATE_LIMIT": "2 per day",
    "RESET_RATE_LIMIT": "3 per 10 minutes",
    "RESET_EMAIL_RATE_LIMIT": "2 per hour",
    "VERIFY_RESEND_RATE_LIMIT": "2 per hour",
    "INVITE_RATE_LIMIT": "3 per day",
    "INVITE_EMAIL_RATE_LIMIT": "1 per day",
    "INQUIRY_RATE_LIMIT": "2 per hour",
    "REPLY_RATE_LIMIT": "3 per hour",
    "MEMBER_ACTIONS_IP_RATE_LIMIT": "200 per hour",
}


@pytest.fixture
def app_overrides():
    return dict(LIMITS)


def address(n):
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


def post(client, url, data=None, ip=1, page=None):
    token = csrf_token(client, page or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, environ_base=address(ip))


def refused(response, message):
    assert response.status_code == 429, response.status_code
    assert message in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    return True


def english(client):
    client.get("/?lang=en")
    return client


SIGN_IN = "Too many sign-in attempts"
SIGN_UP = "Too many sign-ups from your network"
RESET = "Too many password-reset requests"
RESEND = "We have already sent you several confirmation links"
INVITE = "You have sent too many invitations"
MESSAGES = "You are sending messages too quickly"


# --- one store for every worker ---

WORKER = textwrap.dedent("""
    import json, sys
    from config import TestConfig
    from exchange import create_app
    from tests.conftest import extract_csrf

    database, limits, email, attempts = sys.argv[1:5]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database,
                     RATELIMIT_STORAGE_URI=limits, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = []
    for _ in range(int(attempts)):
        token = extract_csrf(client.get("/auth/login").get_data(as_text=True))
        statuses.append(client.post("/auth/login", data={
            "email": email, "password": "Wrong-password-1", "csrf_token": token}).status_code)
    print(json.dumps(statuses))
""")


def other_worker(app, email, attempts):
    """Sign-in attempts made by a second process that built its own app, as a second
    gunicorn worker does; it shares only the configured limit store with this one."""
    result = subprocess.run(
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"],
         app.config["RATELIMIT_STORAGE_URI"], email, str(attempts)],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(BASE_DIR)})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_sign_in_limit_holds_across_workers(app, client):
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("sqlite:///")
    member = make_member()
    wrong = {"email": member.email, "password": "Wrong-password-1",
             "csrf_token": csrf_token(english(client))}
    # two of the three attempts the address has, from this worker (the test client and the
    # other worker's both come from 127.0.0.1)
    assert [client.post("/auth/login", data=wrong).status_code for _ in range(2)] == [400] * 2
    # the other worker gets one more attempt of the three, then is refused
    assert other_worker(app, member.email, 2) == [400, 429]
    # and this worker sees the attempts the other one counted
    assert refused(client.post("/auth/login", data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_token(client)}),
        SIGN_IN)


def test_a_second_app_on_the_same_store_sees_the_first_ones_count(app, client):
    """Two create_app() in one process: the second builds a new store object on the same
    file and refuses what the first counted (an in-memory store would start from zero)."""
    from config import TestConfig
    from exchange import create_app
    member = make_member()
    english(client)
    for n in range(3):
        assert post(client, "/auth/forgot", {"email": f"n{n}{member.email}"}, ip=7
                    ).status_code == 302
    second = create_app(TestConfig, **{k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI", "MEILI_URL", "MEILI_MASTER_KEY",
        "MEILI_INDEX_PREFIX", "MAIL_SERVER", "MAIL_PORT", "UPLOAD_DIR", *LIMITS)})
    second.test_client_class = type(client)
    other = english(second.test_client())
    with second.app_context():
        assert refused(post(other, "/auth/forgot", {"email": "someone@example.vn"}, ip=7),
                       RESET)


# --- each route, past its limit ---

def test_sign_in_is_limited_per_address_and_failures_per_account(app, client):
    member = make_member()
    english(client)
    wrong = {"email": member.email, "password": "Wrong-password-1"}
    assert [post(client, "/auth/login", wrong, ip=1).status_code for _ in range(3)] == [400] * 3
    assert refused(post(client, "/auth/login", {**wrong, "email": "x@example.vn"}, ip=1),
                   SIGN_IN)
    # three failures on one account from elsewhere: that account is closed to guessing,
    # even with the right password, from any address
    assert refused(post(client, "/auth/login", {**wrong, "password": PASSWORD}, ip=2), SIGN_IN)
    # another account from a fresh address is not affected
    other = make_member()
    assert post(client, "/auth/login", {"email": other.email, "password": PASSWORD},
                ip=3).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_account(app):
    member = make_member()
    for n in range(5):
        client = app.test_client()
        assert post(client, "/auth/login", {"email": member.email, "password": PASSWORD},
                    ip=10 + n).status_code == 302


def test_sign_up_is_limited_per_address_and_per_email(app, client):
    english(client)
    assert [post(client, "/auth/register", {"email": f"a{n}@example.vn"}, ip=1).status_code
            for n in range(2)] == [400, 400]
    assert refused(post(client, "/auth/register", {"email": "a9@example.vn"}, ip=1), SIGN_UP)
    # one mailbox, many addresses
    assert [post(client, "/auth/register", {"email": "victim@example.vn"}, ip=20 + n)
            .status_code for n in range(2)] == [400, 400]
    assert refused(post(client, "/auth/register", {"email": "Victim@Example.vn"}, ip=30),
                   SIGN_UP)


def test_password_reset_requests_are_limited_per_email_and_per_address(app, client, smtp):
    member = make_member()
    english(client)
    for n in range(2):
        assert post(client, "/auth/forgot", {"email": member.email}, ip=40 + n).status_code == 302
    assert refused(post(client, "/auth/forgot", {"email": member.email.upper()}, ip=50), RESET)
    assert len(smtp.wait_for(2)) == 2
    for n in range(3):
        post(client, "/auth/forgot", {"email": f"nobody{n}@example.vn"}, ip=60)
    assert refused(post(client, "/auth/forgot", {"email": "nobody9@example.vn"}, ip=60), RESET)


def test_confirmation_links_are_limited_per_account(app, smtp):
    member = make_member(verified=False)
    client = english(app.test_client())
    login(client, member)
    for n in range(2):
        assert post(client, "/auth/verify/resend", ip=70 + n, page="/account").status_code == 302
    assert refused(post(client, "/auth/verify/resend", ip=80, page="/account"), RESEND)
    assert len(smtp.wait_for(2)) == 2


def test_invitations_are_limited_per_account_and_per_invited_address(app, smtp):
    member = make_member()
    client = english(app.test_client())
    login(client, member)
    assert post(client, "/account/invite", {"email": "one@example.vn"}).status_code == 302
    # the same mailbox again, even from another business
    assert refused(post(client, "/account/invite", {"email": "ONE@example.vn"}), INVITE)
    stranger = make_member()
    other = english(app.test_client())
    login(other, stranger)
    assert refused(post(other, "/account/invite", {"email": "one@example.vn"}, ip=90), INVITE)
    for n in range(2):
        assert post(client, "/account/invite", {"email": f"c{n}@example.vn"}).status_code == 302
    assert refused(post(client, "/account/invite", {"email": "c9@example.vn"}, ip=91), INVITE)
    assert len(smtp.wait_for(3)) == 3


def test_inquiries_and_replies_are_limited_per_account(app):
    seller = make_member()
    listings = [publish(make_listing(seller.business, seller, title=f"Máy sấy số {n}"))
                for n in range(3)]
    buyer = make_member()
    client = english(app.test_client())
    login(client, buyer)
    message = {"message": "Xin báo giá, chúng tôi cần hai máy."}
    for listing in listings[:2]:
        assert post(client, f"/listings/{listing.id}/inquire", message,
                    page="/account/inquiries").status_code == 302
    assert refused(post(client, f"/listings/{listings[2].id}/inquire", message,
                        page="/account/inquiries"), MESSAGES)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 2

    thread_id = db.session.scalars(select(Thread.id)).first()
    url = f"/account/inquiries/{thread_id}"
    for n in range(3):
        assert post(client, url, {"message": f"Bổ sung {n}"}).status_code == 302
    assert refused(post(client, url, {"message": "Lần nữa"}), MESSAGES)
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.thread_id == thread_id)) == 4
    assert client.get(url).status_code == 200  # reading is never limited


def test_member_actions_share_one_allowance_per_address(app, app_overrides):
    app.config["MEMBER_ACTIONS_IP_RATE_LIMIT"] = "2 per hour"
    clients = []
    for _ in range(3):
        client = english(app.test_client())
        login(client, make_member(verified=False))
        clients.append(client)
    for client in clients[:2]:
        assert post(client, "/auth/verify/resend", ip=99, page="/account").status_code == 302
    assert refused(post(clients[2], "/auth/verify/resend", ip=99, page="/account"), RESEND)


def test_the_refusal_speaks_vietnamese(app, client):
    member = make_member()
    for _ in range(3):
        post(client, "/auth/forgot", {"email": member.email}, ip=5)
    response = post(client, "/auth/forgot", {"email": member.email}, ip=5)
    assert refused(response, "Quá nhiều yêu cầu đặt lại mật khẩu")


# --- who may invite ---

@pytest.mark.parametrize("who", ["email_unconfirmed", "business_unverified"])
def test_unverified_members_cannot_invite(app, smtp, who):
    if who == "email_unconfirmed":
        member = make_member(verified=False)
    else:
        member = make_member(business=make_business(name="Công ty Mạo Danh", verified=False))
    client = english(app.test_client())
    login(client, member)
    assert "/account/invite" not in client.get("/account").get_data(as_text=True)
    page = client.get("/account/invite")
    assert page.status_code == 403
    assert "can invite colleagues" in page.get_data(as_text=True)
    response = post(client, "/account/invite", {"email": "target@example.vn"}, page="/account")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    assert smtp.messages == []
