"""Forms of the directories: an expert entry, its review, a request for a service."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from exchange import taxonomy
from exchange.directories.models import SERVICES
from exchange.directories.services import REASON_MAX
from exchange.inquiries.forms import _idempotency_field, _message_field


class ExpertForm(FlaskForm):
    name = StringField(_l("Name shown in the directory"), validators=[
        DataRequired(_l("Enter a name.")), Length(max=200)])
    services = SelectMultipleField(_l("Services offered"), validators=[
        DataRequired(_l("Choose at least one service."))])
    sectors = SelectMultipleField(_l("Sectors"), validators=[Optional()])
    province = SelectField(_l("Province"), validators=[DataRequired(_l("Choose a province."))])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)],
                                description=_l("What you do, for whom, and how you work "
                                               "(Markdown)."),
                                render_kw={"rows": 6})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.services.choices = taxonomy.choices(SERVICES)
        self.sectors.choices = taxonomy.choices(taxonomy.SECTORS)
        self.province.choices = [("", "—")] + taxonomy.choices(taxonomy.PROVINCES)

    def content(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("name", "services", "sectors", "province", "website", "description")}


class StaffExpertForm(ExpertForm):
    tax_code = StringField(_l("Tax code (MST) of the business"), validators=[
        DataRequired(_l("Enter the business's tax code.")), Length(max=20)])


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason (shown to the business when refused)"),
                           validators=[Optional(), Length(max=REASON_MAX)])


class ServiceRequestForm(FlaskForm):
    """The first message of a request for a service: a message, sent once (the inquiry
    form's fields and rules)."""
    message = _message_field(_l("What do you need?"))
    idempotency_key = _idempotency_field()
