"""The SMTP server stops while moderators decide and buyers send inquiries: every decision
and message is kept, the mail waits in the outbox, and once the server is back each mail
is delivered exactly once, however many senders drain the outbox at the same time."""
import re
import threading
from datetime import timedelta

from sqlalchemy import select, update

from exchange.extensions import db
from exchange.inquiries.models import Message, Thread
from exchange.listings.models import Listing, Status
from exchange.mail import OutboxMail, send_pending
from exchange.moderation.models import ItemState, QueueItem
from exchange.timeutil import utcnow
from tests.factories import make_business, make_listing, make_member, make_moderator, publish
from tests.faults.conftest import Browser, Load


def _in_parallel(*jobs):
    errors = []

    def run(job):
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_smtp_outage_keeps_decisions_and_inquiries_and_mails_each_once(app, live_server, smtp):
    seller = make_member(business=make_business(name="Công ty Thiết bị Nhiệt Miền Trung"))
    listing = publish(make_listing(seller.business, seller))
    waiting = [make_listing(seller.business, seller, title=f"Lò sấy gỗ {n}") for n in range(3)]
    items = [db.session.scalar(select(QueueItem.id).where(QueueItem.listing_id == w.id))
             for w in waiting]
    buyers = [make_member(business=make_business(name=f"HTX Gỗ {n}")) for n in range(3)]
    moderator = make_moderator()
    smtp.clear()  # the first approval above was mailed while the server was up
    db.session.execute(update(OutboxMail).values(sent_at=utcnow()))
    db.session.commit()

    staff = Browser(live_server).login(moderator)
    people = [Browser(live_server).login(buyer) for buyer in buyers]
    answers = []

    def moderate():
        for item_id in items:
            staff.post(f"/moderation/{item_id}/claim", {}, token_from="/moderation")
            answers.append(staff.post(f"/moderation/{item_id}/decision",
                                      {"decision": "approve", "reason": "Hồ sơ đầy đủ."},
                                      token_from=f"/moderation/{item_id}"))

    def inquire(person):
        return lambda: answers.append(person.post(
            f"/listings/{listing.id}/inquire", {"message": "Xin báo giá lò sấy, giao Huế."},
            token_from=f"/listings/{listing.id}"))

    smtp.stop()
    with Load(live_server, ["/", f"/listings/{listing.id}"], threads=2) as load:
        _in_parallel(moderate, *(inquire(person) for person in people))
    assert [a.status_code for a in answers] == [302] * (len(items) + len(people))
    assert all(a.status == 200 for a in load.answers)

    db.session.expire_all()
    decided = db.session.scalars(select(QueueItem).where(QueueItem.id.in_(items))).all()
    assert {item.state for item in decided} == {ItemState.DECIDED}
    assert {db.session.get(Listing, w.id).status for w in waiting} == {Status.PUBLISHED}
    assert db.session.scalar(select(db.func.count()).select_from(Thread)) == len(people)
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == len(people)
    outbox = db.session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None))).all()
    recipients = sorted(mail.recipient for mail in outbox)
    # three decisions to the owner, one new-inquiry mail per buyer to the owner
    assert recipients.count(seller.email) >= len(items) + len(people)
    assert smtp.messages == []

    smtp.start()
    db.session.execute(update(OutboxMail).where(OutboxMail.sent_at.is_(None))
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()  # the back-off has passed

    def drain():
        with app.app_context():
            while send_pending():
                pass

    # the CLI's send-mail and the after-commit drains of two workers, all at once
    _in_parallel(drain, drain, drain)
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None))).all() == []
    smtp.wait_for(len(outbox))
    # the Message-ID names the outbox row it was sent from
    arrived = sorted(int(re.search(r"outbox-(\d+)@", m["Message-ID"]).group(1))
                     for m in smtp.messages)
    assert arrived == sorted(mail.id for mail in outbox)
    assert sorted(m["To"] for m in smtp.messages) == recipients

    assert app.test_cli_runner().invoke(args=["exchange", "send-mail"]).output == \
        "sent 0 mail(s)\n"
    assert len(smtp.messages) == len(outbox)
