"""Home page, security headers, error pages, health check and the CLI."""
from sqlalchemy import select

from exchange.accounts.models import Member, Role
from exchange.extensions import db


def test_home_page_in_both_languages(client):
    assert "doanh nghiệp" in client.get("/").get_data(as_text=True)
    assert "registered businesses" in client.get("/?lang=en").get_data(as_text=True)


def test_register_page_speaks_vietnamese_and_english(client):
    assert "Đăng ký doanh nghiệp" in client.get("/auth/register").get_data(as_text=True)
    assert "Register your business" in client.get("/auth/register?lang=en").get_data(as_text=True)
    # the choice is remembered
    assert "Register your business" in client.get("/auth/register").get_data(as_text=True)
    assert "Đăng ký doanh nghiệp" in client.get("/auth/register?lang=vi").get_data(as_text=True)


def test_security_headers_and_cookie_flags(client):
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_in_pages(client):
    for url in ("/", "/auth/login", "/auth/register"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html


def test_error_pages_look_like_the_site(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert 'class="navbar' in response.get_data(as_text=True)


def test_vendor_assets_are_served_from_the_app(client):
    response = client.get("/vendor/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200 and b"Bootstrap" in response.data[:500]
    assert client.get("/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/vendor/unknown/x.js").status_code == 404


def test_healthz_reports_database_and_search(client, meili):
    data = client.get("/healthz").get_json()
    assert data["database"] == "ok" and data["search"] == "ok"


def test_healthz_reports_search_down(app, client):
    app.config["MEILI_URL"] = "http://127.0.0.1:9"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["search"] == "unavailable"


def test_create_moderator_and_admin_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exchange", "create-moderator", "Kiem.Duyet@So.gov.vn"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["exchange", "create-admin", "admin@so.gov.vn"])
    assert result.exit_code == 0, result.output
    roles = dict(db.session.execute(select(Member.email, Member.role)).all())
    assert roles == {"kiem.duyet@so.gov.vn": Role.MODERATOR, "admin@so.gov.vn": Role.ADMIN}


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["exchange", "seed-demo"]).exit_code == 0
    first = db.session.scalar(select(db.func.count()).select_from(Member))
    assert runner.invoke(args=["exchange", "seed-demo"]).exit_code == 0
    assert db.session.scalar(select(db.func.count()).select_from(Member)) == first >= 12


def test_dashboard_shows_why_business_verification_was_refused(client, app):
    from exchange.moderation.services import decide_item, enqueue_business
    from tests.factories import login, make_member, make_moderator
    member = make_member()
    member.business.is_verified = False
    item = enqueue_business(member.business)
    db.session.commit()
    decide_item(item.id, make_moderator().id, "reject", "Tên không khớp với đăng ký kinh doanh")
    db.session.commit()
    login(client, member)
    page = client.get("/account").get_data(as_text=True)
    assert "Tên không khớp với đăng ký kinh doanh" in page
