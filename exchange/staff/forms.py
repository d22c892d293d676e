"""Forms of staff administration: a role for a member, a role for an email address."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from exchange.staff.services import role_values

ROLE_LABELS = {"member": _l("Member"), "moderator": _l("Moderator"),
               "admin": _l("Administrator")}


def role_label(value: str):
    return ROLE_LABELS.get(value, value.replace("_", " ").capitalize())


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(value, role_label(value)) for value in role_values()]


class GrantForm(RoleForm):
    email = StringField(_l("Email address of the account"), validators=[
        DataRequired(_l("Enter an email address.")), Length(max=254)])
