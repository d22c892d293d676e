"""Model factories and user actions shared by the tests."""
import itertools
from datetime import timedelta

from stdnum.vn import mst

from exchange.accounts.models import Business, Member, Role
from exchange.extensions import db
from exchange.timeutil import utcnow
from tests.helpers import extract_csrf

PASSWORD = "Sup3r-secret-pass"
_seq = itertools.count(1)


def valid_tax_code(n=None) -> str:
    """A valid MST derived from n (stems whose check digit would be 10 are skipped)."""
    n = 10 * (n if n is not None else next(_seq))
    while True:
        stem = f"01{n % 10_000_000:07d}"
        code = stem + str(mst.calc_check_digit(stem))
        if mst.is_valid(code):
            return code
        n += 1


def make_business(name=None, province="ha_noi", verified=True, **fields) -> Business:
    n = next(_seq)
    business = Business(name=name or f"Công ty Thử nghiệm {n}", tax_code=valid_tax_code(n),
                        province=province, is_verified=verified, **fields)
    db.session.add(business)
    db.session.commit()
    return business


def make_member(business=None, role=Role.MEMBER, verified=True, password=PASSWORD,
                email=None, **fields) -> Member:
    n = next(_seq)
    if business is None and role == Role.MEMBER:
        business = make_business()
    member = Member(business=business, role=role, full_name=fields.pop("full_name", f"Thành viên {n}"),
                    email=email or f"member{n}@example.vn",
                    email_verified_at=utcnow() if verified else None, **fields)
    member.set_password(password)
    db.session.add(member)
    db.session.commit()
    return member


def make_moderator(**fields) -> Member:
    return make_member(business=None, role=Role.MODERATOR, **fields)


def csrf_token(client, url="/auth/login") -> str:
    return extract_csrf(client.get(url).get_data(as_text=True))


def login(client, member, password=PASSWORD):
    response = client.post("/auth/login", data={
        "email": member.email, "password": password, "csrf_token": csrf_token(client),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def signed_in(app, member):
    """A client signed in as `member`, reading the site in English (the tests read its text)."""
    client = app.test_client()
    login(client, member)
    client.get("/?lang=en")
    return client


def make_owner(**member_fields):
    """A member of their own business, who posts the listings of a test."""
    business = make_business(name="Công ty Cơ khí Đông Á", sector="agriculture")
    return make_member(business=business, **{"full_name": "Chủ doanh nghiệp", **member_fields})


def listing_content(**overrides) -> dict:
    content = {
        "title": "Máy sấy nông sản năng lượng mặt trời",
        "summary": "Máy sấy dùng năng lượng mặt trời cho cà phê, tiêu, hạt điều.",
        "description": "Công suất **500 kg/mẻ**, tiết kiệm 60% điện năng.",
        "category": "equipment",
        "sector": "agriculture",
        "province": "dak_lak",
        "trl": 9,
        "ip_status": "utility_solution",
        "transfer_modes": ["sale", "technical_assistance"],
        "price_vnd": 250_000_000,
        "price_negotiable": False,
        "quantity": 1,
        "unit": "set",
        "keywords": ["máy sấy", "nông sản", "năng lượng mặt trời"],
        "expires_at": utcnow() + timedelta(days=365),
    }
    content.update(overrides)
    return content


def make_listing(business, author=None, kind="offer", submit=True, **overrides):
    from exchange.listings import lifecycle
    author_id = author.id if author else None
    listing = lifecycle.create_listing(business.id, author_id, kind, listing_content(**overrides))
    if submit:
        lifecycle.submit(listing, author_id)
    db.session.commit()
    return listing


def publish(listing, moderator=None):
    """Approve the listing's pending revision through the lifecycle."""
    from exchange.listings import lifecycle
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    from exchange.effects import drain
    drain()
    return listing
