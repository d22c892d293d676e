"""Sign-up: each field's validation, uniqueness, CSRF and the verification mail."""
import re

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import Business, Member
from exchange.extensions import db
from tests.factories import PASSWORD, csrf_token, make_business, make_member, valid_tax_code


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English; Vietnamese rendering is tested in test_site."""
    client.get("/?lang=en")


def form(**overrides):
    data = {
        "business_name": "Công ty TNHH Máy Nông nghiệp Việt",
        "tax_code": valid_tax_code(4242),
        "province": "dak_lak",
        "full_name": "Nguyễn Thị Hoa",
        "email": "Hoa@MayNongNghiep.vn",
        "password": "May-nong-nghiep-2026",
        "password_confirm": "May-nong-nghiep-2026",
    }
    data.update(overrides)
    return data


def post(client, **overrides):
    data = form(**overrides)
    data.setdefault("csrf_token", csrf_token(client, "/auth/register"))
    if data["csrf_token"] is None:
        del data["csrf_token"]
    return client.post("/auth/register", data=data)


def counts():
    return (db.session.scalar(select(func.count()).select_from(Business)),
            db.session.scalar(select(func.count()).select_from(Member)))


def test_sign_up_creates_business_member_and_sends_verification(client, smtp):
    response = post(client)
    assert response.status_code == 302
    member = db.session.scalar(select(Member))
    assert member.email == "hoa@maynongnghiep.vn"  # stored lower-cased
    assert not member.is_email_verified
    assert member.password_hash.startswith("scrypt:")
    assert member.business.tax_code == valid_tax_code(4242)
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "hoa@maynongnghiep.vn"
    link = re.search(r"http://exchange\.test(/auth/verify/\S+)", smtp.body(mail)).group(1)
    assert client.get(link).status_code == 302
    db.session.refresh(member)
    assert member.is_email_verified


def test_new_business_enters_the_review_queue(client, smtp):
    from exchange.moderation.models import ItemKind, QueueItem
    post(client)
    item = db.session.scalar(select(QueueItem))
    assert item.kind == ItemKind.BUSINESS


@pytest.mark.parametrize("field,value,message", [
    ("tax_code", "0100109107", "not a valid Vietnamese tax code"),     # wrong check digit
    ("tax_code", "12345", "not a valid Vietnamese tax code"),
    ("tax_code", "abcdefghij", "not a valid Vietnamese tax code"),
    ("email", "not-an-email", "valid email"),
    ("province", "atlantis", "Choose a province"),
    ("business_name", "", "This field is required"),
    ("business_name", "x" * 201, "between"),
    ("full_name", "", "This field is required"),
    ("password", "short1!", "at least 10"),
    ("password", "onlyletterspassword", "Mix letters"),
    ("password_confirm", "Something-else-1", "do not match"),
    ("business_name", "Công ty\x00\x01", "control characters"),
])
def test_bad_field_is_explained_and_nothing_written(client, smtp, field, value, message):
    overrides = {field: value}
    if field == "password":
        overrides["password_confirm"] = value
    response = post(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == (0, 0)
    assert smtp.messages == []


def test_duplicate_tax_code_is_refused(client, smtp):
    existing = make_business()
    response = post(client, tax_code=existing.tax_code)
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)
    assert counts() == (1, 0)


def test_duplicate_email_creates_nothing_and_tells_the_owner_case_insensitively(client, smtp):
    """The page answers as for a new address (it must not reveal which addresses have
    accounts); nothing is created; the owner of the address is told by mail."""
    owner = make_member(email="hoa@maynongnghiep.vn", locale="en")
    response = post(client, email="HOA@maynongnghiep.VN")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login")
    assert "already exists" not in client.get("/auth/login").get_data(as_text=True)
    assert counts() == (1, 1)
    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email
    assert "tried to register" in smtp.body(mail)
    assert re.search(r"http://exchange\.test/auth/reset/\S+", smtp.body(mail))


def test_branch_tax_code_is_accepted_and_stored_compact(client, smtp):
    assert post(client, tax_code="0100109106-001").status_code == 302
    assert db.session.scalar(select(Business.tax_code)) == "0100109106001"


def test_post_without_csrf_token_is_rejected(client, smtp):
    response = post(client, csrf_token=None)
    assert response.status_code == 400
    assert counts() == (0, 0)


def test_post_with_forged_csrf_token_is_rejected(client, smtp):
    response = post(client, csrf_token="forged")
    assert response.status_code == 400
    assert counts() == (0, 0)


def test_non_utf8_junk_is_refused_cleanly(client, smtp):
    token = csrf_token(client, "/auth/register")
    body = b"business_name=%FF%FE%FA&tax_code=%FF&csrf_token=" + token.encode()
    response = client.post("/auth/register", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert counts() == (0, 0)


def test_password_is_hashed_with_scrypt(app):
    member = make_member()
    assert member.password_hash.startswith("scrypt:")
    assert PASSWORD not in member.password_hash
