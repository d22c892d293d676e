"""Compose mail into the outbox and send it over SMTP, retrying what failed."""
import smtplib
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow

MAX_BACKOFF = timedelta(hours=1)
# how long a sender holds a mail it took; one that died mid-way lets it go after this
SEND_LEASE = timedelta(minutes=5)


class OutboxMail(db.Model):
    __tablename__ = "outbox_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    # a mail with a dedupe key is queued at most once, however often its cause runs
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)


def queue_mail(recipient, subject, template, *, dedupe_key=None, locale="vi", **context):
    """Render a mail and store it in the outbox; it is sent after the commit."""
    if dedupe_key and db.session.scalar(
        select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key)
    ):
        return None
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        subject = str(subject)
    mail = OutboxMail(recipient=recipient, subject=subject, body_text=body, dedupe_key=dedupe_key)
    db.session.add(mail)
    db.session.flush()
    db.session.info["drain"] = True
    return mail


def _message(mail: OutboxMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}")
    msg.set_content(mail.body_text)
    return msg


def _deliver(messages):
    cfg = current_app.config
    if not cfg["MAIL_SERVER"]:
        for msg in messages:
            print("=" * 72, file=sys.stdout)
            print(f"To: {msg['To']}\nSubject: {msg['Subject']}\n", file=sys.stdout)
            print(msg.get_content(), file=sys.stdout, flush=True)
        return
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for msg in messages:
            smtp.send_message(msg)


def send_pending(limit=200, budget=None) -> int:
    """Send due mail; a failure leaves the mail pending with a back-off. Returns sent count.
    With a `budget` (exchange.budget.Budget), mail not reached in its time waits; one mail
    always goes, so a drain that spent its time elsewhere still moves the mail on."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    sent = 0
    for mail_id in due:
        if budget is not None and sent and budget.spent_time():
            break
        if not _take(mail_id, now):
            continue  # another sender (a worker's drain, the CLI) has it
        mail = db.session.get(OutboxMail, mail_id)
        try:
            _deliver([_message(mail)])
        except (OSError, smtplib.SMTPException) as exc:
            mail.attempts += 1
            mail.last_error = str(exc)[:500]
            mail.next_attempt_at = now + min(timedelta(seconds=30 * 2**mail.attempts), MAX_BACKOFF)
            db.session.commit()
            current_app.logger.warning("mail %s not sent (attempt %s): %s; next try at %s",
                                       mail.id, mail.attempts, mail.last_error,
                                       mail.next_attempt_at.isoformat())
            break  # the server is down: try the rest on the next run
        mail.sent_at = utcnow()
        mail.attempts += 1
        db.session.commit()
        sent += 1
    return sent


def _take(mail_id: int, now) -> bool:
    """Lease a due mail to this sender. Drains run after every commit in every worker, so
    several may read the same due mail; only the one whose update matches sends it."""
    taken = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
               OutboxMail.next_attempt_at <= now)
        .values(next_attempt_at=now + SEND_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1
