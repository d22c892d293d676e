"""The department's statistics, checked against counts computed here from the same history,
including an "as of" date before some listings were withdrawn or expired."""
import csv
import io
import random
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from exchange.deals import services as deals
from exchange.deals.models import Deal
from exchange.deals.proposals import award
from exchange.extensions import db
from exchange.inquiries.services import record_inquiry
from exchange.listings import lifecycle
from exchange.listings.forms import local_zone
from exchange.moderation.models import AuditEntry, record_audit
from exchange.stats.figures import Scope, compute
from tests.deals.conftest import propose, signed_in
from tests.factories import make_business, make_listing, make_member, make_moderator, publish

SECTORS = ("agriculture", "energy", "food_processing")
PROVINCES = ("dak_lak", "ha_noi")


def at(day: date) -> datetime:
    """Noon, Vietnamese time: far from any day boundary."""
    return datetime.combine(day, time(12), tzinfo=local_zone())


def _backdate_listing(listing, published_on):
    listing.published_at = at(published_on)
    listing.approved_revision.decided_at = at(published_on)
    listing.approved_revision.created_at = at(published_on)


def _move_audit(listing, action, day):
    db.session.execute(update(AuditEntry).where(AuditEntry.listing_id == listing.id,
                                                AuditEntry.action == action)
                       .values(at=at(day)))


