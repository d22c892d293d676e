"""Forms for proposals, their decisions and thread, and for recording deals."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, MultipleFileField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from exchange import taxonomy
from exchange.deals.models import DealKind, DeclineReason, PriceKind
from exchange.listings.files import PreparedFile, UploadError, prepare_pdfs
from exchange.listings.forms import MoneyField, MultiCheckboxField, local_today, strip

PRICE_KINDS = (
    (PriceKind.AMOUNT.value, _l("A price")),
    (PriceKind.RANGE.value, _l("A price range")),
    (PriceKind.NEGOTIABLE.value, _l("Negotiable")),
)
DECLINE_REASONS = (
    (DeclineReason.PRICE.value, _l("The price is too high")),
    (DeclineReason.LEAD_TIME.value, _l("The lead time is too long")),
    (DeclineReason.NOT_SUITABLE.value, _l("The solution does not fit our needs")),
    (DeclineReason.OTHER_CHOSEN.value, _l("We chose another proposal")),
    (DeclineReason.OTHER.value, _l("Another reason")),
)
DEAL_KINDS = (
    (DealKind.SALE.value, _l("Sale")),
    (DealKind.LICENCE.value, _l("Licence")),
    (DealKind.JOINT_VENTURE.value, _l("Joint venture")),
    (DealKind.TECHNICAL_ASSISTANCE.value, _l("Technical assistance")),
    (DealKind.TURNKEY.value, _l("Turnkey")),
    (DealKind.OTHER.value, _l("Other")),
)


class ProposalForm(FlaskForm):
    solution = TextAreaField(_l("The solution you offer"), filters=[strip],
                             validators=[InputRequired(), Length(max=5000)],
                             render_kw={"rows": 5})
    offer_id = SelectField(_l("One of your published offers (optional)"), coerce=int,
                           validators=[Optional()])
    price_kind = RadioField(_l("Price"), choices=[], default=PriceKind.AMOUNT.value,
                            validators=[InputRequired()])
    price = MoneyField(_l("Price, or the lower end of the range (VND)"),
                       validators=[Optional()], render_kw={"inputmode": "numeric"})
    price_max = MoneyField(_l("Upper end of the range (VND)"), validators=[Optional()],
                           render_kw={"inputmode": "numeric"})
    lead_time_days = IntegerField(_l("Lead time (days)"), validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Between 0 and 3650 days."))])
    transfer_mode = SelectField(_l("Transfer mode"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired()])
    message = TextAreaField(_l("Message to the requester"), filters=[strip],
                            validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
    attachments = MultipleFileField(_l("PDF attachments"),
                                    render_kw={"accept": "application/pdf"},
                                    description=_l("Up to 5 PDF files, 10 MB each."))
    remove_files = MultiCheckboxField(_l("Remove"), coerce=int, validators=[Optional()])

    def __init__(self, *args, offers=(), existing_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_id.choices = [(0, "—")] + [
            (offer.id, offer.approved_revision.title) for offer in offers]
        self.transfer_mode.choices = taxonomy.choices(taxonomy.TRANSFER_MODES)
        self.price_kind.choices = list(PRICE_KINDS)
        self.existing_files = list(existing_files)
        self.remove_files.choices = [(f.id, f.filename) for f in self.existing_files]
        self.prepared_pdfs: list[PreparedFile] = []

    def validate_attachments(self, field):
        removed = set(self.remove_files.data or ())
        kept = sum(1 for f in self.existing_files if f.id not in removed)
        try:
            self.prepared_pdfs = prepare_pdfs(field.data, already=kept)
        except UploadError as error:
            raise ValidationError(str(error.message)) from None

    # price and price_max are Optional(), which skips their own checks when empty: the
    # rules that make one required live on the choice of price kind
    def validate_price_kind(self, field):
        if field.data in (PriceKind.AMOUNT, PriceKind.RANGE) and self.price.data is None:
            raise ValidationError(_l("Give the price in VND."))
        if field.data != PriceKind.RANGE:
            return
        if self.price_max.data is None:
            raise ValidationError(_l("Give the upper end of the range."))
        if self.price_max.data < self.price.data:
            raise ValidationError(_l("The upper end must not be below the lower end."))

    def validate_valid_until(self, field):
        if field.data is not None and field.data < local_today():
            raise ValidationError(_l("The proposal must be valid until a future date."))

    def details(self) -> dict:
        """In the shape proposals.submit_proposal and revise_proposal take."""
        return {
            "solution": self.solution.data, "offer_id": self.offer_id.data or None,
            "price_kind": self.price_kind.data, "price_vnd": self.price.data,
            "price_max_vnd": self.price_max.data, "lead_time_days": self.lead_time_days.data,
            "transfer_mode": self.transfer_mode.data, "valid_until": self.valid_until.data,
            "message": self.message.data or "",
        }

    @classmethod
    def data_from(cls, proposal) -> dict:
        return {
            "solution": proposal.solution, "offer_id": proposal.offer_id or 0,
            "price_kind": proposal.price_kind, "price": proposal.price_vnd,
            "price_max": proposal.price_max_vnd, "lead_time_days": proposal.lead_time_days,
            "transfer_mode": proposal.transfer_mode, "valid_until": proposal.valid_until,
            "message": proposal.message,
        }


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ShortlistForm(FlaskForm):
    shortlisted = BooleanField(_l("Shortlisted"))


class DeclineForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[], validators=[InputRequired()])
    text = TextAreaField(_l("A word for the proposer (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = list(DECLINE_REASONS)


class MessageForm(FlaskForm):
    message = TextAreaField(_l("Question or answer"), filters=[strip],
                            validators=[InputRequired(), Length(max=5000)],
                            render_kw={"rows": 3})


class DealForm(FlaskForm):
    kind = SelectField(_l("Type of deal"), choices=[], validators=[InputRequired()])
    value = MoneyField(_l("Value (VND)"), validators=[Optional()],
                       render_kw={"inputmode": "numeric", "placeholder": "250.000.000"})
    undisclosed = BooleanField(_l("Do not disclose the value"))
    concluded_on = DateField(_l("Concluded on"), validators=[InputRequired()],
                             default=local_today)
    listing_ids = MultiCheckboxField(_l("Listings concerned"), coerce=int,
                                     validators=[Optional()])
    story = StringField(_l("One line for the public (optional)"), filters=[strip],
                        validators=[Optional(), Length(max=200)],
                        description=_l("Shown on the listing only if both businesses agree."))
    story_public = BooleanField(_l("We agree to show this line on the listing"))

    def __init__(self, *args, listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(DEAL_KINDS)
        self.listing_ids.choices = [
            (x.id, x.approved_revision.title if x.approved_revision else f"#{x.id}")
            for x in listings]

    def validate_undisclosed(self, field):
        # value is Optional(), which skips its own checks when it is empty
        if self.value.data is None and not field.data:
            raise ValidationError(_l("Give the value or tick “Do not disclose the value”."))

    def validate_concluded_on(self, field):
        if field.data is not None and field.data > local_today():
            raise ValidationError(_l("The deal must have been concluded on or before today."))

    @property
    def value_vnd(self):
        return None if self.undisclosed.data else self.value.data


class ConfirmDealForm(FlaskForm):
    story_public = BooleanField(_l("We agree to show the public line on the listing"))


class DisputeForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with this record?"), filters=[strip],
                           validators=[InputRequired(), Length(max=2000)],
                           render_kw={"rows": 2})


class OfflineDealForm(DealForm):
    recorder_tax_code = StringField(_l("Tax code of the first business"), filters=[strip],
                                    validators=[InputRequired(), Length(max=14)])
    counterpart_tax_code = StringField(_l("Tax code of the second business"), filters=[strip],
                                       validators=[InputRequired(), Length(max=14)])
    source = StringField(_l("Where it was reported"), filters=[strip],
                         validators=[InputRequired(), Length(max=300)],
                         description=_l("E.g. Techmart 2026 technology fair, Cần Thơ"))
    listing_numbers = StringField(_l("Listing numbers (optional)"), filters=[strip],
                                  validators=[Optional(), Length(max=200)],
                                  description=_l("Separated by commas, e.g. 12, 40"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_listing_ids: list[int] = []

    def validate_listing_numbers(self, field):
        parts = [p.strip().lstrip("#") for p in (field.data or "").split(",") if p.strip()]
        if not all(p.isdigit() and 0 < int(p) < 2**31 for p in parts):
            raise ValidationError(_l("Give listing numbers separated by commas."))
        self.parsed_listing_ids = [int(p) for p in parts]
