"""Send inquiries, reply, close, archive and read threads: the rules of the inquiry channel."""
import functools
import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from exchange.accounts.models import Member
from exchange.accounts.requirements import can
from exchange.core.messages import lazy_message
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.inquiries.models import Message, Thread, ThreadRead, ThreadState
from exchange.inquiries.notifications import notify
from exchange.timeutil import utcnow

MESSAGE_MAX_CHARS = 5000
DEFAULT_DAILY_LIMIT = 20
DAY = timedelta(days=1)
# control characters other than tab and newline: PostgreSQL refuses NUL, the rest is noise
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- who may do what (used by views and templates alike) ---

@can.rule("send_messages")
def can_send_messages(member, *_) -> bool:
    return bool(
        member and member.is_authenticated and member.is_active and member.business_id
        and member.is_email_verified and member.can_send_inquiries
    )


@can.rule("inquire")
def can_inquire(member, listing) -> bool:
    return (can_send_messages(member) and listing.is_public
            and member.business_id != listing.business_id)


@can.rule("read_thread")
def can_read(member, thread) -> bool:
    return bool(member and member.is_authenticated and thread.involves(member.business_id))


@can.rule("reply")
def can_reply(member, thread) -> bool:
    return can_read(member, thread) and thread.is_open and can_send_messages(member)


@can.rule("report_listing")
def can_report_listing(member, listing) -> bool:
    return bool(member and member.is_authenticated and member.business_id
                and listing.is_public and member.business_id != listing.business_id)


# --- sending ---

