"""Inquiry mail: the other side is told of a new message with a link and a short preview."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.accounts.models import Member
from exchange.core.urls import site_url
from exchange.core.messages import lazy_message
from exchange.extensions import db
from exchange.inquiries.models import InquiryMailSetting
from exchange.listings.visibility import party_name
from exchange.mail import queue_mail

PREVIEW_CHARS = 140


def wants_mail(member) -> bool:
    setting = db.session.get(InquiryMailSetting, member.id)
    return setting is None or setting.notify_by_email


def set_mail_preference(member, notify_by_email: bool) -> None:
    setting = db.session.get(InquiryMailSetting, member.id)
    if setting is None:
        setting = InquiryMailSetting(member_id=member.id)
        db.session.add(setting)
    setting.notify_by_email = bool(notify_by_email)
    db.session.flush()


def preview(text, limit=PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def notify(thread, message, author, *, new_thread) -> None:
    """Mail the other side's members a link and a short preview; never the whole message."""
    recipients_business = thread.other_business(author.business_id)
    members = db.session.scalars(
        select(Member).where(Member.business_id == recipients_business.id,
                             Member.is_active_account.is_(True),
                             Member.email_verified_at.is_not(None))
        .order_by(Member.id)).all()
    link = site_url("inquiries.thread", thread_id=thread.id)
    settings_link = site_url("inquiries.inbox")
    for recipient in members:
        if not wants_mail(recipient):
            continue
        if new_thread:
            subject = lazy_message(_l("New inquiry about “%(title)s”"), title=thread.listing_title)
            template = "inquiry_new"
        else:
            subject = lazy_message(_l("New message about “%(title)s”"), title=thread.listing_title)
            template = "inquiry_reply"
        queue_mail(
            recipient.email, subject, template,
            # one mail per message and person, however often the request is retried
            dedupe_key=f"inquiry-message-{message.id}-to-{recipient.id}",
            locale=recipient.locale or "vi",
            member=recipient, thread=thread,
            sender_name=party_name(thread, author.business, recipient),
            preview=preview(message.body), link=link, settings_link=settings_link,
        )
