"""Forms of the inquiry channel: first message, reply, report, actions, moderation."""
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from exchange.core.messages import lazy_message
from exchange.inquiries.reports import REPORT_MAX_CHARS
from exchange.listings.forms import MoneyField
from exchange.inquiries.services import MESSAGE_MAX_CHARS

MESSAGE_HELP = lazy_message(_l("Plain text, at most %(max)d characters. Links are shown as text."),
                            max=MESSAGE_MAX_CHARS)


def _message_field(label):
    return TextAreaField(label, validators=[
        DataRequired(_l("Please write a message.")),
        Length(max=MESSAGE_MAX_CHARS,
               message=_l("A message can be at most %(max)d characters.")),
    ], render_kw={"rows": 5, "maxlength": MESSAGE_MAX_CHARS})


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def _idempotency_field():
    """A key made when the form is rendered: posting the same page twice sends once, and
    the next page (after the redirect) carries a new key for the next message."""
    return HiddenField(default=new_idempotency_key, validators=[
        Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9_-]+$")])


class InquiryForm(FlaskForm):
    message = _message_field(_l("Your message"))
    idempotency_key = _idempotency_field()
    quantity = IntegerField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=1, max=10**9, message=_l("Enter a positive number."))])
    budget = MoneyField(_l("Budget (VND)"), validators=[Optional()])
    delivery_date = DateField(_l("Desired delivery date"), validators=[Optional()])
    site_visit = BooleanField(_l("I would like a site visit"))
    demo = BooleanField(_l("I would like a technical demonstration"))


class ReplyForm(FlaskForm):
    message = _message_field(_l("Reply"))
    idempotency_key = _idempotency_field()


REPORT_REASONS = [SelectChoice("spam", _l("Spam")), SelectChoice("abuse", _l("Abuse or fraud"))]


class ReportForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=REPORT_REASONS, validators=[DataRequired()])
    text = TextAreaField(_l("What happened? (optional)"), validators=[
        Optional(), Length(max=REPORT_MAX_CHARS)], render_kw={"rows": 3})


class ActionForm(FlaskForm):
    """A button: only the CSRF token is checked."""


class MailSettingForm(FlaskForm):
    notify_by_email = BooleanField(_l("Email me when a new inquiry or message arrives"))


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Please give a reason.")), Length(max=2000)], render_kw={"rows": 2})
