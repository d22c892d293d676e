"""Sign-up, login, password and invitation forms."""
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from stdnum.vn import mst
from wtforms import EmailField, PasswordField, SelectField, StringField, TelField, URLField
from wtforms.validators import (URL, DataRequired, Email, EqualTo, Length, Optional,
                                ValidationError)

from exchange import taxonomy
from exchange.accounts.models import Member
from exchange.core.messages import lazy_message

PASSWORD_MIN = 10


def password_policy(form, field):
    value = field.data or ""
    if len(value) < PASSWORD_MIN:
        raise ValidationError(lazy_message(_l("Use at least %(n)d characters."),
                                           n=PASSWORD_MIN))
    if not any(c.isalpha() for c in value) or all(c.isalpha() for c in value):
        raise ValidationError(_l("Mix letters with digits or symbols."))
    local_part = (form.data.get("email") or "").split("@")[0].lower()
    if len(local_part) >= 4 and local_part in value.lower():
        raise ValidationError(_l("Do not use your email address in the password."))


def valid_email(form, field):
    """An address mail can be delivered to, in the form it is stored (Member.normalize_email).
    The local part must be ASCII: a non-ASCII one needs SMTPUTF8, which the relay and most
    mailboxes lack, and letters such as a dotless ı are how look-alike addresses are made."""
    normalized = Member.normalize_email(field.data)
    try:
        validate_email(normalized, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError(_l("Enter a valid email address.")) from exc
    field.data = normalized


def valid_tax_code(form, field):
    value = (field.data or "").strip()
    if not mst.is_valid(value):
        raise ValidationError(_l("This is not a valid Vietnamese tax code (MST): check the "
                                 "10 digits (or 13 for a branch) and the check digit."))
    field.data = mst.compact(value)


def no_control_chars(form, field):
    if field.data and any(ord(c) < 32 and c not in "\t" for c in field.data):
        raise ValidationError(_l("Remove the control characters."))


class PasswordFields:
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200),
                                                         password_policy],
                             description=_l("At least 10 characters, with letters and digits or symbols."))
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class RegisterForm(PasswordFields, FlaskForm):
    business_name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=200),
                                                                 no_control_chars])
    tax_code = StringField(_l("Tax code (MST)"), validators=[DataRequired(), Length(max=20),
                                                             valid_tax_code])
    province = SelectField(_l("Province / city"), validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300), no_control_chars])
    sector = SelectField(_l("Main sector"), validators=[Optional()])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=300),
                                                  URL(message=_l("Enter a full address, e.g. https://example.vn"))])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=30), no_control_chars])
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120),
                                                              no_control_chars])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), valid_email])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = [("", _l("Choose…"))] + taxonomy.choices(taxonomy.PROVINCES)
        self.sector.choices = [("", _l("Choose…"))] + taxonomy.choices(taxonomy.SECTORS)

    def validate_province(self, field):
        if field.data not in taxonomy.codes(taxonomy.PROVINCES):
            raise ValidationError(_l("Choose a province from the list."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email()])


class ResetPasswordForm(PasswordFields, FlaskForm):
    pass


class InviteForm(FlaskForm):
    email = EmailField(_l("Colleague's email"), validators=[DataRequired(), Length(max=254),
                                                            valid_email])


class AcceptInviteForm(PasswordFields, FlaskForm):
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120),
                                                              no_control_chars])


class ResendVerificationForm(FlaskForm):
    pass
