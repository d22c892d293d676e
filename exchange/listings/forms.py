"""The listing form: every content field, and conversion to revision content; the rules
the content follows are exchange.listings.rules (the CSV import applies them too)."""
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, MultipleFileField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from exchange import taxonomy
from exchange.listings import rules
from exchange.listings.files import PreparedFile, UploadError, prepare_images, prepare_pdfs
from exchange.listings.models import Kind
from exchange.listings.rules import RuleError, default_expiry, end_of_day, local_today, local_zone
from exchange.listings.rules import add_months, expiry_bounds  # noqa: F401  (still importable here)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class MoneyField(StringField):
    """An amount in VND; accepts 1.500.000, 1 500 000 or 1500000 (₫/VND suffix allowed)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        self.data = rules.parse_money(self.raw)  # a RuleError is a ValueError: the field's error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:,}".replace(",", ".") if self.data is not None else ""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ListingForm(FlaskForm):
    kind = RadioField(_l("Type"), choices=[], validators=[InputRequired()])
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(),
                                    Length(min=rules.TITLE_MIN, max=rules.TITLE_MAX)])
    summary = TextAreaField(_l("Summary"), filters=[strip],
                            validators=[InputRequired(), Length(max=rules.SUMMARY_MAX)],
                            render_kw={"rows": 3, "maxlength": rules.SUMMARY_MAX},
                            description=_l("One or two sentences, at most 300 characters."))
    description = TextAreaField(
        _l("Description"), filters=[strip],
        validators=[Optional(), Length(max=rules.DESCRIPTION_MAX)],
        render_kw={"rows": 10},
        description=_l("Markdown: **bold**, *italic*, lists, links. HTML is not allowed."))
    category = SelectField(_l("Category"), validators=[InputRequired()])
    sector = SelectField(_l("Sector"), validators=[InputRequired()])
    province = SelectField(_l("Province / city"), validators=[InputRequired()])
    price = MoneyField(_l("Price (VND)"), validators=[Optional()],
                       render_kw={"inputmode": "numeric", "placeholder": "150.000.000"})
    price_negotiable = BooleanField(_l("Price negotiable"))
    budget_min = MoneyField(_l("Budget from (VND)"), validators=[Optional()],
                            render_kw={"inputmode": "numeric"})
    budget_max = MoneyField(_l("Budget up to (VND)"), validators=[Optional()],
                            render_kw={"inputmode": "numeric"})
    trl = SelectField(_l("Technology readiness level (TRL)"), validators=[Optional()],
                      description=_l("For offers: 1 = basic principles … 9 = proven in operation."))
    ip_status = SelectField(_l("Intellectual property"), validators=[InputRequired()])
    transfer_modes = MultiCheckboxField(_l("Transfer modes"), validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=rules.QUANTITY_MIN, max=rules.QUANTITY_MAX,
                                message=_l("Enter a whole number of at least 1."))])
    unit = SelectField(_l("Unit"), validators=[Optional()])
    keywords = StringField(_l("Keywords"), filters=[strip],
                           validators=[Optional(), Length(max=rules.KEYWORDS_TEXT_MAX)],
                           description=_l("Separated by commas, e.g. máy sấy, nông sản, "
                                          "năng lượng mặt trời"))
    expires_at = DateField(_l("Expires on"), default=default_expiry,
                           validators=[Optional()],
                           description=_l("At most 24 months from today, unless the "
                                          "exchange set another limit for the category."))
    proposals_close_on = DateField(
        _l("Proposals close on"), validators=[Optional()],
        description=_l("Requests: businesses can send proposals until the end of this day. "
                       "Empty: until the request expires."))
    images = MultipleFileField(_l("Images"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"},
                               description=_l("Up to 8 JPEG, PNG or WebP images, 5 MB each."))
    attachments = MultipleFileField(_l("PDF attachments"),
                                    render_kw={"accept": "application/pdf"},
                                    description=_l("Up to 5 PDF files, 10 MB each."))
    remove_files = MultiCheckboxField(_l("Remove"), coerce=int, validators=[Optional()])
    # staged disclosure: what only businesses the owner grants may see
    description_confidential = BooleanField(
        _l("The description is confidential"),
        description=_l("Everyone sees the title, summary and facts; only businesses you grant "
                       "access read the description."))
    new_files_confidential = BooleanField(
        _l("Files uploaded now are confidential"),
        description=_l("Shown only to businesses you grant access, watermarked with their "
                       "name."))
    confidential_files = MultiCheckboxField(_l("Confidential"), coerce=int,
                                            validators=[Optional()])
    is_anonymous = BooleanField(
        _l("Publish anonymously"),
        description=_l("Your business name, profile link and contact are hidden; the listing "
                       "shows “a verified business in <province>, <sector>” until you grant "
                       "access."))
    agreement_mode = RadioField(_l("Confidentiality agreement"), default="none",
                                validators=[Optional()])
    agreement_text = TextAreaField(
        _l("Your own agreement text"), filters=[strip], validators=[Optional(),
                                                                   Length(max=20000)],
        render_kw={"rows": 6},
        description=_l("Only with “this listing's own text”. Requesters accept it before "
                       "asking for access."))
    action = StringField(default="submit")

    def __init__(self, *args, existing_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", "—")]
        self.kind.choices = taxonomy.choices(taxonomy.KINDS)
        self.category.choices = taxonomy.choices(taxonomy.CATEGORIES)
        self.sector.choices = taxonomy.choices(taxonomy.SECTORS)
        self.province.choices = taxonomy.choices(taxonomy.PROVINCES)
        self.ip_status.choices = taxonomy.choices(taxonomy.IP_STATUSES)
        self.transfer_modes.choices = taxonomy.choices(taxonomy.TRANSFER_MODES)
        self.unit.choices = none + taxonomy.choices(taxonomy.UNITS)
        lang = str(get_locale() or "vi")[:2]
        self.trl.choices = none + [
            (str(level), f"{level} · {en if lang == 'en' else vi}")
            for level, vi, en in taxonomy.TRL_LEVELS
        ]
        self.existing_files = list(existing_files)
        self.remove_files.choices = [(f.id, f.filename) for f in self.existing_files]
        self.confidential_files.choices = [(f.id, f.filename) for f in self.existing_files]
        self.agreement_mode.choices = [
            ("none", _l("None: requesters only write why they are interested")),
            ("default", _l("Our business's agreement (or the exchange's template)")),
            ("custom", _l("This listing's own text")),
        ]
        self.prepared_images: list[PreparedFile] = []
        self.prepared_pdfs: list[PreparedFile] = []
        if not self.is_submitted() and not kwargs.get("data"):
            # a new listing starts from its category's default lifetime
            self.expires_at.data = default_expiry(self.category.data or
                                                  taxonomy.CATEGORIES[0].code)

    def _kept(self, kind) -> int:
        removed = set(self.remove_files.data or ())
        return sum(1 for f in self.existing_files if f.kind == kind and f.id not in removed)

    def validate_images(self, field):
        try:
            self.prepared_images = prepare_images(field.data, already=self._kept("image"))
        except UploadError as error:
            raise ValidationError(str(error.message)) from None

    def validate_attachments(self, field):
        try:
            self.prepared_pdfs = prepare_pdfs(field.data, already=self._kept("pdf"))
        except UploadError as error:
            raise ValidationError(str(error.message)) from None

    @property
    def is_draft(self) -> bool:
        return self.action.data == "draft"

    def validate_expires_at(self, field):
        if field.data is not None:
            _apply(rules.check_expiry, field.data, self.category.data)

    def validate_proposals_close_on(self, field):
        if field.data is None or self.kind.data != Kind.REQUEST:
            return
        if field.data < local_today():
            raise ValidationError(_l("The closing date cannot be in the past."))
        if field.data > (self.expires_at.data or default_expiry(self.category.data)):
            raise ValidationError(_l("Proposals must close before the request expires."))

    def validate_budget_max(self, field):
        _apply(rules.check_budget, self.budget_min.data, field.data)

    def validate_unit(self, field):
        _apply(rules.check_unit, self.quantity.data, field.data)

    def validate_price(self, field):
        if (self.kind.data == Kind.OFFER and field.data is None
                and not self.price_negotiable.data):
            raise ValidationError(_l("Give a price or tick “Price negotiable”."))

    def validate_budget_min(self, field):
        if (self.kind.data == Kind.REQUEST and field.data is None
                and self.budget_max.data is None and not self.price_negotiable.data):
            raise ValidationError(_l("Give a budget range or tick “Price negotiable”."))

    def keyword_list(self) -> list[str]:
        return rules.keyword_list((self.keywords.data or "").split(","))

    def content(self) -> dict:
        """Revision content, in the shape lifecycle.create_listing/save_edit take."""
        is_offer = self.kind.data == Kind.OFFER
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "description": self.description.data or "",
            "category": self.category.data,
            "sector": self.sector.data,
            "province": self.province.data,
            "trl": int(self.trl.data) if is_offer and self.trl.data else None,
            "ip_status": self.ip_status.data,
            "transfer_modes": list(self.transfer_modes.data or []),
            "price_vnd": self.price.data if is_offer else None,
            "budget_min_vnd": None if is_offer else self.budget_min.data,
            "budget_max_vnd": None if is_offer else self.budget_max.data,
            "price_negotiable": bool(self.price_negotiable.data),
            "quantity": self.quantity.data,
            "unit": self.unit.data or None,
            "keywords": self.keyword_list(),
            "expires_at": end_of_day(self.expires_at.data or default_expiry(self.category.data)),
            "proposals_close_at": end_of_day(self.proposals_close_on.data)
            if not is_offer and self.proposals_close_on.data else None,
            "description_confidential": bool(self.description_confidential.data),
            "is_anonymous": bool(self.is_anonymous.data),
        }

    def validate_agreement_mode(self, field):
        # checked here: the text's Optional() ends its own validation when it is empty
        if field.data == "custom" and not self.agreement_text.data:
            raise ValidationError(_l("Write the agreement text, or choose another option."))

    def confidential_ids(self) -> set[int]:
        return set(self.confidential_files.data or ())

    @classmethod
    def data_from(cls, listing, revision) -> dict:
        """Form data prefilled from a revision, for the edit page."""
        content = revision.content()
        expires = content.pop("expires_at")
        closes = content.pop("proposals_close_at")
        return {
            **content,
            "kind": listing.kind,
            "price": content.pop("price_vnd"),
            "budget_min": content.pop("budget_min_vnd"),
            "budget_max": content.pop("budget_max_vnd"),
            "trl": str(content["trl"]) if content["trl"] else "",
            "unit": content["unit"] or "",
            "keywords": ", ".join(content["keywords"] or []),
            "expires_at": expires.astimezone(local_zone()).date()
            if expires else default_expiry(content["category"]),
            "proposals_close_on": closes.astimezone(local_zone()).date() if closes else None,
            "confidential_files": [f.id for f in revision.files if f.is_confidential],
            "agreement_mode": listing.agreement_mode or "none",
            "agreement_text": listing.agreement_text or "",
        }


def _apply(check, *values) -> None:
    """Run a content rule on the form's values; its refusal is the field's error."""
    try:
        check(*values)
    except RuleError as error:
        raise ValidationError(error.message) from None
