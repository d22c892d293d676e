"""Tell owners about new matches: one mail per member, at most daily unless immediate."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from exchange.accounts.models import MatchMailMode, Member
from exchange.accounts.tokens import make_token, read_token
from exchange.core.bulk import among, dialect_insert
from exchange.core.urls import site_url
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.matching.models import Match, MatchNotice, NoticeBacklog
from exchange.listings.visibility import publisher_name
from exchange.search.documents import listings_by_id
from exchange.timeutil import utcnow

DIGEST_INTERVAL = timedelta(days=1)
UNSUBSCRIBE_PURPOSE = "match-unsubscribe"
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600  # links in old mails keep working for a year or so
BUDGETED_DIGEST_NOTICES = 50  # the largest digest a web request's drain builds


def unsubscribe_token(member: Member) -> str:
    # the email is part of the payload: a link stops working if the address changes hands
    return make_token(UNSUBSCRIBE_PURPOSE, {"m": member.id, "e": member.email})


def member_from_unsubscribe_token(token: str) -> Member:
    """The member a signed unsubscribe link was made for; DomainError if it is not valid."""
    payload = read_token(UNSUBSCRIBE_PURPOSE, token, UNSUBSCRIBE_MAX_AGE)
    member = db.session.get(Member, payload.get("m")) if isinstance(payload, dict) else None
    if member is None or member.email != payload.get("e"):
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    return member


def set_match_mail_mode(member: Member, mode: str) -> None:
    member.match_mail_mode = MatchMailMode(mode)
    db.session.flush()


def _live_pairs(notices) -> set[tuple[int, int]]:
    """Pairs still matched with both listings public."""
    if not notices:
        return set()
    pairs = {(n.offer_id, n.request_id) for n in notices}
    stored = set(db.session.execute(
        select(Match.offer_id, Match.request_id).where(
            Match.offer_id.in_({o for o, _r in pairs}),
            Match.request_id.in_({r for _o, r in pairs}))
    ).all()) & pairs
    listings = {listing.id: listing for listing in listings_by_id(
        {i for pair in stored for i in pair})}
    return {pair for pair in stored
            if all(i in listings and listings[i].is_public for i in pair)}


def note_unsent(added: dict[int, int]) -> None:
    """Count notices just recorded (member id: how many) into their members' backlogs, in
    the transaction that inserted them. Members in ascending order, so two drains adding to
    the same members never wait on each other crosswise."""
    if not added:
        return
    table = NoticeBacklog.__table__
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.member_id],
        set_={"unsent": table.c.unsent + statement.excluded.unsent})
    db.session.execute(statement, [{"member_id": member_id, "unsent": count}
                                   for member_id, count in sorted(added.items()) if count])


def _note_sent(member_id: int, count: int, mailed_at=None) -> None:
    """`count` of the member's notices were just marked sent; a digest mail queued at
    `mailed_at` makes a daily member wait a day for the next."""
    values = {"unsent": NoticeBacklog.unsent - count}
    if mailed_at is not None:
        values["due_at"] = mailed_at + DIGEST_INTERVAL
    db.session.execute(update(NoticeBacklog).where(NoticeBacklog.member_id == member_id)
                       .values(**values))


def _claim(member_id: int, now) -> list:
    """Mark the member's unsent notices sent, as of `now`, in the current transaction, and
    return those this run marked (id, offer_id, request_id, listing_id), in one statement.
    Notices another run holds are skipped (PostgreSQL), and one another run marked a moment
    earlier is not marked again (SQLite has no row locks): no pair is told twice and the
    backlog is counted down once."""
    unsent = (select(MatchNotice.id)
              .where(MatchNotice.member_id == member_id, MatchNotice.sent_at.is_(None))
              .with_for_update(skip_locked=True))
    return sorted(db.session.execute(
        update(MatchNotice).where(MatchNotice.id.in_(unsent), MatchNotice.sent_at.is_(None))
        .values(sent_at=now)
        .returning(MatchNotice.id, MatchNotice.offer_id, MatchNotice.request_id,
                   MatchNotice.listing_id)
        .execution_options(synchronize_session=False)).all())


def send_match_notices(now=None, budget=None) -> int:
    """Queue the match mails that are due; returns how many mails were queued.

    Notices are marked in the same transaction that puts the mail in the outbox, so a
    second run (or a run after a crash) never mails a pair twice. With a `budget`, members
    not reached before it is spent, and (a bounded one) members with more than
    BUDGETED_DIGEST_NOTICES pairs to be told, are left for the next run."""
    now = now or utcnow()
    if budget is not None and budget.spent_time():
        return 0
    # a daily member waits for the digest interval; the others are mailed (or, mail off,
    # their notices dropped) as soon as a run reaches them
    waiting = (select(NoticeBacklog.member_id)
               .join(Member, Member.id == NoticeBacklog.member_id)
               .where(NoticeBacklog.unsent > 0,
                      or_(NoticeBacklog.due_at.is_(None), NoticeBacklog.due_at <= now,
                          Member.match_mail_mode != MatchMailMode.DAILY)))
    if budget is not None and budget.bounded:
        # one member's digest is built in one step that cannot stop halfway: after a bulk
        # import it can hold thousands of pairs (tens of seconds). A web request's drain
        # leaves those to `tick`
        waiting = waiting.where(NoticeBacklog.unsent <= BUDGETED_DIGEST_NOTICES)
    member_ids = db.session.scalars(waiting.order_by(NoticeBacklog.member_id)).all()
    queued = 0
    for member_id in member_ids:
        if budget is not None and budget.spent_time():
            break
        notices = _claim(member_id, now)
        if not notices:  # another run took them
            db.session.commit()
            continue
        member = db.session.get(Member, member_id)
        if (member is None or not member.is_active or not member.is_email_verified
                or member.match_mail_mode == MatchMailMode.OFF):
            # told nothing, and never will be about these pairs
            _note_sent(member_id, len(notices))
            db.session.commit()
            continue
        live = _live_pairs(notices)
        rows, told = [], []
        listings = {listing.id: listing for listing in listings_by_id(
            {i for n in notices for i in (n.offer_id, n.request_id)})}
        for notice in notices:
            if (notice.offer_id, notice.request_id) not in live:
                continue  # the match is gone: nothing to tell
            own = listings[notice.listing_id]
            other = listings[notice.request_id if own.id == notice.offer_id else notice.offer_id]
            rows.append({"own": own, "counterpart": other,
                         "publisher": publisher_name(other, member),
                         "link": site_url("listings.show", listing_id=other.id),
                         "own_link": site_url("listings.show", listing_id=own.id)})
            told.append(notice.id)
        mailed_at = None
        if rows:
            mail = queue_mail(
                member.email, _l("New matches for your listings"), "match_digest",
                dedupe_key=f"match-digest:{member.id}:{notices[0].id}", locale=member.locale,
                member=member, rows=rows,
                settings_link=site_url("matching.notification_settings"),
                unsubscribe_link=site_url("matching.unsubscribe",
                                           token=unsubscribe_token(member)),
            )
            if mail is not None:
                db.session.execute(update(MatchNotice).where(among(MatchNotice.id, told))
                                   .values(mail_id=mail.id)
                                   .execution_options(synchronize_session=False))
            mailed_at = now
            queued += 1
        _note_sent(member_id, len(notices), mailed_at)
        db.session.commit()
    return queued
