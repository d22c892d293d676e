"""Saved searches: saving from /search, listing, deleting, and once-only alert digests."""
from datetime import timedelta

from sqlalchemy import select

from exchange.extensions import db
from exchange.mail import send_pending
from exchange.matching.alerts import alert_token, save_search, send_alerts
from exchange.matching.models import AlertSent, SavedSearch
from exchange.timeutil import utcnow
from tests.factories import csrf_token, login
from tests.matching.test_matching import DRYER_OFFER, DRYER_REQUEST, ULTRASOUND_REQUEST


def deliver():
    while send_pending():
        pass


def alert_mails(smtp, address=None):
    """Saved-search digests (match mails go to the same people)."""
    mails = smtp.to(address) if address else smtp.messages
    return [m for m in mails if "/account/saved-searches/stop/" in smtp.body(m)]


def test_save_list_and_delete_a_search_through_the_pages(client, owner_factory):
    member = owner_factory()
    login(client, member)
    token = csrf_token(client, "/account/saved-searches")
    response = client.post("/account/saved-searches", data={
        "name": "Máy sấy", "query": "q=may+say&kind=offer&page=3&sort=newest",
        "csrf_token": token})
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedSearch))
    assert saved.query == "kind=offer&q=may+say"  # validated, page and sort dropped
    page = client.get("/account/saved-searches").get_data(as_text=True)
    assert "Máy sấy" in page and "/search?kind=offer&amp;q=may+say" in page
    # a bad filter value is refused with the form shown again
    assert client.post("/account/saved-searches", data={
        "name": "x", "query": "kind=nothing", "csrf_token": token}).status_code == 400
    # another member cannot delete it
    other = owner_factory()
    other_client = client.application.test_client()
    login(other_client, other)
    assert other_client.post(f"/account/saved-searches/{saved.id}/delete", data={
        "csrf_token": csrf_token(other_client, "/account/saved-searches")}).status_code == 403
    assert client.post(f"/account/saved-searches/{saved.id}/delete",
                       data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(SavedSearch)) is None


def test_alerts_send_one_digest_per_member_once(post, owner_factory, smtp):
    member = owner_factory()
    dryers = save_search(member, "Máy sấy", "q=máy sấy")
    save_search(member, "Offers in agriculture", "kind=offer&sector=agriculture")
    other = owner_factory()
    save_search(other, "Siêu âm", "q=sieu am")
    old = post(kind="offer", **DRYER_OFFER)  # published before the searches were saved
    for saved in db.session.scalars(select(SavedSearch)):
        saved.created_at = saved.last_alerted_at = utcnow()
    db.session.commit()

    offer = post(kind="offer", **{**DRYER_OFFER, "province": "gia_lai"})
    request = post(kind="request", **DRYER_REQUEST)
    ultrasound = post(kind="request", **ULTRASOUND_REQUEST)
    own = post(owner=member, kind="offer", **DRYER_OFFER)  # one's own listing is not news
    figures = send_alerts()
    deliver()
    assert figures["mails"] == 2
    assert len(alert_mails(smtp)) == 2
    body = smtp.body(alert_mails(smtp, member.email)[0])
    assert f"/listings/{offer.id}" in body and f"/listings/{request.id}" in body
    assert f"/listings/{old.id}" not in body and f"/listings/{own.id}" not in body
    assert "Offers in agriculture" in body
    assert f"/listings/{ultrasound.id}" in smtp.body(alert_mails(smtp, other.email)[0])

    # running again (even with the window reopened) announces nothing twice
    for saved in db.session.scalars(select(SavedSearch)):
        saved.last_alerted_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert send_alerts()["mails"] == 0
    deliver()
    assert len(alert_mails(smtp)) == 2
    assert db.session.scalar(select(AlertSent).where(
        AlertSent.saved_search_id == dryers.id, AlertSent.listing_id == offer.id))


def test_stop_link_deletes_only_its_own_search(client, owner_factory):
    member = owner_factory()
    saved = save_search(member, "Máy sấy", "q=máy sấy")
    keep = save_search(member, "CNC", "q=cnc")
    db.session.commit()
    token = alert_token(saved)
    assert client.get(f"/account/saved-searches/stop/{token[:-3]}xyz").status_code == 400
    assert client.post(f"/account/saved-searches/stop/{token[:-3]}xyz").status_code == 400
    assert client.get(f"/account/saved-searches/stop/{token}").status_code == 200
    assert len(db.session.scalars(select(SavedSearch)).all()) == 2  # opening only asks
    assert client.post(f"/account/saved-searches/stop/{token}").status_code == 200
    assert [s.id for s in db.session.scalars(select(SavedSearch))] == [keep.id]
