"""Inquiry mail goes through the outbox: saved with the message, retried when SMTP is back."""
from datetime import timedelta

from sqlalchemy import select

from exchange.extensions import db
from exchange.inquiries.models import Message, Thread
from exchange.mail import OutboxMail, send_pending
from exchange.timeutil import utcnow
from tests.inquiries.conftest import send_inquiry, signed_in


def test_smtp_down_keeps_the_message_and_retries_the_mail(app, smtp, seller, buyer, listing,
                                                          caplog):
    client = signed_in(app, buyer)
    smtp.stop()
    response = send_inquiry(client, listing.id, "Cần báo giá gấp")
    assert response.status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    assert [m.body for m in db.session.scalars(select(Message))] == ["Cần báo giá gấp"]
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.recipient == seller.email
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
    # the operator reads why in the log, with when it is tried again
    [warning] = [r for r in caplog.records if r.getMessage().startswith(f"mail {mail.id} not sent")]
    assert warning.levelname == "WARNING" and "next try at" in warning.getMessage()

    smtp.start()
    mail.next_attempt_at = utcnow() - timedelta(seconds=1)  # the back-off has passed
    db.session.commit()
    assert send_pending() == 1
    smtp.wait_for(1)
    assert smtp.messages[0]["To"] == seller.email
    assert f"/account/inquiries/{thread.id}" in smtp.body(smtp.messages[0])
    # a second run sends nothing again
    assert send_pending() == 0
    assert len(smtp.messages) == 1


def test_each_message_is_mailed_once_per_recipient(app, smtp, seller, buyer, listing):
    from exchange.inquiries import notifications, services
    thread = services.record_inquiry(buyer, listing, "Xin chào")
    message = thread.messages[0]
    # notifying again for the same message (a retried job) queues nothing new
    notifications.notify(thread, message, buyer, new_thread=True)
    db.session.commit()
    keys = [m.dedupe_key for m in db.session.scalars(select(OutboxMail))]
    assert keys == [f"inquiry-message-{message.id}-to-{seller.id}"]
