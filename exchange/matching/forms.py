"""Forms of the matching feature: mail settings and saving a search."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from exchange.accounts.models import MatchMailMode


class NotificationSettingsForm(FlaskForm):
    match_mail_mode = RadioField(_l("Emails about new matches"), choices=[
        SelectChoice(MatchMailMode.DAILY.value, _l("One email a day at most (recommended)")),
        SelectChoice(MatchMailMode.IMMEDIATE.value, _l("Right away, for every new match")),
        SelectChoice(MatchMailMode.OFF.value, _l("No match emails")),
    ], validators=[DataRequired()])


class SavedSearchForm(FlaskForm):
    name = StringField(_l("Name of the search"), validators=[
        DataRequired(_l("Give the search a name.")), Length(max=100)])
    # the /search query string, e.g. "q=máy sấy&kind=offer"
    query = HiddenField()
