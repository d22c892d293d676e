"""Forms for editors (articles, events, scheduling) and for visitors registering for an event."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateTimeLocalField, EmailField, FileField, IntegerField, SelectField,
                     StringField, TextAreaField, URLField)
from wtforms.validators import (URL, Email, InputRequired, Length, NumberRange, Optional,
                                ValidationError)

from exchange.content.models import ArticleCategory, EventKind
from exchange.listings.forms import local_zone


def strip(value):
    return value.strip() if isinstance(value, str) else value


def category_choices():
    return [(ArticleCategory.NEWS.value, _l("News")), (ArticleCategory.POLICY.value, _l("Policy")),
            (ArticleCategory.GUIDE.value, _l("Guide")),
            (ArticleCategory.SUCCESS_STORY.value, _l("Success story"))]


def kind_choices():
    return [(EventKind.TECHMART.value, _l("Technology fair (Techmart)")),
            (EventKind.WORKSHOP.value, _l("Workshop")), (EventKind.TRAINING.value, _l("Training"))]


def to_utc(value: datetime | None) -> datetime | None:
    """A time typed in the exchange's local zone, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_zone()).replace(tzinfo=None) if value else None


LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class ArticleForm(FlaskForm):
    category = SelectField(_l("Category"), choices=category_choices,
                           validators=[InputRequired()])
    title_vi = StringField(_l("Title (Vietnamese)"), filters=[strip],
                           validators=[InputRequired(), Length(min=3, max=300)])
    lead_vi = TextAreaField(_l("Lead (Vietnamese)"), filters=[strip],
                            validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    body_vi = TextAreaField(_l("Body (Vietnamese)"), filters=[strip],
                            validators=[Optional(), Length(max=100_000)],
                            render_kw={"rows": 12},
                            description=_l("Markdown: **bold**, *italic*, lists, links. "
                                           "HTML is not allowed."))
    title_en = StringField(_l("Title (English)"), filters=[strip],
                           validators=[Optional(), Length(min=3, max=300)],
                           description=_l("Leave empty if there is no English version."))
    lead_en = TextAreaField(_l("Lead (English)"), filters=[strip],
                            validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    body_en = TextAreaField(_l("Body (English)"), filters=[strip],
                            validators=[Optional(), Length(max=100_000)], render_kw={"rows": 12})
    tags = StringField(_l("Tags"), filters=[strip], validators=[Optional(), Length(max=300)],
                       description=_l("Separated by commas."))
    author_name = StringField(_l("Author"), filters=[strip],
                              validators=[Optional(), Length(max=120)])
    cover = FileField(_l("Cover image"), description=_l("JPEG, PNG or WebP, at most 5 MB."))

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in (
            "category", "title_vi", "title_en", "lead_vi", "lead_en", "body_vi", "body_en",
            "tags", "author_name")}


class EventForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=kind_choices, validators=[InputRequired()])
    title_vi = StringField(_l("Title (Vietnamese)"), filters=[strip],
                           validators=[InputRequired(), Length(min=3, max=300)])
    description_vi = TextAreaField(_l("Description (Vietnamese)"), filters=[strip],
                                   validators=[Optional(), Length(max=50_000)],
                                   render_kw={"rows": 8},
                                   description=_l("Markdown: **bold**, *italic*, lists, links. "
                                                  "HTML is not allowed."))
    title_en = StringField(_l("Title (English)"), filters=[strip],
                           validators=[Optional(), Length(min=3, max=300)],
                           description=_l("Leave empty if there is no English version."))
    description_en = TextAreaField(_l("Description (English)"), filters=[strip],
                                   validators=[Optional(), Length(max=50_000)],
                                   render_kw={"rows": 8})
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT,
                                   validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[InputRequired()])
    place = StringField(_l("Place"), filters=[strip], validators=[Optional(), Length(max=300)])
    online_url = URLField(_l("Online link"), filters=[strip],
                          validators=[Optional(), URL(), Length(max=500)])
    organiser = StringField(_l("Organiser"), filters=[strip],
                            validators=[Optional(), Length(max=200)])
    registration_url = URLField(_l("External registration link"), filters=[strip],
                                validators=[Optional(), URL(), Length(max=500)])
    capacity = IntegerField(_l("Places for registration on this site"),
                            validators=[Optional(), NumberRange(min=1, max=100_000)],
                            description=_l("Empty: no registration form."))
    listing_ids = StringField(_l("Listings shown at the event"), filters=[strip],
                              validators=[Optional(), Length(max=500)],
                              description=_l("Listing numbers separated by commas; only "
                                             "public listings are shown."))

    def validate_listing_ids(self, field):
        parts = [p.strip() for p in (field.data or "").split(",") if p.strip()]
        if any(not p.isdigit() or int(p) >= 2**31 for p in parts):
            raise ValidationError(_l("Enter listing numbers separated by commas."))

    def listing_id_list(self) -> list[int]:
        return [int(p) for p in (self.listing_ids.data or "").split(",") if p.strip()]

    def values(self) -> dict:
        values = {name: getattr(self, name).data or "" for name in (
            "kind", "title_vi", "title_en", "description_vi", "description_en", "place",
            "online_url", "organiser", "registration_url")}
        values.update(starts_at=to_utc(self.starts_at.data), ends_at=to_utc(self.ends_at.data),
                      capacity=self.capacity.data)
        return values


class ScheduleForm(FlaskForm):
    publish_at = DateTimeLocalField(_l("Publish at"), format=LOCAL_FORMAT,
                                    validators=[Optional()], render_kw={"step": 1},
                                    description=_l("Empty: publish now."))


class ActionForm(FlaskForm):
    """Archive or take back to draft: a button with its CSRF token."""


class RegistrationForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[InputRequired(), Length(max=120)])
    email = EmailField(_l("Email"), filters=[strip],
                       validators=[InputRequired(), Email(), Length(max=254)])
    organisation = StringField(_l("Organisation"), filters=[strip],
                               validators=[Optional(), Length(max=200)])
