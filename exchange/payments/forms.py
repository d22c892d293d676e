"""Forms of the payments feature: choosing a plan, editing plans."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp


class FeatureForm(FlaskForm):
    plan = RadioField(_l("Plan"), validators=[DataRequired(_l("Choose a plan."))])

    def __init__(self, plans, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan.choices = [(plan.code, plan.code) for plan in plans]


class PlanForm(FlaskForm):
    plan_id = HiddenField()
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=30),
        Regexp(r"^[a-z0-9_-]+$", message=_l("Lower-case letters, digits, - and _ only."))])
    days = IntegerField(_l("Days"), validators=[DataRequired(), NumberRange(min=1, max=366)])
    price_vnd = IntegerField(_l("Price (VND)"), validators=[DataRequired(), NumberRange(min=0)])
    label_vi = StringField(_l("Label (Vietnamese)"), validators=[DataRequired(), Length(max=100)])
    label_en = StringField(_l("Label (English)"), validators=[DataRequired(), Length(max=100)])
    position = IntegerField(_l("Order shown"), default=0,
                            validators=[Optional(), NumberRange(min=0)])
    active = BooleanField(_l("On sale"), default=True)
