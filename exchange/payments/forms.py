"""Forms of the payments feature: choosing a plan and a provider, plans, staff bank work."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp


class FeatureForm(FlaskForm):
    plan = RadioField(_l("Plan"), validators=[DataRequired(_l("Choose a plan."))])
    provider = RadioField(_l("Payment method"), validators=[Optional()])

    def __init__(self, plans, providers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan.choices = [(plan.code, plan.code) for plan in plans]
        self.provider.choices = [(str(p), str(p)) for p in providers]
        self.providers = [str(p) for p in providers]

    def chosen_provider(self) -> str | None:
        """The provider asked for; with one configured, the form need not name it."""
        if self.provider.data in self.providers:
            return self.provider.data
        if not self.provider.data and len(self.providers) == 1:
            return self.providers[0]
        return None


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


class MarkPaidForm(FlaskForm):
    bank_transaction_id = StringField(_l("Bank transaction id"),
                                      validators=[DataRequired(), Length(max=100)])
    amount_vnd = IntegerField(_l("Amount received (VND)"),
                              validators=[Optional(), NumberRange(min=1, max=10**12)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ResolveForm(FlaskForm):
    action = SelectField(_l("Resolution"), choices=[
        SelectChoice("fulfil", _l("Fulfil the order")),
        SelectChoice("refund", _l("Refund (note what was done)")),
        SelectChoice("note", _l("Close with a note"))], validators=[DataRequired()])
    order_id = IntegerField(_l("Order number"), validators=[Optional(), NumberRange(min=1)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class StatementForm(FlaskForm):
    statement = FileField(_l("Bank statement (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "xlsx"], _l("A CSV or XLSX file, please."))])


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that only reads

    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])
    format = SelectField(_l("Format"), choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "XLSX")],
                         default="csv")
