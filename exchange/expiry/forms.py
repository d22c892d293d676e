"""The staff form for a category's listing lifetimes."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from exchange.listings.lifetimes import LONGEST_DAYS


class LifetimeForm(FlaskForm):
    category = HiddenField(validators=[InputRequired()])
    default_days = IntegerField(_l("Default lifetime (days)"), validators=[
        InputRequired(), NumberRange(min=1, max=LONGEST_DAYS)])
    max_days = IntegerField(_l("Longest lifetime (days)"), validators=[
        InputRequired(), NumberRange(min=1, max=LONGEST_DAYS)])
