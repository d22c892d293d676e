"""Tell owners about new matches: one mail per member, at most daily unless immediate."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from exchange.accounts.models import MatchMailMode, Member
from exchange.accounts.tokens import make_token, read_token
from exchange.core.urls import site_url
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.matching.models import Match, MatchNotice
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


def _live_pairs(notices: list[MatchNotice]) -> set[tuple[int, int]]:
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


def send_match_notices(now=None, budget=None) -> int:
    """Queue the match mails that are due; returns how many mails were queued.

    Notices are marked in the same transaction that puts the mail in the outbox, so a
    second run (or a run after a crash) never mails a pair twice. With a `budget`, members
    not reached before it is spent, and (a bounded one) members with more than
    BUDGETED_DIGEST_NOTICES pairs to be told, are left for the next run."""
    now = now or utcnow()
    if budget is not None and budget.spent_time():
        return 0
    # the members with unsent notices, each counted no further than a drain's digest size:
    # after a bulk match millions of notices wait, and grouping them all outlasts a budget
    unsent = select(MatchNotice.id).where(MatchNotice.member_id == Member.id,
                                          MatchNotice.sent_at.is_(None))
    waiting = select(Member.id).where(unsent.exists())
    if budget is not None and budget.bounded:
        # one member's digest is built in one step that cannot stop halfway: after a bulk
        # import it can hold thousands of pairs (tens of seconds). A web request's drain
        # leaves those to `tick`, counting each member's no further than that
        few = (select(func.count())
               .select_from(unsent.correlate(Member).limit(BUDGETED_DIGEST_NOTICES + 1)
                            .subquery())
               .scalar_subquery())
        waiting = waiting.where(few <= BUDGETED_DIGEST_NOTICES)
    member_ids = db.session.scalars(waiting.order_by(Member.id)).all()
    queued = 0
    for member_id in member_ids:
        if budget is not None and budget.spent_time():
            break
        member = db.session.get(Member, member_id)
        notices = db.session.scalars(
            select(MatchNotice).where(MatchNotice.member_id == member_id,
                                      MatchNotice.sent_at.is_(None))
            .order_by(MatchNotice.id).with_for_update(skip_locked=True)
        ).all()
        if not notices:
            continue
        if (member is None or not member.is_active or not member.is_email_verified
                or member.match_mail_mode == MatchMailMode.OFF):
            for notice in notices:
                notice.sent_at = now  # told nothing, and never will be about these pairs
            db.session.commit()
            continue
        if member.match_mail_mode == MatchMailMode.DAILY:
            last = db.session.scalar(select(func.max(MatchNotice.sent_at)).where(
                MatchNotice.member_id == member_id, MatchNotice.mail_id.is_not(None)))
            if last is not None and now - last < DIGEST_INTERVAL:
                db.session.commit()
                continue
        live = _live_pairs(notices)
        rows = []
        listings = {listing.id: listing for listing in listings_by_id(
            {i for n in notices for i in (n.offer_id, n.request_id)})}
        for notice in notices:
            pair = (notice.offer_id, notice.request_id)
            if pair not in live:
                notice.sent_at = now
                continue
            own = listings[notice.listing_id]
            other = listings[notice.request_id if own.id == notice.offer_id else notice.offer_id]
            rows.append({"own": own, "counterpart": other,
                         "publisher": publisher_name(other, member),
                         "link": site_url("listings.show", listing_id=other.id),
                         "own_link": site_url("listings.show", listing_id=own.id)})
        if rows:
            mail = queue_mail(
                member.email, _l("New matches for your listings"), "match_digest",
                dedupe_key=f"match-digest:{member.id}:{notices[0].id}", locale=member.locale,
                member=member, rows=rows,
                settings_link=site_url("matching.notification_settings"),
                unsubscribe_link=site_url("matching.unsubscribe",
                                           token=unsubscribe_token(member)),
            )
            for notice in notices:
                if notice.sent_at is None:
                    notice.sent_at = now
                    notice.mail_id = mail.id if mail is not None else None
            queued += 1
        db.session.commit()
    return queued


def pending_notice_count(member_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(MatchNotice).where(
        and_(MatchNotice.member_id == member_id, MatchNotice.sent_at.is_(None)))) or 0
