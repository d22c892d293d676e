"""Nothing tells a stranger whether an address has an account: sign-in checks a password
hash either way, sign-up and invitations answer alike and tell the owner by mail, and
look-alike spellings of an address reach the same account."""
import re
import unicodedata

import pytest
from sqlalchemy import func, select
from werkzeug import security

from exchange.accounts import services
from exchange.accounts.models import Business, Member
from exchange.extensions import db
from tests.accounts.test_register import form
from tests.factories import PASSWORD, csrf_token, login, make_member, valid_tax_code


@pytest.fixture(autouse=True)
def english(client):
    client.get("/?lang=en")


@pytest.fixture
def hash_checks(monkeypatch):
    """Every hash werkzeug is asked to check, in order (the real check still runs)."""
    seen = []
    real = security.check_password_hash

    def counting(pwhash, password):
        seen.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    return seen


def method_of(pwhash: str) -> str:
    return pwhash.split("$", 1)[0]


def test_unknown_address_checks_a_hash_of_the_same_method(app, hash_checks):
    member = make_member()
    assert services.authenticate(member.email, "Wrong-password-1") is None
    assert services.authenticate("nobody@example.vn", "Wrong-password-1") is None
    assert services.authenticate(member.email, PASSWORD) == member
    assert len(hash_checks) == 3  # one check per attempt, known address or not
    assert {method_of(h) for h in hash_checks} == {method_of(member.password_hash)}
    assert hash_checks[1] != member.password_hash


def test_suspended_account_costs_a_check_too(app, hash_checks):
    member = make_member(is_active_account=False)
    assert services.authenticate(member.email, PASSWORD) is None
    assert hash_checks == [member.password_hash]


def test_sign_in_form_checks_a_hash_for_unknown_addresses(client, hash_checks):
    member = make_member()
    for email in (member.email, "ghost@example.vn"):
        response = client.post("/auth/login", data={
            "email": email, "password": "Wrong-password-1", "csrf_token": csrf_token(client)})
        assert response.status_code == 400
    assert len(hash_checks) == 2


def _sign_up(client, **fields):
    return client.post("/auth/register", data=form(
        csrf_token=csrf_token(client, "/auth/register"), **fields))


def _flash_after(client, response):
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'class="alert[^"]*"[^>]*>\s*(.*?)\s*<', page, re.S).group(1)


def test_sign_up_answers_alike_for_new_and_registered_addresses(app, smtp):
    make_member(email="hoa@maynongnghiep.vn", locale="en")
    taken, new = app.test_client(), app.test_client()
    first = _sign_up(taken, email="hoa@maynongnghiep.vn")
    second = _sign_up(new, email="lan@maynongnghiep.vn", tax_code=valid_tax_code(4343))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    said_to_taken, said_to_new = _flash_after(taken, first), _flash_after(new, second)
    assert said_to_taken.replace("hoa@", "X@") == said_to_new.replace("lan@", "X@")
    assert "already" not in said_to_taken
    # neither browser is signed in: a sign-up that signed in would tell the two apart
    assert taken.get("/account").status_code == new.get("/account").status_code == 302
    smtp.wait_for(2)
    [notice] = smtp.to("hoa@maynongnghiep.vn")
    assert "tried to register" in smtp.body(notice)
    assert re.search(r"http://exchange\.test/auth/reset/\S+", smtp.body(notice))
    [verify] = smtp.to("lan@maynongnghiep.vn")
    assert "/auth/verify/" in smtp.body(verify)


def test_the_reset_link_in_the_notice_works(client, smtp):
    owner = make_member(email="hoa@maynongnghiep.vn")
    _sign_up(client, email="hoa@maynongnghiep.vn")
    [mail] = smtp.wait_for(1)
    link = re.search(r"http://exchange\.test(/auth/reset/\S+)", smtp.body(mail)).group(1)
    response = client.post(link, data={"password": "New-password-2026",
                                       "password_confirm": "New-password-2026",
                                       "csrf_token": csrf_token(client, link)})
    assert response.status_code == 302
    db.session.refresh(owner)
    assert owner.check_password("New-password-2026")