@pytest.fixture
def history(app):
    """A year of activity in 2025, with what each listing went through, kept in plain
    records so the test can count without the code under test."""
    rng = random.Random(21)
    moderator = make_moderator()
    businesses, verified = [], {}
    for n in range(6):
        business = make_business(name=f"Doanh nghiệp {n}", province=PROVINCES[n % 2],
                                 sector=SECTORS[n % 3], verified=True)
        business.created_at = at(date(2025, 1 + 2 * n, 10)) if n else at(date(2024, 11, 1))
        record_audit("business_verified", actor_id=moderator.id, business_id=business.id)
        db.session.flush()
        verified[business.id] = at(date(2025, 1 + 2 * n, 12)) if n else at(date(2024, 11, 2))
        db.session.execute(update(AuditEntry).where(AuditEntry.business_id == business.id)
                           .values(at=verified[business.id]))
        businesses.append(business)
    members = [make_member(business=b) for b in businesses]
    db.session.commit()

    records = []
    for n in range(24):
        kind = "offer" if n % 3 else "request"
        owner = members[n % len(members)]
        published_on = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
        expires_on = published_on + timedelta(days=rng.choice((120, 400, 500)))
        content = {"sector": SECTORS[n % 3], "province": PROVINCES[(n // 2) % 2],
                   "category": ("equipment", "technology")[n % 2],
                   "expires_at": at(expires_on)}
        if kind == "request":
            content.update(trl=None, price_vnd=None, budget_max_vnd=300_000_000)
        listing = publish(make_listing(owner.business, owner, kind=kind,
                                       title=f"Tin đăng số {n}", **content))
        _backdate_listing(listing, published_on)
        record = {"listing": listing, "kind": kind, "published": at(published_on),
                  "expires": at(expires_on), "offline": None, **content}
        records.append(record)
    db.session.commit()
    # some were withdrawn in September, some expired (the tick ran on their expiry day)
    for record in records[:4]:
        lifecycle.withdraw(record["listing"], None)
        db.session.flush()
        day = max(date(2025, 9, 1), record["published"].date() + timedelta(days=1))
        _move_audit(record["listing"], "withdrawn", day)
        record["offline"] = at(day)
    now = datetime.now(local_zone())
    for record in records:
        listing = record["listing"]
        if record["offline"] is None and record["expires"] < now:
            lifecycle.expire_due(record["expires"] + timedelta(hours=1))
            _move_audit(listing, "expired", record["expires"].date())
            record["offline"] = record["expires"]
    db.session.commit()

    # inquiries, proposals and deals, dated in 2025
    requests_ = [r for r in records if r["kind"] == "request" and r["offline"] is None]
    offers = [r for r in records if r["kind"] == "offer" and r["offline"] is None]
    threads, askers = [], []
    for n, record in enumerate(offers[:5]):
        asker = members[(n + 1) % len(members)]
        if asker.business_id == record["listing"].business_id:
            asker = members[(n + 2) % len(members)]
        thread = record_inquiry(asker, record["listing"], "Xin báo giá.")
        thread.created_at = at(date(2025, 4 + n, 5))
        threads.append((thread, record))
        askers.append(asker)
    proposals = []
    for n, record in enumerate(requests_[:3]):
        proposer = members[(n + 3) % len(members)]
        if proposer.business_id == record["listing"].business_id:
            proposer = members[(n + 4) % len(members)]
        proposal = propose(proposer, record["listing"])
        proposal.created_at = at(date(2025, 6 + n, 20))
        proposals.append((proposal, record))
    db.session.commit()
    deal_records = []
    for n, (proposal, record) in enumerate(proposals[:2]):
        requester = next(m for m in members if m.business_id == record["listing"].business_id)
        award(requester, proposal)
        deal = deals.record_deal(requester, proposal=proposal, kind="sale",
                                 value_vnd=100_000_000 * (n + 1),
                                 concluded_on=date(2025, 10 + n, 1))
        winner = next(m for m in members if m.business_id == proposal.business_id)
        deals.confirm_deal(winner, deal)
        deal.confirmed_at = at(date(2025, 10 + n, 3))
        deal_records.append((deal, record))
    # recorded but never confirmed: counts nowhere
    deals.record_deal(askers[0], thread=threads[0][0], kind="sale", value_vnd=7,
                      concluded_on=date(2025, 10, 1))
    db.session.commit()
    return {"businesses": businesses, "verified": verified, "records": records,
            "threads": threads,
            "proposals": proposals, "deals": deal_records}


def _matches(record, scope):
    return all(getattr(scope, name) in (None, record[name])
               for name in ("sector", "province", "category", "kind"))


def expected(history, scope: Scope) -> dict:
    start = scope.start
    cutoff = scope.cutoff
    records = [r for r in history["records"] if _matches(r, scope)]

    def published(kind):
        return sum(1 for r in records if r["kind"] == kind and start <= r["published"] < cutoff)

    def active(kind):
        return sum(1 for r in records if r["kind"] == kind and r["published"] < cutoff
                   and r["expires"] >= cutoff
                   and (r["offline"] is None or r["offline"] >= cutoff))

    businesses = [b for b in history["businesses"]
                  if scope.province in (None, b.province) and scope.sector in (None, b.sector)]
    deal_rows = [(d, r) for d, r in history["deals"] if _matches(r, scope)
                 and d.confirmed_at < cutoff and scope.first <= d.concluded_on <= scope.last_day]
    return {
        "businesses_registered": sum(1 for b in businesses if start <= b.created_at < cutoff),
        "businesses_verified": sum(1 for b in businesses
                                   if start <= history["verified"][b.id] < cutoff),
        "offers_published": published("offer"),
        "requests_published": published("request"),
        "offers_active": active("offer"),
        "requests_active": active("request"),
        "inquiries": sum(1 for t, r in history["threads"]
                         if _matches(r, scope) and start <= t.created_at < cutoff),
        "proposals": sum(1 for p, r in history["proposals"]
                         if _matches(r, scope) and start <= p.created_at < cutoff),
        "deals": len(deal_rows),
        "deal_value_vnd": sum(d.value_vnd for d, _r in deal_rows),
    }


def actual(scope) -> dict:
    figures = compute(scope)
    return {name: getattr(figures, name) for name in (
        "businesses_registered", "businesses_verified", "offers_published",
        "requests_published", "offers_active", "requests_active", "inquiries", "proposals",
        "deals", "deal_value_vnd")}


SCOPES = [
    Scope(first=date(2025, 1, 1), last=date(2025, 12, 31)),
    Scope(first=date(2025, 1, 1), last=date(2025, 12, 31), as_of=date(2025, 8, 15)),
    Scope(first=date(2025, 7, 1), last=date(2025, 9, 30)),
    Scope(first=date(2025, 10, 1), last=date(2025, 12, 31), sector="agriculture"),
    Scope(first=date(2025, 1, 1), last=date(2025, 12, 31), province="dak_lak", kind="request"),
    Scope(first=date(2025, 3, 1), last=date(2025, 3, 31), category="equipment"),
    Scope(first=date(2025, 1, 1), last=date(2025, 12, 31), as_of=date(2025, 10, 2)),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s.first}-{s.last}-{s.as_of}-"
                         f"{s.sector}-{s.province}-{s.kind}-{s.category}")
def test_figures_match_counts_computed_independently(app, history, scope):
    assert actual(scope) == expected(history, scope)


def test_as_of_a_date_before_withdrawals_and_expiries(app, history):
    """The annual figures as of mid-August count listings withdrawn or expired later as
    still active, and give the same numbers they gave on that day."""
    scope = SCOPES[1]
    later_offline = [r for r in history["records"]
                     if r["offline"] is not None and r["offline"] >= scope.cutoff
                     and r["published"] < scope.cutoff and r["expires"] >= scope.cutoff]
    assert later_offline, "the history must hold listings taken offline after the date"
    year_end = actual(SCOPES[0])
    as_of = actual(scope)
    assert as_of["offers_active"] + as_of["requests_active"] > 0
    assert as_of == expected(history, scope)
    assert as_of != year_end


def test_the_report_page_exports_and_prints(app, history):
    client = signed_in(app, make_moderator())
    query = "period=year&year=2025&sector=agriculture&province=dak_lak"
    page = client.get(f"/moderation/stats?{query}&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "css/stats.css" in html and "<svg" in html and "<script>" not in html
    scope = Scope(first=date(2025, 1, 1), last=date(2025, 12, 31), sector="agriculture",
                  province="dak_lak")
    wanted = expected(history, scope)

    book = load_workbook(io.BytesIO(client.get(
        f"/moderation/stats/summary.xlsx?{query}&lang=en").data))
    values = {row[0]: row[1] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert values["Offers published"] == wanted["offers_published"]
    assert values["Requests published"] == wanted["requests_published"]
    assert values["Deals concluded"] == wanted["deals"]

    response = client.get(f"/moderation/stats/series.csv?{query}&lang=en")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 12  # a header and a row per month
    assert sum(int(r[2]) for r in rows[1:]) == wanted["offers_published"]
    assert client.get("/moderation/stats?period=custom&start=2025-05-01").status_code == 400


def test_members_do_not_see_the_statistics(app, history):
    client = signed_in(app, make_member())
    assert client.get("/moderation/stats").status_code == 403
    assert client.get("/moderation/stats/summary.xlsx").status_code == 403


def test_public_headline_figures_count_confirmed_deals(app, history):
    body = app.test_client().get("/api/v1/stats").get_json()
    assert body["deals"] == db.session.scalar(
        select(db.func.count(Deal.id)).where(Deal.state == "confirmed")) == 2
    home = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'id="deal-count">2<' in home
