"""The statistics form: a period (month, quarter, year or custom), filters, an "as of" date."""
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from exchange import taxonomy
from exchange.listings.forms import local_today
from exchange.stats.figures import Scope

PERIODS = (("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year")),
           ("custom", _l("From … to …")))
# a custom period is at most ten years: the chart and the exports stay readable
MAX_DAYS = 3660


class StatsForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    period = SelectField(_l("Period"), default="quarter", validators=[Optional()])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    quarter = SelectField(_l("Quarter"), coerce=int, validators=[Optional()])
    month = SelectField(_l("Month"), coerce=int, validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    as_of = DateField(_l("As of"), validators=[Optional()],
                      description=_l("The figures as the data stood at the end of this day."))
    sector = SelectField(_l("Sector"), validators=[Optional()])
    province = SelectField(_l("Province / city"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _l("All"))]
        self.period.choices = list(PERIODS)
        self.quarter.choices = [(n, f"Q{n}") for n in range(1, 5)]
        self.month.choices = [(n, f"{n:02d}") for n in range(1, 13)]
        self.sector.choices = every + taxonomy.choices(taxonomy.SECTORS)
        self.province.choices = every + taxonomy.choices(taxonomy.PROVINCES)
        self.category.choices = every + taxonomy.choices(taxonomy.CATEGORIES)
        self.kind.choices = every + taxonomy.choices(taxonomy.KINDS)
        today = local_today()
        for name, value in (("year", today.year), ("quarter", (today.month - 1) // 3 + 1),
                            ("month", today.month)):
            if getattr(self, name).data is None:
                getattr(self, name).data = value
        if not self.period.data:
            self.period.data = "quarter"

    # start and end are Optional(), which skips their own checks when empty: a custom
    # period's rules live on the choice of period
    def validate_period(self, field):
        if field.data != "custom":
            return
        if self.start.data is None or self.end.data is None:
            raise ValidationError(_l("Give both dates of the period."))
        if self.end.data < self.start.data:
            raise ValidationError(_l("The period must end after it starts."))
        if (self.end.data - self.start.data).days > MAX_DAYS:
            raise ValidationError(_l("A period can be at most ten years long."))

    def bounds(self) -> tuple[date, date]:
        year = self.year.data
        if self.period.data == "custom":
            return self.start.data, self.end.data
        if self.period.data == "year":
            return date(year, 1, 1), date(year, 12, 31)
        if self.period.data == "month":
            first = date(year, self.month.data, 1)
        else:
            first = date(year, 3 * (self.quarter.data - 1) + 1, 1)
        months = 1 if self.period.data == "month" else 3
        following = first
        for _ in range(months):
            following = (following + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)

    def scope(self) -> Scope:
        first, last = self.bounds()
        return Scope(first=first, last=last, as_of=self.as_of.data,
                     sector=self.sector.data or None, province=self.province.data or None,
                     category=self.category.data or None, kind=self.kind.data or None)
