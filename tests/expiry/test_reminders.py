"""Reminders 14 and 2 days before the end, with a moved clock: one mail per member of each
business per round, recorded so re-running `tick` never sends twice, none after renewal."""
from datetime import timedelta

from sqlalchemy import func, select

from exchange.expiry.models import ExpiryReminder
from exchange.expiry.reminders import send_reminders
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.timeutil import utcnow
from tests.expiry.conftest import ending_in, reminders_to


def remind(now) -> int:
    count = send_reminders(now)
    db.session.commit()
    return count


def test_one_mail_per_business_member_per_reminder_listing_all_its_listings(owners, other):
    first = ending_in(owners[0], 10, title="Máy sấy bơm nhiệt 500 kg")
    second = ending_in(owners[1], 12, title="Dây chuyền ép dầu lạc")
    ending_in(owners[0], 200, title="Lò hơi sinh khối còn lâu")
    theirs = ending_in(other, 13, title="Máy gặt đập liên hợp")
    now = utcnow()

    assert remind(now) == 3
    for member in owners:
        [mail] = reminders_to(member.email)
        assert "Máy sấy bơm nhiệt 500 kg" in mail.body_text
        assert "Dây chuyền ép dầu lạc" in mail.body_text
        assert "Lò hơi sinh khối" not in mail.body_text
        assert "Máy gặt đập" not in mail.body_text
        assert "/listings/renew/" in mail.body_text
    [their_mail] = reminders_to(other.email)
    assert "Máy gặt đập liên hợp" in their_mail.body_text

    # tick runs again (an hour later, the next day): nothing new to say
    assert remind(now + timedelta(hours=1)) == 0
    assert remind(now + timedelta(days=1)) == 0
    assert len(reminders_to(owners[0].email)) == 1

    # two days before the end: the second reminder, once
    assert remind(now + timedelta(days=8, hours=1)) == 1  # only `first` is 2 days away
    assert len(reminders_to(owners[0].email)) == 2
    assert "Dây chuyền ép dầu lạc" not in reminders_to(owners[0].email)[-1].body_text
    assert remind(now + timedelta(days=8, hours=2)) == 0
    assert remind(now + timedelta(days=10, hours=1)) == 1  # `second`'s 2-day reminder
    stages = db.session.execute(
        select(ExpiryReminder.listing_id, ExpiryReminder.stage).order_by(ExpiryReminder.id)
    ).all()
    assert sorted(stages) == sorted([(first.id, 14), (second.id, 14), (theirs.id, 14),
                                     (first.id, 2), (second.id, 2)])


def test_no_reminder_after_renewal(owners):
    listing = ending_in(owners[0], 10)
    now = utcnow()
    assert remind(now) == 1
    assert lifecycle.renew(listing, owners[0].id, now) is True
    db.session.commit()
    for later in (timedelta(days=9), timedelta(days=13)):
        assert remind(now + later) == 0
    assert len(reminders_to(owners[0].email)) == 1


def test_a_listing_posted_close_to_its_end_gets_only_the_nearest_reminder(owners):
    ending_in(owners[0], 1)
    now = utcnow()
    assert remind(now) == 1
    assert db.session.scalar(select(ExpiryReminder.stage)) == 2
    assert remind(now + timedelta(hours=12)) == 0


def test_expired_withdrawn_and_unpublished_listings_are_not_reminded(owners):
    gone = ending_in(owners[0], 10)
    lifecycle.withdraw(gone, owners[0].id)
    db.session.commit()
    from tests.factories import make_listing
    make_listing(owners[0].business, owners[0], expires_at=utcnow() + timedelta(days=5))
    assert remind(utcnow()) == 0
    past = ending_in(owners[0], 1)
    lifecycle.expire_due(utcnow() + timedelta(days=2))
    db.session.commit()
    assert remind(utcnow() + timedelta(days=2)) == 0
    assert past.status == "expired"


def test_a_request_with_a_closing_date_is_reminded_of_that_date(owners):
    ending_in(owners[0], 300, kind="request", title="Cần mua máy sấy cà phê",
              proposals_close_at=utcnow() + timedelta(days=10))
    ending_in(owners[0], 9, kind="request", title="Cần mua lò hơi")
    assert remind(utcnow()) == 2
    [mail] = reminders_to(owners[0].email)
    closing, plain = mail.body_text.split("Cần mua lò hơi")
    assert "Cần mua máy sấy cà phê" in closing
    assert "/proposals" in closing and "/listings/renew/" not in closing
    assert "/listings/renew/" in plain
    assert db.session.scalar(select(func.count()).where(ExpiryReminder.subject == "closing")) == 1


def test_tick_sends_the_reminders_once(app, owners, smtp):
    ending_in(owners[0], 10, title="Máy sấy bơm nhiệt 500 kg")
    runner = app.test_cli_runner()
    outputs = []
    for _round in range(2):
        result = runner.invoke(args=["exchange", "tick"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "1 listing(s) reminded" in outputs[0]
    assert "0 listing(s) reminded" in outputs[1]
    assert len(reminders_to(owners[0].email)) == 1
    delivered = [m for m in smtp.to(owners[0].email) if "sắp kết thúc" in m["Subject"]]
    assert len(delivered) == 1
    assert "Máy sấy bơm nhiệt 500 kg" in smtp.body(delivered[0])
