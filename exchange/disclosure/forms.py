"""Forms of staged disclosure: asking for access, deciding, the business's agreement text."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from exchange.disclosure.services import MAX_REASON, MAX_STATEMENT


class AccessRequestForm(FlaskForm):
    statement = TextAreaField(
        _l("Why is your business interested?"),
        validators=[DataRequired(_l("Say in a few words why your business is interested.")),
                    Length(min=10, max=MAX_STATEMENT)],
        render_kw={"rows": 4, "maxlength": MAX_STATEMENT},
        description=_l("The owner reads this before deciding. Plain text."))
    accept_agreement = BooleanField(_l("I have read the confidentiality agreement above and "
                                       "accept it on behalf of my business."))
    agreement_version = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{64}$")])


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Give the requester a reason.")), Length(max=MAX_REASON)],
        render_kw={"rows": 2, "maxlength": MAX_REASON})


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(),
                                                               Length(max=MAX_REASON)],
                           render_kw={"rows": 2, "maxlength": MAX_REASON})


class BusinessAgreementForm(FlaskForm):
    agreement_text = TextAreaField(
        _l("Your business's confidentiality agreement"),
        validators=[Optional(), Length(max=20000)], render_kw={"rows": 14},
        description=_l("Used for your listings that ask for an agreement. Leave empty to use "
                       "the exchange's template."))
