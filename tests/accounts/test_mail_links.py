"""Mailed links come from SITE_URL whatever Host header the request carried; production
answers only its own hosts."""
import re

import pytest
from sqlalchemy import select

from config import ProductionConfig
from exchange import create_app
from exchange.accounts.models import Member
from exchange.extensions import db
from tests.conftest import extract_csrf
from tests.factories import PASSWORD, make_business, make_listing, make_member, publish

SITE = "https://sangiaodich.example.vn"
EVIL = {"Host": "evil.example"}


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


def evil_token(client, url):
    """A CSRF token for a session that, like every request here, names evil.example."""
    return extract_csrf(client.get(url, headers=EVIL).get_data(as_text=True))


def evil_login(client, member):
    response = client.post("/auth/login", headers=EVIL, data={
        "email": member.email, "password": PASSWORD,
        "csrf_token": evil_token(client, "/auth/login")})
    assert response.status_code == 302


def links(mail_body: str) -> list[str]:
    return re.findall(r"https?://\S+", mail_body)


def assert_only_site_links(smtp, mail):
    found = links(smtp.body(mail))
    assert found, smtp.body(mail)
    assert all(link.startswith(SITE + "/") for link in found), found
    assert "evil.example" not in mail.as_string()


def test_password_reset_mail_ignores_the_host_header(client, smtp):
    member = make_member()
    token = evil_token(client, "/auth/forgot")
    response = client.post("/auth/forgot", data={"email": member.email, "csrf_token": token},
                           headers=EVIL)
    assert response.status_code == 302
    [mail] = smtp.wait_for(1)
    assert_only_site_links(smtp, mail)
    assert re.search(re.escape(SITE) + r"/auth/reset/\S+", smtp.body(mail))


def test_verification_mail_ignores_the_host_header(client, smtp):
    from tests.accounts.test_register import form
    data = form(csrf_token=evil_token(client, "/auth/register"))
    assert client.post("/auth/register", data=data, headers=EVIL).status_code == 302
    [mail] = smtp.wait_for(1)
    assert_only_site_links(smtp, mail)
    assert f"{SITE}/auth/verify/" in smtp.body(mail)


def test_invitation_mail_ignores_the_host_header(client, smtp):
    evil_login(client, make_member())
    token = evil_token(client, "/account/invite")
    response = client.post("/account/invite", headers=EVIL,
                           data={"email": "dongnghiep@example.vn", "csrf_token": token})
    assert response.status_code == 302
    [mail] = smtp.wait_for(1)
    assert_only_site_links(smtp, mail)
    assert f"{SITE}/auth/invitation/" in smtp.body(mail)


def test_inquiry_mail_ignores_the_host_header(client, smtp, meili):
    seller = make_member(business=make_business(name="Công ty Máy Sấy Miền Trung"))
    listing = publish(make_listing(seller.business, seller))
    buyer = make_member()
    evil_login(client, buyer)
    token = evil_token(client, "/account/inquiries")
    response = client.post(f"/listings/{listing.id}/inquire", headers=EVIL, data={
        "csrf_token": token, "message": "Chúng tôi cần 2 máy sấy, xin báo giá."})
    assert response.status_code == 302
    [mail] = smtp.wait_for(1)
    assert_only_site_links(smtp, mail)
    assert f"{SITE}/account/inquiries/" in smtp.body(mail)


@pytest.fixture
def production_app(database_url, meili, tmp_path, app):
    # `app` prepares the schema on the shared database and cleans up after the test
    production = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url,
                            SECRET_KEY="x" * 48, SITE_URL=SITE, MEILI_URL=meili.url,
                            MEILI_MASTER_KEY=meili.master_key, PAGE_CACHE_SECONDS=0,
                            UPLOAD_DIR=str(tmp_path / "uploads"), DRAIN_AFTER_COMMIT=False,
                            # its own abuse limits, not the checkout's instance file
                            RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'ratelimits.db'}")
    yield production
    with production.app_context():
        db.session.remove()
        db.engine.dispose()  # its own pool: close it so a PostgreSQL run keeps its connections


def test_production_refuses_an_untrusted_host(production_app):
    client = production_app.test_client()
    assert client.get("/auth/login", headers=EVIL).status_code == 400
    assert client.post("/auth/forgot", headers=EVIL, data={"email": "a@b.vn"}).status_code == 400
    assert client.get("/auth/login", headers={"Host": "sangiaodich.example.vn"}).status_code == 200


def test_production_trusts_the_hosts_it_is_given(production_app):
    production_app.config["TRUSTED_HOSTS"] = ["sangiaodich.example.vn", ".internal.example"]
    client = production_app.test_client()
    assert client.get("/auth/login", headers={"Host": "lb.internal.example"}).status_code == 200
    assert client.get("/auth/login", headers=EVIL).status_code == 400


def test_trusted_hosts_default_to_site_urls_host(production_app):
    assert production_app.config["TRUSTED_HOSTS"] == ["sangiaodich.example.vn"]


def test_reset_mail_from_a_production_app_links_to_site_url(production_app, smtp):
    """In production the form would not even be reached with a foreign Host; with a
    trusted alias (a second name of the site) the mail still names SITE_URL."""
    production_app.config.update(TRUSTED_HOSTS=["sangiaodich.example.vn", "alias.example.vn"],
                                 MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port,
                                 WTF_CSRF_ENABLED=False)
    with production_app.app_context():
        member = make_member()
        email = member.email
    client = production_app.test_client()
    response = client.post("/auth/forgot", data={"email": email},
                           headers={"Host": "alias.example.vn"}, base_url="https://alias.example.vn")
    assert response.status_code == 302
    with production_app.app_context():
        from exchange.mail import send_pending
        send_pending()
        assert db.session.scalar(select(Member).where(Member.email == email)) is not None
    [mail] = smtp.wait_for(1)
    assert_only_site_links(smtp, mail)
