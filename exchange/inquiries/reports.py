"""Reports of spam or abuse into the moderation queue; suspending a member's inquiries."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.accounts.models import Member
from exchange.core.messages import lazy_message
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.inquiries.models import Report, ReportReason, Thread
from exchange.inquiries.notifications import preview
from exchange.inquiries.services import CONTROL_CHARS, can_read, can_report_listing
from exchange.moderation.models import ItemKind, ItemState, QueueItem, record_audit

REPORT_MAX_CHARS = 2000


def _open_report_exists(reporter, *, thread_id=None, listing_id=None) -> bool:
    query = (select(Report.id).join(QueueItem, QueueItem.id == Report.queue_item_id)
             .where(Report.reporter_id == reporter.id, QueueItem.state == ItemState.WAITING))
    if thread_id is not None:
        query = query.where(Report.thread_id == thread_id)
    else:
        query = query.where(Report.listing_id == listing_id, Report.thread_id.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def _clean_report(reason, text):
    if reason not in tuple(ReportReason):
        raise DomainError(_l("Please choose why you report this."), code="reason")
    text = CONTROL_CHARS.sub("", text or "").strip()
    if len(text) > REPORT_MAX_CHARS:
        raise DomainError(lazy_message(_l("A report can be at most %(max)d characters."),
                                       max=REPORT_MAX_CHARS), code="too_long")
    return ReportReason(reason), text


def _file_report(reporter, reason, text, *, thread=None, listing_id, reported_business_id):
    report = Report(reporter_id=reporter.id, reporter_business_id=reporter.business_id,
                    thread_id=thread.id if thread else None, listing_id=listing_id,
                    reported_business_id=reported_business_id, reason=reason, text=text)
    db.session.add(report)
    db.session.flush()
    details = {
        "report_id": report.id, "target": "thread" if thread else "listing",
        "reason": str(reason), "text": text, "reporter_id": reporter.id,
        "reporter_business_id": reporter.business_id, "thread_id": report.thread_id,
    }
    if thread is not None:
        details["excerpt"] = [
            {"author_id": m.author_id, "business_id": m.author_business_id,
             "at": m.created_at.isoformat(), "body": preview(m.body, 500)}
            for m in thread.messages[-5:]
        ]
    item = QueueItem(kind=ItemKind.REPORT, listing_id=listing_id,
                     business_id=reported_business_id, details=details)
    db.session.add(item)
    db.session.flush()
    report.queue_item_id = item.id
    db.session.flush()
    return report


def report_thread(member, thread, reason, text="") -> Report:
    if not can_read(member, thread):
        raise NotAllowed(_l("This conversation is not yours."), code="not_party")
    reason, text = _clean_report(reason, text)
    if _open_report_exists(member, thread_id=thread.id):
        raise Conflict(_l("You already reported this conversation; the moderators will "
                          "look at it."), code="duplicate_report")
    return _file_report(member, reason, text, thread=thread, listing_id=thread.listing_id,
                        reported_business_id=thread.other_business(member.business_id).id)


def report_listing(member, listing, reason, text="") -> Report:
    if not can_report_listing(member, listing):
        raise NotAllowed(_l("You cannot report this listing."), code="cannot_report")
    reason, text = _clean_report(reason, text)
    if _open_report_exists(member, listing_id=listing.id):
        raise Conflict(_l("You already reported this listing; the moderators will look at it."),
                       code="duplicate_report")
    return _file_report(member, reason, text, listing_id=listing.id,
                        reported_business_id=listing.business_id)


def reported_thread_for_staff(staff, thread_id) -> Thread:
    """A conversation as the exchange staff may read it: only once one of its parties has
    reported it (the report waits or was decided), and every read is kept in the audit log,
    so private conversations are not an open book to every moderator."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise DomainError(_l("No such conversation."), code="not_found")
    report_item_id = db.session.scalar(
        select(Report.queue_item_id).join(QueueItem, QueueItem.id == Report.queue_item_id)
        .where(Report.thread_id == thread.id,
               QueueItem.state.in_((ItemState.WAITING, ItemState.DECIDED)))
        .order_by(Report.id.desc()).limit(1))
    if report_item_id is None:
        raise NotAllowed(_l("Staff can read a conversation only after one of its parties "
                            "reported it."), code="not_reported")
    record_audit("thread_read", actor_id=staff.id, listing_id=thread.listing_id,
                 queue_item_id=report_item_id, thread_id=thread.id)
    db.session.flush()
    return thread


def suspend_member_inquiries(moderator_id, member_id, reason) -> Member:
    """Stop a member from sending inquiries and messages; kept in the audit log."""
    member = _member_for_moderation(member_id, reason)
    if member.can_send_inquiries:
        member.can_send_inquiries = False
        record_audit("inquiries_suspended", actor_id=moderator_id, business_id=member.business_id,
                     reason=reason.strip(), member_id=member.id)
        db.session.flush()
    return member


def restore_member_inquiries(moderator_id, member_id, reason) -> Member:
    member = _member_for_moderation(member_id, reason)
    if not member.can_send_inquiries:
        member.can_send_inquiries = True
        record_audit("inquiries_restored", actor_id=moderator_id, business_id=member.business_id,
                     reason=reason.strip(), member_id=member.id)
        db.session.flush()
    return member


def _member_for_moderation(member_id, reason) -> Member:
    if not (reason or "").strip():
        raise DomainError(_l("Please give a reason."), code="reason")
    member = db.session.get(Member, member_id)
    if member is None:
        raise DomainError(_l("No such member."), code="not_found")
    return member