def test_invitation_to_a_registered_address_reads_as_sent_and_tells_its_owner(client, smtp):
    inviter = make_member()
    owner = make_member(locale="en")
    login(client, inviter)
    response = client.post("/account/invite", data={
        "email": owner.email.upper(), "csrf_token": csrf_token(client, "/account/invite")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    page = client.get("/account").get_data(as_text=True)
    assert "Invitation sent" in page and "already exists" not in page
    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email
    body = smtp.body(mail)
    assert inviter.business.name in body and "/auth/invitation/" not in body
    assert re.search(r"http://exchange\.test/auth/reset/\S+", body)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("look_alike", [
    "ＨＯＡ@ＭＡＹＮＯＮＧＮＧＨＩＥＰ.ＶＮ",  # full-width letters
    "Hoa@MayNongNghiep.VN ",
    "hoa@maynongnghiep.vn.",   # the root's trailing dot
    "hoa@MAYNONGNGHIEP.vn",
    "ｈｏａ@ｍａｙｎｏｎｇｎｇｈｉｅｐ.ｖｎ",  # full-width lower case
])
def test_look_alike_spellings_reach_the_same_account(client, smtp, look_alike):
    owner = make_member(email="hoa@maynongnghiep.vn", locale="en")
    assert _sign_up(client, email=look_alike).status_code == 302
    assert (count(Business), count(Member)) == (1, 1)
    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email and "tried to register" in smtp.body(mail)
    assert services.authenticate(look_alike, PASSWORD) == owner


def test_a_unicode_domain_written_two_ways_is_one_account(client, smtp):
    owner = make_member(email=Member.normalize_email("hoa@nông-sản.vn"))
    assert owner.email == "hoa@" + "nông-sản.vn".encode("idna").decode("ascii")
    # upper case, letters and their marks as separate code points (NFD), as some keyboards do
    decomposed = unicodedata.normalize("NFD", "HOA@NÔNG-SẢN.VN")
    assert decomposed != "HOA@NÔNG-SẢN.VN"
    assert _sign_up(client, email=decomposed).status_code == 302
    assert count(Member) == 1
    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email
    assert services.authenticate(owner.email, PASSWORD) == owner
    assert services.authenticate("hoa@nông-sản.vn", PASSWORD) == owner


@pytest.mark.parametrize("local_part", ["hıa", "hİa", "hoа"])  # dotless ı, dotted İ, Cyrillic а
def test_look_alike_letters_in_the_local_part_are_refused(client, smtp, local_part):
    make_member(email="hoa@maynongnghiep.vn")
    response = _sign_up(client, email=f"{local_part}@maynongnghiep.vn")
    assert response.status_code == 400
    assert "valid email" in response.get_data(as_text=True)
    assert count(Member) == 1
    assert smtp.messages == []


def test_a_look_alike_domain_is_kept_apart_and_visible(client, smtp):
    """`maynongnghıep.vn` (dotless ı) is a different domain: its account is stored under
    its IDNA name, so mail for it never reaches the real mailbox and staff see the xn--."""
    owner = make_member(email="hoa@maynongnghiep.vn")
    assert _sign_up(client, email="hoa@maynongnghıep.vn").status_code == 302
    other = db.session.scalar(select(Member).where(Member.id != owner.id))
    assert other.email.startswith("hoa@xn--") and other.email != owner.email
    [mail] = smtp.wait_for(1)
    assert mail["To"] == other.email
    assert services.authenticate("hoa@maynongnghiep.vn", PASSWORD) == owner


def test_normalize_email_never_raises():
    for value in ("", None, "no-at-sign", "a@", "@b", "a@-bad-.vn", "a@" + "x" * 300):
        assert isinstance(Member.normalize_email(value), str)