def clean_body(body) -> str:
    text = CONTROL_CHARS.sub("", (body or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise DomainError(_l("Please write a message."), code="empty")
    if len(text) > MESSAGE_MAX_CHARS:
        raise DomainError(lazy_message(_l("A message can be at most %(max)d characters."),
                                       max=MESSAGE_MAX_CHARS), code="too_long")
    return text


def daily_limit() -> int:
    return int(current_app.config.get("INQUIRY_DAILY_LIMIT", DEFAULT_DAILY_LIMIT))


def _check_sender(member) -> None:
    if not can_send_messages(member):
        if member is not None and member.is_authenticated and not member.can_send_inquiries:
            raise NotAllowed(_l("Your account may not send inquiries. Please contact the "
                                "exchange staff."), code="suspended")
        raise NotAllowed(_l("Only members of a registered business with a confirmed email "
                            "can send inquiries."), code="cannot_send")


def find_recent_thread(business_id, listing_id, now=None):
    """The thread this business opened about the listing within the last day, if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(Thread).where(Thread.inquirer_business_id == business_id,
                             Thread.listing_id == listing_id,
                             Thread.created_at > now - DAY)
        .order_by(Thread.id.desc()).limit(1)
    )


def _check_rate(member, now) -> None:
    limit = daily_limit()
    since = now - DAY
    by_member = db.session.scalar(
        select(func.count(Thread.id)).where(Thread.started_by_id == member.id,
                                            Thread.created_at > since))
    by_business = db.session.scalar(
        select(func.count(Thread.id)).where(Thread.inquirer_business_id == member.business_id,
                                            Thread.created_at > since))
    if by_member >= limit or by_business >= limit:
        raise DomainError(lazy_message(_l("You have reached the limit of %(limit)d new inquiries "
                                          "a day. Please try again tomorrow."), limit=limit),
                          code="rate_limited")


def _sent_with_key(member, idempotency_key):
    """The message this member already sent with the key, if any."""
    if not idempotency_key:
        return None
    return db.session.scalar(select(Message).where(Message.author_id == member.id,
                                                   Message.idempotency_key == idempotency_key))


def _insert_once(member, idempotency_key, *rows):
    """Insert the rows in a savepoint; the message already sent with this key if another
    request (a double click) got there first, else None. On PostgreSQL the second insert
    waits on the unique index until the first request commits, then fails here."""
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
    except IntegrityError:
        earlier = _sent_with_key(member, idempotency_key)
        if earlier is None:
            raise
        return earlier
    return None


def record_inquiry(member, listing, body, *, quantity=None, budget_vnd=None, delivery_date=None,
                   wants_site_visit=False, wants_demo=False, idempotency_key=None) -> Thread:
    """Open a thread about a published listing with its first message; the owner is mailed.

    The same form posted again (same `idempotency_key`) gives back the thread it opened.
    """
    earlier = _sent_with_key(member, idempotency_key)
    if earlier is not None and earlier.thread.listing_id == listing.id:
        return earlier.thread
    _check_sender(member)
    if listing.business_id == member.business_id:
        raise DomainError(_l("This is your own listing; you cannot send it an inquiry."),
                          code="own_listing")
    if not listing.is_public:
        raise DomainError(_l("This listing is not published; inquiries are not possible."),
                          code="not_public")
    text = clean_body(body)
    if quantity is not None and not 0 < quantity <= 10**9:
        raise DomainError(_l("The quantity must be a positive number."), code="quantity")
    if budget_vnd is not None and not 0 <= budget_vnd <= 10**15:
        raise DomainError(_l("The budget must be a positive amount in VND."), code="budget")
    now = utcnow()
    if delivery_date is not None and delivery_date < (now - DAY).date():
        raise DomainError(_l("The delivery date cannot be in the past."), code="delivery_date")
    if find_recent_thread(member.business_id, listing.id, now) is not None:
        raise Conflict(_l("Your business already sent an inquiry about this listing today. "
                          "Please continue in that conversation."), code="duplicate")
    _check_rate(member, now)

    thread = Thread(
        listing_id=listing.id, listing_title=listing.approved_revision.title,
        inquirer_business_id=member.business_id, owner_business_id=listing.business_id,
        started_by_id=member.id, created_at=now, last_message_at=now,
    )
    message = Message(
        thread=thread, author_id=member.id, author_business_id=member.business_id, body=text,
        created_at=now, quantity=quantity, budget_vnd=budget_vnd, delivery_date=delivery_date,
        wants_site_visit=bool(wants_site_visit), wants_demo=bool(wants_demo),
        idempotency_key=idempotency_key or None,
    )
    return _open_thread(member, idempotency_key, thread, message, now)


def _open_thread(member, idempotency_key, thread, message, now) -> Thread:
    """Store a new thread with its first message (once per idempotency key) and mail the
    other side; a repeated submission gets the thread its first one opened."""
    earlier = _insert_once(member, idempotency_key, thread, message)
    if earlier is not None:
        return earlier.thread
    mark_read(member, thread, now)
    notify(thread, message, member, new_thread=True)
    return thread


def record_service_request(member, *, expert_id, business_id, title, body,
                           idempotency_key=None) -> Thread:
    """Open a thread with the business behind a public directory entry (an expert): the same
    channel, limits and mail as an inquiry about a listing. The caller passes what the
    visitor saw (`title`) and checks the entry is public."""
    earlier = _sent_with_key(member, idempotency_key)
    if earlier is not None and earlier.thread.expert_id == expert_id:
        return earlier.thread
    _check_sender(member)
    if business_id == member.business_id:
        raise DomainError(_l("This is your own business; you cannot send it a request."),
                          code="own_listing")
    text = clean_body(body)
    now = utcnow()
    if find_recent_expert_thread(member.business_id, expert_id, now) is not None:
        raise Conflict(_l("Your business already sent a request to this expert today. "
                          "Please continue in that conversation."), code="duplicate")
    _check_rate(member, now)
    thread = Thread(
        expert_id=expert_id, listing_title=title[:200], inquirer_business_id=member.business_id,
        owner_business_id=business_id, started_by_id=member.id, created_at=now,
        last_message_at=now,
    )
    message = Message(thread=thread, author_id=member.id, author_business_id=member.business_id,
                      body=text, created_at=now, idempotency_key=idempotency_key or None)
    return _open_thread(member, idempotency_key, thread, message, now)


def find_recent_expert_thread(business_id, expert_id, now=None):
    """The thread this business opened with the expert within the last day, if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(Thread).where(Thread.inquirer_business_id == business_id,
                             Thread.expert_id == expert_id, Thread.created_at > now - DAY)
        .order_by(Thread.id.desc()).limit(1))


def reply(member, thread, body, idempotency_key=None) -> Message:
    """Add a message to an open thread from either side; the other side is mailed.

    The same form posted again (same `idempotency_key`) gives back the message it sent.
    """
    if not can_read(member, thread):
        raise NotAllowed(_l("This conversation is not yours."), code="not_party")
    earlier = _sent_with_key(member, idempotency_key)
    if earlier is not None and earlier.thread_id == thread.id:
        return earlier
    _check_sender(member)
    if not thread.is_open:
        raise DomainError(_l("This conversation is closed."), code="closed")
    text = clean_body(body)
    now = utcnow()
    message = Message(thread_id=thread.id, author_id=member.id,
                      author_business_id=member.business_id, body=text, created_at=now,
                      idempotency_key=idempotency_key or None)
    earlier = _insert_once(member, idempotency_key, message)
    if earlier is not None:
        return earlier
    db.session.expire(thread, ["messages"])  # inserted by id, outside the loaded list
    thread.last_message_at = now
    if thread.is_owner_side(member.business_id):
        if thread.owner_replied_at is None:
            thread.owner_replied_at = now
        thread.archived_by_inquirer = False  # news brings an archived thread back
    else:
        thread.archived_by_owner = False
    db.session.flush()
    mark_read(member, thread, now)
    notify(thread, message, member, new_thread=False)
    return message


def close(member, thread) -> Thread:
    if not can_read(member, thread):
        raise NotAllowed(_l("This conversation is not yours."), code="not_party")
    if thread.is_open:
        thread.state = ThreadState.CLOSED
        thread.closed_at = utcnow()
        thread.closed_by_id = member.id
    return thread


def archive(member, thread, archived=True) -> Thread:
    """Archiving hides the thread for the member's side only."""
    if not can_read(member, thread):
        raise NotAllowed(_l("This conversation is not yours."), code="not_party")
    if thread.is_owner_side(member.business_id):
        thread.archived_by_owner = archived
    else:
        thread.archived_by_inquirer = archived
    return thread


# --- reading ---

def mark_read(member, thread, at=None) -> None:
    at = at or utcnow()
    read = db.session.scalar(select(ThreadRead).where(ThreadRead.member_id == member.id,
                                                      ThreadRead.thread_id == thread.id))
    if read is None:
        db.session.add(ThreadRead(member_id=member.id, thread_id=thread.id, last_read_at=at))
    elif read.last_read_at < at:
        read.last_read_at = at
    db.session.flush()


def _unread(columns, business_id, member_id):
    """SELECT `columns` of the messages from the other side of a business's threads that
    the member has not read."""
    read = aliased(ThreadRead)
    return (
        select(*columns)
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(read, (read.thread_id == Thread.id) & (read.member_id == member_id))
        .where(or_(Thread.inquirer_business_id == business_id,
                   Thread.owner_business_id == business_id),
               Message.author_business_id != business_id,
               or_(read.last_read_at.is_(None), Message.created_at > read.last_read_at))
    )


def _unread_query(member):
    """(thread_id, unread count) for messages from the other side the member has not read."""
    return (_unread([Message.thread_id, func.count(Message.id)], member.business_id, member.id)
            .group_by(Message.thread_id))


def unread_by_thread(member) -> dict:
    if not (member and member.is_authenticated and member.business_id):
        return {}
    return dict(db.session.execute(_unread_query(member)).all())


@functools.cache
def _unread_total():
    """Built once, when first asked (the mappers are configured by then): the badge is on
    every page a member reads."""
    return _unread([func.count(Message.id)], bindparam("business_id"), bindparam("member_id"))


def unread_count(member) -> int:
    """Unread messages in all of the member's business threads (for the navigation badge)."""
    if not (member and member.is_authenticated and member.business_id):
        return 0
    return db.session.scalar(_unread_total(), {"business_id": member.business_id,
                                             "member_id": member.id}) or 0


def threads_for(member, archived=False, page=1, per_page=20):
    """A page of the member's business threads, newest activity first."""
    business_id = member.business_id
    query = (
        select(Thread)
        .where(or_(
            (Thread.inquirer_business_id == business_id)
            & (Thread.archived_by_inquirer == archived),
            (Thread.owner_business_id == business_id)
            & (Thread.archived_by_owner == archived),
        ))
        .options(joinedload(Thread.inquirer_business), joinedload(Thread.owner_business))
        .order_by(Thread.last_message_at.desc(), Thread.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def recent_threads(member, limit=5) -> list:
    """The member's business threads with the latest activity (for the dashboard)."""
    if not (member and member.is_authenticated and member.business_id):
        return []
    return threads_for(member, page=1, per_page=limit).items


def thread_for(member, thread_id):
    """The thread if the member's business is one of its two sides, else None."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not can_read(member, thread):
        return None
    return thread


def inquired_listing_ids(business_id) -> frozenset:
    """The listings the business asked about (the listing page's card shows it its thread)."""
    return frozenset(db.session.scalars(
        select(Thread.listing_id).where(Thread.inquirer_business_id == business_id)))


def existing_thread(member, listing):
    """The latest thread of the member's business about this listing (for the listing page)."""
    if not (member and member.is_authenticated and member.business_id):
        return None
    return db.session.scalar(
        select(Thread).where(Thread.inquirer_business_id == member.business_id,
                             Thread.listing_id == listing.id)
        .order_by(Thread.id.desc()).limit(1))


def visible_contacts(member, thread) -> dict | None:
    """The other side's contact details, or None while the owner has not replied."""
    if not thread.contacts_revealed or not can_read(member, thread):
        return None
    other = thread.other_business(member.business_id)
    author_ids = {m.author_id for m in thread.messages if m.author_business_id == other.id}
    people = db.session.scalars(
        select(Member).where(Member.id.in_(author_ids)).order_by(Member.id)).all()
    return {"business": other, "people": people}
